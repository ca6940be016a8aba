"""Workers on real PostgreSQL and a real Redis broker: snapshots, the outbox relay, retries."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import dramatiq
import pytest
from dramatiq.broker import MessageProxy
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from gongzhi.application.base import Meta, business_today
from gongzhi.application.communities import ChangeManagementMode, RegisterCommunity
from gongzhi.application.companies import RegisterCompany
from gongzhi.bootstrap import Platform
from gongzhi.infra.broker import RetryPolicy, close_broker, make_broker, purge
from gongzhi.infra.settings import Settings
from gongzhi.workers.actors import STATISTICS_QUEUE, Actors
from gongzhi.workers.main import NAMESPACE_ENV
from gongzhi.workers.outbox import outbox_relay
from tests.support import ROOT

META = Meta(actor="tester", reason="worker test", actor_role="PLATFORM_ADMIN")
DEADLINE_MS = 10_000
EMPTY_MODES = {
    "PROFESSIONAL": 0,
    "COMMUNITY_CUSTODY": 0,
    "WORK_UNIT": 0,
    "OWNER_SELF": 0,
    "NONE": 0,
}


class Attempts(dramatiq.Middleware):
    """Records every processed message and its outcome, so a test can wait on a failure."""

    def __init__(self) -> None:
        self.outcomes: list[tuple[str, BaseException | None]] = []
        self.failed = threading.Event()

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: MessageProxy,
        *,
        result: Any | None = None,
        exception: BaseException | None = None,
    ) -> None:
        self.outcomes.append((message.actor_name, exception))
        if exception is not None:
            self.failed.set()


@pytest.fixture
def broker(broker_url: str) -> Iterator[dramatiq.Broker]:
    """A broker of its own namespace on the shared Redis, with fast retries; purged after."""
    broker = make_broker(
        broker_url,
        namespace=f"gongzhi-test-{uuid.uuid4().hex}",
        retry=RetryPolicy(max_retries=3, min_backoff_ms=20, max_backoff_ms=200),
    )
    yield broker
    purge(broker)


@pytest.fixture
def attempts(broker: dramatiq.Broker) -> Attempts:
    middleware = Attempts()
    broker.add_middleware(middleware)
    return middleware


@pytest.fixture
def actors(broker: dramatiq.Broker, settings: Settings, attempts: Attempts) -> Iterator[Actors]:
    assert settings.database_url is not None
    actors = Actors(
        broker,
        settings.database_url,
        lock_timeout_ms=100,
        master_key_file=settings.master_key_file,
    )
    yield actors
    actors.close()


@pytest.fixture
def worker(actors: Actors) -> Iterator[dramatiq.Worker]:
    worker = dramatiq.Worker(actors.broker, worker_threads=2, worker_timeout=50)
    worker.start()
    yield worker
    worker.stop()


def drain(broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
    """Wait until every message, retries included, has been processed (or time out)."""
    broker.join(STATISTICS_QUEUE, timeout=DEADLINE_MS)
    worker.join()


def eventually(check: Callable[[], bool], timeout: float = DEADLINE_MS / 1000) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met before the deadline"
        threading.Event().wait(0.05)


def snapshots(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                text(
                    "SELECT district, as_of, total, unmanaged, by_mode, computed_at "
                    "FROM district_snapshots ORDER BY district, as_of"
                )
            )
        ]


def outbox_rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(text("SELECT actor_name, args FROM outbox ORDER BY args::text"))
        ]


def sent_messages(broker: dramatiq.Broker) -> list[tuple[str, tuple[Any, ...]]]:
    """Consume what is on the statistics queue (without running it)."""
    broker.declare_queue(STATISTICS_QUEUE)
    consumer = broker.consume(STATISTICS_QUEUE, prefetch=100, timeout=100)
    messages = []
    for message in consumer:
        if message is None:
            break
        messages.append((message.actor_name, tuple(message.args)))
        consumer.ack(message)
    consumer.close()
    return sorted(messages)


def two_districts(platform: Platform) -> None:
    """红塔区: one professional, one community custody, one with no mode; 江川区: one unmanaged."""
    app = platform.app
    company = app.register_company(
        META, RegisterCompany(name="玉溪安居物业", credit_code="91350100M000100Y43")
    )
    managed = app.register_community(
        META,
        RegisterCommunity(
            name="幸福里", district="红塔区", street="玉兴街道", registered_on=date(2024, 1, 1)
        ),
    )
    app.change_management_mode(
        META,
        ChangeManagementMode(
            community_id=managed.id,
            mode="PROFESSIONAL",
            company_id=company.id,
            effective_from=date(2024, 3, 1),
        ),
    )
    custody = app.register_community(
        META,
        RegisterCommunity(
            name="和平苑", district="红塔区", street="北城街道", registered_on=date(2024, 1, 1)
        ),
    )
    app.change_management_mode(
        META,
        ChangeManagementMode(
            community_id=custody.id,
            mode="COMMUNITY_CUSTODY",
            company_id=None,
            effective_from=date(2024, 2, 1),
        ),
    )
    app.register_community(
        META,
        RegisterCommunity(
            name="东风新村", district="红塔区", street="春和街道", registered_on=date(2024, 1, 1)
        ),
    )
    unmanaged = app.register_community(
        META,
        RegisterCommunity(
            name="向阳家园", district="江川区", street="大街街道", registered_on=date(2024, 1, 1)
        ),
    )
    app.change_management_mode(
        META,
        ChangeManagementMode(
            community_id=unmanaged.id, mode="NONE", company_id=None, effective_from=date(2024, 1, 1)
        ),
    )


def test_the_snapshot_counts_communities_per_mode_as_of_its_day(
    platform: Platform, actors: Actors, worker: dramatiq.Worker, attempts: Attempts
) -> None:
    # Given two districts projected, one of them with a change that takes effect on 1 March
    two_districts(platform)
    platform.projection_runner().catch_up()

    # When snapshots are refreshed for 15 February and for 1 June, through the broker
    actors.refresh_district_snapshot.send("红塔区", "2024-02-15")
    actors.refresh_district_snapshot.send("红塔区", "2024-06-01")
    actors.refresh_district_snapshot.send("江川区", "2024-06-01")
    drain(actors.broker, worker)

    # Then each day counts the modes in force on it; a community with no mode is unmanaged
    assert [row[:5] for row in snapshots(platform.engine)] == [
        ("江川区", date(2024, 6, 1), 1, 1, {**EMPTY_MODES, "NONE": 1}),
        ("红塔区", date(2024, 2, 15), 3, 2, {**EMPTY_MODES, "COMMUNITY_CUSTODY": 1, "NONE": 2}),
        (
            "红塔区",
            date(2024, 6, 1),
            3,
            1,
            {**EMPTY_MODES, "PROFESSIONAL": 1, "COMMUNITY_CUSTODY": 1, "NONE": 1},
        ),
    ]
    assert [exception for _, exception in attempts.outcomes] == [None, None, None]


def test_running_the_snapshot_twice_leaves_the_same_single_row(
    platform: Platform, actors: Actors, worker: dramatiq.Worker
) -> None:
    # Given a district's snapshot for a day
    two_districts(platform)
    platform.projection_runner().catch_up()
    actors.refresh_district_snapshot.send("红塔区", "2024-06-01")
    drain(actors.broker, worker)
    first = snapshots(platform.engine)

    # When the same job runs again (a re-sent outbox row, a retried message)
    actors.refresh_district_snapshot.send("红塔区", "2024-06-01")
    drain(actors.broker, worker)

    # Then there is still one row, unchanged down to when it was computed
    assert len(first) == 1
    assert snapshots(platform.engine) == first


def test_the_daily_run_fans_out_one_snapshot_per_district(
    platform: Platform, actors: Actors, worker: dramatiq.Worker
) -> None:
    # Given two districts projected
    two_districts(platform)
    platform.projection_runner().catch_up()

    # When the scheduler's job runs for a day
    actors.refresh_all_districts.send("2024-06-01")
    drain(actors.broker, worker)

    # Then every district has its snapshot for that day
    assert [row[:4] for row in snapshots(platform.engine)] == [
        ("江川区", date(2024, 6, 1), 1, 1),
        ("红塔区", date(2024, 6, 1), 3, 1),
    ]


def test_events_reach_the_snapshot_through_outbox_broker_and_worker(
    platform: Platform, broker_url: str, actors: Actors, worker: dramatiq.Worker
) -> None:
    # Given a projector that relays its outbox after every commit, on a broker of its own
    projector_broker = make_broker(broker_url, namespace=actors.broker.namespace)
    relay = outbox_relay(platform.engine, projector_broker)
    runner = platform.projection_runner(after_commit=relay)
    today = business_today()

    # When communities are registered and projected
    two_districts(platform)
    runner.catch_up()
    close_broker(projector_broker)
    drain(actors.broker, worker)

    # Then the outbox is empty and today's snapshots were computed by the worker
    assert outbox_rows(platform.engine) == []
    assert [row[:4] for row in snapshots(platform.engine)] == [
        ("江川区", today, 1, 1),
        ("红塔区", today, 3, 1),
    ]


def test_a_lock_timeout_is_retried_until_the_lock_is_released(
    platform: Platform, actors: Actors, worker: dramatiq.Worker, attempts: Attempts
) -> None:
    # Given a district projected, and a transaction holding a lock that blocks snapshot writes
    two_districts(platform)
    platform.projection_runner().catch_up()
    with platform.engine.connect() as blocker:
        blocker.execute(text("LOCK TABLE district_snapshots IN SHARE MODE"))

        # When the job runs while the lock is held
        actors.refresh_district_snapshot.send("红塔区", "2024-06-01")

        # Then its first attempt fails with the lock timeout
        assert attempts.failed.wait(DEADLINE_MS / 1000)
        actor_name, error = attempts.outcomes[0]
        assert actor_name == "refresh_district_snapshot"
        assert isinstance(error, OperationalError)
        assert "lock timeout" in str(error)
        blocker.rollback()

    # And a retry succeeds once the lock is gone
    drain(actors.broker, worker)
    assert [row[:4] for row in snapshots(platform.engine)] == [("红塔区", date(2024, 6, 1), 3, 1)]
    assert attempts.outcomes[-1] == ("refresh_district_snapshot", None)
    assert all(isinstance(error, OperationalError) for _, error in attempts.outcomes[:-1])


def test_a_bad_argument_fails_at_once_without_retries(
    platform: Platform, actors: Actors, worker: dramatiq.Worker, attempts: Attempts
) -> None:
    # When a job is sent with a date that is not a date
    actors.refresh_district_snapshot.send("红塔区", "2024-02-30")
    drain(actors.broker, worker)

    # Then it ran once, failed, and wrote nothing
    assert len(attempts.outcomes) == 1
    assert isinstance(attempts.outcomes[0][1], ValueError)
    assert snapshots(platform.engine) == []


def test_the_relay_sends_each_outbox_row_once_then_deletes_it(
    platform: Platform, broker: dramatiq.Broker
) -> None:
    # Given events projected without a relay, leaving one outbox row per district
    two_districts(platform)
    platform.projection_runner().catch_up()
    assert outbox_rows(platform.engine) == [
        ("refresh_district_snapshot", ["江川区"]),
        ("refresh_district_snapshot", ["红塔区"]),
    ]
    relay = outbox_relay(platform.engine, broker)

    # When the relay runs
    relay()

    # Then one message per row is on the broker and the rows are gone
    assert sent_messages(broker) == [
        ("refresh_district_snapshot", ("江川区",)),
        ("refresh_district_snapshot", ("红塔区",)),
    ]
    assert outbox_rows(platform.engine) == []

    # And a relay with nothing to send sends nothing
    relay()
    assert sent_messages(broker) == []


class RequeueWhileSending(dramatiq.Middleware):
    """Another projector transaction queues the same job again while the relay is sending."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.done = False

    def before_enqueue(
        self, broker: dramatiq.Broker, message: dramatiq.Message[Any], delay: int
    ) -> None:
        if self.done:
            return
        self.done = True
        with self.engine.begin() as conn:
            conn.execute(text("DELETE FROM outbox"))
            conn.execute(
                text(
                    "INSERT INTO outbox (actor_name, args, created_at) "
                    "VALUES ('refresh_district_snapshot', '[\"红塔区\"]', clock_timestamp())"
                )
            )


def test_a_job_queued_again_while_the_relay_sends_is_kept_for_the_next_run(
    platform: Platform, broker: dramatiq.Broker
) -> None:
    # Given an outbox row, and a projector that queues it again while the relay sends it
    two_districts(platform)
    platform.projection_runner().catch_up()
    with platform.engine.begin() as conn:
        conn.execute(text("DELETE FROM outbox WHERE args <> '[\"红塔区\"]'"))
    broker.add_middleware(RequeueWhileSending(platform.engine))
    relay = outbox_relay(platform.engine, broker)

    # When the relay runs
    relay()

    # Then the newer row stays (its job may need figures the sent message did not see)
    assert outbox_rows(platform.engine) == [("refresh_district_snapshot", ["红塔区"])]
    # And the next run sends it
    relay()
    assert outbox_rows(platform.engine) == []
    assert sent_messages(broker) == [
        ("refresh_district_snapshot", ("红塔区",)),
        ("refresh_district_snapshot", ("红塔区",)),
    ]


@pytest.mark.slow
def test_the_worker_process_runs_jobs_and_stops_on_sigterm(
    platform: Platform, settings: Settings, actors: Actors, broker_url: str
) -> None:
    # Given a worker process started the way `gongzhi work` starts it
    two_districts(platform)
    platform.projection_runner().catch_up()
    env = {
        **os.environ,
        "GONGZHI_DATABASE_URL": settings.database_url or "",
        "GONGZHI_BROKER_URL": broker_url,
        "GONGZHI_JWT_SECRET": settings.jwt_secret,
        "GONGZHI_DATA_DIR": str(settings.data_dir),
        NAMESPACE_ENV: actors.broker.namespace,
    }
    script = (
        "import os, sys\n"
        "from gongzhi.infra.settings import Settings\n"
        "from gongzhi.workers.main import run_worker\n"
        "sys.exit(run_worker(Settings.from_env(), processes=1, threads=1,"
        " namespace=os.environ['GONGZHI_BROKER_NAMESPACE']))\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # When a job is sent on its namespace
        actors.refresh_district_snapshot.send("江川区", "2024-06-01")

        # Then the worker process computes the snapshot
        eventually(lambda: len(snapshots(platform.engine)) == 1)
        assert snapshots(platform.engine)[0][:4] == ("江川区", date(2024, 6, 1), 1, 1)

        # And SIGTERM stops it cleanly
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=DEADLINE_MS / 1000)
        assert process.returncode == 0, stderr.decode()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def sent_jobs(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(text("SELECT actor_name, args FROM outbox_sent ORDER BY 2"))
        ]


def an_hour_passes(engine: Engine) -> None:
    """Make every sent job an hour older (the sweep compares sent_at with the server's now)."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE outbox_sent SET sent_at = sent_at - interval '1 hour'"))


def test_a_job_the_broker_loses_is_sent_again_and_its_effect_recorded_once(
    platform: Platform, broker: dramatiq.Broker, actors: Actors, attempts: Attempts
) -> None:
    # Given one district's snapshot job in the outbox, relayed to the broker
    two_districts(platform)
    platform.projection_runner().catch_up()
    with platform.engine.begin() as conn:
        conn.execute(text("DELETE FROM outbox WHERE args <> '[\"红塔区\"]'"))
    relay = outbox_relay(platform.engine, broker, resend_after=timedelta(minutes=30))
    relay()
    assert outbox_rows(platform.engine) == []
    assert sent_jobs(platform.engine) == [("refresh_district_snapshot", ["红塔区"])]

    # When the broker loses it (its queue purged) before any worker took it
    broker.flush(STATISTICS_QUEUE)

    # Then the relay does not send it again while it may still be on its way
    relay()
    assert sent_messages(broker) == []
    # But once it is overdue, the relay's sweep sends it again
    an_hour_passes(platform.engine)
    relay()

    # And a worker records its effect exactly once, and the relay forgets the job
    worker = dramatiq.Worker(actors.broker, worker_threads=2, worker_timeout=50)
    worker.start()
    try:
        drain(actors.broker, worker)
    finally:
        worker.stop()
    assert attempts.outcomes == [("refresh_district_snapshot", None)]
    assert [row[:4] for row in snapshots(platform.engine)] == [("红塔区", business_today(), 3, 1)]
    assert sent_jobs(platform.engine) == []
    an_hour_passes(platform.engine)
    relay()
    assert sent_messages(broker) == []


def test_a_job_that_fails_for_good_is_not_sent_again(
    platform: Platform, broker: dramatiq.Broker, actors: Actors, worker: dramatiq.Worker
) -> None:
    # Given a job the relay sent whose argument its actor refuses
    with platform.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO outbox (actor_name, args) "
                "VALUES ('refresh_district_snapshot', '[\"红塔区\", \"2024-02-30\"]')"
            )
        )
    relay = outbox_relay(platform.engine, broker, resend_after=timedelta(minutes=30))
    relay()

    # When a worker fails it (no retry can help)
    drain(actors.broker, worker)

    # Then the relay forgets it: sending it again would fail the same way (on RabbitMQ the
    # queue counts a delivered message as gone before the worker has run it: wait for the
    # effect, bounded)
    # (bounded by a minute: a loaded CI machine runs browsers beside this worker)
    eventually(lambda: sent_jobs(platform.engine) == [], timeout=60)
    assert snapshots(platform.engine) == []
