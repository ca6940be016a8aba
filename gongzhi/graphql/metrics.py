"""What the API process can observe, for Prometheus (``/metrics``) and for a load balancer
(``/readyz``).

- every GraphQL operation: count and latency by operation name and type, and its errors by
  kind — a union member's typename (``ValidationError``, ``NotFound``, ``Conflict``,
  ``Forbidden``) as resolvers answer with one, or ``GraphQLError`` for each error in the
  response's ``errors``;
- read-your-writes waits that timed out (a mutation answered before the views caught up);
- read at each scrape from the database, so every API process reports the same: the
  projector's lag (events and seconds behind the event log's head) and the outbox's depth.

Operation names come from clients: a name is used as a label only if it is a plain GraphQL
name, and at most ``MAX_OPERATIONS`` distinct labels are kept (later ones count as
``other``), so a client cannot grow the metrics without bound. An unnamed operation is
labelled by its first root field, which the schema bounds.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from graphql import FieldNode, OperationDefinitionNode
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from gongzhi.graphql.context import Services
from gongzhi.graphql.errors import Problem
from gongzhi.graphql.rate_limit import RateLimited
from gongzhi.projections.views import PROJECTION_NAME

REGISTRY = CollectorRegistry()
MAX_OPERATIONS = 500
OTHER = "other"
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
# /readyz gives up on the database after this many seconds.
READY_TIMEOUT = 2.0

REQUESTS = Counter(
    "gongzhi_graphql_requests",
    "GraphQL operations executed, by operation name and type",
    ["operation", "type"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "gongzhi_graphql_request_duration_seconds",
    "Time to answer a query or mutation (from parsing to the result), by operation name",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
ERRORS = Counter(
    "gongzhi_graphql_errors",
    "Errors answered, by operation name and kind: a typed error's union member "
    "(ValidationError, NotFound, Conflict, Forbidden, RateLimited) or GraphQLError",
    ["operation", "kind"],
    registry=REGISTRY,
)
RYW_TIMEOUTS = Counter(
    "gongzhi_read_your_writes_timeouts",
    "Mutations answered before the views included their change (the wait timed out)",
    registry=REGISTRY,
)
HEAD = Gauge("gongzhi_event_log_head", "Position of the last recorded event", registry=REGISTRY)
PROJECTED = Gauge(
    "gongzhi_projected_position", "Position up to which the views are built", registry=REGISTRY
)
LAG_EVENTS = Gauge(
    "gongzhi_projector_lag_events",
    "Events recorded but not yet in the views",
    registry=REGISTRY,
)
LAG_SECONDS = Gauge(
    "gongzhi_projector_lag_seconds",
    "While events wait, seconds since the views last advanced (0 when caught up)",
    registry=REGISTRY,
)
LISTENING = Gauge(
    "gongzhi_read_your_writes_listening",
    "1 while the API's LISTEN connection for the projector's position is up; 0 while "
    "read-your-writes falls back to polling (after a database restart, until it listens again)",
    registry=REGISTRY,
)
OUTBOX_DEPTH = Gauge(
    "gongzhi_outbox_depth", "Jobs committed but not yet sent to the broker", registry=REGISTRY
)
OUTBOX_AGE = Gauge(
    "gongzhi_outbox_oldest_seconds",
    "Age of the oldest job waiting in the outbox (0 when empty)",
    registry=REGISTRY,
)

# The label of the operation being executed, for errors counted inside its resolvers.
OPERATION: ContextVar[str] = ContextVar("gongzhi_operation", default=OTHER)
_labels: set[str] = set()


def label(name: str | None) -> str:
    if not name or NAME.fullmatch(name) is None:
        return OTHER
    if name not in _labels:
        if len(_labels) >= MAX_OPERATIONS:
            return OTHER
        _labels.add(name)
    return name


def refused(problem: Problem | RateLimited) -> None:
    """Count a typed error answered by a resolver (a mutation's or a lookup's union member)."""
    ERRORS.labels(OPERATION.get(), type(problem).__name__).inc()


def read_your_writes_timed_out() -> None:
    RYW_TIMEOUTS.inc()


def _operation(context: ExecutionContext) -> OperationDefinitionNode | None:
    """The operation that runs: the one named, else the document's first."""
    document = context.graphql_document
    if document is None:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    for operation in operations:
        if context.operation_name is None or (
            operation.name is not None and operation.name.value == context.operation_name
        ):
            return operation
    return None


def _first_root_field(operation: OperationDefinitionNode | None) -> str | None:
    if operation is None:
        return None
    for selection in operation.selection_set.selections:
        if isinstance(selection, FieldNode):
            return selection.name.value
    return None


class ObserveOperations(SchemaExtension):
    """Counts and times each operation; sets ``OPERATION`` for the resolvers' typed errors."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        name = OPERATION.get()
        if context.graphql_document is None:
            kind = "invalid"
        else:
            try:
                kind = context.operation_type.value
            except RuntimeError:
                kind = "invalid"
        REQUESTS.labels(name, kind).inc()
        if kind != OperationType.SUBSCRIPTION.value:  # a subscription's time is its lifetime
            LATENCY.labels(name).observe(time.perf_counter() - started)
        # The result holds the parse and validation errors too, once there is one.
        result = context.result
        errors = len((result.errors if result is not None else context.pre_execution_errors) or ())
        if errors:
            ERRORS.labels(name, "GraphQLError").inc(errors)

    def on_parse(self) -> Iterator[None]:
        yield
        context = self.execution_context
        OPERATION.set(label(context.operation_name or _first_root_field(_operation(context))))


@dataclass(frozen=True)
class Lag:
    head: int
    projected: int
    seconds: float
    outbox: int
    outbox_age: float

    @property
    def events(self) -> int:
        return max(0, self.head - self.projected)


async def read_lag(services: Services) -> Lag:
    """The projector's lag and the outbox's depth, as the database has them now."""
    table = services.app.recorder.events_table_name  # type: ignore[attr-defined]
    row = await services.pool.fetchrow(
        f'SELECT (SELECT coalesce(max(notification_id), 0) FROM "{table}") AS head, '
        "t.position AS projected, "
        "extract(epoch FROM now() - t.updated_at)::float8 AS still, "
        "(SELECT count(*) FROM outbox) AS outbox, "
        "coalesce(extract(epoch FROM now() - (SELECT min(created_at) FROM outbox)), 0)::float8"
        " AS outbox_age "
        "FROM (SELECT $1::text AS name) n "
        "LEFT JOIN projection_tracking t ON t.name = n.name",
        PROJECTION_NAME,
    )
    assert row is not None
    head, projected = int(row["head"]), int(row["projected"] or 0)
    behind = head > projected
    return Lag(
        head=head,
        projected=projected,
        seconds=float(row["still"] or 0) if behind else 0.0,
        outbox=int(row["outbox"]),
        outbox_age=float(row["outbox_age"]),
    )


def routes(
    holder: dict[str, Services],
    *,
    max_lag_events: int,
    max_lag_seconds: float,
    token: str | None,
) -> list[Route]:
    """``/metrics`` (behind ``token`` when one is configured) and ``/readyz``."""

    async def metrics(request: Request) -> Response:
        if token and request.headers.get("authorization") != f"Bearer {token}":
            return Response("a metrics token is required\n", 401, media_type="text/plain")
        services = holder["services"]
        LISTENING.set(1 if services.watch.listening else 0)
        lag = await read_lag(services)
        HEAD.set(lag.head)
        PROJECTED.set(lag.projected)
        LAG_EVENTS.set(lag.events)
        LAG_SECONDS.set(lag.seconds)
        OUTBOX_DEPTH.set(lag.outbox)
        OUTBOX_AGE.set(lag.outbox_age)
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    async def ready(_: Request) -> Response:
        try:
            lag = await asyncio.wait_for(read_lag(holder["services"]), READY_TIMEOUT)
        except Exception:  # unreachable, refused, timed out: not ready, whatever the cause
            silent = {"status": "unavailable", "database": f"no answer within {READY_TIMEOUT:g}s"}
            return JSONResponse(silent, 503)
        body: dict[str, object] = {
            "status": "ok",
            "database": "reachable",
            "lag_events": lag.events,
            "lag_seconds": round(lag.seconds, 3),
        }
        if lag.events > max_lag_events or lag.seconds > max_lag_seconds:
            body["status"] = "lagging"
            return JSONResponse(body, 503)
        return JSONResponse(body)

    return [Route("/metrics", metrics), Route("/readyz", ready)]
