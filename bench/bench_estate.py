"""Issue 13: the write side against the size of the estate, and owners voting at once.

1. Command latency against community size: ``addUnit``, ``recordOwnership`` and ``moveIn``
   through the application service (load, rules, save with actor and reason) in communities
   of each size (default 100, 1,000 and 10,000 units, one owner each), against
   ``registerPerson`` (a small aggregate) measured in the same rounds. Targets: the largest
   community's median within 1.5x of the smallest's, and within 2x of ``registerPerson``.
2. Owners voting at once in the largest community: 1, 10 and 50 threads casting ballots
   for distinct units of one open decision. Reported: ballots refused for a conflict
   (target 0), median ballot latency against ``registerPerson`` run right after from as
   many threads at once (target within 2x), ballots per second. Then every remaining unit's ballot is recorded,
   the decision closed through the service (target <= 2 s for 10,000 ballots) and
   recounted (must agree).

In process, not over HTTP: the service layer is what issue 13 changed; the GraphQL layer
in front adds the same per-request cost to every command. The machine is shared: read the
ratios, not the absolute times.

    python -m bench.bench_estate [--sizes 100,1000,10000] [--commands 40] [--rounds 3]
                                 [--voters 1,10,50] [--ballots 200]
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any
from uuid import UUID

from bench.dataset import BENCH_META, open_platform
from bench.support import temporary_database
from gongzhi.application.app import Gongzhi
from gongzhi.application.base import Conflict, Meta
from gongzhi.application.communities import AddUnit
from gongzhi.application.decisions import (
    CastBallot,
    CloseDecision,
    ProposeDecision,
    RecountDecision,
)
from gongzhi.application.estate import estate_read
from gongzhi.application.owners import MoveIn, OwnerShare, RecordOwnership, RegisterPerson
from gongzhi.domain.community import Community
from gongzhi.domain.decision import Channel, Decision, Scope
from gongzhi.domain.holding import UnitHolding
from gongzhi.domain.person import Person
from gongzhi.domain.tally import Matter

PER_ENTRANCE = 100


@dataclass
class Estate:
    community_id: UUID
    entrances: list[UUID]
    units: list[UUID]
    owners: list[UUID]


def build_estate(app: Gongzhi, units: int) -> Estate:
    """A community of ``units`` units, each with its own owner (in the unit's holding),
    written through the domain in a few large saves (the setup is not what is measured)."""
    community = Community.register(
        name=f"{units}户小区", district="红塔区", street="玉兴街道", registered_on=date(2024, 1, 1)
    )
    for b in range((units + 2 * PER_ENTRANCE - 1) // (2 * PER_ENTRANCE)):
        community.add_building(f"{b + 1}栋", 30, True, ["1单元", "2单元"])
    entrances = list(community.entrance_index)
    unit_ids, owners = [], []
    persons = []
    holdings = []
    for index in range(units):
        entrance = entrances[index // PER_ENTRANCE]
        unit = community.add_unit(
            entrance,
            f"{index % PER_ENTRANCE + 101}",
            index % PER_ENTRANCE // 4 + 1,
            "80.00",
            "REGISTER",
        )
        person = Person.register(name=f"业主{index}")
        persons.append(person)
        # Each unit's owner in the unit's own holding, as a roster import records it.
        holdings.append(UnitHolding.open(community.id, unit, owners=[(person.id, Fraction(1))]))
        unit_ids.append(unit)
        owners.append(person.id)
    for start in range(0, len(persons), 2000):
        app.record(BENCH_META, *persons[start : start + 2000])
    app.record(BENCH_META, community)
    for start in range(0, len(holdings), 2000):
        app.record(BENCH_META, *holdings[start : start + 2000])
    return Estate(community.id, entrances, unit_ids, owners)


def measure(handler: Callable[[Meta, Any], object], command: object) -> float:
    started = time.perf_counter()
    handler(BENCH_META, command)
    return time.perf_counter() - started


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def command_latencies(
    app: Gongzhi, estates: dict[int, Estate], commands: int, rounds: int
) -> dict[str, dict[int, float]]:
    """Median seconds per command kind and community size, ``registerPerson`` included."""
    samples: dict[str, dict[int, list[float]]] = {
        kind: {size: [] for size in estates}
        for kind in ("addUnit", "recordOwnership", "moveIn", "registerPerson")
    }
    newcomers = [
        app.register_person(BENCH_META, RegisterPerson(name=f"新业主{i}")).id
        for i in range(commands)
    ]
    for estate in estates.values():  # warm: each community is loaded into the cache once
        app.community(estate.community_id)
    for round_number in range(rounds):
        for size, estate in estates.items():
            for i in range(commands):
                step = round_number * commands + i
                unit = estate.units[step % len(estate.units)]
                add = AddUnit(
                    community_id=estate.community_id,
                    entrance_id=estate.entrances[i % len(estate.entrances)],
                    number=f"r{round_number}-{i}",
                    floor=1,
                    area="66.00",
                    area_source="REGISTER",
                )
                own = RecordOwnership(
                    community_id=estate.community_id,
                    unit_id=unit,
                    owners=[OwnerShare(newcomers[i], "1")],
                    on=date(2024, 6, 1),
                )
                move = MoveIn(
                    community_id=estate.community_id,
                    unit_id=unit,
                    person_id=estate.owners[(step + 1) % len(estate.owners)],
                    on=date(2024, 6, 1),
                )
                samples["addUnit"][size].append(measure(app.add_unit, add))
                samples["recordOwnership"][size].append(measure(app.record_ownership, own))
                samples["moveIn"][size].append(measure(app.move_in, move))
                samples["registerPerson"][size].append(
                    measure(app.register_person, RegisterPerson(name="对照"))
                )
    return {
        kind: {size: statistics.median(values) for size, values in by_size.items()}
        for kind, by_size in samples.items()
    }


@dataclass
class VoteFigures:
    voters: int
    ballots: int
    refused_conflict: int
    refused_other: int
    median: float
    anchor: float
    per_second: float


def at_once(threads: int, jobs: list[Callable[[], object]]) -> tuple[list[float], int, int, float]:
    """Run ``jobs`` from ``threads`` threads started together: (latencies of those that
    succeeded, refusals for a conflict, other refusals, seconds for all)."""
    lock = threading.Lock()
    latencies: list[float] = []
    conflicts = others = 0
    start = threading.Barrier(threads)

    def run(mine: list[Callable[[], object]]) -> None:
        nonlocal conflicts, others
        start.wait()
        for job in mine:
            began = time.perf_counter()
            try:
                job()
            except Conflict:
                with lock:
                    conflicts += 1
                continue
            except Exception:
                with lock:
                    others += 1
                continue
            with lock:
                latencies.append(time.perf_counter() - began)

    workers = [threading.Thread(target=run, args=(jobs[t::threads],)) for t in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return latencies, conflicts, others, time.perf_counter() - started


def concurrent_votes(
    app: Gongzhi, estate: Estate, decision: UUID, voters: int, ballots: int, offset: int
) -> VoteFigures:
    """``ballots`` ballots for distinct units from ``voters`` threads at once; then as many
    ``registerPerson`` from as many threads at once, the anchor under the same load."""

    def ballot(index: int) -> Callable[[], object]:
        command = CastBallot(
            decision_id=decision,
            unit_id=estate.units[index],
            person_id=estate.owners[index],
            choice="APPROVE" if index % 5 else "OPPOSE",
            channel=Channel.ONLINE,
        )
        return lambda: app.cast_ballot(BENCH_META, command)

    def person() -> object:
        return app.register_person(BENCH_META, RegisterPerson(name="对照"))

    jobs = [ballot(i) for i in range(offset, offset + ballots)]
    latencies, conflicts, others, elapsed = at_once(voters, jobs)
    anchors, _, _, _ = at_once(voters, [person] * ballots)
    return VoteFigures(
        voters,
        ballots,
        conflicts,
        others,
        statistics.median(latencies) if latencies else float("nan"),
        statistics.median(anchors),
        len(latencies) / elapsed,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_estate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--commands", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--voters", default="1,10,50")
    parser.add_argument("--ballots", type=int, default=200)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    voter_counts = [int(v) for v in args.voters.split(",")]

    with temporary_database("gongzhi_bench_estate") as pg:
        platform = open_platform(pg.url())
        app = platform.app
        try:
            began = time.perf_counter()
            estates = {size: build_estate(app, size) for size in sizes}
            print(f"estates of {sizes} units written in {time.perf_counter() - began:.1f} s")

            medians = command_latencies(app, estates, args.commands, args.rounds)
            anchor = medians["registerPerson"]
            smallest, largest = min(sizes), max(sizes)
            print("\n1. median command latency (ms) by community size; registerPerson alongside")
            print(
                f"{'command':<16}"
                + "".join(f"{s:>10}" for s in sizes)
                + "  large/small  large/registerPerson"
            )
            for kind in ("addUnit", "recordOwnership", "moveIn", "registerPerson"):
                row = medians[kind]
                print(
                    f"{kind:<16}"
                    + "".join(f"{row[s] * 1000:>10.1f}" for s in sizes)
                    + f"  {row[largest] / row[smallest]:>10.2f}x"
                    + f"  {row[largest] / anchor[largest]:>10.2f}x"
                )

            estate = estates[largest]
            now = datetime.now(UTC)
            decision = app.propose_decision(
                BENCH_META,
                ProposeDecision(
                    community_id=estate.community_id,
                    scope=Scope.COMMUNITY,
                    matter=Matter.PROPERTY_COMPANY,
                    title="续聘物业服务企业",
                    opens_at=now - timedelta(hours=1),
                    closes_at=now + timedelta(seconds=3600),
                ),
            ).id
            print(f"\n2. owners voting at once in the {largest}-unit community")
            print(
                "voters  ballots  conflicts  other-refusals  median-ms  registerPerson-ms  ratio  ballots/s"
            )
            offset = args.commands * args.rounds  # units whose owners part 1 did not change
            for voters in voter_counts:
                figures = concurrent_votes(app, estate, decision, voters, args.ballots, offset)
                offset += args.ballots
                print(
                    f"{figures.voters:>6}  {figures.ballots:>7}  {figures.refused_conflict:>9}"
                    f"  {figures.refused_other:>14}  {figures.median * 1000:>9.1f}"
                    f"  {figures.anchor * 1000:>17.1f}  {figures.median / figures.anchor:>5.2f}"
                    f"  {figures.per_second:>9.1f}"
                )

            # Every remaining owner votes (recorded directly: the close is what is measured).
            loaded = app.load(Decision, decision, "decisionId")
            voter_of = estate_read(
                app,
                estate.community_id,
                "communityId",
                lambda _, e: {u: h.voter for u, h in e.holdings.items()},
            )
            voters_in_scope = set(voter_of.values())
            ballots = []
            for index in range(offset, len(estate.units)):
                unit_id = estate.units[index]
                ballots.append(
                    loaded.cast_ballot(
                        voter=voter_of[unit_id],
                        eligible_voters=voters_in_scope,
                        choice="APPROVE" if index % 5 else "OPPOSE",
                        channel="PAPER",
                        cast_by=estate.owners[index],
                        at=now,
                        units=[unit_id],
                    )
                )
            for start in range(0, len(ballots), 2000):
                app.record(BENCH_META, *ballots[start : start + 2000])
            closing = timed(
                lambda: app.close_decision(
                    BENCH_META, CloseDecision(decision_id=decision), at=now + timedelta(hours=2)
                )
            )
            app.recount_decision(BENCH_META, RecountDecision(decision_id=decision))
            closed = app.load(Decision, decision, "decisionId")
            assert closed.result is not None
            print(
                f"\nclose of {len(closed.ballots)} ballots over {len(closed.electorate)} units: "
                f"{closing:.2f} s; passed={closed.passed()}; recount agrees={closed.recount()}"
            )
        finally:
            platform.close()


if __name__ == "__main__":
    main()
