"""An export written to a file on this machine (``gongzhi export``): the same run as a
download, the caller being the token given (narrowed to today's facts, as the API does) or
an operator of the platform."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from anyio import CapacityLimiter

from gongzhi.application.app import Gongzhi
from gongzhi.graphql.access import current_principal
from gongzhi.graphql.app import create_pool
from gongzhi.graphql.auth import AuthenticationFailed, Principal, read_token
from gongzhi.graphql.context import Context, Services
from gongzhi.graphql.errors import Refused
from gongzhi.graphql.exports.catalogue import EXPORTS, ExportKind
from gongzhi.graphql.exports.running import batches, open_export
from gongzhi.graphql.exports.writers import ExportFormat, chunks, write_xlsx
from gongzhi.graphql.positions import ProjectionWatch
from gongzhi.infra.settings import PgParams, Settings
from gongzhi.projections.views import PROJECTION_NAME


@dataclass(frozen=True)
class Written:
    rows: int
    problem: str | None = None  # what the query answered instead of rows


@asynccontextmanager
async def caller_context(
    settings: Settings, app: Gongzhi, principal: Principal | str
) -> AsyncIterator[Context]:
    """The context of a request made on this machine (``gongzhi export``, ``gongzhi
    receipt``) by ``principal``: a token given is read and narrowed as the API does
    (``AuthenticationFailed`` when it does not hold)."""
    assert settings.database_url
    pool = await create_pool(PgParams.from_url(settings.database_url), 2)
    try:
        if isinstance(principal, str):
            principal = read_token(settings.jwt_secret, principal)
            async with pool.acquire() as connection:
                principal = await current_principal(connection, principal)
        watch = ProjectionWatch(pool, PROJECTION_NAME)
        services = Services(
            app=app,
            pool=pool,
            watch=watch,
            limiter=CapacityLimiter(1),
            read_your_writes_timeout=settings.read_your_writes_timeout,
        )
        await watch.start()  # a command's read-your-writes waits on it
        try:
            yield Context(principal=principal, services=services)
        finally:
            await watch.stop()  # its LISTEN connection goes back before the pool closes
    finally:
        await pool.close()


def refusal(refused: Refused) -> str:
    """A refusal in plain words, for the command line."""
    problem = refused.problem
    field = getattr(problem, "field", "")
    return f"{type(problem).__name__}: {field} {problem.message}".strip()


async def export_to_file(
    settings: Settings,
    app: Gongzhi,
    principal: Principal | str,
    kind: ExportKind,
    file_format: ExportFormat,
    given: Mapping[str, str | None],
    out: Path,
    progress: Callable[[int, int], None],
) -> Written:
    """Write the export to ``out`` (whole or not at all: through ``out.part``); a token
    given as ``principal`` is read and narrowed as the API does."""
    try:
        async with caller_context(settings, app, principal) as context:
            export = EXPORTS[kind]
            try:
                opened = await open_export(context, export, given)
            except Refused as refused:
                return Written(0, refusal(refused))

            written = [len(opened.first)]

            def report(done: int) -> None:
                written[0] = done
                progress(done, opened.total)

            part = out.with_name(out.name + ".part")
            rows = batches(context, opened)
            if file_format is ExportFormat.XLSX:
                await write_xlsx(str(part), export.title, export.headers, rows, report)
            else:
                with part.open("wb") as file:
                    async for chunk in chunks(
                        file_format, export.title, export.headers, rows, report
                    ):
                        file.write(chunk)
            os.replace(part, out)
            return Written(written[0])
    except AuthenticationFailed as failure:
        return Written(0, str(failure))
