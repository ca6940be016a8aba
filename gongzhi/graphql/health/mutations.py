"""Requesting a district's 健康指数 run (a regulator of the district)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from gongzhi.application.base import Done
from gongzhi.domain.health import half_year, health_config
from gongzhi.graphql.context import Context
from gongzhi.graphql.health.types import HealthRunRequested, HealthRunResult
from gongzhi.graphql.permissions import Action, Target


@strawberry.input(description="Assess every community of a district for a half-year")
class RequestHealthRunInput:
    district: str
    period: str = strawberry.field(description="A half-year like 2026H1")
    config: str | None = strawberry.field(
        default=None, description="name or name/version; the latest default weighting if none"
    )
    reason: str


@strawberry.type
class HealthMutations:
    @strawberry.mutation(description="Assess a district now: queues one job per community")
    async def request_health_run(
        self, info: Info[Context, None], input: RequestHealthRunInput
    ) -> HealthRunResult:
        context = info.context

        async def reply(done: Done) -> HealthRunRequested:
            return HealthRunRequested(
                district=input.district.strip(),
                period=half_year(input.period).label,
                config=health_config(input.config).key,
                position=str(done.position),
            )

        return await context.execute(  # type: ignore[return-value]
            Action.REQUEST_HEALTH_RUN,
            lambda: Target(district=input.district.strip()),
            lambda meta: context.app.request_health_run(
                meta, input.district, input.period, input.config
            ),
            input.reason,
            reply,
        )
