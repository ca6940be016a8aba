"""Issue 13 over HTTP: the estate's commands against community size, and owners voting at once,
as GraphQL mutations sent to `gongzhi serve` processes on real ports.

The estates are written in process (``bench_estate.build_estate``: the setup is not what is
measured), projected with ``gongzhi project --once``; then ``gongzhi project`` runs beside the
API as its own process, and every mutation waits for its effect in the views
(read-your-writes), as a client of the API does.

1. Command latency against community size (1 API process, one client, one request at a
   time): ``addUnit``, ``recordOwnership`` and ``moveIn`` in communities of 100, 1,000 and
   10,000 units (one owner each), each followed by a ``registerPerson`` (the anchor) in the
   same round; medians. Targets: the largest community's median within 1.5x of the
   smallest's, and within 2x of ``registerPerson``.
2. Owners voting at once in the largest community, against 1 and 2 API processes: 1, 10
   and 50 concurrent HTTP voters, each ballot sent with the owner's own resident token for a
   distinct unit (``castBallot``); then as many ``registerPerson`` at the same concurrency
   (the anchor). Reported: ballots refused for a conflict (target 0), median, ratio to the
   anchor (target within 2x), ballots per second.
3. The close over HTTP (``closeDecision``, then ``recountDecision``) of a second decision in
   the largest community holding a ballot from every owner whose unit part 1 left alone
   (target <= 2 s for 10,000 ballots; the recount must agree). A second decision because the
   API closes at the present time, and a decision still open for part 2's voters cannot be
   closed before its closing time: this one's voting window lies in the past and its ballots
   are recorded in process, backdated into the window (the close is what is measured).
   The close runs on a freshly started API process, its first read of the community (the
   worst case: it starts from the stored community and estate), then a third such decision
   is closed on the same process, now warm.
4. A fresh process's first ballot: an API process started for it, warmed with
   ``registerPerson`` requests only (its connections open, its caches filled, the
   community never read), then one ballot in the largest community (target <= 300 ms);
   the anchor is the median ``registerPerson`` of that warm-up, in the same process. Last,
   the same once the community's snapshots and stored estate are deleted: the first
   ballot from the events alone, as before they were stored.

The machine is shared: read the ratios, not the absolute times.

    python -m bench.bench_estate_http              # about 3 minutes
    python -m bench.bench_estate_http --quick      # small sizes, a smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import text

from bench.bench_estate import Estate, build_estate
from bench.bench_load import ROOT, SECRET, cli, free_port, process, wait_ready
from bench.dataset import BENCH_META
from bench.support import temporary_database
from gongzhi.application.base import Meta
from gongzhi.application.decisions import ProposeDecision
from gongzhi.application.estate import estate_read, stored_id
from gongzhi.application.owners import RegisterPerson
from gongzhi.bootstrap import bootstrap
from gongzhi.domain.decision import Decision, Scope
from gongzhi.domain.tally import Matter
from gongzhi.graphql.auth import Principal, Role, issue_token
from gongzhi.infra.settings import PgParams, Settings

DISTRICT = "红塔区"  # build_estate's communities lie in it
REASON = "性能测试"
REGULATOR = "bench-estate-http"  # the subject of part 1's token

ADD_UNIT = """mutation($input: AddUnitInput!) { addUnit(input: $input) { __typename
  ... on CommunityPayload { position partId } ... on Conflict { message }
  ... on ValidationError { field message } ... on NotFound { field message } } }"""
RECORD_OWNERSHIP = """mutation($input: RecordOwnershipInput!) { recordOwnership(input: $input) {
  __typename ... on CommunityPayload { position } ... on Conflict { message }
  ... on ValidationError { field message } ... on NotFound { field message } } }"""
MOVE_IN = """mutation($input: ResidenceInput!) { moveIn(input: $input) { __typename
  ... on CommunityPayload { position } ... on Conflict { message }
  ... on ValidationError { field message } ... on NotFound { field message } } }"""
REGISTER_PERSON = """mutation($input: RegisterPersonInput!) { registerPerson(input: $input) {
  __typename ... on PersonPayload { position } ... on Conflict { message }
  ... on ValidationError { field message } } }"""
CAST_BALLOT = """mutation($input: CastBallotInput!) { castBallot(input: $input) { __typename
  ... on DecisionPayload { position } ... on Conflict { message }
  ... on ValidationError { field message } ... on NotFound { field message }
  ... on Forbidden { message } } }"""
DECISION_FIELDS = """... on DecisionPayload { position decision { closed passed ballotsCast
  recounts recountsAgreeing result { __typename } } } ... on ValidationError { field message }
  ... on Conflict { message } ... on NotFound { field message }"""
CLOSE = (
    "mutation($input: DecisionStepInput!) { closeDecision(input: $input) { __typename "
    + DECISION_FIELDS
    + " } }"
)
RECOUNT = (
    "mutation($input: DecisionStepInput!) { recountDecision(input: $input) { __typename "
    + DECISION_FIELDS
    + " } }"
)

COMMANDS = ("addUnit", "recordOwnership", "moveIn", "registerPerson")


def regulator_token(subject: str) -> str:
    return issue_token(
        SECRET, Principal(subject=subject, role=Role.REGULATOR, districts=(DISTRICT,))
    )


def owner_token(unit: UUID, person: UUID) -> str:
    """The owner's own token: a resident of this one unit, speaking for this person."""
    return issue_token(
        SECRET,
        Principal(
            subject=f"bench-owner-{unit}", role=Role.RESIDENT, unit_ids=(unit,), person_id=person
        ),
    )


class Failures:
    """Answers that were not the expected payload, by type; the first one kept to print."""

    def __init__(self) -> None:
        self.by_type: dict[str, int] = {}
        self.first: str | None = None

    def note(self, kind: str, text: str) -> None:
        self.by_type[kind] = self.by_type.get(kind, 0) + 1
        if self.first is None:
            self.first = text[:400]


def answer(response: httpx.Response) -> tuple[str, dict[str, Any]]:
    """(__typename, result) of a one-field GraphQL answer; ("HTTP <status>", {}) otherwise."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}", {}
    data = response.json().get("data") or {}
    if not data:
        return "errors", {}
    (result,) = data.values()
    return str(result["__typename"]), dict(result)


# -- 1. command latency against community size ----------------------------------------------


def command_latencies(
    base: str, estates: dict[int, Estate], newcomers: list[UUID], commands: int, rounds: int
) -> tuple[dict[str, dict[int, float]], Failures]:
    """Median seconds per command and community size, one request at a time; each estate
    command is followed by a ``registerPerson`` in the same round."""
    samples: dict[str, dict[int, list[float]]] = {k: {s: [] for s in estates} for k in COMMANDS}
    failures = Failures()
    headers = {"Authorization": f"Bearer {regulator_token(REGULATOR)}"}
    expected = {
        "addUnit": "CommunityPayload",
        "recordOwnership": "CommunityPayload",
        "moveIn": "CommunityPayload",
        "registerPerson": "PersonPayload",
    }
    with httpx.Client(base_url=base, timeout=60, headers=headers) as http:

        def send(kind: str, size: int, query: str, input: dict[str, Any]) -> None:
            started = time.perf_counter()
            response = http.post("/graphql", json={"query": query, "variables": {"input": input}})
            elapsed = time.perf_counter() - started
            typename, _ = answer(response)
            if typename == expected[kind]:
                samples[kind][size].append(elapsed)
            else:
                failures.note(f"{kind}: {typename}", f"{kind}: {response.text}")

        for round_number in range(-1, rounds):  # round -1 warms up, and is not counted
            for size, estate in estates.items():
                for i in range(commands):
                    step = max(round_number, 0) * commands + i
                    unit = str(estate.units[step % len(estate.units)])
                    warm = round_number < 0
                    tag = f"w{i}" if warm else f"r{round_number}-{i}"
                    send(
                        "addUnit",
                        size,
                        ADD_UNIT,
                        {
                            "communityId": str(estate.community_id),
                            "entranceId": str(estate.entrances[i % len(estate.entrances)]),
                            "number": tag,
                            "floor": 1,
                            "area": "66.00",
                            "areaSource": "REGISTER",
                            "reason": REASON,
                        },
                    )
                    if not warm:
                        send(
                            "recordOwnership",
                            size,
                            RECORD_OWNERSHIP,
                            {
                                "communityId": str(estate.community_id),
                                "unitId": unit,
                                "owners": [{"personId": str(newcomers[i]), "share": "1"}],
                                "on": "2024-06-01",
                                "reason": REASON,
                            },
                        )
                        send(
                            "moveIn",
                            size,
                            MOVE_IN,
                            {
                                "communityId": str(estate.community_id),
                                "unitId": unit,
                                "personId": str(estate.owners[(step + 1) % len(estate.owners)]),
                                "on": "2024-06-01",
                                "reason": REASON,
                            },
                        )
                    send(
                        "registerPerson", size, REGISTER_PERSON, {"name": "对照", "reason": REASON}
                    )
                if round_number < 0:
                    for by_size in samples.values():
                        by_size[size].clear()
    return {
        kind: {size: statistics.median(v) if v else float("nan") for size, v in by_size.items()}
        for kind, by_size in samples.items()
    }, failures


# -- 2. owners voting at once ----------------------------------------------------------------


@dataclass
class VoteFigures:
    apis: int
    voters: int
    ballots: int
    refused_conflict: int
    refused_other: int
    median: float
    p90: float  # the tail: a ballot waits for the one projector to have written it
    slowest: float
    anchor: float
    per_second: float
    anchor_per_second: float


async def at_once(
    concurrency: int, jobs: list[Callable[[httpx.AsyncClient], Awaitable[str]]], bases: list[str]
) -> tuple[list[float], Failures, float]:
    """``jobs`` from ``concurrency`` clients started together, client t on API t mod n, each
    with a connection of its own: (latencies of the answers that were the payload, the other
    answers, seconds for all). A job returns the answer's __typename, "" for the payload."""
    latencies: list[float] = []
    failures = Failures()
    https = [
        httpx.AsyncClient(
            base_url=base,
            timeout=120,
            limits=httpx.Limits(max_connections=concurrency, keepalive_expiry=2.0),
        )
        for base in bases
    ]

    async def client(t: int) -> None:
        http = https[t % len(https)]
        for job in jobs[t::concurrency]:
            began = time.perf_counter()
            kind = await job(http)
            if kind:
                failures.note(kind, kind)
            else:
                latencies.append(time.perf_counter() - began)

    try:
        started = time.perf_counter()
        await asyncio.gather(*(client(t) for t in range(concurrency)))
        return latencies, failures, time.perf_counter() - started
    finally:
        for http in https:
            await http.aclose()


def ballot_job(
    estate: Estate, decision: UUID, index: int
) -> Callable[[httpx.AsyncClient], Awaitable[str]]:
    """The ballot of unit ``index``'s owner, sent with the owner's own token."""
    unit, person = estate.units[index], estate.owners[index]
    headers = {"Authorization": f"Bearer {owner_token(unit, person)}"}
    variables = {
        "input": {
            "decisionId": str(decision),
            "unitId": str(unit),
            "personId": str(person),
            "choice": "APPROVE" if index % 5 else "OPPOSE",
            "channel": "ONLINE",
            "reason": "网上投票",
        }
    }

    async def send(http: httpx.AsyncClient) -> str:
        response = await http.post(
            "/graphql", json={"query": CAST_BALLOT, "variables": variables}, headers=headers
        )
        typename, result = answer(response)
        if typename == "DecisionPayload":
            return ""
        return f"{typename} {result.get('message', '')}"[:200]

    return send


def anchor_job(subject: str) -> Callable[[httpx.AsyncClient], Awaitable[str]]:
    """A ``registerPerson`` by a regulator, the anchor of the voting rounds."""
    headers = {"Authorization": f"Bearer {regulator_token(subject)}"}
    variables = {"input": {"name": "对照", "reason": REASON}}

    async def person(http: httpx.AsyncClient) -> str:
        response = await http.post(
            "/graphql", json={"query": REGISTER_PERSON, "variables": variables}, headers=headers
        )
        typename, _ = answer(response)
        return "" if typename == "PersonPayload" else typename

    return person


def warm_up(bases: list[str], estate: Estate, decision: UUID, offset: int) -> list[float]:
    """Requests on each API process just started, not counted; returns the seconds of each
    process's first ballot. A process's first ballot loads the community's estate into its
    cache, and its first requests open its database connections (measured: a 2-API round
    whose second process first answered in the 10-voter round ran at half the ballots/s)."""
    firsts = []
    for index, base in enumerate(bases):
        latencies, failures, _ = asyncio.run(
            at_once(1, [ballot_job(estate, decision, offset + index)], [base])
        )
        assert not failures.by_type, failures.first
        firsts.extend(latencies)
    clients = 4 * len(bases)  # client t talks to API t mod n: every one gets four
    asyncio.run(at_once(clients, [anchor_job("bench-warm-up")] * (5 * clients), bases))
    return firsts


def concurrent_votes(
    bases: list[str], estate: Estate, decision: UUID, voters: int, ballots: int, offset: int
) -> tuple[VoteFigures, Failures]:
    """``ballots`` ballots for distinct units (``offset`` on) from ``voters`` clients at
    once, each with its unit's owner's token; then as many ``registerPerson`` at once."""

    person = anchor_job(f"bench-anchor-{voters}-{len(bases)}")
    jobs = [ballot_job(estate, decision, i) for i in range(offset, offset + ballots)]
    latencies, failures, elapsed = asyncio.run(at_once(voters, jobs, bases))
    anchors, anchor_failures, anchor_elapsed = asyncio.run(
        at_once(voters, [person] * ballots, bases)
    )
    for kind, count in anchor_failures.by_type.items():
        failures.by_type[f"anchor {kind}"] = count
    conflicts = sum(n for k, n in failures.by_type.items() if k.startswith("Conflict"))
    others = sum(n for k, n in failures.by_type.items() if not k.startswith(("Conflict", "anchor")))
    return VoteFigures(
        len(bases),
        voters,
        ballots,
        conflicts,
        others,
        statistics.median(latencies) if latencies else float("nan"),
        statistics.quantiles(latencies, n=10)[-1] if len(latencies) > 1 else float("nan"),
        max(latencies, default=float("nan")),
        statistics.median(anchors) if anchors else float("nan"),
        len(latencies) / elapsed,
        len(anchors) / anchor_elapsed,
    ), failures


# -- setup, in process -----------------------------------------------------------------------


@dataclass
class Setup:
    estates: dict[int, Estate]
    newcomers: list[UUID]
    voting: UUID  # open for part 2
    closing: UUID  # voting window past, ballots recorded: closed over HTTP in part 3
    closing_ballots: int
    closing_warm: UUID  # the same, closed after ``closing`` on the same process


def set_up(env: dict[str, str], sizes: list[int], commands: int, untouched: int) -> Setup:
    """The estates, the owners-to-be of part 1, and the two decisions in the largest
    community, written through the application in this process."""
    platform = bootstrap(Settings.from_env(env))
    app = platform.app
    try:
        estates = {size: build_estate(app, size) for size in sizes}
        # Registered by the regulator who will record them as owners: a person linked to no
        # community yet may be referred to by whoever registered the person only.
        as_regulator = Meta(actor=REGULATOR, reason="登记新业主", actor_role="REGULATOR")
        newcomers = [
            app.register_person(as_regulator, RegisterPerson(name=f"新业主{i}")).id
            for i in range(commands)
        ]
        estate = estates[max(sizes)]
        now = datetime.now(UTC)

        def propose(title: str, opens_at: datetime, closes_at: datetime) -> UUID:
            return app.propose_decision(
                BENCH_META,
                ProposeDecision(
                    community_id=estate.community_id,
                    scope=Scope.COMMUNITY,
                    matter=Matter.PROPERTY_COMPANY,
                    title=title,
                    opens_at=opens_at,
                    closes_at=closes_at,
                ),
            ).id

        voting = propose("续聘物业服务企业", now - timedelta(hours=1), now + timedelta(hours=6))
        closings = [
            propose(title, now - timedelta(hours=3), now - timedelta(minutes=30))
            for title in ("选聘物业服务企业", "使用维修资金")
        ]
        # A ballot from the owner of every unit part 1 leaves alone (recorded directly, cast
        # within the window, as bench_estate does: the close is what is measured).
        voter_of = estate_read(
            app,
            estate.community_id,
            "communityId",
            lambda _, e: {u: h.voter for u, h in e.holdings.items()},
        )
        eligible = set(voter_of.values())
        cast_at = now - timedelta(hours=2)
        for closing in closings:
            decision = app.load(Decision, closing, "decisionId")
            ballots = [
                decision.cast_ballot(
                    voter=voter_of[estate.units[index]],
                    eligible_voters=eligible,
                    choice="APPROVE" if index % 5 else "OPPOSE",
                    channel="PAPER",
                    cast_by=estate.owners[index],
                    at=cast_at,
                    units=[estate.units[index]],
                )
                for index in range(untouched, len(estate.units))
            ]
            for start in range(0, len(ballots), 2000):
                app.record(BENCH_META, *ballots[start : start + 2000])
        return Setup(estates, newcomers, voting, closings[0], len(ballots), closings[1])
    finally:
        platform.close()


def start_apis(stack: ExitStack, env: dict[str, str], count: int) -> list[str]:
    ports = [free_port() for _ in range(count)]
    servers = [stack.enter_context(process(["serve", "--port", str(p)], env)) for p in ports]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    for base, server in zip(bases, servers, strict=True):
        wait_ready(base, server)
    return bases


def close_over_http(base: str, decision: UUID) -> tuple[float, dict[str, Any], dict[str, Any]]:
    """(seconds for the close, its decision, the recount's decision)."""
    headers = {"Authorization": f"Bearer {regulator_token('bench-estate-http-close')}"}
    variables = {"input": {"decisionId": str(decision), "reason": "截止计票"}}
    with httpx.Client(base_url=base, timeout=120, headers=headers) as http:
        started = time.perf_counter()
        response = http.post("/graphql", json={"query": CLOSE, "variables": variables})
        seconds = time.perf_counter() - started
        typename, closed = answer(response)
        assert typename == "DecisionPayload", response.text[:500]
        response = http.post("/graphql", json={"query": RECOUNT, "variables": variables})
        typename, recounted = answer(response)
        assert typename == "DecisionPayload", response.text[:500]
    return seconds, closed["decision"] or {}, recounted["decision"] or {}


def warmed_without_the_estate(base: str) -> float:
    """``registerPerson`` requests one at a time on a process just started: its database
    connections open and its caches filled, no community read. The median of the last ten
    (the anchor of a fresh process's figures)."""
    latencies, failures, _ = asyncio.run(at_once(1, [anchor_job("bench-fresh")] * 20, [base]))
    assert not failures.by_type, failures.first
    return statistics.median(latencies[-10:])


@dataclass
class FreshFigures:
    """A fresh process's first ballot and first close, against its own ``registerPerson``."""

    first_ballots: list[tuple[float, float]]  # (first ballot, anchor) per fresh process
    close_fresh: float
    close_warm: float
    close_anchor: float
    first_ballot_from_events: float  # a fresh process's, nothing stored (as before)


def first_ballot_of_a_fresh_process(
    env: dict[str, str], estate: Estate, decision: UUID, index: int
) -> tuple[float, float]:
    """(seconds of the first ballot, the anchor) on an API process started for it."""
    with ExitStack() as stack:
        (base,) = start_apis(stack, env, 1)
        anchor = warmed_without_the_estate(base)
        latencies, failures, _ = asyncio.run(
            at_once(1, [ballot_job(estate, decision, index)], [base])
        )
        assert not failures.by_type, failures.first
        return latencies[0], anchor


def closes_and_first_ballots(
    env: dict[str, str], setup: Setup, largest: int, offset: int, fresh: int
) -> tuple[FreshFigures, dict[str, Any], dict[str, Any]]:
    """Parts 3 and 4, each on API processes started for them: (the figures, the first
    close's decision, its recount's)."""
    estate = setup.estates[largest]
    # 3. The closes, on a process started for them: first its first read of the
    # community, then a second close on it warm.
    with ExitStack() as stack:
        (base,) = start_apis(stack, env, 1)
        close_anchor = warmed_without_the_estate(base)
        seconds, closed, recounted = close_over_http(base, setup.closing)
        warm_seconds, warm_closed, warm_recounted = close_over_http(base, setup.closing_warm)
    print(
        f"\n3. closeDecision over HTTP of {closed.get('ballotsCast')} ballots "
        f"({setup.closing_ballots} recorded) in the {largest}-unit community, on a fresh "
        f"process: {seconds:.2f} s ({seconds / close_anchor:.1f}x registerPerson "
        f"{close_anchor * 1000:.1f} ms there); closed={closed.get('closed')} "
        f"passed={closed.get('passed')}; recount agrees: "
        f"{recounted.get('recountsAgreeing')}/{recounted.get('recounts')}"
    )
    print(
        f"   the next close of as many on the same process, warm: {warm_seconds:.2f} s "
        f"({warm_seconds / close_anchor:.1f}x); closed={warm_closed.get('closed')}; "
        f"recount agrees: {warm_recounted.get('recountsAgreeing')}/"
        f"{warm_recounted.get('recounts')}"
    )
    print(f"   fresh / warm close: {seconds / warm_seconds:.2f}x")

    # 4. A fresh process's first ballot, each on a process of its own.
    print(f"\n4. the first ballot of a freshly started API process ({largest} units)")
    print("process  first-ballot-ms  registerPerson-ms  ratio")
    firsts: list[tuple[float, float]] = []
    for number in range(fresh):
        first, anchor = first_ballot_of_a_fresh_process(env, estate, setup.voting, offset)
        offset += 1
        firsts.append((first, anchor))
        print(
            f"{number + 1:>7}  {first * 1000:>15.1f}  {anchor * 1000:>17.1f}  {first / anchor:>5.2f}"
        )
    # The same from the events alone, as before the stored community and estate: they are
    # deleted, and the process builds both from the log (and stores the estate again).
    without_stored_state(env, estate.community_id)
    first, anchor = first_ballot_of_a_fresh_process(env, estate, setup.voting, offset)
    print(
        f"{'events':>7}  {first * 1000:>15.1f}  {anchor * 1000:>17.1f}  {first / anchor:>5.2f}"
        f"  (nothing stored: from the events alone; stored / events: "
        f"{statistics.median(f for f, _ in firsts) / first:.2f}x)"
    )
    return (
        FreshFigures(firsts, seconds, warm_seconds, close_anchor, first),
        closed,
        recounted,
    )


def without_stored_state(env: dict[str, str], community_id: UUID) -> None:
    """Delete the community's snapshots and its stored estate (the benchmark's database
    role may; the platform's only appends): the next process reads both from the log."""
    platform = bootstrap(Settings.from_env(env))
    try:
        assert platform.app.snapshots is not None
        table = platform.app.snapshots.recorder.events_table_name  # type: ignore[attr-defined]
        with platform.engine.begin() as conn:
            conn.execute(
                text(f"DELETE FROM {table} WHERE originator_id = ANY(:ids)"),
                {"ids": [community_id, stored_id(community_id)]},
            )
    finally:
        platform.close()


# -- the run ---------------------------------------------------------------------------------


def print_latencies(medians: dict[str, dict[int, float]], sizes: list[int]) -> None:
    anchor = medians["registerPerson"]
    smallest, largest = min(sizes), max(sizes)
    print("\n1. median command latency over HTTP (ms) by community size; registerPerson alongside")
    print(
        f"{'command':<16}"
        + "".join(f"{s:>10}" for s in sizes)
        + f"  {largest}/{smallest}  {largest}/registerPerson"
    )
    for kind in COMMANDS:
        row = medians[kind]
        print(
            f"{kind:<16}"
            + "".join(f"{row[s] * 1000:>10.1f}" for s in sizes)
            + f"  {row[largest] / row[smallest]:>9.2f}x"
            + f"  {row[largest] / anchor[largest]:>9.2f}x"
        )


# The parameters of run(): as issue 13 asks, and a smoke run small enough for a test.
FULL: dict[str, Any] = {
    "sizes": [100, 1000, 10000],
    "commands": 30,
    "rounds": 3,
    "voter_counts": [1, 10, 50],
    "ballots": 200,
    "api_counts": [1, 2],
    "fresh": 3,
}
QUICK: dict[str, Any] = {
    "sizes": [20, 60],
    "commands": 3,
    "rounds": 1,
    "voter_counts": [1, 4],
    "ballots": 4,
    "api_counts": [1],
    "fresh": 1,
}


def _ints(text: str | None) -> list[int] | None:
    return [int(part) for part in text.split(",")] if text else None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_estate_http", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--sizes", help="community sizes (default 100,1000,10000)")
    parser.add_argument("--commands", type=int, help="of each kind per size and round (30)")
    parser.add_argument("--rounds", type=int, help="rounds (3)")
    parser.add_argument("--voters", help="concurrent voters (1,10,50)")
    parser.add_argument("--ballots", type=int, help="ballots per voter count (200)")
    parser.add_argument("--apis", help="API processes for the voting (1,2)")
    parser.add_argument("--fresh", type=int, help="fresh processes' first ballots (3)")
    parser.add_argument(
        "--broker-url",
        default=os.environ.get("GONGZHI_BENCH_BROKER_URL", "redis://127.0.0.1:6379/0"),
    )
    args = parser.parse_args(argv)
    given = {
        "sizes": _ints(args.sizes),
        "commands": args.commands,
        "rounds": args.rounds,
        "voter_counts": _ints(args.voters),
        "ballots": args.ballots,
        "api_counts": _ints(args.apis),
        "fresh": args.fresh,
    }
    params = (QUICK if args.quick else FULL) | {k: v for k, v in given.items() if v is not None}
    sizes, commands, rounds = params["sizes"], params["commands"], params["rounds"]
    voter_counts, ballots, api_counts = (
        params["voter_counts"],
        params["ballots"],
        params["api_counts"],
    )
    untouched = commands * rounds  # part 1 changes the owners of the units before this
    needed = untouched + (ballots * len(voter_counts) + 2) * len(api_counts) + params["fresh"] + 1
    if needed > max(sizes) or untouched > min(sizes):
        parser.error(f"the communities are too small: part 2 needs {needed} units")

    with temporary_database("gongzhi_bench_estate_http") as pg:
        outcome = run(pg, args.broker_url, **params)
    assert outcome.recounted.get("recountsAgreeing") == 1, "the recount disagrees with the close"


@dataclass
class Outcome:
    """What a run measured and saw, for a caller (the test) to check."""

    medians: dict[str, dict[int, float]]
    command_failures: dict[str, int]
    votes: list[VoteFigures]
    vote_failures: dict[str, int]
    close_seconds: float  # on a fresh process
    closing_ballots: int
    closed: dict[str, Any]
    recounted: dict[str, Any]
    fresh: FreshFigures


def run(
    pg: PgParams,
    broker_url: str,
    sizes: list[int],
    commands: int,
    rounds: int,
    voter_counts: list[int],
    ballots: int,
    api_counts: list[int],
    fresh: int,
) -> Outcome:
    print(f"load average at the start: {os.getloadavg()} ({os.cpu_count()} cores)")
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
        GONGZHI_DATABASE_URL=pg.url(),
        GONGZHI_BROKER_URL=broker_url,
        GONGZHI_BROKER_NAMESPACE=f"gongzhi-bench-{uuid.uuid4().hex[:8]}",
        GONGZHI_JWT_SECRET=SECRET,
        GONGZHI_ENV="development",
        GONGZHI_LOG_LEVEL="WARNING",
        # One data directory for this process and the node's: the personal-data key in it
        # must be the one the estates' persons were written with.
        GONGZHI_DATA_DIR=f"/tmp/gongzhi-bench-estate-http-{uuid.uuid4().hex[:8]}",
        # The per-token mutation budget is not what is measured (the anchor's token sends
        # hundreds a minute).
        GONGZHI_MUTATIONS_PER_MINUTE="100000",
        # Small pools: the machine's PostgreSQL (max_connections 100) is shared.
        GONGZHI_POOL_SIZE=os.environ.get("GONGZHI_POOL_SIZE", "4"),
    )
    began = time.perf_counter()
    setup = set_up(env, sizes, commands, commands * rounds)
    written = time.perf_counter() - began
    cli(env, "project", "--once")
    print(
        f"estates of {sizes} units written in {written:.1f} s, projected in "
        f"{time.perf_counter() - began - written:.1f} s"
    )
    largest = max(sizes)
    estate = setup.estates[largest]
    votes: list[VoteFigures] = []
    vote_failures: dict[str, int] = {}
    with process(["project"], env):
        with ExitStack() as stack:
            (base,) = start_apis(stack, env, 1)
            medians, failures = command_latencies(
                base, setup.estates, setup.newcomers, commands, rounds
            )
        print_latencies(medians, sizes)
        if failures.by_type:
            print(f"  not the payload: {failures.by_type}; first: {failures.first}")
        print(f"  load average: {os.getloadavg()}")

        print(f"\n2. owners voting at once over HTTP in the {largest}-unit community")
        print(
            "APIs  voters  ballots  conflicts  other-refusals  median-ms  p90-ms  max-ms  registerPerson-ms"
            "  ratio  ballots/s  registerPerson/s"
        )
        offset = commands * rounds  # units whose owners part 1 did not change
        for apis in api_counts:
            with ExitStack() as stack:
                bases = start_apis(stack, env, apis)
                firsts = warm_up(bases, estate, setup.voting, offset)
                offset += apis
                print(
                    "      first ballot on each fresh API process (s): "
                    + ", ".join(f"{first:.2f}" for first in firsts)
                )
                for voters in voter_counts:
                    f, refusals = concurrent_votes(
                        bases, estate, setup.voting, voters, ballots, offset
                    )
                    offset += ballots
                    votes.append(f)
                    for kind, count in refusals.by_type.items():
                        vote_failures[kind] = vote_failures.get(kind, 0) + count
                    print(
                        f"{f.apis:>4}  {f.voters:>6}  {f.ballots:>7}  {f.refused_conflict:>9}"
                        f"  {f.refused_other:>14}  {f.median * 1000:>9.1f}  {f.p90 * 1000:>6.1f}  {f.slowest * 1000:>6.0f}"
                        f"  {f.anchor * 1000:>17.1f}  {f.median / f.anchor:>5.2f}"
                        f"  {f.per_second:>9.1f}  {f.anchor_per_second:>16.1f}"
                    )
                    if refusals.by_type:
                        print(f"      not the payload: {refusals.by_type}")
                print(f"      load average: {os.getloadavg()}")

        fresh_figures, closed, recounted = closes_and_first_ballots(
            env, setup, largest, offset, fresh
        )
    print(f"load average at the end: {os.getloadavg()}")
    return Outcome(
        medians,
        failures.by_type,
        votes,
        vote_failures,
        fresh_figures.close_fresh,
        setup.closing_ballots,
        closed,
        recounted,
        fresh_figures,
    )


if __name__ == "__main__":
    main()
