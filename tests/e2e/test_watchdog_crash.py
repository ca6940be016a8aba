"""kill -9 of a `gongzhi work` process in the middle of an SLA watchdog job: the broker
redelivers the job to the next worker, and the breach is recorded exactly once."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest
from sqlalchemy import text

from gongzhi.application.base import Meta
from gongzhi.application.communities import RegisterCommunity
from gongzhi.application.work_orders import ReportWorkOrder, WorkOrderPlace
from gongzhi.bootstrap import Platform
from gongzhi.domain.work_order import Category, PlaceKind, Source, Urgency
from gongzhi.infra.broker import make_broker, purge
from gongzhi.infra.settings import Settings
from gongzhi.workers.actors import SLA_QUEUE, Actors
from tests.e2e.conftest import process_env, start, stop

META = Meta(actor="owner-101", reason="报修", actor_role="RESIDENT")
TIMEOUT = 60.0


def eventually(check: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    """Poll an observable condition (readiness pacing, not synchronisation by sleeping)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met before the deadline"
        time.sleep(0.05)


def breaches(platform: Platform, order_id: UUID) -> list[str]:
    return [
        event.kind
        for event in platform.app.repository.event_store.get(order_id)
        if type(event).__name__ == "SlaBreached"
    ]


def watchdog_waiting_on_lock(platform: Platform) -> bool:
    """The worker's watchdog query is blocked behind the test's lock on the work orders view."""
    with platform.engine.connect() as conn:
        waiting = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query LIKE '%FROM work_orders%'"
            )
        ).scalar()
    return bool(waiting)


@pytest.mark.slow
def test_a_watchdog_job_killed_mid_run_is_redelivered_and_records_the_breach_once(
    platform: Platform, settings: Settings
) -> None:
    # Given an order past its dispatch deadline, projected
    app = platform.app
    community = app.register_community(
        META,
        RegisterCommunity(
            name="幸福里", district="红塔区", street="玉兴街道", registered_on=date(2024, 1, 1)
        ),
    ).id
    order_id = app.report_work_order(
        META,
        ReportWorkOrder(
            community_id=community,
            source=Source.RESIDENT,
            category=Category.ELEVATOR,
            urgency=Urgency.EMERGENCY,
            description="电梯困人",
            place=WorkOrderPlace(kind=PlaceKind.COMMUNITY),
        ),
    ).id
    platform.projection_runner().catch_up()
    late = (datetime.now(UTC) + timedelta(hours=3)).isoformat()

    # And workers that count a peer silent for a second as dead, checking on every fetch
    env = process_env(
        settings,
        GONGZHI_BROKER_HEARTBEAT_TIMEOUT_MS="1000",
        GONGZHI_BROKER_MAINTENANCE_CHANCE="1000000",
    )
    namespace = env["GONGZHI_BROKER_NAMESPACE"]
    assert settings.database_url is not None
    sender = Actors(make_broker(settings.broker_url or "", namespace), settings.database_url)
    redis = sender.broker.client
    first = start(["work", "--processes", "1", "--threads", "1"], env)
    second = None
    try:
        with platform.engine.connect() as blocker:
            # When the watchdog job starts on the first worker and stalls on the view
            blocker.execute(text("LOCK TABLE work_orders IN ACCESS EXCLUSIVE MODE"))
            sender.check_work_order_slas.send(late)
            eventually(lambda: watchdog_waiting_on_lock(platform))

            # And that worker is killed with SIGKILL while the job runs
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
            acks = list(redis.scan_iter(match=f"{namespace}:__acks__.*.{SLA_QUEUE}"))
            assert len(acks) == 1, "the dead worker holds the job, unacknowledged"
            blocker.rollback()
        assert breaches(platform, order_id) == []

        # Then a new worker gets the job once the dead one's heartbeat is stale
        second = start(["work", "--processes", "1", "--threads", "1"], env)
        eventually(lambda: breaches(platform, order_id) == ["DISPATCH"])
        eventually(lambda: not list(redis.scan_iter(match=f"{namespace}:__acks__.*.{SLA_QUEUE}")))

        # And the same job sent again (a second delivery) records nothing more
        sender.check_work_order_slas.send(late)
        sender.broker.join(SLA_QUEUE, timeout=int(TIMEOUT * 1000))
        assert breaches(platform, order_id) == ["DISPATCH"]
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
        if second is not None:
            assert stop(second, signal.SIGTERM) == 0
        sender.close()
        purge(make_broker(settings.broker_url or "", namespace))
