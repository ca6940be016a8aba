"""The SLA watchdog (超时巡检) on real PostgreSQL and a real Redis broker: each missed deadline
is recorded once, however many runs race or are redelivered."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import dramatiq
import pytest
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import text

from gongzhi.application.app import Gongzhi
from gongzhi.application.base import Meta
from gongzhi.application.communities import RegisterCommunity
from gongzhi.application.facilities import RegisterFacility
from gongzhi.application.work_orders import ReportWorkOrder, WorkOrderPlace
from gongzhi.bootstrap import Platform
from gongzhi.domain.facility_rules import FacilityType, InspectionKind, InspectionOutcome
from gongzhi.domain.work_order import Category, PlaceKind, Source, Urgency
from gongzhi.infra.broker import RetryPolicy, make_broker, purge
from gongzhi.infra.eventstore import eventstore_env
from gongzhi.infra.settings import Settings
from gongzhi.workers.actors import SLA_QUEUE, WATCHDOG, Actors
from gongzhi.workers.scheduler import SLA_WATCHDOG, send_sla_watchdog
from tests.integration.test_worker import Attempts

META = Meta(actor="owner-101", reason="报修", actor_role="RESIDENT")
DEADLINE_MS = 20_000


@pytest.fixture
def broker(servers: Any) -> Iterator[RedisBroker]:
    broker = make_broker(
        servers.broker_url,
        namespace=f"gongzhi-test-{uuid.uuid4().hex}",
        retry=RetryPolicy(max_retries=3, min_backoff_ms=20, max_backoff_ms=200),
    )
    yield broker
    purge(broker)


@pytest.fixture
def attempts(broker: RedisBroker) -> Attempts:
    middleware = Attempts()
    broker.add_middleware(middleware)
    return middleware


@pytest.fixture
def actors(broker: RedisBroker, settings: Settings, attempts: Attempts) -> Iterator[Actors]:
    assert settings.database_url is not None
    actors = Actors(broker, settings.database_url, master_key_file=settings.master_key_file)
    yield actors
    actors.close()


@pytest.fixture
def worker(actors: Actors) -> Iterator[dramatiq.Worker]:
    # Four threads, so that jobs sent together really run at the same time.
    worker = dramatiq.Worker(actors.broker, worker_threads=4, worker_timeout=50)
    worker.start()
    yield worker
    worker.stop()


def drain(actors: Actors, worker: dramatiq.Worker) -> None:
    actors.broker.join(SLA_QUEUE, timeout=DEADLINE_MS)
    worker.join()


def reported_order(platform: Platform, urgency: str = "NORMAL") -> UUID:
    """A resident's report in a community of its own, projected."""
    app = platform.app
    community = app.register_community(
        META,
        RegisterCommunity(
            name="幸福里", district="红塔区", street="玉兴街道", registered_on=date(2024, 1, 1)
        ),
    ).id
    order = app.report_work_order(
        META,
        ReportWorkOrder(
            community_id=community,
            source=Source.RESIDENT,
            category=Category.PLUMBING,
            urgency=Urgency(urgency),
            description="楼道水管爆裂",
            place=WorkOrderPlace(kind=PlaceKind.COMMON_AREA, area_name="1栋楼道"),
        ),
    ).id
    platform.projection_runner().catch_up()
    return order


def breaches(platform: Platform, order_id: UUID) -> list[tuple[str, str]]:
    """The order's SlaBreached events in the event store: (kind, detected at)."""
    return [
        (event.kind, event.detected_at.isoformat())
        for event in platform.app.repository.event_store.get(order_id)
        if type(event).__name__ == "SlaBreached"
    ]


def view_flags(platform: Platform, order_id: UUID) -> tuple[Any, ...]:
    with platform.engine.connect() as conn:
        row = conn.execute(
            text("SELECT dispatch_breached, response_breaches FROM work_orders WHERE id = :id"),
            {"id": order_id},
        ).one()
    return tuple(row)


def test_racing_and_repeated_watchdog_jobs_record_a_breach_once(
    platform: Platform, actors: Actors, worker: dramatiq.Worker, attempts: Attempts
) -> None:
    # Given an order whose dispatch deadline passed
    order_id = reported_order(platform)
    late = datetime.now(UTC) + timedelta(hours=25)

    # When four watchdog jobs judging the same moment run at once (a redelivery and a
    # second scheduler firing look just like this), then once more after projection
    for _ in range(4):
        actors.check_work_order_slas.send(late.isoformat())
    drain(actors, worker)
    platform.projection_runner().catch_up()
    actors.check_work_order_slas.send((late + timedelta(minutes=1)).isoformat())
    drain(actors, worker)

    # Then every job succeeded and the store holds one breach, seen at that moment
    assert [error for _, error in attempts.outcomes] == [None] * 5
    assert breaches(platform, order_id) == [("DISPATCH", late.isoformat())]
    platform.projection_runner().catch_up()
    assert view_flags(platform, order_id) == (True, 0)
    # And the breach was recorded by the watchdog, with its reason
    with platform.engine.connect() as conn:
        actor, reason = conn.execute(
            text("SELECT actor, reason FROM event_history WHERE event_type = 'SlaBreached'")
        ).one()
    assert (actor, reason) == (WATCHDOG.actor, WATCHDOG.reason)


def test_a_watchdog_run_before_the_deadline_records_nothing(
    platform: Platform, actors: Actors, worker: dramatiq.Worker
) -> None:
    order_id = reported_order(platform, urgency="EMERGENCY")
    actors.check_work_order_slas.send((datetime.now(UTC) + timedelta(hours=1)).isoformat())
    drain(actors, worker)
    assert breaches(platform, order_id) == []


def test_a_time_without_a_zone_fails_at_once_without_retries(
    platform: Platform, actors: Actors, worker: dramatiq.Worker, attempts: Attempts
) -> None:
    reported_order(platform)
    actors.check_work_order_slas.send("2030-01-01T00:00:00")
    drain(actors, worker)
    assert len(attempts.outcomes) == 1
    assert isinstance(attempts.outcomes[0][1], ValueError)


class RacingGongzhi(Gongzhi):
    """The real application, made to save only when its rival is ready to save too."""

    name = "gongzhi"  # the same event log (the library names a subclass after itself)
    barrier: threading.Barrier

    def record(self, meta: Meta, *aggregates: Any, **kwargs: Any) -> int:
        # A broken barrier: the rival already reloaded and found nothing to do.
        with contextlib.suppress(threading.BrokenBarrierError):
            self.barrier.wait(timeout=DEADLINE_MS / 1000)
        return super().record(meta, *aggregates, **kwargs)


def test_two_runs_that_collide_on_save_leave_one_breach(
    platform: Platform, settings: Settings
) -> None:
    # Given an overdue order, and two watchdog runs in separate processes' applications
    order_id = reported_order(platform)
    late = datetime.now(UTC) + timedelta(hours=25)
    RacingGongzhi.barrier = threading.Barrier(2)
    runs = [RacingGongzhi(env=eventstore_env(platform.pg, 2)) for _ in range(2)]
    results: list[object] = []

    def run(app: Gongzhi) -> None:
        results.append(app.record_sla_breaches(WATCHDOG, order_id, late))

    # When both load the order, find the breach due and save at the same moment
    threads = [threading.Thread(target=run, args=(app,)) for app in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE_MS / 1000)
    for app in runs:
        app.close()

    # Then one save won; the other conflicted, reloaded, and found it already recorded
    assert sorted(type(result).__name__ for result in results) == ["Done", "NoneType"]
    assert breaches(platform, order_id) == [("DISPATCH", late.isoformat())]


def test_the_scheduler_fires_the_watchdog_every_minute_judging_the_moment_it_fires(
    actors: Actors,
) -> None:
    # The trigger: one minute after each run
    noon = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    assert SLA_WATCHDOG.get_next_fire_time(noon, noon + timedelta(seconds=1)) == noon + timedelta(
        minutes=1
    )
    # What it sends: the watchdog job with the moment fixed, zone included
    before = datetime.now(UTC)
    send_sla_watchdog(actors)
    actors.broker.declare_queue(SLA_QUEUE)
    consumer = actors.broker.consume(SLA_QUEUE, prefetch=1, timeout=1000)
    message = next(iter(consumer))
    assert message is not None
    consumer.ack(message)
    consumer.close()
    assert message.actor_name == "check_work_order_slas"
    sent_for = datetime.fromisoformat(message.args[0])
    assert before <= sent_for <= datetime.now(UTC)


def test_the_watchdog_opens_the_work_order_a_crash_left_unopened(
    platform: Platform, actors: Actors, worker: dramatiq.Worker
) -> None:
    # Given an inspection whose defect was saved, and a crash before its work order was opened
    app = platform.app
    community = app.register_community(
        META,
        RegisterCommunity(
            name="幸福里", district="红塔区", street="玉兴街道", registered_on=date(2024, 1, 1)
        ),
    ).id
    hydrant = app.register_facility(
        META,
        RegisterFacility(
            community_id=community,
            type=FacilityType.FIRE_HYDRANT,
            name="室外消火栓",
            installed_on=date(2025, 1, 1),
        ),
    ).id
    facility = app.facility(hydrant)
    facility.record_inspection(
        kind=InspectionKind.ROUTINE,
        inspected_on=date.today(),
        inspector="消防专管员",
        outcome=InspectionOutcome.DEFECTS,
        defects=[("无水", "CRITICAL")],
        note="",
        photo_refs=None,
        today=date.today(),
    )
    app.record(META, facility)  # what record_inspection saves before it opens the orders
    platform.projection_runner().catch_up()
    defect = next(iter(app.facility(hydrant).defects.values()))
    assert defect.work_order_id is None

    # When the watchdog runs now (the inspection is too fresh to be swept), then a minute later
    now = datetime.now(UTC)
    actors.check_work_order_slas.send(now.isoformat())
    drain(actors, worker)
    assert app.facility(hydrant).defects[defect.id].work_order_id is None
    for _ in range(2):
        actors.check_work_order_slas.send((now + timedelta(minutes=2)).isoformat())
    drain(actors, worker)

    # Then the defect has its work order, opened once, an emergency at the hydrant
    order_id = app.facility(hydrant).defects[defect.id].work_order_id
    assert order_id is not None
    order = app.work_order(order_id)
    assert (order.source, order.urgency, order.category) == (
        "INSPECTION",
        "EMERGENCY",
        "FIRE_SAFETY",
    )
    events = [type(e).__name__ for e in app.repository.event_store.get(hydrant)]
    assert events.count("DefectWorkOrderLinked") == 1
