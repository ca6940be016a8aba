"""Requesting a district's 健康指数 run (a regulator of the district)."""

from __future__ import annotations

from gongzhi.application.base import Done
from gongzhi.application.health import RequestHealthRun
from gongzhi.domain.health import half_year, health_config
from gongzhi.graphql.commands import mutation, mutations
from gongzhi.graphql.context import Context
from gongzhi.graphql.health.types import HealthRunPayload
from gongzhi.graphql.permissions import Action, Target
from gongzhi.graphql.references import Found


def district_target(_: Context, command: RequestHealthRun, __: dict[str, Found]) -> Target:
    """The run names a district, not a stored thing: the regulator must hold it."""
    return Target(district=command.district.strip())


async def health_run_reply(
    context: Context, done: Done, command: RequestHealthRun
) -> HealthRunPayload:
    return HealthRunPayload(
        district=command.district.strip(),
        period=half_year(command.period).label,
        config=health_config(command.config).key,
        position=str(done.position),
    )


HealthMutations = mutations(
    "HealthMutations",
    mutation(
        RequestHealthRun,
        Action.REQUEST_HEALTH_RUN,
        reply=health_run_reply,
        target=district_target,
    ),
)
