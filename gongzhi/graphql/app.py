"""The HTTP application: GraphQL (and GraphiQL in development) behind bearer-token auth."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson
from anyio import CapacityLimiter
from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from gongzhi.application.app import Gongzhi
from gongzhi.graphql.auth import (
    AuthenticationFailed,
    Principal,
    Role,
    bearer_token,
    read_token,
)
from gongzhi.graphql.body_limit import BodyLimit
from gongzhi.graphql.context import Context, Services
from gongzhi.graphql.nul import MESSAGE as NUL_MESSAGE
from gongzhi.graphql.nul import nul_path
from gongzhi.graphql.positions import ProjectionWatch
from gongzhi.graphql.rate_limit import MutationBudget
from gongzhi.graphql.schema import schema
from gongzhi.infra.settings import PgParams, Settings
from gongzhi.projections.views import PROJECTION_NAME

NOBODY = Principal(subject="anonymous", role=Role.RESIDENT, unit_ids=())


class GongzhiGraphQL(GraphQL[Context, None]):
    def __init__(self, holder: dict[str, Services], secret: str, *, ide: bool) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if ide else None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self.holder = holder
        self.secret = secret

    # orjson: the page of 100 communities is serialised in a tenth of the standard library's
    # time (results hold only JSON values: scalars are serialised by then). Text, not bytes:
    # websocket messages must go out as text frames.
    def encode_json(self, data: object) -> str:
        return orjson.dumps(data).decode()

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        request_data: GraphQLRequestData = kwargs["request_data"]
        place = nul_path(request_data.variables or {}, "variables")
        if place is not None:
            return ExecutionResult(data=None, errors=[GraphQLError(f"{place}: {NUL_MESSAGE}")])
        return await super().execute_single(*args, **kwargs)

    async def get_context(self, request: Any, response: Any) -> Context:
        # The gate authenticated every operation; only the GraphiQL page arrives without a
        # principal, and it executes nothing — it gets one that may see nothing.
        principal = request.scope.get("state", {}).get("principal", NOBODY)
        return Context(principal=principal, services=self.holder["services"])

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """A websocket signs in with ``{"authorization": "Bearer …"}`` in its connection_init
        payload, unless the gate already read a valid Authorization header; else 4403."""
        params = context.connection_params or {}
        if "authorization" in params or context.principal is NOBODY:
            try:
                token = bearer_token(str(params.get("authorization") or ""))
                context.principal = read_token(self.secret, token)
            except AuthenticationFailed as failure:
                raise ConnectionRejectionError({"message": str(failure)}) from None
        return UNSET


class AuthGate:
    """Every GraphQL request must carry a valid token; without one it gets 401 and no data.
    A websocket gets no data before it signs in (see ``GongzhiGraphQL.on_ws_connect``)."""

    def __init__(self, inner: ASGIApp, secret: str, *, ide: bool) -> None:
        self.inner = inner
        self.secret = secret
        self.ide = ide

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope)
            wants_ide = request.method == "GET" and "query" not in request.query_params
            if not (wants_ide and self.ide):
                try:
                    token = bearer_token(request.headers.get("authorization"))
                    principal = read_token(self.secret, token)
                except AuthenticationFailed as failure:
                    await unauthenticated(str(failure))(scope, receive, send)
                    return
                scope.setdefault("state", {})["principal"] = principal
        elif scope["type"] == "websocket" and "authorization" in Headers(scope=scope):
            # Browsers cannot set headers on a websocket: without one, the token comes in
            # the connection_init payload (``on_ws_connect``). A bad header is refused here.
            try:
                token = bearer_token(Headers(scope=scope).get("authorization"))
                principal = read_token(self.secret, token)
            except AuthenticationFailed:
                await send({"type": "websocket.close", "code": 4401})
                return
            scope.setdefault("state", {})["principal"] = principal
        await self.inner(scope, receive, send)


def unauthenticated(message: str) -> Response:
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]},
        status_code=401,
        headers={"WWW-Authenticate": "Bearer"},
    )


async def _init_connection(conn: asyncpg.Connection) -> None:
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(kind, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(pg: PgParams, size: int) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        host=pg.host,
        port=pg.port,
        user=pg.user,
        password=pg.password or None,
        database=pg.dbname,
        min_size=1,
        max_size=size,
        init=_init_connection,
    )
    assert pool is not None
    return pool


def create_app(settings: Settings, app: Gongzhi) -> Starlette:
    """The ASGI app over an event-sourced application; the asyncpg pool lives in its lifespan."""
    assert settings.database_url, "resolve the database URL first"
    pg = PgParams.from_url(settings.database_url)
    holder: dict[str, Services] = {}

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        pool = await create_pool(pg, settings.pool_size * 2)
        watch = ProjectionWatch(pool, PROJECTION_NAME)
        await watch.start()
        holder["services"] = Services(
            app=app,
            pool=pool,
            watch=watch,
            limiter=CapacityLimiter(settings.pool_size),
            read_your_writes_timeout=settings.read_your_writes_timeout,
            budget=MutationBudget(settings.limits.mutations_per_minute),
        )
        try:
            yield
        finally:
            await watch.stop()
            await pool.close()

    async def health(_: Request) -> Response:
        services = holder["services"]
        await services.pool.fetchval("SELECT 1")
        return JSONResponse({"status": "ok", "projected": services.watch.position})

    async def home(_: Request) -> Response:
        return RedirectResponse("/graphql")

    graphql = AuthGate(
        GongzhiGraphQL(holder, settings.jwt_secret, ide=settings.development),
        settings.jwt_secret,
        ide=settings.development,
    )
    return Starlette(
        routes=[
            Route("/", home),
            Route("/healthz", health),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
        ],
        lifespan=lifespan,
        middleware=[Middleware(BodyLimit, limits=settings.limits)],
    )
