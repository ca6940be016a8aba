"""The console (控制台) at ``/console``: a single-page app over the public GraphQL API.

Its sources are in ``console/`` at the repository root (plain JavaScript modules and ECharts,
a committed ``package-lock.json``); ``make console`` (part of ``make install``) builds them
with Vite into ``static/`` here, which ships with the package. The browser fetches nothing
beyond this server, and the page talks only to ``/graphql`` (POST, and ``graphql-transport-ws``
for live data): the console has no endpoint of its own.

Every ``/console/<path>`` that is not a built file is answered with ``index.html``: the app
routes on the client (``/console/committee/fund`` is a view, not a file). Without a build the
answer is a plain page saying how to make one (503), as GraphiQL's is.
"""

from __future__ import annotations

import logging
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

STATIC = Path(__file__).resolve().parent / "static"
PREFIX = "/console"
MISSING = (
    "The console is not built. Run `make install` (or `make console`), which installs its "
    "packages from the npm registry and builds it into gongzhi/console/static."
)
# Vite names the built assets by their content's hash: they never change under their name.
IMMUTABLE = "public, max-age=31536000, immutable"
# The page may load and ask nothing but this server (the browser enforces what the build
# promises); ECharts sets styles inline, downloads made in the page are blob: links.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)

log = logging.getLogger(__name__)


def built() -> bool:
    return (STATIC / "index.html").is_file()


def _index() -> Response:
    if not built():
        return HTMLResponse(
            f"<!doctype html><html lang='zh-CN'><meta charset='utf-8'><title>共治控制台</title>"
            f"<h1>控制台尚未构建</h1><p>{MISSING}</p></html>",
            503,
        )
    # The page names the current assets: never kept stale by a cache.
    return FileResponse(
        STATIC / "index.html",
        headers={"Cache-Control": "no-cache", "Content-Security-Policy": POLICY},
    )


async def page(request: Request) -> Response:
    """A built file under ``/console/``, else the app's page (client-side routes)."""
    path = request.path_params.get("path", "")
    if path and built():
        target = (STATIC / path).resolve()
        if target.is_relative_to(STATIC) and target.is_file():
            cache = IMMUTABLE if target.parent.name == "assets" else "no-cache"
            return FileResponse(target, headers={"Cache-Control": cache})
    if path.startswith("assets/"):
        # A missing asset is missing: a page in its place would be run as a script.
        return Response("not found", 404, media_type="text/plain")
    return _index()


async def bare(_: Request) -> Response:
    return RedirectResponse(f"{PREFIX}/")


def routes() -> list[BaseRoute]:
    """``/console`` (to ``/console/``) and everything under it."""
    if not built():
        log.warning(MISSING)
    return [Route(PREFIX, bare), Route(f"{PREFIX}/{{path:path}}", page)]
