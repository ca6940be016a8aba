"""A load test: the roles' real operations over HTTP against 1 and 2 `gongzhi serve` processes.

A fresh database gets the demo district (`gongzhi demo`), `gongzhi project` runs beside the
API as its own process, and several concurrent clients (16 by default, in one asyncio client process) send a
mix of about 70 % queries and 30 % mutations, each with its role's token:

- a resident reads the unit's fee statement (bills and ledger) and reports a repair;
- company staff list the community's work orders and dispatch a reported one;
- a committee member reads the community's fee ledger;
- a regulator reads the district's statistics.

Each round prints p50/p99 latency by operation, throughput, and the API processes' RSS
(from /proc, sampled during the round). The anchor, measured in the same run before each
API round, sends the same reads (same SQL, same mix) straight to PostgreSQL over an asyncpg
pool, with no GraphQL and no HTTP. Mutations wait for their effect to be in the views
(read-your-writes), as a client of the API would.

    .venv/bin/python -m bench.bench_load            # about 2.5 minutes
    .venv/bin/python -m bench.bench_load --long     # 90 s rounds, more communities
    .venv/bin/python -m bench.bench_load --replica  # reads on a streaming replica

With ``--replica`` the node runs on a PostgreSQL cluster of the run's own and a hot standby of
it (``pg_basebackup -R``, both on this machine, ``bench/faults/servers.py``), and the rounds
are: 1 API reading the primary (the comparison), then 1 and 2 API with
``GONGZHI_READ_DATABASE_URL`` naming the standby, their anchor reading the standby too.
Mutations then wait for the standby to replay their views' change (read-your-writes).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.support import temporary_database
from gongzhi.application.base import business_today
from gongzhi.graphql.auth import Principal, Role, issue_token
from gongzhi.graphql.statistics.queries import DISTRICT_MODE_COUNTS
from gongzhi.infra.settings import PgParams
from gongzhi.projections.committees import IN_OFFICE

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-load-signing-key-" + "0" * 32
PAGE = 20

# The reads, as the API sends them (the anchor runs the same SQL directly).
STATEMENT = """query($unit: ID!) { feeStatement(unitId: $unit) { __typename
  ... on FeeStatement { outstandingFen creditFen
    bills { id period amountFen paidFen outstandingFen dueOn }
    entries { kind amountFen on channel } } } }"""
WORK_ORDERS = """query($community: ID!) { workOrders(communityId: $community, first: 20) {
  __typename ... on WorkOrderConnection { edges { cursor node {
    id status category urgency description reportedAt } } pageInfo { hasNextPage } } } }"""
LEDGER = """query($community: ID!) { feeLedger(communityId: $community, first: 50) {
  __typename ... on FeeLedgerConnection { entries { accountId version seq unitId kind
    amountFen on channel } pageInfo { hasNextPage endCursor } } } }"""
DISTRICT = """query($district: String!) { districtStatistics(district: $district) {
  __typename ... on DistrictStatistics { total unmanaged byMode { mode communities } } } }"""
REPORT = """mutation($input: ReportWorkOrderInput!) { reportWorkOrder(input: $input) {
  __typename ... on WorkOrderPayload { position workOrder { id status } } } }"""
DISPATCH = """mutation($input: DispatchWorkOrderInput!) { dispatchWorkOrder(input: $input) {
  __typename ... on WorkOrderPayload { position workOrder { id status } } } }"""

ANCHOR_STATEMENT = (
    "SELECT * FROM fee_bills WHERE unit_id = $1 ORDER BY period_start, id",
    """SELECT l.*, a.unit_id FROM fee_ledger l JOIN fee_accounts a ON a.id = l.account_id
       WHERE a.unit_id = $1 ORDER BY l.version, l.seq""",
    "SELECT credit_fen FROM fee_accounts WHERE unit_id = $1",
)
ANCHOR_WORK_ORDERS = f"""SELECT w.*, c.name AS community_name FROM work_orders w
  JOIN communities c ON c.id = w.community_id WHERE w.community_id = $1
    AND serving_company(c.id, current_date) = $2
  ORDER BY w.reported_at DESC, w.id DESC LIMIT {PAGE + 1}"""
ANCHOR_LEDGER = """SELECT l.*, a.unit_id FROM fee_ledger l JOIN fee_accounts a
  ON a.id = l.account_id WHERE a.community_id = $1
  ORDER BY l.recorded_at, l.account_id, l.version, l.seq LIMIT 51"""

# The mix: (operation, weight). Queries 70 %, mutations 30 %.
MIX = [
    ("resident: feeStatement", 20),
    ("staff: workOrders", 20),
    ("committee: feeLedger", 15),
    ("regulator: districtStatistics", 15),
    ("resident: reportWorkOrder", 15),
    ("staff: dispatchWorkOrder", 15),
]
READS = [name for name, _ in MIX[:4]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/PID/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU time of every PostgreSQL server process on this machine (other users' included:
    the server is shared), for the share of the cores the database took in a round."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if "(postgres)" in text:
            fields = text.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@dataclass
class Cast:
    """Who acts, found in the demo's views after projection."""

    district: str
    resident_unit: uuid.UUID
    resident_community: uuid.UUID
    resident_person: uuid.UUID
    staff_community: uuid.UUID
    staff_company: uuid.UUID
    committee_community: uuid.UUID
    committee_person: uuid.UUID


async def find_resident(pg: PgParams) -> asyncpg.Record:
    """An owner's unit, the one with the most bills."""
    conn = await asyncpg.connect(
        host=pg.host, port=pg.port, user=pg.user, password=pg.password or None, database=pg.dbname
    )
    try:
        row = await conn.fetchrow(
            """SELECT u.id, u.community_id, (u.owners->0->>'person_id')::uuid AS person
               FROM units u WHERE jsonb_array_length(u.owners) > 0 AND NOT u.retired
               ORDER BY (SELECT count(*) FROM fee_bills b WHERE b.unit_id = u.id) DESC, u.id
               LIMIT 1"""
        )
    finally:
        await conn.close()
    assert row is not None, "the demo has no owned unit"
    return row


async def owners_of(pg: PgParams, community: uuid.UUID, count: int) -> list[uuid.UUID]:
    """``count`` distinct owners of the community, the resident first."""
    conn = await asyncpg.connect(
        host=pg.host, port=pg.port, user=pg.user, password=pg.password or None, database=pg.dbname
    )
    try:
        rows = await conn.fetch(
            """SELECT DISTINCT (o->>'person_id')::uuid AS person
               FROM units u, jsonb_array_elements(u.owners) o
               WHERE u.community_id = $1 AND NOT u.retired ORDER BY 1""",
            community,
        )
    finally:
        await conn.close()
    return [uuid.UUID(str(r["person"])) for r in rows][:count]


def appoint_committee(env: dict[str, str], pg: PgParams, resident: asyncpg.Record) -> None:
    """The demo has no committee: the street office appoints an interim one (物业管理委员会)
    in the resident's community, through the application like any command, so that a
    committee member's token has a seat to stand on."""
    from gongzhi.application.base import Meta, business_today
    from gongzhi.application.committees import AppointInterimCommittee, CommitteeMember
    from gongzhi.bootstrap import bootstrap
    from gongzhi.domain.committee_rules import MemberRole
    from gongzhi.infra.settings import Settings

    others = asyncio.run(owners_of(pg, resident["community_id"], 6))
    me = uuid.UUID(str(resident["person"]))
    people = [me, *[p for p in others if p != me]][:5]
    platform = bootstrap(Settings.from_env(env))
    today = business_today()
    try:
        platform.app.appoint_interim_committee(
            Meta(actor="bench-load", reason="压力测试: 组建物业管理委员会", actor_role="REGULATOR"),
            AppointInterimCommittee(
                community_id=uuid.UUID(str(resident["community_id"])),
                appointed_on=today,
                term_ends_on=today.replace(year=today.year + 2),
                members=[
                    CommitteeMember(
                        p, f"压测委员{i}", MemberRole.MEMBER if i else MemberRole.DIRECTOR
                    )
                    for i, p in enumerate(people)
                ],
            ),
        )
    finally:
        platform.close()


async def find_cast(pg: PgParams) -> Cast:
    resident = await find_resident(pg)
    conn = await asyncpg.connect(
        host=pg.host, port=pg.port, user=pg.user, password=pg.password or None, database=pg.dbname
    )
    try:
        staff = await conn.fetchrow(
            """SELECT c.id, serving_company(c.id, current_date) AS company, c.district
               FROM communities c WHERE serving_company(c.id, current_date) IS NOT NULL
               ORDER BY (SELECT count(*) FROM work_orders w WHERE w.community_id = c.id) DESC,
                        c.id LIMIT 1"""
        )
        day = "(now() AT TIME ZONE 'Asia/Shanghai')::date"
        committee = await conn.fetchrow(
            f"""SELECT k.community_id, (k.members->0->>'person_id')::uuid AS person
                FROM committees k WHERE {IN_OFFICE.format(day=day)}
                  AND jsonb_array_length(k.members) > 0 LIMIT 1"""
        )
    finally:
        await conn.close()
    assert staff is not None, "the demo has no community served by a company"
    assert committee is not None, "the demo has no committee in office"
    return Cast(
        district=staff["district"],
        resident_unit=resident["id"],
        resident_community=resident["community_id"],
        resident_person=resident["person"],
        staff_community=staff["id"],
        staff_company=staff["company"],
        committee_community=committee["community_id"],
        committee_person=committee["person"],
    )


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seconds: float = 0.0

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    def all(self, names: list[str] | None = None) -> list[float]:
        return sorted(
            x for k, v in self.latencies.items() if names is None or k in names for x in v
        )


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


async def drive(
    operations: dict[str, Callable[[], Awaitable[bool]]],
    mix: list[tuple[str, int]],
    clients: int,
    seconds: float,
    seed: int,
) -> Tally:
    """``clients`` concurrent clients, each picking operations by weight until time is up."""
    tally = Tally()
    names = [n for n, _ in mix]
    weights = [w for _, w in mix]
    deadline = time.perf_counter() + seconds

    async def client(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        while time.perf_counter() < deadline:
            name = rng.choices(names, weights)[0]
            started = time.perf_counter()
            ok = await operations[name]()
            tally.latencies[name].append(time.perf_counter() - started)
            if not ok:
                tally.errors[name] += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    tally.seconds = time.perf_counter() - started
    return tally


async def api_round(bases: list[str], cast: Cast, clients: int, seconds: float, seed: int) -> Tally:
    tokens = {
        "resident": issue_token(
            SECRET,
            Principal(
                subject=f"bench-resident-{seed}",
                role=Role.RESIDENT,
                unit_ids=(cast.resident_unit,),
                person_id=cast.resident_person,
            ),
        ),
        "staff": issue_token(
            SECRET,
            Principal(
                subject=f"bench-staff-{seed}",
                role=Role.COMPANY_STAFF,
                company_id=cast.staff_company,
            ),
        ),
        "committee": issue_token(
            SECRET,
            Principal(
                subject=f"bench-committee-{seed}",
                role=Role.COMMITTEE_MEMBER,
                community_id=cast.committee_community,
                person_id=cast.committee_person,
            ),
        ),
        "regulator": issue_token(
            SECRET,
            Principal(
                subject=f"bench-regulator-{seed}",
                role=Role.REGULATOR,
                districts=(cast.district,),
            ),
        ),
    }
    # Clients are spread over the API processes, one keep-alive connection pool each.
    per_base = max(1, clients // len(bases))
    https = [
        httpx.AsyncClient(
            base_url=base,
            timeout=60,
            # A kept-alive connection is given up before uvicorn closes it (after 5 s idle):
            # at the same expiry a request races the server's close and fails (ReadError).
            limits=httpx.Limits(
                max_connections=per_base, max_keepalive_connections=per_base, keepalive_expiry=2.0
            ),
        )
        for base in bases
    ]
    spread = itertools.cycle(https)
    reported: list[str] = []
    failures: list[str] = []

    async def gql(role: str, query: str, variables: dict[str, Any], expect: str) -> dict[str, Any]:
        http = next(spread)
        response = await http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {tokens[role]}"},
        )
        data = (response.json().get("data") or {}) if response.status_code == 200 else {}
        (result,) = data.values() if data else ({},)
        if result and result.get("__typename") == expect:
            return dict(result)
        if not failures:  # the first failure, to say what went wrong
            failures.append(f"{response.status_code} {response.text[:300]}")
        return {}

    async def statement() -> bool:
        return bool(
            await gql("resident", STATEMENT, {"unit": str(cast.resident_unit)}, "FeeStatement")
        )

    async def work_orders() -> bool:
        return bool(
            await gql(
                "staff",
                WORK_ORDERS,
                {"community": str(cast.staff_community)},
                "WorkOrderConnection",
            )
        )

    async def ledger() -> bool:
        return bool(
            await gql(
                "committee",
                LEDGER,
                {"community": str(cast.committee_community)},
                "FeeLedgerConnection",
            )
        )

    async def district() -> bool:
        return bool(
            await gql("regulator", DISTRICT, {"district": cast.district}, "DistrictStatistics")
        )

    async def report() -> bool:
        # The resident reports in their own unit's community; staff dispatch in theirs, so
        # staff report there too when the two differ (a staff member logs a phoned-in repair).
        role, community = "resident", cast.resident_community
        if cast.resident_community != cast.staff_community and len(reported) < 2:
            role, community = "staff", cast.staff_community
        place: dict[str, Any] = {"kind": "COMMON_AREA", "areaName": "3栋楼道"}
        result = await gql(
            role,
            REPORT,
            {
                "input": {
                    "communityId": str(community),
                    "category": "PLUMBING",
                    "description": "楼道水管漏水",
                    "place": place,
                    "reason": "压力测试报修",
                }
            },
            "WorkOrderPayload",
        )
        if result and community == cast.staff_community:
            reported.append(result["workOrder"]["id"])
        return bool(result)

    async def dispatch() -> bool:
        if not reported:
            return await report()
        result = await gql(
            "staff",
            DISPATCH,
            {
                "input": {
                    "workOrderId": reported.pop(),
                    "team": "维修班",
                    "assignee": "值班师傅",
                    "reason": "压力测试派单",
                }
            },
            "WorkOrderPayload",
        )
        return bool(result)

    operations = dict(
        zip(
            [n for n, _ in MIX],
            [statement, work_orders, ledger, district, report, dispatch],
            strict=True,
        )
    )
    try:
        await drive(operations, MIX, clients, min(5.0, seconds), seed + 7)  # warm up
        return await drive(operations, MIX, clients, seconds, seed)
    finally:
        if failures:
            print(f"first failed answer: {failures[0]}")
        for http in https:
            await http.aclose()


async def anchor_round(pg: PgParams, cast: Cast, clients: int, seconds: float, seed: int) -> Tally:
    pool = await asyncpg.create_pool(
        host=pg.host,
        port=pg.port,
        user=pg.user,
        password=pg.password or None,
        database=pg.dbname,
        min_size=1,
        max_size=clients,
    )
    assert pool is not None

    async def statement() -> bool:
        async with pool.acquire() as conn:
            for sql in ANCHOR_STATEMENT:
                await conn.fetch(sql, cast.resident_unit)
        return True

    async def work_orders() -> bool:
        await pool.fetch(ANCHOR_WORK_ORDERS, cast.staff_community, cast.staff_company)
        return True

    async def ledger() -> bool:
        await pool.fetch(ANCHOR_LEDGER, cast.committee_community)
        return True

    async def district() -> bool:
        await pool.fetch(DISTRICT_MODE_COUNTS, [cast.district], business_today())
        return True

    operations = dict(zip(READS, [statement, work_orders, ledger, district], strict=True))
    mix = [(n, w) for n, w in MIX if n in READS]
    try:
        await drive(operations, mix, clients, min(3.0, seconds), seed + 7)
        return await drive(operations, mix, clients, seconds, seed)
    finally:
        await pool.close()


def tree(pid: int) -> list[int]:
    """A process and its descendants (a dramatiq worker forks its worker processes)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    found = [pid]
    if children.exists():
        for child in children.read_text().split():
            found += tree(int(child))
    return found


async def count_connections(pg: PgParams) -> int:
    """Connections open to the benchmark's database (this query's own excluded)."""
    conn = await asyncpg.connect(
        host=pg.host, port=pg.port, user=pg.user, password=pg.password or None, database=pg.dbname
    )
    try:
        count = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            pg.dbname,
        )
    finally:
        await conn.close()
    return int(count)


class RssSampler:
    """The API processes' resident memory, sampled every half second in a thread."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.samples: dict[int, list[int]] = {pid: [] for pid in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in self.pids:
                self.samples[pid].append(rss_kib(pid))
            self._stop.wait(0.5)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, "a platform process exited while starting"
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)  # pacing of the readiness poll
    raise AssertionError(f"{base} not ready")


@contextmanager
def process(args: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    # Each process in a session of its own, as each would be a service of its own when
    # deployed: Linux's scheduler (with autogroup, the default on desktop and many server
    # kernels) shares the CPU fairly between sessions, not processes, so two API processes
    # started in the load generator's session got the CPU of one between them (measured:
    # 0.15 cores for one, 0.09 + 0.09 for two, at load average 14 from other sessions).
    child = subprocess.Popen(
        [sys.executable, "-m", "gongzhi.cli", *args], env=env, cwd=ROOT, start_new_session=True
    )
    try:
        yield child
    finally:
        child.terminate()
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def report(label: str, tally: Tally, names: list[str]) -> tuple[float, float, float]:
    """Print one round; return (operations/s, p50 ms, p99 ms) over ``names``."""
    values = tally.all(names)
    rate = len(values) / tally.seconds
    print(
        f"\n{label}: {tally.count} operations in {tally.seconds:.1f}s, {tally.count / tally.seconds:,.1f} ops/s"
    )
    for name in sorted(tally.latencies):
        lat = tally.latencies[name]
        errors = tally.errors.get(name, 0)
        print(
            f"  {name:32} {len(lat):6}  p50 {pct(lat, 0.5):7.1f} ms  p99 {pct(lat, 0.99):7.1f} ms"
            + (f"  ERRORS {errors}" if errors else "")
        )
    print(f"  reads: {rate:,.1f}/s  p50 {pct(values, 0.5):.1f} ms  p99 {pct(values, 0.99):.1f} ms")
    return rate, pct(values, 0.5), pct(values, 0.99)


def node_round(
    count: int,
    env: dict[str, str],
    pg: PgParams,
    cast: Cast,
    clients: int,
    seconds: float,
    others: dict[str, int],
    read: PgParams | None = None,
    first: bool = False,
) -> tuple[Tally, Tally, list[int], float]:
    """The anchor, then the mixed load on ``count`` API processes started for the round
    (reading the replica ``read`` when given, as the anchor then does); also the CPU
    (cores) the API processes used over it."""
    without_api = asyncio.run(count_connections(pg))
    if read is not None:
        env = env | {"GONGZHI_READ_DATABASE_URL": read.url()}
    with ExitStack() as stack:
        ports = [free_port() for _ in range(count)]
        servers = [stack.enter_context(process(["serve", "--port", str(p)], env)) for p in ports]
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        for base, server in zip(bases, servers, strict=True):
            wait_ready(base, server)
        anchor = asyncio.run(anchor_round(read or pg, cast, clients, seconds, count))
        watched = {"client": os.getpid(), "projector": others["project"]}
        watched |= {f"api{i + 1}": s.pid for i, s in enumerate(servers)}
        before = {k: cpu_seconds(pid) for k, pid in watched.items()}
        pg_before, wall = postgres_cpu_seconds(), time.perf_counter()
        with RssSampler([s.pid for s in servers]) as rss:
            api = asyncio.run(api_round(bases, cast, clients, seconds, count))
        wall = time.perf_counter() - wall
        # Share of one core each process used over the round (warm-up included).
        cores = {k: (cpu_seconds(pid) - before[k]) / wall for k, pid in watched.items()}
        cores["postgres (all)"] = (postgres_cpu_seconds() - pg_before) / wall
        peak = [max(rss.samples[s.pid]) // 1024 for s in servers]
        connections = asyncio.run(count_connections(pg))
        served = query_reads(bases) if read is not None else {}
        where = " on the replica" if read is not None else ""
        report(f"anchor (asyncpg, same reads{where}), before {count} API", anchor, READS)
        report(f"{count} API process(es){where}, {clients} clients", api, READS)
        print(f"  API RSS under load (peak, MiB): {peak}")
        if served:
            print(
                "  queries by the database that served them (the API's "
                f"gongzhi_query_reads_total): {served}"
            )
        print(
            "  RSS of the rest of the node (MiB): "
            + ", ".join(
                f"{k} {sum(rss_kib(p) for p in tree(pid)) // 1024}" for k, pid in others.items()
            )
            + f"; connections to the database: {without_api} without the API"
            + (" (the node just started)" if first else "")
            + ", "
            f"{connections} with {count} API under load"
        )
        print(
            "  cores used: "
            + ", ".join(f"{k} {v:.2f}" for k, v in cores.items())
            + f" (machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})"
        )

    api_cores = sum(v for k, v in cores.items() if k.startswith("api"))
    return anchor, api, peak, api_cores


def query_reads(bases: list[str]) -> dict[str, int]:
    """Query operations by the database that served their reads, over the API processes
    (their ``/metrics``): with a replica, ``replica`` unless it lagged or was away."""
    served: dict[str, int] = defaultdict(int)
    for base in bases:
        text = httpx.get(f"{base}/metrics", timeout=30).text
        for database, value in re.findall(
            r'^gongzhi_query_reads_total\{database="(\w+)"\} (\S+)$', text, re.M
        ):
            served[database] += int(float(value))
    return dict(served)


def cli(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "gongzhi.cli", *args],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


@contextmanager
def replicated_database(prefix: str) -> Iterator[tuple[PgParams, PgParams]]:
    """A database on a private primary cluster, and the same database on a hot standby
    streaming from it; both clusters stopped and removed afterwards."""
    from bench.faults.servers import PrivatePostgres

    root = Path(tempfile.mkdtemp(prefix="gongzhi-bench-replica-"))
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        primary = PrivatePostgres(root)
        try:
            standby = PrivatePostgres(root, name="standby", primary=primary)
            try:
                yield PgParams.from_url(primary.url(name)), PgParams.from_url(standby.url(name))
            finally:
                standby.close()
        finally:
            primary.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--long", action="store_true", help="90 s rounds, 36 communities")
    parser.add_argument("--seconds", type=float, help="length of each round")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--communities", type=int, help="demo communities (default 12)")
    parser.add_argument(
        "--broker-url",
        default=os.environ.get("GONGZHI_BENCH_BROKER_URL", "redis://127.0.0.1:6379/0"),
    )
    parser.add_argument(
        "--replica",
        action="store_true",
        help="a private primary and a streaming standby; API reads on the standby",
    )
    args = parser.parse_args(argv)
    seconds = args.seconds or (90.0 if args.long else 25.0)
    communities = args.communities or (36 if args.long else 12)

    with ExitStack() as databases:
        read: PgParams | None = None
        if args.replica:
            pg, read = databases.enter_context(replicated_database("gongzhi_bench_load"))
        else:
            pg = databases.enter_context(temporary_database("gongzhi_bench_load"))
        env = dict(
            os.environ,
            # The checkout first; what the caller adds after it (an alternative event loop or
            # HTTP parser to try, installed apart) stays visible to the processes.
            PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
            GONGZHI_DATABASE_URL=pg.url(),
            GONGZHI_BROKER_URL=args.broker_url,
            GONGZHI_BROKER_NAMESPACE=f"gongzhi-bench-{uuid.uuid4().hex[:8]}",
            GONGZHI_JWT_SECRET=SECRET,
            GONGZHI_ENV="development",
            GONGZHI_LOG_LEVEL="WARNING",
            GONGZHI_DATA_DIR=f"/tmp/gongzhi-bench-load-{uuid.uuid4().hex[:8]}",
            # Every client's mutations stay under its token's budget anyway; the limit is
            # not what is measured.
            GONGZHI_MUTATIONS_PER_MINUTE="100000",
            # Small pools: the machine's PostgreSQL (max_connections 100) is shared.
            GONGZHI_POOL_SIZE=os.environ.get("GONGZHI_POOL_SIZE", "4"),
        )
        started = time.monotonic()
        cli(env, "demo", "--communities", str(communities))
        cli(env, "project", "--once")
        appoint_committee(env, pg, asyncio.run(find_resident(pg)))
        cli(env, "project", "--once")
        print(
            f"demo district: {communities} communities loaded and projected in "
            f"{time.monotonic() - started:.0f}s"
        )
        cast = asyncio.run(find_cast(pg))
        results: dict[str, tuple[Tally, Tally, list[int], float]] = {}
        # (label, API processes, the replica their queries read)
        rounds: list[tuple[str, int, PgParams | None]] = [("1 API", 1, None), ("2 API", 2, None)]
        if read is not None:
            rounds = [
                ("1 API, primary only", 1, None),
                ("1 API, replica", 1, read),
                ("2 API, replica", 2, read),
            ]
        # The rest of a node beside the API: projector, one worker process, the scheduler.
        with (
            process(["project"], env) as projector,
            process(["work", "--processes", "1", "--threads", "4"], env) as worker,
            process(["schedule"], env) as scheduler,
        ):
            others = {"project": projector.pid, "work": worker.pid, "schedule": scheduler.pid}
            for index, (label, count, replica) in enumerate(rounds):
                results[label] = node_round(
                    count, env, pg, cast, args.clients, seconds, others, replica, index == 0
                )

    print("\n== summary ==")
    for label, (anchor, api, peak, api_cores) in results.items():
        a_rate, a50, a99 = _summary(anchor, READS)
        q_rate, q50, q99 = _summary(api, READS)
        total = api.count / api.seconds
        errors = sum(api.errors.values())
        print(
            f"{label}: {total:,.1f} ops/s (reads {q_rate:,.1f}/s, p50 {q50:.1f} ms, "
            f"p99 {q99:.1f} ms; mutations p50 "
            f"{pct(api.all([n for n, _ in MIX[4:]]), 0.5):.1f} ms), errors {errors}; "
            f"anchor reads {a_rate:,.1f}/s p50 {a50:.1f} ms p99 {a99:.1f} ms; "
            f"ratio API reads / anchor {q_rate / a_rate:.1%}; RSS {peak} MiB; "
            f"API processes used {api_cores:.2f} cores: {total / api_cores:,.0f} ops/s per API core"
        )

    def rate(label: str) -> float:
        api = results[label][1]
        return api.count / api.seconds

    if read is None:
        print(f"ratio 2 API / 1 API (all operations/s): {rate('2 API') / rate('1 API'):.2f}x")
    else:
        print(
            "ratio 2 API / 1 API, both reading the replica (all operations/s): "
            f"{rate('2 API, replica') / rate('1 API, replica'):.2f}x"
        )
        print(
            "ratio 1 API reading the replica / 1 API reading the primary (all operations/s): "
            f"{rate('1 API, replica') / rate('1 API, primary only'):.2f}x"
        )


def _summary(tally: Tally, names: list[str]) -> tuple[float, float, float]:
    values = tally.all(names)
    return len(values) / tally.seconds, pct(values, 0.5), pct(values, 0.99)


if __name__ == "__main__":
    main()
