"""The request context and the one path every mutation takes to the application."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import UUID

import asyncpg
from anyio import CapacityLimiter, to_thread

from gongzhi.application.app import Gongzhi
from gongzhi.application.base import Done, Meta
from gongzhi.application.communities import CommunityFacts
from gongzhi.domain.errors import InvalidValue
from gongzhi.graphql.auth import Principal
from gongzhi.graphql.errors import Problem, Refused, forbidden, invalid, problem_from
from gongzhi.graphql.permissions import Action, Target, allowed
from gongzhi.graphql.positions import ProjectionWatch

T = TypeVar("T")


@dataclass
class Services:
    """What the API process holds for its lifetime."""

    app: Gongzhi
    pool: asyncpg.Pool
    watch: ProjectionWatch
    limiter: CapacityLimiter
    read_your_writes_timeout: float


@dataclass
class Context:
    principal: Principal
    services: Services
    loaders: dict[str, Any] = field(default_factory=dict)
    # A websocket's connection_init payload (strawberry fills it in): its bearer token.
    connection_params: dict[str, Any] | None = None

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

    async def execute(
        self,
        action: Action,
        target: Callable[[], Target],
        command: Callable[[Meta], Done],
        reason: str,
        reply: Callable[[Done], Awaitable[T]],
    ) -> T | Problem:
        """Authorise, run one command, wait for the views to include it, then reply.

        Expected failures come back as union members; anything else raises (masked)."""
        try:
            if not reason.strip():
                raise Refused(invalid("input.reason", "must say why the change is made"))
            scope = await self.in_thread(target)
            if not allowed(self.principal, action, scope):
                raise Refused(forbidden(action.value))
            meta = self.meta(reason)
            done = await self.in_thread(lambda: command(meta))
        except Exception as error:
            problem = problem_from(error)
            if problem is None:
                raise
            return problem
        await self.services.watch.wait(done.position, self.services.read_your_writes_timeout)
        return await reply(done)


async def execute_on(
    context: Context,
    action: Action,
    target: Callable[[], Target],
    aggregate_id: str,
    field: str,
    command: Callable[[Meta, UUID], Done],
    reason: str,
    reply: Callable[[Done], Awaitable[T]],
) -> T | Problem:
    """``Context.execute`` for a command on one aggregate named by an id argument."""
    return await context.execute(
        action, target, lambda meta: command(meta, parse_id(aggregate_id, field)), reason, reply
    )


def parse_id(value: str, field: str) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise InvalidValue(field, "is not a valid id") from None


def query_id(value: str, field: str) -> UUID:
    """``parse_id`` for query arguments, answered with a ValidationError."""
    try:
        return UUID(str(value))
    except ValueError:
        raise Refused(invalid(field, "is not a valid id")) from None


def facts_target(facts: CommunityFacts, **extra: Any) -> Target:
    """The access target of a community (district, serving company), plus ``extra``."""
    return Target(
        district=facts.district,
        community_id=facts.id,
        serving_company_id=facts.serving_company_id,
        **extra,
    )


def community_target(
    context: Context, community_id: str, field: str = "communityId"
) -> Callable[[], Target]:
    """A target function (run in the thread pool) for a command on one community."""
    return lambda: facts_target(context.app.community_facts(parse_id(community_id, field)))
