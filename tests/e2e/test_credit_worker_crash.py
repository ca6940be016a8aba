"""kill -9 of a `gongzhi work` process in the middle of a 信用评价 job: the broker redelivers
the unacknowledged message to the next worker, and the evaluation is recorded once."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections.abc import Callable
from datetime import date
from uuid import UUID

import pytest
from dramatiq.brokers.redis import MAINTENANCE_SCALE, RedisBroker
from sqlalchemy import text
from sqlalchemy.engine import Engine

from gongzhi.application.base import Meta
from gongzhi.application.communities import ChangeManagementMode, RegisterCommunity
from gongzhi.application.companies import RegisterCompany
from gongzhi.bootstrap import Platform
from gongzhi.demo import credit_code
from gongzhi.domain.credit_evaluation import CreditEvaluation
from gongzhi.domain.credit_rule_sets import DEFAULT_RULE_SET
from gongzhi.domain.credit_rules import Period
from gongzhi.infra.broker import purge
from gongzhi.infra.settings import Settings
from gongzhi.workers.actors import CREDIT_QUEUE, Actors
from tests.e2e.conftest import process_env, start, stop

META = Meta(actor="regulator-1", reason="信用评价", actor_role="REGULATOR")
# The test's broker calls a worker dead 3 s after its last heartbeat (live ones beat every
# second) and runs the broker's maintenance, which requeues a dead worker's messages, on
# every command.
HEARTBEAT_TIMEOUT_MS = 3_000


def until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout}s"
        threading.Event().wait(0.1)


def blocked_on_a_lock(engine: Engine) -> bool:
    with engine.connect() as conn:
        waiting = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            )
        ).scalar_one()
    return bool(waiting)


@pytest.mark.slow
def test_a_job_killed_midway_is_redelivered_and_recorded_once(
    platform: Platform, settings: Settings
) -> None:
    # Given a company serving a community, projected
    app = platform.app
    company = app.register_company(
        META, RegisterCompany(name="烟台安居物业", credit_code=credit_code(random.Random(7)))
    )
    community = app.register_community(
        META,
        RegisterCommunity(
            name="幸福里", district="芝罘区", street="向阳街道", registered_on=date(2025, 1, 1)
        ),
    ).id
    app.change_management_mode(
        META,
        ChangeManagementMode(
            community_id=community,
            mode="PROFESSIONAL",
            company_id=company.id,
            effective_from=date(2026, 1, 1),
        ),
    )
    platform.projection_runner().catch_up()
    env = process_env(settings)
    namespace = env["GONGZHI_BROKER_NAMESPACE"]
    assert settings.broker_url is not None and settings.database_url is not None
    broker = RedisBroker(
        url=settings.broker_url,
        namespace=namespace,
        heartbeat_timeout=HEARTBEAT_TIMEOUT_MS,
        maintenance_chance=MAINTENANCE_SCALE,
    )
    actors = Actors(broker, settings.database_url, master_key_file=settings.master_key_file)
    evaluation_id = CreditEvaluation.id_for(company.id, Period.parse("2026Q3"), DEFAULT_RULE_SET)
    worker = start(["work", "--processes", "1", "--threads", "1"], env)
    try:
        # And the views the job reads locked, so that the job stops halfway
        with platform.engine.connect() as blocker:
            blocker.execute(text("LOCK TABLE community_modes IN ACCESS EXCLUSIVE MODE"))

            # When the job is sent and the worker is killed with SIGKILL while it waits
            actors.evaluate_company.send(str(company.id), "2026Q3", None)
            until(lambda: blocked_on_a_lock(platform.engine), 60, "the job starting")
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
            blocker.rollback()

        # Then nothing was recorded, and the message is still unacknowledged
        assert list(app.recorder.select_events(evaluation_id)) == []

        # When a new worker starts and the broker gives it the dead worker's message
        worker = start(["work", "--processes", "1", "--threads", "1"], env)

        def recorded() -> bool:
            broker.do_qsize(CREDIT_QUEUE)  # each broker command runs maintenance here
            return bool(list(app.recorder.select_events(evaluation_id)))

        until(recorded, 90, "the redelivered job")
        # And the queue drains (the requeued message was acknowledged)
        until(lambda: broker.do_qsize(CREDIT_QUEUE) == 0, 30, "the queue draining")
    finally:
        assert stop(worker, signal.SIGTERM) in (0, -signal.SIGKILL)
        purge(broker)

    # Then the evaluation was recorded exactly once
    events = [e.topic.rsplit(".", 1)[-1] for e in app.recorder.select_events(evaluation_id)]
    assert events == ["Evaluated"]
    loaded = app.load(CreditEvaluation, evaluation_id, "id")
    assert loaded.company_id == UUID(str(company.id))
