"""A request id for every HTTP request and websocket: the caller's ``X-Request-Id`` when it
is a plain token (a proxy's or a client's, to follow one request across systems), else a new
one. It is answered in the ``X-Request-Id`` header and put on every log line written while
the request runs (``gongzhi.infra.logs``)."""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gongzhi.infra.logs import REQUEST_ID

HEADER = "x-request-id"
# Only what cannot smuggle anything into a log line or a header.
ACCEPTED = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestId:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(HEADER, "")
        request_id = given if ACCEPTED.fullmatch(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)
