"""Command rate through the application service against a raw ``app.save()`` loop.

Both sides record the same kind of event, a ``Community.UnitAdded``, one per transaction,
into the same event store, on communities of the same shape (from ``bench.dataset``):

* service: ``app.add_unit(meta, community_id, ...)``: load the community (from the
  aggregate cache, fast-forwarded from the store, deep-copied), run the aggregate method
  with its rules, save with the actor and reason, return the log position;
* anchor: the aggregate is already in memory; ``community.add_unit(...)`` then
  ``app.save(community, meta=meta)``: the same method and save, without the load.

The ratio says what the service layer's load and bookkeeping cost on top of a save. A
third, informative side runs the same service on an application with
``DEEPCOPY_FROM_AGGREGATE_CACHE=n``, to show how much of that cost is the library's deep
copy of the cached aggregate on every load (a community holds all its units).

The sides use different communities (an in-memory copy would go stale if another side
changed it), spread their commands over many communities so the aggregates barely grow
during the run, and alternate in rounds (A B C A B C ...) so machine drift hits all of
them; the ratio is the median of the rounds' ratios.

    python -m bench.bench_commands [--commands 1000] [--rounds 3] [--communities 600]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

from bench.dataset import BENCH_META, generate, open_platform
from bench.support import temporary_database
from gongzhi.application.app import Gongzhi
from gongzhi.application.communities import AddUnit
from gongzhi.domain.community import Community
from gongzhi.infra.eventstore import eventstore_env

AREA = Decimal("88.50")
Loop = Callable[[Gongzhi, list["Target"], int, str], float]


@dataclass(frozen=True)
class Target:
    """Where a benchmark command adds its unit: a community and one of its entrances."""

    community_id: UUID
    entrance_id: UUID


def targets(app: Gongzhi, community_ids: list[UUID]) -> list[Target]:
    """Every entrance of the given communities, so the commands spread over them."""
    found = []
    for community_id in community_ids:
        community = app.community(community_id)
        found += [Target(community_id, entrance) for entrance in community.entrance_index]
    return found


def service_loop(app: Gongzhi, places: list[Target], count: int, tag: str) -> float:
    """``count`` commands through the service; return commands per second."""
    started = time.perf_counter()
    for index in range(count):
        place = places[index % len(places)]
        app.add_unit(
            BENCH_META,
            AddUnit(
                community_id=place.community_id,
                entrance_id=place.entrance_id,
                number=f"{tag}-{index}",
                floor=1,
                area=AREA,
                area_source="REGISTER",
            ),
        )
    return count / (time.perf_counter() - started)


def save_loop(app: Gongzhi, places: list[Target], count: int, tag: str) -> float:
    """``count`` single-event saves of aggregates held in memory; return saves per second."""
    aggregates: dict[UUID, Community] = {
        place.community_id: app.community(place.community_id) for place in places
    }
    started = time.perf_counter()
    for index in range(count):
        place = places[index % len(places)]
        community = aggregates[place.community_id]
        community.add_unit(place.entrance_id, f"{tag}-{index}", 1, AREA, "REGISTER")
        app.save(community, meta=BENCH_META)
    return count / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_commands")
    parser.add_argument("--commands", type=int, default=1000, help="per side and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--communities", type=int, default=600, help="a third for each side")
    args = parser.parse_args(argv)

    print(f"command rate benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    with temporary_database("gongzhi_bench_commands") as pg:
        platform = open_platform(pg.url())
        shared = Gongzhi(env={**eventstore_env(pg), "DEEPCOPY_FROM_AGGREGATE_CACHE": "n"})
        try:
            app = platform.app
            dataset = generate(app, communities=args.communities, seed=7)
            registered = [
                notification.originator_id
                for notification in app.recorder.select_notifications(
                    start=0, limit=dataset.events, inclusive_of_start=False
                )
                if notification.topic.endswith("Community.Registered")
            ]
            third = len(registered) // 3
            sides: dict[str, tuple[Gongzhi, Loop, list[Target]]] = {
                "service": (app, service_loop, targets(app, registered[:third])),
                "save": (app, save_loop, targets(app, registered[third : 2 * third])),
                "no-copy": (shared, service_loop, targets(shared, registered[2 * third :])),
            }
            units = dataset.units / dataset.communities
            print(
                f"setup: {dataset.communities} communities (about {units:.0f} units each), "
                f"a third per side; {args.commands} commands per side per round, "
                f"{args.rounds} rounds"
            )
            # One short round first, uncounted: connections, caches and prepared statements.
            for name, (side_app, loop, places) in sides.items():
                loop(side_app, places, 100, f"warm-{name}")
            rates: dict[str, list[float]] = {name: [] for name in sides}
            for round_no in range(1, args.rounds + 1):
                for name, (side_app, loop, places) in sides.items():
                    tag = f"r{round_no}-{name}"
                    rates[name].append(loop(side_app, places, args.commands, tag))
                print(
                    f"round {round_no}: service {rates['service'][-1]:,.0f} commands/s, "
                    f"raw save {rates['save'][-1]:,.0f} saves/s, "
                    f"ratio {rates['service'][-1] / rates['save'][-1]:.2f}; "
                    f"service without the cache deep copy {rates['no-copy'][-1]:,.0f}/s",
                    flush=True,
                )
        finally:
            shared.close()
            platform.close()

    def median_ratio(side: str) -> float:
        pairs = zip(rates[side], rates["save"], strict=True)
        return statistics.median(rate / anchor for rate, anchor in pairs)

    print(
        f"RESULT service {statistics.median(rates['service']):,.0f} commands/s; "
        f"raw app.save() loop {statistics.median(rates['save']):,.0f} saves/s (medians)"
    )
    print(f"RATIO service/raw save: {median_ratio('service'):.2f}")
    print(
        f"(service without the cache deep copy: "
        f"{statistics.median(rates['no-copy']):,.0f} commands/s, "
        f"ratio {median_ratio('no-copy'):.2f})"
    )


if __name__ == "__main__":
    main()
