"""GraphiQL from the platform's own assets (development only; production serves no IDE).

The browser fetches nothing beyond this server: React 18, React DOM and GraphiQL 3 come from
the npm registry at install time (``assets/graphiql``, a committed ``package-lock.json``),
and ``make ide`` copies their browser builds (UMD: GraphiQL 3 is the last major version that
ships one, with its fonts inlined in its CSS and graphql-ws bundled) into ``static/``, which
is served under ``/ide/``. The page is ours: it boots GraphiQL against ``/graphql``, with
subscriptions over ``graphql-transport-ws`` on the same path.

The development token is never put in the page by the server (anyone who can reach a
development server would get an administrator's token): ``gongzhi run`` prints a link ending
in ``#token=…``; the fragment stays in the browser, and the page fills the Authorization
header and the websocket's connection_init payload from it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent / "static"
PREFIX = "/ide"
# What `make ide` copies from node_modules (see the Makefile), in the order the page loads it.
SCRIPTS = ("react.production.min.js", "react-dom.production.min.js", "graphiql.min.js")
STYLES = ("graphiql.min.css",)
MISSING = (
    "GraphiQL's assets are not built. Run `make ide` (or `make install`), which installs "
    "them from the npm registry into gongzhi/graphql/ide/static."
)

log = logging.getLogger(__name__)

DEFAULT_QUERY = """# 共治 GraphQL. The Authorization header is in the Headers tab below.
query Districts {
  districtStatistics(district: "红塔区") {
    __typename
    ... on DistrictStatistics { total unmanaged }
    ... on ValidationError { field message }
  }
}
"""

PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>共治 GraphiQL</title>
<style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>
{styles}
</head>
<body>
<div id="graphiql">Loading…</div>
{scripts}
<script>
(function () {{
  // The development token arrives in the link's fragment (never sent to the server) and is
  // kept for this tab only, so that a reload keeps it and the address bar does not show it.
  var fragment = new URLSearchParams(window.location.hash.slice(1));
  var token = fragment.get("token");
  if (token) {{
    sessionStorage.setItem("gongzhi-token", token);
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }} else {{
    token = sessionStorage.getItem("gongzhi-token");
  }}
  var url = new URL("/graphql", window.location.href).href;
  var bearer = token ? "Bearer " + token : "Bearer <token: gongzhi token --role PLATFORM_ADMIN>";
  var fetcher = GraphiQL.createFetcher({{
    url: url,
    subscriptionUrl: url.replace(/^http/, "ws"),
    // A browser cannot set headers on a websocket: the token goes in connection_init.
    wsConnectionParams: token ? {{ authorization: bearer }} : {{}},
  }});
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {{
      fetcher: fetcher,
      defaultQuery: {default_query},
      defaultHeaders: JSON.stringify({{ Authorization: bearer }}, null, 2),
      defaultEditorToolsVisibility: "headers",
      shouldPersistHeaders: false,
    }})
  );
}})();
</script>
</body>
</html>
"""


def built() -> bool:
    return all((STATIC / name).is_file() for name in (*SCRIPTS, *STYLES))


def page() -> Response:
    """The GraphiQL page, or a plain explanation (503) when the assets were never built."""
    if not built():
        return HTMLResponse(f"<!doctype html><title>GraphiQL</title><p>{MISSING}</p>", 503)
    return HTMLResponse(
        PAGE.format(
            styles="\n".join(f'<link rel="stylesheet" href="{PREFIX}/{s}">' for s in STYLES),
            scripts="\n".join(f'<script src="{PREFIX}/{s}"></script>' for s in SCRIPTS),
            default_query=json.dumps(DEFAULT_QUERY),
        )
    )


def assets() -> Mount:
    """The built files under ``/ide/`` (no token: they are public libraries)."""
    if not built():
        log.warning(MISSING)
    return Mount(PREFIX, StaticFiles(directory=STATIC, check_dir=False), name="ide")
