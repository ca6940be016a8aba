"""Download links of exports, and the route that serves them.

Why a signed link and not an export job: the rows are streamed as they are read, so an
export needs no worker, no stored file and no job table, and nothing waits in a queue. The
GraphQL query ``exportLink`` answers refusals as typed problems (the mirrored query's own)
and gives a link that holds what to export, for whom, until when, signed with a key derived
from the platform's secret. The link alone opens nothing: ``GET /exports/<link>`` also needs
the bearer token of the same subject (so a link in a log, a proxy or a browser history is
useless to others), and the access checks run again, as the query, when the download
starts: rights lost in between are lost for the download too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from gongzhi.graphql.auth import Principal
from gongzhi.graphql.context import Context, Services
from gongzhi.graphql.errors import UNAVAILABLE_MESSAGE, Refused, unreachable
from gongzhi.graphql.exports.catalogue import EXPORTS, ExportKind
from gongzhi.graphql.exports.running import batches, open_export
from gongzhi.graphql.exports.signed import DOCUMENTS, Document, read_link, sign_claims
from gongzhi.graphql.exports.writers import MEDIA_TYPES, ExportFormat, chunks


def sign_link(
    secret: str,
    principal: Principal,
    kind: ExportKind,
    file_format: ExportFormat,
    variables: dict[str, Any],
) -> tuple[str, datetime]:
    return sign_claims(secret, principal, kind.value, file_format.value, variables)


def file_name(title: str, file_format: ExportFormat) -> str:
    return f"{title}.{file_format.value.lower()}"


class ExportDownloads:
    """``GET /exports/<link>``, behind the same token gate as /graphql (``AuthGate``)."""

    def __init__(self, holder: dict[str, Services], secret: str, schema: Any) -> None:
        self.holder = holder
        self.secret = secret
        self.schema = schema  # as served: a download reads from the replica as queries do

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.respond(Request(scope, receive))
        await response(scope, receive, send)

    async def respond(self, request: Request) -> Response:
        principal: Principal = request.scope["state"]["principal"]
        claims = read_link(self.secret, request.path_params["link"], principal)
        if claims is None:
            return _problem(404, "NotFound", "no export link that is yours and still valid")
        context = Context(principal=principal, services=self.holder["services"])
        maker = DOCUMENTS.get(claims["kind"])
        try:
            if maker is not None:
                return _download(await maker(context, claims["args"]))
            export = EXPORTS[ExportKind(claims["kind"])]
            file_format = ExportFormat(claims["format"])
            opened = await open_export(context, export, claims["args"], self.schema)
        except Refused as refused:
            problem = refused.problem
            status = {"NotFound": 404, "Forbidden": 403}.get(type(problem).__name__, 422)
            return _problem(status, type(problem).__name__, problem.message)
        except Exception as error:
            if not unreachable(error):
                raise
            # Nothing was sent yet: the client may simply ask again (503, as /graphql does).
            return unavailable()
        name = file_name(export.title, file_format)
        return StreamingResponse(
            chunks(file_format, export.title, export.headers, batches(context, opened)),
            media_type=MEDIA_TYPES[file_format],
            headers={
                **_attachment(name, f"export.{file_format.value.lower()}"),
                "X-Export-Rows": str(opened.total),
            },
        )


def _download(document: Document) -> Response:
    extension = document.name.rsplit(".", 1)[-1]
    return Response(
        document.content,
        media_type=document.media_type,
        headers=_attachment(document.name, f"document.{extension}"),
    )


def _attachment(name: str, ascii_name: str) -> dict[str, str]:
    return {
        # RFC 6266/5987: the Chinese name for browsers, an ASCII one for the rest.
        "Content-Disposition": f'attachment; filename="{ascii_name}"; '
        f"filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store",
    }


def unavailable() -> Response:
    response = _problem(503, "UNAVAILABLE", UNAVAILABLE_MESSAGE)
    response.headers["Retry-After"] = "5"
    return response


def _problem(status: int, kind: str, message: str) -> Response:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": kind}}]}, status)
