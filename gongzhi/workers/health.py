"""健康指数 jobs: gather one community's inputs from the views, then record its assessment
through the application (idempotent per community, half-year and configuration version).
Which communities a district run assesses is read from the views too."""

from __future__ import annotations

import logging
from datetime import date
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.engine import Engine

from gongzhi.application.app import Gongzhi
from gongzhi.application.base import BUSINESS_TZ, Meta
from gongzhi.domain.credit_rules import Period
from gongzhi.domain.health import half_year, previous_half_year
from gongzhi.projections.health import communities_to_assess, health_inputs

log = logging.getLogger(__name__)

WORKER_META = Meta(
    actor="worker:health", reason="健康指数 half-yearly or requested run", actor_role="WORKER"
)


def assess_community(
    engine: Engine, app: Gongzhi, community_id: str, period: str, config: str | None, today: date
) -> bool:
    """Assess one community; ``True`` when an event was recorded, ``False`` when the result is
        the one already recorded (a redelivered job). ``ValueError`` for bad ids or periods, and
    for a community the views do not hold (retrying will not make one)."""
    community = UUID(community_id)
    parsed = half_year(period)
    as_of = min(parsed.end, today)
    # One read-only snapshot of the views: the inputs agree with each other.
    with engine.connect() as conn, conn.begin():
        conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        district, inputs = health_inputs(
            conn, community, parsed.start, parsed.end, as_of, BUSINESS_TZ
        )
    done = app.assess_community_health(
        WORKER_META,
        community_id=community,
        district=district,
        period=parsed.label,
        config=config,
        inputs=inputs,
        as_of=as_of,
    )
    log.debug("health %s %s: %s", community, parsed.label, "recorded" if done else "unchanged")
    return done is not None


def communities_of(engine: Engine, district: str | None, period: str) -> list[str]:
    """Communities registered by the half-year's end, of the district or all (``None``)."""
    end = half_year(period).end
    with engine.connect() as conn:
        return [str(community) for community, _ in communities_to_assess(conn, district, end)]


def previous_half_year_label(today: date) -> str:
    """The half-year before the one ``today`` is in: what the half-yearly run assesses."""
    return previous_half_year(Period.containing(today, "H")).label
