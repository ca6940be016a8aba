"""The request context: who asks, and what the API process holds for its lifetime."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
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


@dataclass
class Context:
    principal: Principal
    services: Services
    loaders: dict[str, Any] = field(default_factory=dict)
    # A websocket's connection_init payload (strawberry fills it in): its bearer token.
    connection_params: dict[str, Any] | None = None
    # The websocket of a subscription connection (closed when its token stops holding).
    websocket: Any = None

    @property
    def pool(self) -> asyncpg.Pool:
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
