"""The scheduler on real PostgreSQL and Redis: one leader among replicas, takeover, the daily job."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

import dramatiq
import psycopg
import pytest
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import text

from gongzhi.application.base import BUSINESS_TZ, Meta, business_today
from gongzhi.application.communities import RegisterCommunity
from gongzhi.bootstrap import Platform
from gongzhi.infra.broker import make_broker, purge
from gongzhi.infra.settings import PgParams, Settings
from gongzhi.workers.actors import STATISTICS_QUEUE, Actors
from gongzhi.workers.scheduler import DAILY_REFRESH, LeaderGuard, advisory_key, run_scheduler

META = Meta(actor="tester", reason="scheduler test", actor_role="PLATFORM_ADMIN")
DEADLINE = 10.0


def eventually(check: Callable[[], bool], timeout: float = DEADLINE) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met before the deadline"
        threading.Event().wait(0.05)


def lock_holders(settings: Settings) -> list[int]:
    """Backends holding the scheduler's advisory lock (a bigint key is split in two oids)."""
    assert settings.database_url is not None
    key = advisory_key("gongzhi.scheduler") & 0xFFFFFFFFFFFFFFFF
    with psycopg.connect(PgParams.from_url(settings.database_url).url()) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND classid::bigint = %s AND objid::bigint = %s",
            (key >> 32, key & 0xFFFFFFFF),
        ).fetchall()
    return [row[0] for row in rows]


@pytest.fixture
def guards(settings: Settings) -> Iterator[tuple[LeaderGuard, LeaderGuard]]:
    assert settings.database_url is not None
    with LeaderGuard(settings.database_url) as first, LeaderGuard(settings.database_url) as second:
        yield first, second


def test_two_guards_on_one_database_make_exactly_one_leader(
    settings: Settings, guards: tuple[LeaderGuard, LeaderGuard]
) -> None:
    first, second = guards

    # When both replicas try to lead, again and again
    outcomes = [(first.try_acquire(), second.try_acquire()) for _ in range(3)]

    # Then the first one leads every time and the other stands by
    assert outcomes == [(True, False)] * 3
    assert lock_holders(settings) == [first.backend_pid]


def test_the_standby_takes_over_when_the_leader_steps_down(
    settings: Settings, guards: tuple[LeaderGuard, LeaderGuard]
) -> None:
    # Given a leader and a standby
    first, second = guards
    assert first.try_acquire() and not second.try_acquire()

    # When the leader's connection closes
    first.release()

    # Then the standby becomes leader and the old leader cannot take it back
    assert second.try_acquire()
    assert not first.try_acquire()
    assert lock_holders(settings) == [second.backend_pid]


def test_a_leader_whose_session_is_killed_loses_the_lead_to_the_standby(
    settings: Settings, guards: tuple[LeaderGuard, LeaderGuard]
) -> None:
    # Given a leader and a standby
    first, second = guards
    assert first.try_acquire() and not second.try_acquire()

    # When the server ends the leader's session (a crash, a network cut, an operator)
    assert settings.database_url is not None
    with psycopg.connect(PgParams.from_url(settings.database_url).url()) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (first.backend_pid,))

    # Then the standby takes over, and the old leader notices it no longer leads
    eventually(second.try_acquire)
    assert not first.try_acquire()
    assert not first.is_leader


def test_the_daily_job_fires_at_five_past_midnight_in_shanghai() -> None:
    # Given noon on 1 June in Shanghai (04:00 UTC)
    noon = datetime(2024, 6, 1, 12, 0, tzinfo=BUSINESS_TZ)

    # Then the next run is 00:05 the next day, Shanghai time
    assert DAILY_REFRESH.get_next_fire_time(None, noon) == datetime(
        2024, 6, 2, 0, 5, tzinfo=BUSINESS_TZ
    )


@pytest.fixture
def broker(servers: Any) -> Iterator[RedisBroker]:
    broker = make_broker(servers.broker_url, namespace=f"gongzhi-test-{uuid.uuid4().hex}")
    yield broker
    purge(broker)


@pytest.fixture
def worker(broker: RedisBroker, settings: Settings) -> Iterator[dramatiq.Worker]:
    assert settings.database_url is not None
    actors = Actors(broker, settings.database_url, master_key_file=settings.master_key_file)
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=50)
    worker.start()
    yield worker
    worker.stop()
    actors.close()


def test_a_standby_scheduler_takes_over_and_refreshes_when_the_leader_stops(
    platform: Platform, settings: Settings, broker: RedisBroker, worker: dramatiq.Worker
) -> None:
    # Given communities in two districts, projected
    app = platform.app
    for name, district in [("幸福里", "红塔区"), ("向阳家园", "江川区")]:
        app.register_community(
            META,
            RegisterCommunity(
                name=name, district=district, street="玉兴街道", registered_on=date(2024, 1, 1)
            ),
        )
    platform.projection_runner().catch_up()
    today = business_today()
    every_district = [("江川区", today), ("红塔区", today)]
    replicas = {name: Replica(settings, broker.namespace) for name in ("leader", "standby")}
    try:
        # When a first replica starts, it leads and fires the daily refresh at once
        replicas["leader"].start()
        eventually(lambda: snapshot_days(platform) == every_district)
        broker.join(STATISTICS_QUEUE, timeout=int(DEADLINE * 1000))
        [leader_pid] = lock_holders(settings)

        # And a second replica connects but stands by
        replicas["standby"].start()
        eventually(lambda: scheduler_sessions(settings) == 2)
        assert lock_holders(settings) == [leader_pid]

        # When the leader stops
        with platform.engine.begin() as conn:
            conn.execute(text("DELETE FROM district_snapshots"))
        replicas["leader"].stop()

        # Then the standby takes the lead and fires the refresh itself
        eventually(lambda: snapshot_days(platform) == every_district)
        [new_leader_pid] = lock_holders(settings)
        assert new_leader_pid != leader_pid
    finally:
        for replica in replicas.values():
            replica.stop()

    # And once both stopped nobody holds the lead
    assert lock_holders(settings) == []
    assert scheduler_sessions(settings) == 0


class Replica:
    """One scheduler replica, as `gongzhi schedule` runs it, on a thread of the test."""

    def __init__(self, settings: Settings, namespace: str) -> None:
        self.stopping = threading.Event()
        self.thread = threading.Thread(
            target=run_scheduler,
            args=(settings, self.stopping),
            kwargs={"namespace": namespace, "check_interval": 0.05},
        )

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        if self.thread.ident is not None:
            self.thread.join(DEADLINE)
            assert not self.thread.is_alive()


def scheduler_sessions(settings: Settings) -> int:
    assert settings.database_url is not None
    with psycopg.connect(PgParams.from_url(settings.database_url).url()) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = 'gongzhi-scheduler'"
        ).fetchone()
    assert row is not None
    return int(row[0])


def snapshot_days(platform: Platform) -> list[tuple[str, date]]:
    with platform.engine.connect() as conn:
        return [
            (row.district, row.as_of)
            for row in conn.execute(
                text("SELECT district, as_of FROM district_snapshots ORDER BY district")
            )
        ]
