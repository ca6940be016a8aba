"""The fault suite: a whole node under a write load, broken on purpose, checked after each fault.

The node runs as real processes on a PostgreSQL cluster and a Redis of the run's own, or with
``--broker rabbitmq`` on the machine's RabbitMQ behind a relay the run can cut
(``servers.py``): the API (``serve``), the projector and the worker under the platform's
``Supervisor`` (the one ``gongzhi run`` uses: it restarts what dies, backing off while a child
keeps crashing and forgetting its crashes after a healthy period), and two schedulers, a
leader and a standby. Several HTTP clients keep registering and renaming communities.

The faults: kill -9 of the projector, kill -9 of the worker during 健康指数 fan-outs, a
PostgreSQL restart under the load, a broker restart during a fan-out, and kill -9 of the
scheduler leader across a quarter boundary (the calendar is shifted, ``clock.py``). After
each one the suite stops the load and checks:

- every acknowledged write (a mutation answered with its success payload or ``Recorded``) is
  in the views, and each renamed community shows its last acknowledged name (or a later one
  whose answer was lost);
- the views equal a rebuild from the event log (rows compared table by table);
- every expected job effect (an assessment per community of a fan-out, an evaluation per
  company of a quarterly run) is recorded, each exactly once (one event per aggregate);
- the API's LISTEN is back (``gongzhi_read_your_writes_listening`` on ``/metrics``), and a
  mutation's read-your-writes answer comes back in less than the polling interval.

``python -m bench.faults`` runs the short mode (the one CI runs); ``--long`` the full one;
``--broker rabbitmq`` puts the node on RabbitMQ (production's broker); ``--only broker,…`` runs
the faults named (projector, worker, postgres, broker, scheduler).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
from dramatiq import Message
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bench.faults.clock import CLOCK_FILE_ENV, write_offset
from bench.faults.servers import PrivatePostgres, PrivateRedis, RelayedRabbitmq, free_port
from gongzhi.application.base import BUSINESS_TZ, Meta
from gongzhi.application.communities import RegisterCommunity
from gongzhi.application.companies import RegisterCompany
from gongzhi.bootstrap import Platform, bootstrap
from gongzhi.demo import credit_code
from gongzhi.domain.health import half_year
from gongzhi.graphql.auth import Principal, Role, issue_token
from gongzhi.infra.broker import close_broker, make_broker
from gongzhi.infra.settings import Settings
from gongzhi.projections.runner import wait_for_position
from gongzhi.projections.views import PROJECTION_NAME, VIEW_TABLES
from gongzhi.supervisor import HEALTHY_AFTER, Child, Supervisor
from gongzhi.workers.actors import ACTOR_QUEUES
from gongzhi.workers.credit import previous_quarter
from gongzhi.workers.health import previous_half_year_label

ROOT = Path(__file__).resolve().parents[2]
META = Meta(actor="fault-suite", reason="故障演练 set-up", actor_role="PLATFORM_ADMIN")
NAMESPACE = "gongzhi-faults"
# A mutation that waits for its views is woken by NOTIFY at once; polling would take up to
# this (gongzhi.graphql.positions.POLL_INTERVAL).
POLLING = 0.5

REGISTER = """mutation($name: String!, $on: Date!) { registerCommunity(input: {name: $name,
    district: "红塔区", street: "玉兴街道", registeredOn: $on, reason: "登记"}) { __typename
    ... on CommunityPayload { community { id } }
    ... on Recorded { id } } }"""
RENAME = """mutation($id: ID!, $name: String!) { renameCommunity(input: {communityId: $id,
    name: $name, reason: "更名"}) { __typename } }"""
NAME_OF = """query($id: ID!) { community(id: $id) { __typename ... on Community { name } } }"""
ACKNOWLEDGED = {"CommunityPayload", "Recorded"}
LISTENING = re.compile(r"^gongzhi_read_your_writes_listening (\S+)$", re.M)


@dataclass(frozen=True)
class Plan:
    projector_kills: int
    worker_kills: int
    pg_restarts: int
    broker_restarts: int
    clients: int
    communities: int  # registered before the load, so that a fan-out has work to cut into
    companies: int
    per_client: int  # communities a client registers; then it renames them


SHORT = Plan(
    projector_kills=3,
    worker_kills=3,
    pg_restarts=1,
    broker_restarts=1,
    clients=4,
    communities=120,
    companies=3,
    per_client=30,
)
LONG = Plan(
    projector_kills=20,
    worker_kills=10,
    pg_restarts=2,
    broker_restarts=2,
    clients=8,
    communities=400,
    companies=6,
    per_client=100,
)


def say(message: str) -> None:
    print(message, flush=True)


def until(check: Callable[[], bool], timeout: float, what: str, pace: float = 0.1) -> float:
    """Seconds until ``check`` holds; ``AssertionError`` after ``timeout``."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what} did not happen within {timeout:.0f}s")
        time.sleep(pace)  # pacing of a poll on an outcome, not a synchronisation
    return time.monotonic() - started


def kill_tree(pid: int) -> None:
    """SIGKILL a process and every process it started (a dramatiq worker's forks too)."""
    with contextlib.suppress(psutil.NoSuchProcess):
        parent = psutil.Process(pid)
        for process in [*parent.children(recursive=True), parent]:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()


# -- the write load ---------------------------------------------------------------------


@dataclass
class Tally:
    answers: Counter[str] = field(default_factory=Counter)
    acknowledged: set[str] = field(default_factory=set)
    # community -> its rename attempts in order: (name, acknowledged)
    renames: dict[str, list[tuple[str, bool]]] = field(default_factory=dict)
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def acknowledged_writes(self) -> int:
        return sum(self.answers[name] for name in ACKNOWLEDGED)


class Load:
    """HTTP clients registering communities and renaming their own, each with its token."""

    def __init__(self, base_url: str, secret: str, clients: int, per_client: int) -> None:
        self.base_url = base_url
        self.per_client = per_client
        self.tokens = [
            issue_token(secret, Principal(subject=f"fault-client-{i}", role=Role.PLATFORM_ADMIN))
            for i in range(clients)
        ]
        self.tally = Tally()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sequence = itertools.count()
        # Each client's communities, kept from one running period to the next.
        self._mine: list[list[str]] = [[] for _ in range(clients)]

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self._client, args=(i, token), daemon=True)
            for i, token in enumerate(self.tokens)
        ]
        for thread in self._threads:
            thread.start()
        try:
            yield
        finally:
            self._stop.set()
            for thread in self._threads:
                thread.join()

    def _client(self, index: int, token: str) -> None:
        rng = random.Random(index * 7919 + next(self._sequence))
        mine = self._mine[index]
        with httpx.Client(
            base_url=self.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as http:
            while not self._stop.is_set():
                # Renames once a client has its share of communities: the fan-outs stay
                # bounded (each assesses every community) however long the run.
                if mine and (len(mine) >= self.per_client or rng.random() < 0.3):
                    community = rng.choice(mine)
                    name = f"更名{index}-{next(self._sequence)}"
                    kind = self._send(
                        http, RENAME, {"id": community, "name": name}, "renameCommunity"
                    )
                    with self.tally.lock:
                        self.tally.renames.setdefault(community, []).append(
                            (name, kind in ACKNOWLEDGED)
                        )
                else:
                    name = f"故障{index}-{next(self._sequence)}"
                    on = date(2024, 1, 1) + timedelta(days=rng.randrange(365))
                    answer: dict[str, Any] = {}
                    kind = self._send(
                        http,
                        REGISTER,
                        {"name": name, "on": on.isoformat()},
                        "registerCommunity",
                        answer,
                    )
                    if kind in ACKNOWLEDGED:
                        community = (answer.get("community") or {}).get("id") or answer["id"]
                        mine.append(community)
                        with self.tally.lock:
                            self.tally.acknowledged.add(community)

    def _send(
        self,
        http: httpx.Client,
        query: str,
        variables: dict[str, Any],
        field_name: str,
        answer: dict[str, Any] | None = None,
    ) -> str:
        """The answer's kind: a result union member, ``Unavailable`` (HTTP 503), or
        ``unexpected`` (anything else, no answer included: the suite fails on it)."""
        try:
            response = http.post("/graphql", json={"query": query, "variables": variables})
        except httpx.HTTPError as error:
            # The API is never the process broken here: no answer at all is a failure too.
            kind = "unexpected"
            with self.tally.lock:
                self.tally.unexpected.append(f"no answer: {error!r}")
        else:
            body = (
                response.json()
                if response.headers.get("content-type", "").startswith("application/json")
                else {}
            )
            data = (body.get("data") or {}).get(field_name)
            codes = {e.get("extensions", {}).get("code") for e in body.get("errors") or []}
            if response.status_code == 200 and data:
                kind = data["__typename"]
                if answer is not None:
                    answer.update(data)
            elif response.status_code == 503 and codes == {"UNAVAILABLE"}:
                kind = "Unavailable (503)"
            else:
                kind = "unexpected"
                with self.tally.lock:
                    self.tally.unexpected.append(f"{response.status_code} {response.text[:200]}")
        with self.tally.lock:
            self.tally.answers[kind] += 1
        return kind


# -- the node ---------------------------------------------------------------------------


class Node:
    """The platform's processes on private servers; the suite's view of them."""

    def __init__(self, root: Path, plan: Plan, broker: str = "redis") -> None:
        self.root = root
        self.pg = PrivatePostgres(root)
        self.broker: PrivateRedis | RelayedRabbitmq
        if broker == "rabbitmq":
            self.broker = RelayedRabbitmq()
            self.namespace = self.broker.namespace
        else:
            self.broker = PrivateRedis(root)
            self.namespace = NAMESPACE
        self.clock_file = root / "clock"
        write_offset(self.clock_file, 0)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "GONGZHI_DATABASE_URL": self.pg.url("gongzhi_faults"),
            "GONGZHI_BROKER_URL": self.broker.url(),
            "GONGZHI_BROKER_NAMESPACE": self.namespace,
            "GONGZHI_JWT_SECRET": "fault-suite-signing-key-not-for-production-0123456789",
            "GONGZHI_DATA_DIR": str(root / "data"),
            "GONGZHI_ENV": "development",
            "GONGZHI_LOG_LEVEL": os.environ.get("GONGZHI_FAULTS_LOG_LEVEL", "ERROR"),
            "GONGZHI_POOL_SIZE": "4",
            "GONGZHI_MUTATIONS_PER_MINUTE": "60000",
            # While the projector is down a mutation waits this long for its views, then
            # answers Recorded (default 5 s): more writes land in the outages.
            "GONGZHI_RYW_TIMEOUT": "1",
            # A killed worker's messages go back to the queue 3 s after its last heartbeat
            # (production: 60 s); every tenth broker command looks for dead workers.
            "GONGZHI_BROKER_HEARTBEAT_TIMEOUT_MS": "3000",
            "GONGZHI_BROKER_MAINTENANCE_CHANCE": "100000",
            CLOCK_FILE_ENV: str(self.clock_file),
        }
        self.settings = Settings.from_env(self.env)
        self.platform: Platform = bootstrap(self.settings)
        self.communities_at_start, self.companies = self._seed(plan)
        python = sys.executable
        self.projector = Child(
            "project",
            [
                python,
                "-m",
                "gongzhi.cli",
                "project",
                "--batch-size",
                "100",
                "--poll-interval",
                "0.5",
            ],
        )
        self.worker = Child(
            "work",
            [python, "-m", "bench.faults.clock", "work", "--processes", "1", "--threads", "2"],
        )
        self.api = Child("serve", [python, "-m", "gongzhi.cli", "serve", "--port", str(self.port)])
        self.supervisor = Supervisor([self.api, self.projector, self.worker], self.env)
        self.schedulers: list[subprocess.Popen[bytes]] = []
        self._ticking = threading.Event()
        self._ticker = threading.Thread(target=self._tick, daemon=True)

    def _seed(self, plan: Plan) -> tuple[set[str], list[str]]:
        app = self.platform.app
        rng = random.Random(14)
        companies = [
            str(
                app.register_company(
                    META, RegisterCompany(name=f"物业{i}", credit_code=credit_code(rng))
                ).id
            )
            for i in range(plan.companies)
        ]
        communities = {
            str(
                app.register_community(
                    META,
                    RegisterCommunity(
                        name=f"小区{i}",
                        district="红塔区",
                        street="玉兴街道",
                        registered_on=date(2019, 1, 1),
                    ),
                ).id
            )
            for i in range(plan.communities)
        }
        return communities, companies

    def start(self) -> None:
        self.supervisor.start_all()
        self._ticker.start()
        until(self._api_ready, 90, "the API answering")
        self.schedulers.append(self._scheduler())
        until(lambda: self.leader() is not None, 60, "a scheduler leading")
        self.schedulers.append(self._scheduler())

    def _scheduler(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "bench.faults.clock", "schedule"], env=self.env, cwd=ROOT
        )

    def _tick(self) -> None:
        while not self._ticking.wait(0.1):
            self.supervisor.tick()

    def _api_ready(self) -> bool:
        try:
            return httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def close(self) -> None:
        self._ticking.set()
        if self._ticker.is_alive():
            self._ticker.join()
        for process in self.schedulers:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        for process in self.schedulers:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                kill_tree(process.pid)
        self.supervisor.stop_all()
        self.platform.close()
        if isinstance(self.broker, RelayedRabbitmq):
            self.broker.close(sorted(set(ACTOR_QUEUES.values())))
        else:
            self.broker.close()
        self.pg.close()

    @property
    def engine(self) -> Engine:
        return self.platform.engine

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def head(self) -> int:
        return int(self.platform.app.recorder.max_notification_id() or 0)

    def projected(self) -> int:
        return int(
            self.scalar(
                "SELECT position FROM projection_tracking WHERE name = :n", n=PROJECTION_NAME
            )
            or 0
        )

    def leader(self) -> subprocess.Popen[bytes] | None:
        """The scheduler process whose session holds the leader's advisory lock."""
        ports = {
            int(port)
            for (port,) in self._rows(
                "SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                "WHERE l.locktype = 'advisory' AND l.granted "
                "AND a.application_name = 'gongzhi-scheduler'"
            )
        }
        for process in self.schedulers:
            if process.poll() is not None:
                continue
            with contextlib.suppress(psutil.Error):
                for conn in psutil.Process(process.pid).net_connections("tcp"):
                    if conn.laddr and conn.laddr.port in ports:
                        return process
        return None

    def diagnose(self) -> None:
        """What a failed wait leaves behind: the broker's keys, the outbox, the processes."""
        with contextlib.suppress(Exception):
            self._diagnose_broker()
        with contextlib.suppress(Exception):
            say(
                f"  outbox {self.scalar('SELECT count(*) FROM outbox')}, "
                f"sent and not done {self.scalar('SELECT count(*) FROM outbox_sent')}"
            )
        for child in self.supervisor.children:
            alive = child.process is not None and child.process.poll() is None
            say(f"  {child.name}: {'running' if alive else 'down'}, restarts {len(child.delays)}")

    def _diagnose_broker(self) -> None:
        if isinstance(self.broker, RelayedRabbitmq):
            broker = make_broker(self.broker.url(), self.namespace)
            try:
                for queue in sorted(set(ACTOR_QUEUES.values())):
                    counts = broker.get_queue_message_counts(queue)  # type: ignore[attr-defined]
                    ready, delayed, dead = counts
                    say(f"  broker {queue}: {ready} ready, {delayed} delayed, {dead} dead")
            finally:
                close_broker(broker)
            return
        import redis

        client = redis.Redis.from_url(self.broker.url())
        for key in sorted(client.scan_iter(f"{self.namespace}:*")):
            kind = client.type(key).decode()
            size = {"list": client.llen, "hash": client.hlen, "set": client.scard}.get(
                kind, client.zcard
            )(key)
            say(f"  broker {key.decode()}: {kind} of {size}")
        client.close()

    def listening(self) -> bool:
        """Whether the API says its LISTEN connection is up (``/metrics``)."""
        try:
            found = LISTENING.search(httpx.get(f"{self.base_url}/metrics", timeout=5).text)
        except httpx.HTTPError:
            return False
        return bool(found and float(found.group(1)) == 1.0)

    def _rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), params))

    def communities(self, registered_by: str | None = None) -> set[str]:
        """Communities in the views, or those a half-year's fan-out assesses (registered by
        its end)."""
        sql = "SELECT id FROM communities"
        if registered_by is not None:
            sql += " WHERE registered_on <= :by"
        end = half_year(registered_by).end if registered_by else None
        return {str(row[0]) for row in self._rows(sql, by=end)}

    def send(self, actor: str, *args: Any) -> None:
        """Send a job as the scheduler would (the actors are idempotent)."""
        broker = make_broker(self.broker.url(), self.namespace)
        try:
            queue = ACTOR_QUEUES[actor]
            broker.declare_queue(queue)
            broker.enqueue(
                Message(queue_name=queue, actor_name=actor, args=args, kwargs={}, options={})
            )
        finally:
            close_broker(broker)


# -- the checks -------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """A job's effects: one row per id in ``table`` for ``period`` (column ``key``)."""

    what: str
    table: str
    key: str
    period: str
    ids: frozenset[str]


@dataclass
class Row:
    fault: str
    times: int
    recovery: str
    acknowledged: int
    missing: int
    stale: int
    effects_expected: int
    effects_missing: int
    effects_twice: int
    listening: bool
    ryw_ms: float
    equal_to_rebuild: bool
    rebuild_s: float
    unexpected: int

    @property
    def ok(self) -> bool:
        return (
            self.missing == 0
            and self.stale == 0
            and self.effects_missing == 0
            and self.effects_twice == 0
            and self.listening
            and self.ryw_ms < POLLING * 1000
            and self.equal_to_rebuild
            and self.unexpected == 0
        )


def dump_views(engine: Engine) -> dict[str, list[str]]:
    """Every view row as text, sorted (the outbox is a queue, not a view: left out)."""
    with engine.connect() as conn:
        return {
            table.name: sorted(
                repr(tuple(row)) for row in conn.execute(text(f'SELECT * FROM "{table.name}"'))
            )
            for table in VIEW_TABLES
            if table.name != "outbox"
        }


class Checks:
    def __init__(self, node: Node, load: Load) -> None:
        self.node = node
        self.load = load
        self.expected: list[Expected] = []
        self.rows: list[Row] = []

    def expect_health(self, period: str, communities: set[str]) -> Expected:
        expected = Expected(
            "健康指数", "health_assessments", "community_id", period, frozenset(communities)
        )
        self.expected.append(expected)
        return expected

    def expect_credit(self, period: str) -> Expected:
        expected = Expected(
            "信用评价", "credit_evaluations", "company_id", period, frozenset(self.node.companies)
        )
        self.expected.append(expected)
        return expected

    def done(self, expected: Expected) -> int:
        """How many of the expected effects are in the views."""
        rows = self.node._rows(
            f"SELECT DISTINCT {expected.key} FROM {expected.table} WHERE period = :p",
            p=expected.period,
        )
        return len(expected.ids & {str(row[0]) for row in rows})

    def wait_done(self, expected: Expected, timeout: float) -> float:
        return until(
            lambda: self.done(expected) == len(expected.ids),
            timeout,
            f"{expected.what} {expected.period}",
            0.5,
        )

    def check(self, fault: str, times: int, recovery: str) -> Row:
        node, tally = self.node, self.load.tally
        # The views reach the head of the log (the workers are idle by now).
        head = node.head()
        assert wait_for_position(node.engine, PROJECTION_NAME, head, timeout=180), "views behind"
        # Acknowledged writes are in the views.
        present = {str(r[0]): r[1] for r in node._rows("SELECT id, name FROM communities")}
        missing = len(tally.acknowledged - present.keys())
        stale = 0
        for community, attempts in tally.renames.items():
            acknowledged = [i for i, (_, ok) in enumerate(attempts) if ok]
            if acknowledged and present.get(community) not in {
                name for name, _ in attempts[acknowledged[-1] :]
            }:
                stale += 1
        # Each expected effect recorded, exactly once (one event per assessment or
        # evaluation: a second would be a revision, which unchanged inputs never make).
        effects_expected = sum(len(e.ids) for e in self.expected)
        effects_missing = sum(len(e.ids) - self.done(e) for e in self.expected)
        table = node.platform.app.recorder.events_table_name  # type: ignore[attr-defined]
        twice = int(
            node.scalar(
                f'SELECT count(*) FROM (SELECT originator_id FROM "{table}" '
                "WHERE topic LIKE :health OR topic LIKE :credit "
                "GROUP BY originator_id HAVING count(*) > 1) twice",
                health="%:HealthAssessment.%",
                credit="%:CreditEvaluation.%",
            )
            or 0
        )
        twice += int(
            node.scalar(
                "SELECT count(*) FROM (SELECT community_id, period, config_name FROM health_assessments "
                "GROUP BY 1, 2, 3 HAVING count(*) > 1) h"
            )
            or 0
        )
        listening, ryw_ms = self._listen_check()
        # The views equal a rebuild from the log.
        before = dump_views(node.engine)
        started = time.monotonic()
        node.platform.projection_runner().rebuild()
        rebuild_s = time.monotonic() - started
        after = dump_views(node.engine)
        equal = before == after
        if not equal:
            for name in before:
                if before[name] != after[name]:
                    say(f"  ! {name}: {len(before[name])} rows live, {len(after[name])} rebuilt")
        row = Row(
            fault,
            times,
            recovery,
            tally.acknowledged_writes,
            missing,
            stale,
            effects_expected,
            effects_missing,
            twice,
            listening,
            ryw_ms,
            equal,
            rebuild_s,
            len(tally.unexpected),
        )
        self.rows.append(row)
        say(
            f"  → acknowledged {row.acknowledged}, missing {missing}, stale names {stale}; "
            f"effects {effects_expected - effects_missing}/{effects_expected}, twice {twice}; "
            f"LISTEN {'up' if listening else 'DOWN'}, read-your-writes {ryw_ms:.0f} ms; "
            f"views {'=' if equal else '≠'} rebuild ({rebuild_s:.1f}s); "
            f"{'ok' if row.ok else 'FAILED'}"
        )
        for sample in tally.unexpected[:3]:
            say(f"  ! unexpected answer: {sample}")
        return row

    def _listen_check(self) -> tuple[bool, float]:
        """The metric, once it has had the chance to come back (bounded), and the time a
        rename takes to be answered with its change readable (it waits for its views)."""
        node = self.node
        with contextlib.suppress(AssertionError):
            until(node.listening, 15, "LISTEN back")
        up = node.listening()
        token = self.load.tokens[0]
        community = next(iter(self.load.tally.acknowledged or node.communities_at_start))
        best = float("inf")
        with httpx.Client(
            base_url=node.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as http:
            # The best of three: one slow answer on a busy machine is noise.
            for _ in range(3):
                name = f"读写{uuid.uuid4().hex[:6]}"
                started = time.monotonic()
                answer = http.post(
                    "/graphql",
                    json={"query": RENAME, "variables": {"id": community, "name": name}},
                ).json()
                elapsed = time.monotonic() - started
                kind = answer["data"]["renameCommunity"]["__typename"]
                with self.load.tally.lock:
                    self.load.tally.renames.setdefault(community, []).append(
                        (name, kind in ACKNOWLEDGED)
                    )
                read = http.post(
                    "/graphql", json={"query": NAME_OF, "variables": {"id": community}}
                ).json()
                if kind == "CommunityPayload" and read["data"]["community"].get("name") == name:
                    best = min(best, elapsed)
        return up, best * 1000


# -- the faults -------------------------------------------------------------------------


def projector_kills(node: Node, checks: Checks, load: Load, times: int) -> None:
    say(f"kill -9 the projector {times} times under the load (the supervisor restarts it)")
    child = node.projector
    with load.running():
        for _ in range(times):
            # Healthy first (ran past the supervisor's healthy period, views following), so
            # that the restart comes after the shortest delay: its backoff was reset.
            until(
                lambda: (
                    child.process is not None
                    and child.process.poll() is None
                    and time.monotonic() - child.started_at > HEALTHY_AFTER + 0.5
                ),
                60,
                "the projector running",
            )
            victim = child.process
            assert victim is not None
            kill_tree(victim.pid)
            victim.wait()
        until(lambda: child.process is not victim and child.restart_at is None, 60, "restart")
    delays = child.delays[-times:]
    checks.check("projector kill -9", times, f"restart delays {sorted(set(delays))} s")


def worker_kills(node: Node, checks: Checks, load: Load, times: int) -> None:
    say(f"kill -9 the worker {times} times during 健康指数 fan-outs")
    child = node.worker
    periods = iter(["2020H1", "2020H2", "2021H1", "2021H2", "2022H1", "2022H2"] * 3)
    killed = 0
    started = time.monotonic()
    with load.running():
        while killed < times:
            period = next(periods)
            expected = checks.expect_health(period, node.communities(registered_by=period))
            node.send("assess_district_health", None, period)
            while killed < times and checks.done(expected) < len(expected.ids):
                progress = checks.done(expected)
                # Kill it at work: once it has recorded something since it (re)started.
                with contextlib.suppress(AssertionError):
                    until(lambda e=expected, p=progress: checks.done(e) > p, 60, "progress", 0.2)
                if checks.done(expected) == len(expected.ids):
                    break
                victim = child.process
                assert victim is not None and victim.poll() is None
                kill_tree(victim.pid)
                victim.wait()
                killed += 1
                until(
                    lambda v=victim: child.process is not v and child.restart_at is None,
                    60,
                    "the worker restarted",
                )
            checks.wait_done(expected, 240)
    checks.check(
        "worker kill -9 in fan-out", killed, f"fan-outs done in {time.monotonic() - started:.0f}s"
    )


def pg_restarts(node: Node, checks: Checks, load: Load, times: int) -> None:
    say(f"restart PostgreSQL {times} times under the load")
    downs, relistened = [], []
    with load.running():
        for _ in range(times):
            until(lambda: load.tally.acknowledged_writes > 0, 60, "writes flowing")
            downs.append(node.pg.restart())
            relistened.append(until(node.listening, 30, "the API listening again", 0.05))
            node.engine.dispose()  # the suite's own pool held connections to the old server
            before = load.tally.acknowledged_writes
            until(
                lambda b=before: load.tally.acknowledged_writes > b + 20,
                90,
                "writes after the restart",
            )
    checks.check(
        "PostgreSQL restart",
        times,
        f"down {max(downs):.1f}s at most, LISTEN back {max(relistened):.1f}s after",
    )


def broker_restarts(node: Node, checks: Checks, load: Load, times: int) -> None:
    say(f"restart the broker {times} times in the middle of a fan-out")
    # Half-years no other fault assessed: each fan-out has all its work ahead of it.
    periods = iter(["2023H1", "2023H2", "2019H2"])
    downs: list[float] = []
    starts: list[float] = []
    cut_at: list[str] = []  # assessments done when the broker went away, of the fan-out's
    with load.running():
        for _ in range(times):
            period = next(periods)
            expected = checks.expect_health(period, node.communities(registered_by=period))
            node.send("assess_district_health", None, period)
            # Shown, not failed on: a slow start (a job retried after its backoff) still has
            # the restart land mid-fan-out; the effects are what is checked.
            starts.append(until(lambda e=expected: checks.done(e) > 0, 300, "the fan-out started"))
            cut_at.append(f"{checks.done(expected)}/{len(expected.ids)}")
            downs.append(node.broker.restart())
            checks.wait_done(expected, 240)
    relayed = isinstance(node.broker, RelayedRabbitmq)
    checks.check(
        "broker outage in fan-out (RabbitMQ)" if relayed else "broker restart in fan-out",
        times,
        f"{'connections cut, ' if relayed else ''}down {max(downs):.1f}s at most, "
        f"fan-outs started within {max(starts):.0f}s, struck at {', '.join(cut_at)} done",
    )


def scheduler_handover(node: Node, checks: Checks, load: Load) -> None:
    """Leader killed just before 1 January 01:00 (Shanghai); the clock then jumps past the
    quarterly (01:00) and half-yearly (02:00) runs, which fall in the gap with no leader.
    The standby takes over and runs both once."""
    now = datetime.now(BUSINESS_TZ)
    boundary = datetime(now.year + 1, 1, 1, tzinfo=BUSINESS_TZ)
    quarter, half = previous_quarter(boundary.date()), previous_half_year_label(boundary.date())
    say(f"kill -9 the scheduler leader across {boundary:%Y-%m-%d} (runs {quarter}, {half})")
    with load.running():
        leader = node.leader()
        assert leader is not None, "no scheduler leads"
        write_offset(node.clock_file, (boundary - timedelta(seconds=10) - now).total_seconds())
        credit = checks.expect_credit(quarter)
        health = checks.expect_health(half, node.communities(registered_by=half))
        kill_tree(leader.pid)
        leader.wait()
        write_offset(
            node.clock_file,
            (boundary + timedelta(hours=2, minutes=30) - datetime.now(BUSINESS_TZ)).total_seconds(),
        )
        killed = time.monotonic()
        took = until(lambda: node.leader() not in (None, leader), 60, "the standby leading")
        checks.wait_done(credit, 240)
        checks.wait_done(health, 240)
        done = time.monotonic() - killed
    checks.check(
        "scheduler leader kill -9", 1, f"standby led after {took:.1f}s, runs done {done:.0f}s"
    )


def table(rows: list[Row]) -> str:
    header = (
        "| fault | times | recovery | acknowledged writes | missing | stale | job effects "
        "| effects missing | recorded twice | LISTEN | read-your-writes ms | views = rebuild "
        "| rebuild s | unexpected answers |"
    )
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for r in rows:
        lines.append(
            f"| {r.fault} | {r.times} | {r.recovery} | {r.acknowledged} | {r.missing} | {r.stale} "
            f"| {r.effects_expected} | {r.effects_missing} | {r.effects_twice} "
            f"| {'up' if r.listening else 'DOWN'} | {r.ryw_ms:.0f} | {'yes' if r.equal_to_rebuild else 'NO'} "
            f"| {r.rebuild_s:.1f} | {r.unexpected} |"
        )
    return "\n".join(lines)


FAULTS = ("projector", "worker", "postgres", "broker", "scheduler")


def run(plan: Plan, broker: str = "redis", only: set[str] | None = None) -> list[Row]:
    """Run the faults (``only`` those named, else all, or those GONGZHI_FAULTS_ONLY names)
    on a node whose broker is ``redis`` (a private one) or ``rabbitmq`` (the machine's,
    relayed)."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="gongzhi-faults-") as folder:
        node = Node(Path(folder), plan, broker)
        try:
            node.start()
            load = Load(node.base_url, node.settings.jwt_secret, plan.clients, plan.per_client)
            checks = Checks(node, load)
            # The first leader caught up on the last quarter's and half-year's runs.
            today = datetime.now(BUSINESS_TZ).date()
            checks.wait_done(checks.expect_credit(previous_quarter(today)), 240)
            checks.wait_done(
                checks.expect_health(previous_half_year_label(today), node.communities_at_start),
                240,
            )
            say(
                f"node up on {broker} with {plan.communities} communities, "
                f"{plan.companies} companies, {plan.clients} clients"
            )
            if only is None:
                only = set(filter(None, os.environ.get("GONGZHI_FAULTS_ONLY", "").split(",")))
            try:
                for name, fault in (
                    (
                        "projector",
                        lambda: projector_kills(node, checks, load, plan.projector_kills),
                    ),
                    ("worker", lambda: worker_kills(node, checks, load, plan.worker_kills)),
                    ("postgres", lambda: pg_restarts(node, checks, load, plan.pg_restarts)),
                    ("broker", lambda: broker_restarts(node, checks, load, plan.broker_restarts)),
                    ("scheduler", lambda: scheduler_handover(node, checks, load)),
                ):
                    if not only or name in only:
                        fault()
            except AssertionError:
                node.diagnose()
                raise
            rows = checks.rows
            say("")
            say(table(rows))
            say(f"\nanswers: {dict(load.tally.answers)}")
            say(
                f"supervisor restarts: projector {len(node.projector.delays)}, worker {len(node.worker.delays)}, API {len(node.api.delays)}"
            )
            say(f"total {time.monotonic() - started:.0f}s")
            return rows
        finally:
            node.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.faults", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--long", action="store_true", help="20 projector and 10 worker kills, …")
    parser.add_argument(
        "--broker",
        choices=["redis", "rabbitmq"],
        default=os.environ.get("GONGZHI_FAULTS_BROKER", "redis"),
        help="a Redis of the run's own, or the machine's RabbitMQ through a relay it cuts",
    )
    parser.add_argument(
        "--only", help=f"comma-separated faults to run, of {', '.join(FAULTS)} (default: all)"
    )
    args = parser.parse_args(argv)
    long = args.long or os.environ.get("GONGZHI_FAULTS_LONG") == "1"
    only = set(args.only.split(",")) if args.only else None
    if only and not only <= set(FAULTS):
        parser.error(f"--only names faults of {', '.join(FAULTS)}")
    rows = run(LONG if long else SHORT, args.broker, only)
    return 0 if all(row.ok for row in rows) else 1
