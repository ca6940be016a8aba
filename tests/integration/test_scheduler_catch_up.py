"""After a scheduler outage, every missed periodic run runs once (issue 14): a quarterly credit
run or a half-yearly health run whose time fell in the gap is sent by the next leader, and
not again once its effect is recorded. Real PostgreSQL, Redis and a dramatiq worker."""

from __future__ import annotations

from datetime import datetime

import dramatiq
from sqlalchemy import text

from gongzhi.application.base import BUSINESS_TZ, business_today
from gongzhi.bootstrap import Platform
from gongzhi.workers.actors import CREDIT_QUEUE, HEALTH_QUEUE, Actors
from gongzhi.workers.credit import previous_quarter
from gongzhi.workers.health import previous_half_year_label
from gongzhi.workers.scheduler import (
    HALF_YEARLY_HEALTH,
    QUARTERLY_EVALUATION,
    _catch_up,
    last_fire_time,
    missed_runs,
)
from tests.integration.test_worker_credit import (  # noqa: F401 (fixtures)
    DEADLINE_MS,
    actors,
    broker,
    worker,
    yantai_company,
)


def test_the_last_fire_time_is_the_latest_boundary_passed() -> None:
    mid_february = datetime(2027, 2, 15, 9, 0, tzinfo=BUSINESS_TZ)
    assert last_fire_time(QUARTERLY_EVALUATION, mid_february) == datetime(
        2027, 1, 1, 1, 0, tzinfo=BUSINESS_TZ
    )
    assert last_fire_time(HALF_YEARLY_HEALTH, mid_february) == datetime(
        2027, 1, 1, 2, 0, tzinfo=BUSINESS_TZ
    )
    # Just before the quarter's run on its first day, the last one is the quarter before
    early = datetime(2027, 1, 1, 0, 30, tzinfo=BUSINESS_TZ)
    assert last_fire_time(QUARTERLY_EVALUATION, early) == datetime(
        2026, 10, 1, 1, 0, tzinfo=BUSINESS_TZ
    )


def count(platform: Platform, table: str, period: str) -> int:
    with platform.engine.connect() as conn:
        return int(
            conn.execute(
                text(f"SELECT count(*) FROM {table} WHERE period = :p"),
                {"p": period},
            ).scalar_one()
        )


def test_a_new_leader_runs_every_missed_periodic_run_once(
    platform: Platform,
    actors: Actors,  # noqa: F811 (the fixture)
    worker: dramatiq.Worker,  # noqa: F811 (the fixture)
) -> None:
    # Given a company serving a community, and no scheduler running when the last quarter
    # and half-year began (this database is new: no run ever fired)
    yantai_company(platform)
    runner = platform.projection_runner()
    runner.catch_up()
    now = datetime.now(BUSINESS_TZ)
    quarter = previous_quarter(last_fire_time(QUARTERLY_EVALUATION, now).date())  # type: ignore[union-attr]
    half_year = previous_half_year_label(last_fire_time(HALF_YEARLY_HEALTH, now).date())  # type: ignore[union-attr]
    assert quarter == previous_quarter(business_today())
    assert missed_runs(platform.engine, now) == [
        ("evaluate_all_companies", quarter),
        ("assess_district_health", half_year),
    ]

    # When a scheduler becomes leader and catches up
    _catch_up(actors, now)
    for queue in (CREDIT_QUEUE, HEALTH_QUEUE):
        actors.broker.join(queue, timeout=DEADLINE_MS)
    worker.join()
    runner.catch_up()

    # Then the missed quarterly credit run and half-yearly health run have run, once each
    assert count(platform, "credit_evaluations", quarter) == 1
    assert count(platform, "health_assessments", half_year) == 1
    # And the next takeover finds nothing missed, so nothing is sent twice
    assert missed_runs(platform.engine, now) == []
