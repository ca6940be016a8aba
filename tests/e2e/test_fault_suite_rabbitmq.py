"""kill -9 of a `gongzhi work` process on RabbitMQ (production's broker) while it holds a
健康指数 message: RabbitMQ puts the unacknowledged message back as soon as the worker's
connection drops, the next worker runs it, and the assessment is recorded once."""

from __future__ import annotations

import os
import signal
from datetime import date

import pytest
from sqlalchemy import text

from gongzhi.application.base import Meta
from gongzhi.application.communities import RegisterCommunity
from gongzhi.bootstrap import Platform
from gongzhi.domain.health import DEFAULT_HEALTH_CONFIG, HealthAssessment, half_year
from gongzhi.infra.broker import make_broker, purge
from gongzhi.infra.settings import Settings
from gongzhi.workers.actors import HEALTH_QUEUE, Actors
from tests.e2e.conftest import process_env, start, stop
from tests.e2e.test_credit_worker_crash import blocked_on_a_lock, until

META = Meta(actor="regulator-1", reason="健康指数", actor_role="REGULATOR")


@pytest.mark.slow
@pytest.mark.parametrize("broker_url", ["rabbitmq"], indirect=True)
def test_a_message_held_by_a_killed_worker_is_redelivered_and_recorded_once(
    platform: Platform, settings: Settings, broker_url: str
) -> None:
    # Given a community, projected, and a worker on RabbitMQ
    app = platform.app
    community = app.register_community(
        META,
        RegisterCommunity(
            name="幸福里", district="红塔区", street="玉兴街道", registered_on=date(2025, 1, 1)
        ),
    ).id
    platform.projection_runner().catch_up()
    env = process_env(settings, GONGZHI_BROKER_URL=broker_url)
    assert settings.database_url is not None
    broker = make_broker(broker_url, env["GONGZHI_BROKER_NAMESPACE"])
    actors = Actors(broker, settings.database_url, master_key_file=settings.master_key_file)
    assessment_id = HealthAssessment.id_for(community, half_year("2026H1"), DEFAULT_HEALTH_CONFIG)
    worker = start(["work", "--processes", "1", "--threads", "1"], env)
    try:
        # And the views the job reads locked, so that the job stops halfway, holding its message
        with platform.engine.connect() as blocker:
            blocker.execute(text("LOCK TABLE facilities IN ACCESS EXCLUSIVE MODE"))

            # When the job is sent and the worker is killed with SIGKILL while it holds it
            actors.assess_community_health.send(str(community), "2026H1", None)
            until(lambda: blocked_on_a_lock(platform.engine), 60, "the job starting")
            assert broker.get_queue_message_counts(HEALTH_QUEUE)[0] == 0, "taken, not ready"
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
            blocker.rollback()

        # Then nothing was recorded, and RabbitMQ has put the message back (no heartbeat
        # timeout to wait for: the dead worker's connection closed)
        assert list(app.recorder.select_events(assessment_id)) == []
        until(lambda: broker.get_queue_message_counts(HEALTH_QUEUE)[0] == 1, 30, "the requeue")

        # When a new worker starts
        worker = start(["work", "--processes", "1", "--threads", "1"], env)

        # Then it runs the message, and the queue drains (it was acknowledged)
        until(lambda: bool(list(app.recorder.select_events(assessment_id))), 90, "the job")
        until(
            lambda: broker.get_queue_message_counts(HEALTH_QUEUE)[0] == 0, 30, "the queue draining"
        )
    finally:
        assert stop(worker, signal.SIGTERM) in (0, -signal.SIGKILL)
        purge(broker, [HEALTH_QUEUE])

    # And the assessment was recorded exactly once, for the community
    events = [e.topic.rsplit(".", 1)[-1] for e in app.recorder.select_events(assessment_id)]
    assert events == ["Assessed"]
    assert app.health_assessment(assessment_id).community_id == community
