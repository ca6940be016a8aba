"""The request context: who asks, and what the API process holds for its lifetime."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

import asyncpg
from anyio import CapacityLimiter, to_thread

from gongzhi.application.app import Gongzhi
from gongzhi.application.base import Meta
from gongzhi.graphql.auth import Principal
from gongzhi.graphql.errors import Refused, invalid
from gongzhi.graphql.positions import ProjectionWatch
from gongzhi.graphql.rate_limit import MutationBudget
from gongzhi.infra.limits import Limits

if TYPE_CHECKING:  # replica.py counts its reads in metrics.py, which reads Services
    from gongzhi.graphql.replica import ReplicaWatch

T = TypeVar("T")


@dataclass
class Services:
    """What the API process holds for its lifetime."""

    app: Gongzhi
    pool: asyncpg.Pool
    watch: ProjectionWatch
    limiter: CapacityLimiter
    read_your_writes_timeout: float
    # Mutations per token subject (gongzhi.graphql.rate_limit).
    budget: MutationBudget = field(
        default_factory=lambda: MutationBudget(Limits().mutations_per_minute)
    )
    # A streaming replica for the queries' reads, when configured (gongzhi/graphql/replica.py).
    read_pool: asyncpg.Pool | None = None
    replica: ReplicaWatch | None = None
    # Signs export download links (gongzhi.graphql.exports.links): the platform's secret, so
    # that every API process reads the links of the others.
    link_secret: str = field(default_factory=lambda: secrets.token_hex(32))

    async def views_include(self, position: int) -> bool:
        """Read-your-writes: True once every pool a query may read with shows the views at
        ``position`` (the projector has passed it, and the replica has replayed that);
        False when that takes longer than the timeout."""
        deadline = time.monotonic() + self.read_your_writes_timeout
        if not await self.watch.wait(position, self.read_your_writes_timeout):
            return False
        if self.replica is None:
            return True
        return await self.replica.catch_up(max(0.0, deadline - time.monotonic()))

    async def lagging_head(self, connection: Any) -> int | None:
        """The event log's head if the views have not reached it yet (a thing recorded a
        moment ago may be missing from them), else None. Read on the primary, in one
        snapshot: the log's last position and the projector's."""
        table = self.app.recorder.events_table_name  # type: ignore[attr-defined]
        row = await connection.fetchrow(
            f'SELECT (SELECT coalesce(max(notification_id), 0) FROM "{table}") AS head, '
            "(SELECT position FROM projection_tracking WHERE name = $1) AS projected",
            self.watch.projection,
        )
        head, projected = int(row["head"]), int(row["projected"] or 0)
        return head if head > projected else None


@dataclass
class Context:
    principal: Principal
    services: Services
    loaders: dict[str, Any] = field(default_factory=dict)
    # A websocket's connection_init payload (strawberry fills it in): its bearer token.
    connection_params: dict[str, Any] | None = None
    # The websocket of a subscription connection (closed when its token stops holding).
    websocket: Any = None
    # A query's reads go to the replica (set by replica.ReadFromReplica before it executes).
    on_replica: bool = False

    @property
    def pool(self) -> asyncpg.Pool:
        """The pool this operation reads the views with: the replica's for a query while it
        is usable (gongzhi/graphql/replica.py), else the primary's."""
        if self.on_replica and self.services.read_pool is not None:
            return self.services.read_pool
        return self.services.pool

    @property
    def primary(self) -> asyncpg.Pool:
        """The primary's pool, for what writes (a replica refuses every write)."""
        return self.services.pool

    @property
    def app(self) -> Gongzhi:
        return self.services.app

    async def in_thread(self, function: Callable[[], T]) -> T:
        """Run blocking event-store work in the thread pool sized to its connection pool."""
        return await to_thread.run_sync(function, limiter=self.services.limiter)

    def loader(self, name: str, factory: Callable[[], T]) -> T:
        """One DataLoader of each kind per request."""
        if name not in self.loaders:
            self.loaders[name] = factory()
        loader: T = self.loaders[name]
        return loader

    def meta(self, reason: str) -> Meta:
        """Who (from the token) and why (from the input) for the events a command records."""
        return Meta(
            actor=self.principal.subject,
            reason=reason.strip(),
            actor_role=self.principal.role.value,
        )


def query_id(value: str, field: str) -> UUID:
    """An id argument that declares no kind, answered with a ValidationError if malformed."""
    try:
        return UUID(str(value))
    except ValueError:
        raise Refused(invalid(field, "is not a valid id")) from None
