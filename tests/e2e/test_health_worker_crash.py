"""kill -9 of a `gongzhi work` process in the middle of a 健康指数 job: the broker redelivers
the unacknowledged message to the next worker, and the assessment is recorded once."""

from __future__ import annotations

import os
import signal
from datetime import date

import pytest
from dramatiq.brokers.redis import MAINTENANCE_SCALE, RedisBroker
from sqlalchemy import text

from gongzhi.application.base import Meta
from gongzhi.application.communities import RegisterCommunity
from gongzhi.bootstrap import Platform
from gongzhi.domain.health import DEFAULT_HEALTH_CONFIG, HealthAssessment, half_year
from gongzhi.infra.broker import purge
from gongzhi.infra.settings import Settings
from gongzhi.workers.actors import HEALTH_QUEUE, Actors
from tests.e2e.conftest import process_env, start, stop
from tests.e2e.test_credit_worker_crash import HEARTBEAT_TIMEOUT_MS, blocked_on_a_lock, until

META = Meta(actor="regulator-1", reason="健康指数", actor_role="REGULATOR")


@pytest.mark.slow
def test_a_health_job_killed_midway_is_redelivered_and_recorded_once(
    platform: Platform, settings: Settings
) -> None:
    # Given a community, projected
    app = platform.app
    community = app.register_community(
        META,
        RegisterCommunity(
            name="幸福里", district="红塔区", street="玉兴街道", registered_on=date(2025, 1, 1)
        ),
    ).id
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
    assessment_id = HealthAssessment.id_for(community, half_year("2026H1"), DEFAULT_HEALTH_CONFIG)
    worker = start(["work", "--processes", "1", "--threads", "1"], env)
    try:
        # And the views the job reads locked, so that the job stops halfway
        with platform.engine.connect() as blocker:
            blocker.execute(text("LOCK TABLE facilities IN ACCESS EXCLUSIVE MODE"))

            # When the job is sent and the worker is killed with SIGKILL while it waits
            actors.assess_community_health.send(str(community), "2026H1", None)
            until(lambda: blocked_on_a_lock(platform.engine), 60, "the job starting")
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
            blocker.rollback()

        # Then nothing was recorded, and the message is still unacknowledged
        assert list(app.recorder.select_events(assessment_id)) == []

        # When a new worker starts and the broker gives it the dead worker's message
        worker = start(["work", "--processes", "1", "--threads", "1"], env)

        def recorded() -> bool:
            broker.do_qsize(HEALTH_QUEUE)  # each broker command runs maintenance here
            return bool(list(app.recorder.select_events(assessment_id)))

        until(recorded, 90, "the redelivered job")
        # And the queue drains (the requeued message was acknowledged)
        until(lambda: broker.do_qsize(HEALTH_QUEUE) == 0, 30, "the queue draining")
    finally:
        assert stop(worker, signal.SIGTERM) in (0, -signal.SIGKILL)
        purge(broker)

    # Then the assessment was recorded exactly once, for the community
    events = [e.topic.rsplit(".", 1)[-1] for e in app.recorder.select_events(assessment_id)]
    assert events == ["Assessed"]
    assert app.health_assessment(assessment_id).community_id == community
