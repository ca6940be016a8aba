"""The platform's dramatiq actors (后台任务), declared on the broker they are given.

Actors take ids and plain values, and are safe to run twice: each one keys its writes on
business ids. Transient failures are retried by the broker's ``RetryPolicy``; a bad
argument (``ValueError``) or a domain error fails the message at once.

Declaring actors on an explicit broker, rather than on dramatiq's global one at import,
lets a test declare them on a broker of its own namespace, and lets the projector and the
scheduler send without ever opening the database connections a worker needs: the engine
is built on the first message a process runs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import ParamSpec

import dramatiq
from dramatiq.middleware import Retries
from sqlalchemy import text
from sqlalchemy.engine import Engine

from gongzhi.application.app import Gongzhi
from gongzhi.application.base import Meta, business_today
from gongzhi.domain.errors import DomainError
from gongzhi.infra.broker import DEFAULT_NAMESPACE, RetryPolicy, close_broker, make_broker
from gongzhi.infra.database import sync_engine
from gongzhi.infra.eventstore import eventstore_env
from gongzhi.infra.personal_data import file_key_ring
from gongzhi.infra.settings import PgParams, Settings
from gongzhi.projections.facilities import facilities_with_unlinked_defects
from gongzhi.projections.statistics import (
    district_figures,
    districts,
    save_district_snapshot,
)
from gongzhi.projections.work_orders import overdue_work_orders
from gongzhi.workers import credit, health
from gongzhi.workers.receipts import Receipts

log = logging.getLogger(__name__)

P = ParamSpec("P")

STATISTICS_QUEUE = "statistics"
SLA_QUEUE = "sla"
# Who records a breach the watchdog finds (the events' actor and reason).
WATCHDOG = Meta(actor="sla-watchdog", reason="SLA deadline passed (超时)", actor_role="SYSTEM")
DEFECT_SWEEP = Meta(
    actor="sla-watchdog",
    reason="巡检隐患补开工单 (a defect without its work order)",
    actor_role="SYSTEM",
)
CREDIT_QUEUE = "credit"
HEALTH_QUEUE = "health"

# Every actor's queue, by actor name: the outbox relay sends by name, on a broker where
# the actors need not be declared (the projector never runs them).
ACTOR_QUEUES: dict[str, str] = {
    "refresh_district_snapshot": STATISTICS_QUEUE,
    "refresh_all_districts": STATISTICS_QUEUE,
    "check_work_order_slas": SLA_QUEUE,
    "evaluate_company": CREDIT_QUEUE,
    "evaluate_district": CREDIT_QUEUE,
    "evaluate_all_companies": CREDIT_QUEUE,
    "assess_community_health": HEALTH_QUEUE,
    "assess_district_health": HEALTH_QUEUE,
}

# Expected failures: logged without a traceback and never retried.
NOT_RETRIED = (DomainError, ValueError)


class Actors:
    """Every actor of the platform on one broker, with the database their work reads and writes.

    ``lock_timeout_ms`` bounds how long a job waits for a row or table lock; a job that
    times out fails with a transient error and is retried later instead of piling up.
    """

    def __init__(
        self,
        broker: dramatiq.Broker,
        database_url: str,
        *,
        lock_timeout_ms: int = 5_000,
        master_key_file: Path | None = None,
    ) -> None:
        self.broker = broker
        self._pg = PgParams.from_url(database_url)
        # Jobs load aggregates whose stored events hold sealed personal data (a facility's
        # inspector, a committee's members): without the master key such a load fails
        # (PersonalDataLocked). ``from_settings`` passes the configured key, as production does.
        self._master_key_file = master_key_file
        self._lock_timeout = f"{int(lock_timeout_ms)}ms"
        self._engine: Engine | None = None
        self._app: Gongzhi | None = None
        self._engine_lock = threading.Lock()
        # Tells the outbox relay which sent jobs are done; the others it sends again. Before
        # Retries in the list, so after it in ``after_process_message`` (run in reverse),
        # when Retries has decided whether a failed job is failed for good.
        broker.add_middleware(Receipts(lambda: self.engine), before=Retries)

        self.refresh_district_snapshot = self._declare(
            "refresh_district_snapshot", self._refresh_district_snapshot
        )
        self.refresh_all_districts = self._declare(
            "refresh_all_districts", self._refresh_all_districts
        )
        self.check_work_order_slas = self._declare(
            "check_work_order_slas", self._check_work_order_slas
        )
        self.evaluate_company = self._declare("evaluate_company", self._evaluate_company)
        self.evaluate_district = self._declare("evaluate_district", self._evaluate_district)
        self.evaluate_all_companies = self._declare(
            "evaluate_all_companies", self._evaluate_all_companies
        )
        self.assess_community_health = self._declare(
            "assess_community_health", self._assess_community_health
        )
        self.assess_district_health = self._declare(
            "assess_district_health", self._assess_district_health
        )

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        retry: RetryPolicy | None = None,
        lock_timeout_ms: int = 5_000,
    ) -> Actors:
        """The actors on a new broker for the settings' (resolved) URLs."""
        if settings.database_url is None or settings.broker_url is None:
            raise ValueError("resolve_urls(settings) first: the worker needs both URLs")
        broker = make_broker(
            settings.broker_url,
            namespace,
            retry=retry,
            heartbeat_timeout_ms=settings.broker_heartbeat_timeout_ms,
            maintenance_chance=settings.broker_maintenance_chance,
        )
        return cls(
            broker,
            settings.database_url,
            lock_timeout_ms=lock_timeout_ms,
            master_key_file=settings.master_key_file,
        )

    def _declare(self, name: str, fn: Callable[P, None]) -> dramatiq.Actor[P, None]:
        return dramatiq.actor(
            actor_name=name, queue_name=ACTOR_QUEUES[name], broker=self.broker, throws=NOT_RETRIED
        )(fn)

    @property
    def engine(self) -> Engine:
        """The worker's engine, built on first use (in the process that runs the jobs)."""
        with self._engine_lock:
            if self._engine is None:
                self._engine = sync_engine(self._pg)
            return self._engine

    @property
    def app(self) -> Gongzhi:
        """The event-sourced application, for jobs that record their results as events (built
        on first use)."""
        with self._engine_lock:
            if self._app is None:
                # Two connections for the event store: a job's save waits for the event
                # table's write lock anyway, so more would only hold connections idle (the
                # node's connection budget, README); loads share them.
                self._app = Gongzhi(env=eventstore_env(self._pg, pool_size=2))
                if self._master_key_file is not None:
                    self._app.sealing.sealer = file_key_ring(
                        self._master_key_file, self._app.recorder
                    )
            return self._app

    def close(self) -> None:
        with self._engine_lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None
            if self._app is not None:
                self._app.close()
                self._app = None
        close_broker(self.broker)

    # -- the actors' bodies -------------------------------------------------------------

    def _refresh_district_snapshot(self, district: str, as_of: str | None = None) -> None:
        """区级统计快照: recompute one district's figures as of a day and record them."""
        name = district.strip()
        if not name:
            raise ValueError("district must not be empty")
        day = _business_date(as_of)
        with self.engine.begin() as conn:
            conn.execute(
                text("SELECT set_config('lock_timeout', :timeout, true)"),
                {"timeout": self._lock_timeout},
            )
            figures = district_figures(conn, name, day)
            changed = save_district_snapshot(conn, figures)
        log.info(
            "district %s as of %s: %d communities, %d unmanaged%s",
            name,
            day,
            figures.total,
            figures.unmanaged,
            "" if changed else " (unchanged)",
        )

    def _refresh_all_districts(self, as_of: str | None = None) -> None:
        """Fan out one snapshot job per district, all for the same day."""
        day = _business_date(as_of).isoformat()
        with self.engine.connect() as conn:
            names = districts(conn)
        for name in names:
            self.refresh_district_snapshot.send(name, day)
        log.info("queued snapshots of %d districts as of %s", len(names), day)

    def _check_work_order_slas(self, now: str | None = None) -> None:
        """SLA watchdog (超时巡检): record each open work order's passed deadline, once.

        ``now`` (ISO, with its zone) is fixed by whoever sends the job, so a job redelivered
        after a crash judges the same moment; the order refuses a breach already recorded.
        It also opens the work orders of defects a crash left without one (an inspection's
        request opens them at once; the sweep looks only at inspections a minute old).
        """
        moment = _moment(now)
        with self.engine.begin() as conn:
            conn.execute(
                text("SELECT set_config('lock_timeout', :timeout, true)"),
                {"timeout": self._lock_timeout},
            )
            candidates = overdue_work_orders(conn, moment)
        recorded = sum(
            self.app.record_sla_breaches(WATCHDOG, order_id, moment) is not None
            for order_id in candidates
        )
        with self.engine.connect() as conn:
            unlinked = facilities_with_unlinked_defects(conn, moment)
        for facility_id in unlinked:
            self.app.open_defect_work_orders(DEFECT_SWEEP, facility_id)
        log.info(
            "SLA watchdog at %s: %d overdue, %d breaches recorded, %d facilities' defects given "
            "their work orders",
            moment.isoformat(),
            len(candidates),
            recorded,
            len(unlinked),
        )

    # -- 信用评价 credit evaluation ----------------------------------------------------------

    def _evaluate_company(self, company_id: str, period: str, rule_set: str | None = None) -> None:
        """Evaluate one company for a period; safe to run twice (records nothing new)."""
        credit.evaluate_company(
            self.engine, self.app, company_id, period, rule_set, business_today()
        )

    def _evaluate_district(self, district: str, period: str, rule_set: str | None = None) -> None:
        """Fan out one evaluation per company serving a community of the district."""
        if not district.strip():
            raise ValueError("district must not be empty")
        for company_id in credit.companies_to_evaluate(self.engine, district.strip(), period):
            self.evaluate_company.send(company_id, period, rule_set)

    def _evaluate_all_companies(self, period: str, rule_set: str | None = None) -> None:
        """Fan out one evaluation per registered company (the quarterly run)."""
        for company_id in credit.companies_to_evaluate(self.engine, None, period):
            self.evaluate_company.send(company_id, period, rule_set)

    # -- 健康指数 maintenance health index ------------------------------------------------------

    def _assess_community_health(
        self, community_id: str, period: str, config: str | None = None
    ) -> None:
        """Assess one community for a half-year; safe to run twice (records nothing new)."""
        health.assess_community(
            self.engine, self.app, community_id, period, config, business_today()
        )

    def _assess_district_health(
        self, district: str | None, period: str, config: str | None = None
    ) -> None:
        """Fan out one assessment per community of the district (all districts for None)."""
        name = None if district is None else district.strip()
        if name == "":
            raise ValueError("district must not be empty")
        communities = health.communities_of(self.engine, name, period)
        for community_id in communities:
            self.assess_community_health.send(community_id, period, config)
        log.info("queued %d health assessments for %s %s", len(communities), name or "all", period)


def _business_date(as_of: str | None) -> date:
    """An ISO date, or today in Asia/Shanghai; ``ValueError`` for anything else."""
    if as_of is None:
        return business_today()
    return date.fromisoformat(as_of)


def _moment(now: str | None) -> datetime:
    """An ISO time with its zone, or now; ``ValueError`` for a naive or malformed one."""
    if now is None:
        return datetime.now(UTC)
    moment = datetime.fromisoformat(now)
    if moment.tzinfo is None:
        raise ValueError("now must include a time zone")
    return moment
