"""The scheduler (定时任务): periodic jobs, fired by exactly one replica at a time.

Leadership is a PostgreSQL session-level advisory lock held on a dedicated connection:
PostgreSQL frees it when that session ends, whether the leader stopped, crashed or lost
its network, and a standby that keeps trying takes over. The scheduler only sends
messages; the actors do the work and are idempotent, so a job fired again after a
takeover does no harm.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, Self

import psycopg
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from gongzhi.application.base import BUSINESS_TZ, business_today
from gongzhi.infra.broker import BROKER_ERRORS, DEFAULT_NAMESPACE
from gongzhi.infra.settings import PgParams, Settings
from gongzhi.workers.actors import Actors
from gongzhi.workers.audit import periodic_checkpoint
from gongzhi.workers.credit import previous_quarter
from gongzhi.workers.health import previous_half_year_label

log = logging.getLogger(__name__)

LEADER_LOCK_NAME = "gongzhi.scheduler"

# Every night, just after midnight in the communities' calendar: a management mode
# recorded with a future ``effective_from`` starts to count on that day.
DAILY_REFRESH = CronTrigger(hour=0, minute=5, timezone=BUSINESS_TZ)
# 信用评价 is published quarterly: on the first day of a quarter, evaluate the one before.
QUARTERLY_EVALUATION = CronTrigger(month="1,4,7,10", day=1, hour=1, timezone=BUSINESS_TZ)
# 健康指数 is published every half-year (每半年度): on 1 January and 1 July, the one before.
HALF_YEARLY_HEALTH = CronTrigger(month="1,7", day=1, hour=2, timezone=BUSINESS_TZ)

# The SLA watchdog (超时巡检) looks for overdue work orders every minute.
SLA_WATCHDOG = IntervalTrigger(minutes=1)
# 封存: the hash chain's head is signed every hour it moved, so that rewriting more than the
# last hour of history unnoticed would need the signing key (gongzhi/workers/audit.py).
AUDIT_CHECKPOINT = IntervalTrigger(hours=1)

# The server drops a vanished leader's session (and so its lock) after about 10 + 3 × 5 s.
_KEEPALIVE_OPTIONS = (
    "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3"
)


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_try_advisory_lock`` from a readable name."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class LeaderGuard:
    """选主 single-leader guard: whoever holds the advisory lock on its own session leads.

    ``try_acquire`` is called periodically: it takes the lock when free, and for the
    leader it checks that the session (and with it the lock) is still alive.
    """

    def __init__(self, database_url: str, name: str = LEADER_LOCK_NAME) -> None:
        self.key = advisory_key(name)
        self._conninfo = PgParams.from_url(database_url).url()
        self._conn: psycopg.Connection[Any] | None = None
        self._leader = False
        self._mutex = threading.Lock()

    @property
    def is_leader(self) -> bool:
        return self._leader

    @property
    def backend_pid(self) -> int | None:
        """The PostgreSQL backend holding (or trying for) the lock; for operators and tests."""
        conn = self._conn
        return None if conn is None or conn.closed else conn.info.backend_pid

    def try_acquire(self) -> bool:
        """Lead if nobody else does; ``False`` while another guard leads or the DB is away."""
        with self._mutex:
            try:
                conn = self._connection()
                if self._leader:
                    conn.execute("SELECT 1")  # the lock lives exactly as long as this session
                else:
                    row = conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
                    self._leader = bool(row and row[0])
            except psycopg.Error as error:
                if self._leader:
                    log.warning("scheduler lost its leader session: %s", error)
                self._close()
            return self._leader

    def release(self) -> None:
        """Step down: unlock explicitly (closing alone frees the lock only when the server
        notices the session ended, which a standby could race), then end the session."""
        with self._mutex:
            conn = self._conn
            if self._leader and conn is not None and not conn.closed:
                with contextlib.suppress(psycopg.Error):
                    conn.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
            self._close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._leader = False
            self._conn = psycopg.connect(
                self._conninfo,
                autocommit=True,
                application_name="gongzhi-scheduler",
                options=_KEEPALIVE_OPTIONS,
                connect_timeout=5,
            )
        return self._conn

    def _close(self) -> None:
        self._leader = False
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()


def send_daily_refresh(actors: Actors) -> None:
    """Queue today's district snapshots (the date is fixed now, not when a worker runs)."""
    actors.refresh_all_districts.send(business_today().isoformat())


def send_sla_watchdog(actors: Actors) -> None:
    """Queue an SLA watchdog run judging this moment (a redelivered job judges the same)."""
    actors.check_work_order_slas.send(datetime.now(UTC).isoformat())


def send_quarterly_evaluation(actors: Actors) -> None:
    """Queue every company's evaluation for the quarter that just ended."""
    actors.evaluate_all_companies.send(previous_quarter(business_today()))


def send_half_yearly_health(actors: Actors) -> None:
    """Queue every community's assessment for the half-year that just ended."""
    actors.assess_district_health.send(None, previous_half_year_label(business_today()))


def run_scheduler(
    settings: Settings,
    stop: threading.Event,
    *,
    namespace: str = DEFAULT_NAMESPACE,
    check_interval: float = 5.0,
) -> None:
    """Run the periodic jobs until ``stop`` is set, firing them only while this replica leads.

    On becoming leader it also fires the daily jobs once (the previous leader may have
    died just before their time, and running them again is harmless), and every quarterly
    or half-yearly run that fell in a gap with no leader (``missed_runs``).
    """
    if settings.database_url is None:
        raise ValueError("resolve_urls(settings) first: the scheduler needs the database URL")
    actors = Actors.from_settings(settings, namespace=namespace)
    guard = LeaderGuard(settings.database_url)

    scheduler = BackgroundScheduler(
        timezone=BUSINESS_TZ,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )
    jobs = (
        ("refresh_all_districts", DAILY_REFRESH, send_daily_refresh),
        ("check_work_order_slas", SLA_WATCHDOG, send_sla_watchdog),
        ("evaluate_all_companies", QUARTERLY_EVALUATION, send_quarterly_evaluation),
        ("assess_district_health", HALF_YEARLY_HEALTH, send_half_yearly_health),
    )
    for job_id, trigger, send in jobs:
        # A leader cut off since the last check must not fire.
        scheduler.add_job(_if_leader(guard, actors, send), trigger, id=job_id)
    seal = periodic_checkpoint(settings)
    scheduler.add_job(_if_leader(guard, actors, lambda _: seal()), AUDIT_CHECKPOINT, id="seal")
    scheduler.start(paused=True)
    firing = False
    try:
        while not stop.is_set():
            leader = guard.try_acquire()
            if leader and not firing:
                log.info("scheduler is leader")
                scheduler.resume()
                firing = True
                _catch_up(actors)
            elif firing and not leader:
                log.warning("scheduler is standby")
                scheduler.pause()
                firing = False
            stop.wait(check_interval)
    finally:
        scheduler.shutdown(wait=True)
        guard.release()
        actors.close()


def _if_leader(
    guard: LeaderGuard, actors: Actors, send: Callable[[Actors], None]
) -> Callable[[], None]:
    def fire() -> None:
        if guard.try_acquire():
            send(actors)

    return fire


# The periodic runs a new leader catches up on: the job, its trigger, the view its effect
# lands in, and the period a run at a given date covers.
PERIODIC_RUNS: tuple[tuple[str, CronTrigger, str, Callable[[date], str]], ...] = (
    ("evaluate_all_companies", QUARTERLY_EVALUATION, "credit_evaluations", previous_quarter),
    ("assess_district_health", HALF_YEARLY_HEALTH, "health_assessments", previous_half_year_label),
)


def last_fire_time(
    trigger: CronTrigger, now: datetime, horizon: timedelta = timedelta(days=366)
) -> datetime | None:
    """The trigger's latest fire time at or before ``now`` (within ``horizon``)."""
    last = None
    fire = trigger.get_next_fire_time(None, now - horizon)
    while fire is not None and fire <= now:
        last = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return last


def missed_runs(engine: Engine, now: datetime) -> list[tuple[str, str]]:
    """(job, period) of each periodic run whose time has come and whose effect is not in the
    views: it fell in a gap when no scheduler led (or its messages were lost). Once its
    effect is recorded it is no longer missed, so a later takeover does not send it again."""
    runs = []
    with engine.connect() as conn:
        for job, trigger, table, period_of in PERIODIC_RUNS:
            fired = last_fire_time(trigger, now)
            if fired is None:
                continue
            period = period_of(fired.astimezone(BUSINESS_TZ).date())
            done = conn.execute(
                text(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE period = :period)"),
                {"period": period},
            ).scalar()
            if not done:
                runs.append((job, period))
    return runs


CATCH_UP_ERRORS: tuple[type[BaseException], ...] = (*BROKER_ERRORS, SQLAlchemyError)


def _catch_up(actors: Actors, now: datetime | None = None) -> None:
    """On becoming leader: today's refresh (harmless again), and every periodic run that
    the gap before this leadership missed."""
    try:
        send_daily_refresh(actors)
    except BROKER_ERRORS:
        log.warning("broker unavailable; today's refresh waits for the next run", exc_info=True)
    try:
        for job, period in missed_runs(actors.engine, now or datetime.now(BUSINESS_TZ)):
            log.warning("catching up the missed %s for %s", job, period)
            if job == "evaluate_all_companies":
                actors.evaluate_all_companies.send(period)
            else:
                actors.assess_district_health.send(None, period)
    except CATCH_UP_ERRORS:
        log.warning("could not catch up the missed periodic runs now", exc_info=True)
