"""The HTTP application: GraphQL (and GraphiQL in development) behind bearer-token auth."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
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
from starlette.websockets import WebSocket, WebSocketState
from strawberry import Schema
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.extensions import DisableIntrospection
from strawberry.http import GraphQLRequestData
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from gongzhi import console
from gongzhi.application.app import Gongzhi
from gongzhi.graphql import ide, metrics
from gongzhi.graphql.access import current_principal
from gongzhi.graphql.auth import (
    AuthenticationFailed,
    Principal,
    Role,
    bearer_token,
    read_token,
)
from gongzhi.graphql.body_limit import BodyLimit
from gongzhi.graphql.context import Context, Services
from gongzhi.graphql.errors import UNAVAILABLE_MESSAGE, unreachable
from gongzhi.graphql.exports.links import ExportDownloads
from gongzhi.graphql.exports.signed import PATH as EXPORT_PATH
from gongzhi.graphql.fees.notify import notify_route
from gongzhi.graphql.fees.sandbox_cashier import cashier_routes
from gongzhi.graphql.metrics import ObserveOperations
from gongzhi.graphql.nul import MESSAGE as NUL_MESSAGE
from gongzhi.graphql.nul import nul_path
from gongzhi.graphql.positions import ProjectionWatch
from gongzhi.graphql.rate_limit import MutationBudget
from gongzhi.graphql.replica import ReadFromReplica, ReplicaWatch
from gongzhi.graphql.request_id import RequestId
from gongzhi.graphql.schema import schema
from gongzhi.infra.database import application_name
from gongzhi.infra.payment_channels import channel_adapter
from gongzhi.infra.settings import PgParams, Settings
from gongzhi.projections.views import PROJECTION_NAME

NOBODY = Principal(subject="anonymous", role=Role.RESIDENT, unit_ids=())
# A websocket's token is checked again at least this often (seconds), besides on every
# advance of the views, which is when a revocation becomes visible.
GUARD_INTERVAL = 30.0
DISCONNECTED = WebSocketState.DISCONNECTED


def served_schema(settings: Settings) -> Schema:
    """The schema as served: observed (``metrics.py``), and in production without
    introspection (the schema is published as ``schema.graphql`` to those who build against
    it, not to whoever asks)."""
    served = copy.copy(schema)
    closed = (DisableIntrospection,) if settings.production else ()
    served.extensions = (ObserveOperations, ReadFromReplica, *closed, *schema.extensions)
    return served


class GongzhiGraphQL(GraphQL[Context, None]):
    def __init__(self, holder: dict[str, Services], settings: Settings) -> None:
        super().__init__(
            served_schema(settings),
            graphql_ide="graphiql" if settings.development else None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self.holder = holder
        self.secret = settings.jwt_secret
        self.require_person = settings.requires_person_tokens

    # orjson: the page of 100 communities is serialised in a tenth of the standard library's
    # time (results hold only JSON values: scalars are serialised by then). Text, not bytes:
    # websocket messages must go out as text frames.
    def encode_json(self, data: object) -> str:
        return orjson.dumps(data).decode()

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    async def render_graphql_ide(self, request: Request) -> Response:
        # Our own page over our own assets, not strawberry's (which loads GraphiQL from a CDN).
        return ide.page()

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
        websocket = request if isinstance(request, WebSocket) else None
        return Context(principal=principal, services=self.holder["services"], websocket=websocket)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """A websocket signs in with ``{"authorization": "Bearer …"}`` in its connection_init
        payload, unless the gate already read a valid Authorization header; else 4403.
        Signed in, it is watched: closed (4401) when its token expires or is revoked."""
        params = context.connection_params or {}
        if "authorization" in params or context.principal is NOBODY:
            try:
                token = bearer_token(str(params.get("authorization") or ""))
                principal = read_token(self.secret, token, require_person=self.require_person)
                async with context.pool.acquire() as connection:
                    context.principal = await current_principal(connection, principal)
            except AuthenticationFailed as failure:
                raise ConnectionRejectionError({"message": str(failure)}) from None
        if context.websocket is not None:
            guard = asyncio.create_task(guard_connection(context.websocket, context))
            context.websocket.scope.setdefault("state", {}).setdefault("guards", []).append(guard)
        return UNSET


class AuthGate:
    """Every GraphQL request must carry a valid, unrevoked token; without one it gets 401 and
    no data. What the token claims is narrowed to the facts of today (``access.py``) once per
    request, before anything runs. A websocket gets no data before it signs in (see
    ``GongzhiGraphQL.on_ws_connect``), and is closed when its token expires or is revoked."""

    def __init__(
        self,
        inner: ASGIApp,
        holder: dict[str, Services],
        settings: Settings,
        *,
        serves_ide: bool = True,
    ) -> None:
        self.inner = inner
        self.holder = holder
        self.secret = settings.jwt_secret
        # Only /graphql serves the GraphiQL page (to a GET without a query) in development.
        self.ide = settings.development and serves_ide
        self.require_person = settings.requires_person_tokens

    async def _principal(self, authorization: str | None) -> Principal:
        token = bearer_token(authorization)
        principal = read_token(self.secret, token, require_person=self.require_person)
        async with self.holder["services"].pool.acquire() as connection:
            return await current_principal(connection, principal)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope)
            wants_ide = request.method == "GET" and "query" not in request.query_params
            if not (wants_ide and self.ide):
                try:
                    principal = await self._principal(request.headers.get("authorization"))
                except AuthenticationFailed as failure:
                    await unauthenticated(str(failure))(scope, receive, send)
                    return
                except Exception as error:
                    if not unreachable(error):
                        raise
                    await unavailable()(scope, receive, send)
                    return
                scope.setdefault("state", {})["principal"] = principal
        elif scope["type"] == "websocket":
            if "authorization" in Headers(scope=scope):
                # Browsers cannot set headers on a websocket: without one, the token comes
                # in the connection_init payload (``on_ws_connect``). A bad header is
                # refused here.
                try:
                    principal = await self._principal(Headers(scope=scope).get("authorization"))
                except AuthenticationFailed as failure:
                    await refuse_websocket(scope, receive, send, unauthenticated(str(failure)))
                    return
                except Exception as error:
                    if not unreachable(error):
                        raise
                    await refuse_websocket(scope, receive, send, unavailable(), close_code=1013)
                    return
                scope.setdefault("state", {})["principal"] = principal
            try:
                await self.inner(scope, receive, send)
            finally:
                for guard in scope.get("state", {}).get("guards", []):
                    guard.cancel()
            return
        await self.inner(scope, receive, send)


async def guard_connection(websocket: WebSocket, context: Context) -> None:
    """Keep a signed-in websocket's access following the facts: close it (4401) once its
    token expires or is revoked, and narrow its principal again (a subscription reads
    ``context.principal`` on each pass: a term that ends mid-connection ends its feed).
    Revocations and facts arrive as projected events: the guard wakes on each advance of
    the views (and at least every ``GUARD_INTERVAL`` seconds), and at the token's expiry.
    Narrowing is only ever narrower: a connection does not regain what it lost."""
    services = context.services
    position = services.watch.position
    while DISCONNECTED not in {websocket.client_state, websocket.application_state}:
        wait = GUARD_INTERVAL
        expires_at = context.principal.expires_at
        if expires_at is not None:
            wait = min(wait, (expires_at - datetime.now(UTC)).total_seconds())
        if wait > 0:
            position = await services.watch.next_change(position, wait)
        try:
            async with services.pool.acquire() as connection:
                context.principal = await current_principal(connection, context.principal)
        except AuthenticationFailed as failure:
            with contextlib.suppress(Exception):  # the client may have gone already
                await websocket.close(code=4401, reason=str(failure))
            return


async def refuse_websocket(
    scope: Scope, receive: Receive, send: Send, response: Response, close_code: int = 4401
) -> None:
    """Refuse a websocket handshake as HTTP refuses a request: 401 with the reason, where the
    server can answer a handshake with a response (uvicorn can); else a close before
    accepting, which servers answer with 403."""
    if "websocket.http.response" in (scope.get("extensions") or {}):
        await WebSocket(scope, receive, send).send_denial_response(response)
    else:
        await send({"type": "websocket.close", "code": close_code})


def unavailable() -> Response:
    """The database is out of reach before any operation ran: nothing was done, so the
    client may send the same request again (503 with Retry-After, not a 500)."""
    return JSONResponse(
        {"errors": [{"message": UNAVAILABLE_MESSAGE, "extensions": {"code": "UNAVAILABLE"}}]},
        status_code=503,
        headers={"Retry-After": "5"},
    )


def unauthenticated(message: str) -> Response:
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]},
        status_code=401,
        headers={"WWW-Authenticate": "Bearer"},
    )


async def _init_connection(conn: asyncpg.Connection) -> None:
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(kind, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(pg: PgParams, size: int, name: str = "") -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        host=pg.host,
        port=pg.port,
        user=pg.user,
        password=pg.password or None,
        database=pg.dbname,
        min_size=1,
        max_size=size,
        init=_init_connection,
        # Named as the process (asyncpg does not read PGAPPNAME; see database.py).
        server_settings={"application_name": name or application_name()},
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
        # The requests' connections and the one the read-your-writes watch LISTENs on.
        pool = await create_pool(pg, settings.pool_size + 1)
        watch = ProjectionWatch(pool, PROJECTION_NAME)
        await watch.start()
        read_pool, replica = None, None
        if settings.read_database_url:
            # The queries' pool on the replica, and one connection more for following its
            # replay position (replica.py).
            read_pg = PgParams.from_url(settings.read_database_url)
            read_pool = await create_pool(
                read_pg, settings.pool_size + 1, application_name("-read")
            )
            replica = ReplicaWatch(pool, read_pool)
            await replica.start()
        holder["services"] = Services(
            app=app,
            pool=pool,
            watch=watch,
            limiter=CapacityLimiter(settings.pool_size),
            read_your_writes_timeout=settings.read_your_writes_timeout,
            budget=MutationBudget(settings.limits.mutations_per_minute),
            read_pool=read_pool,
            replica=replica,
            link_secret=settings.jwt_secret,
        )
        try:
            yield
        finally:
            if replica is not None:
                await replica.stop()
            await watch.stop()
            if read_pool is not None:
                await read_pool.close()
            await pool.close()

    async def health(_: Request) -> Response:
        services = holder["services"]
        await services.pool.fetchval("SELECT 1")
        return JSONResponse({"status": "ok", "projected": services.watch.position})

    async def home(_: Request) -> Response:
        return RedirectResponse("/graphql")

    channel = channel_adapter(settings.payment_channel, settings.payment_key_file)
    served = GongzhiGraphQL(holder, settings)
    graphql = AuthGate(served, holder, settings)
    downloads = AuthGate(
        ExportDownloads(holder, settings.jwt_secret, served.schema),
        holder,
        settings,
        serves_ide=False,
    )
    return Starlette(
        routes=[
            Route("/", home),
            Route("/healthz", health),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route(f"{EXPORT_PATH}{{link}}", downloads, methods=["GET"]),
            # 支付结果通知: authenticated by the channel's signature, not a bearer token.
            notify_route(holder, channel),
            *cashier_routes(holder, channel),  # the sandbox's 收银台 (sandbox only)
            *metrics.routes(
                holder,
                max_lag_events=settings.ready_max_lag_events,
                max_lag_seconds=settings.ready_max_lag_seconds,
                token=settings.metrics_token,
            ),
            *([ide.assets()] if settings.development else []),
            # 控制台: the single-page app over this API, in every environment.
            *console.routes(),
        ],
        lifespan=lifespan,
        middleware=[Middleware(RequestId), Middleware(BodyLimit, limits=settings.limits)],
    )
