"""A realistic benchmark dataset, written fast: thousands of 小区 with their 楼栋, 单元 and 户.

The generator calls the aggregate methods directly (so every event passes the domain's
rules, exactly as through the services) but skips the per-command load and save: it
builds whole communities in memory and saves many of them per ``app.save(...)`` call,
which is one transaction and one multi-row insert. That is what makes a few hundred
thousand events take seconds rather than minutes.

Deterministic by seed: the same seed gives the same communities, companies, units and ids
(the domain draws its ids from ``uuid4``; for the duration of a run the generator swaps in
a seeded source). Only the event timestamps, taken from the clock, differ between runs.

    python -m bench.dataset --database-url postgresql://postgres@127.0.0.1:5432/gongzhi_bench \\
        --communities 2000
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import gongzhi.domain.community as community_module
from gongzhi.application.app import Gongzhi
from gongzhi.application.base import Meta
from gongzhi.bootstrap import Platform, bootstrap
from gongzhi.demo import (
    COMPANY_NAMES,
    DISTRICTS,
    MODE_WEIGHTS,
    NAME_PARTS,
    RENOVATION_ITEMS,
    credit_code,
)
from gongzhi.domain.community import Community
from gongzhi.domain.company import PropertyCompany
from gongzhi.infra.settings import Settings

BENCH_META = Meta(
    actor="bench-loader", reason="load the benchmark dataset", actor_role="PLATFORM_ADMIN"
)
# About 2,700 events per save: large enough that the per-transaction cost (lock, NOTIFY,
# commit) is spread thin, small enough to stay far below the idle-in-transaction timeout.
DEFAULT_BATCH_EVENTS = 2500
# With the shape below a community averages about 135 events (120 units), so 2,000
# communities give about 270k events: above the 200k the projection benchmark needs.
DEFAULT_COMMUNITIES = 2000
MODES = list(MODE_WEIGHTS)
MODE_WEIGHT_VALUES = list(MODE_WEIGHTS.values())
EXTRA_COMPANY_NAMES = [
    "玉溪市兴业物业服务有限公司",
    "云南滇中物业管理有限公司",
    "玉溪华宁物业服务有限公司",
    "通海秀山物业管理有限公司",
    "易门龙泉物业服务有限公司",
    "峨山彝乡物业管理有限公司",
]


@dataclass
class DatasetSummary:
    """What a run wrote: counts, and the last notification id (the log's length)."""

    communities: int = 0
    companies: int = 0
    buildings: int = 0
    entrances: int = 0
    units: int = 0
    events: int = 0
    saves: int = 0
    position: int = 0
    seconds: float = 0.0
    company_ids: list[UUID] = field(default_factory=list)

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


@contextmanager
def seeded_ids(rng: random.Random) -> Iterator[None]:
    """Make the domain's ``uuid4()`` draw from ``rng`` for the duration, so ids repeat by seed."""

    def uuid4() -> UUID:
        return UUID(int=rng.getrandbits(128), version=4)

    original = community_module.uuid4
    community_module.uuid4 = uuid4
    try:
        yield
    finally:
        community_module.uuid4 = original


def build_community(
    rng: random.Random, index: int, company_ids: list[UUID]
) -> tuple[Community, dict[str, int]]:
    """One renovated 老旧小区 with its estate, a management-mode timeline and a few corrections.

    Shape after typical pre-2000 work-unit estates: 2-8 walk-up buildings of 5-7 floors,
    1-3 entrances each, two flats per landing; a few flats re-measured by a survey.
    """
    district = rng.choice(list(DISTRICTS))
    registered_on = date(2022, 1, 1) + timedelta(days=rng.randint(0, 700))
    community = Community.register(
        name=f"{rng.choice(NAME_PARTS[0])}{rng.choice(NAME_PARTS[1])}{index + 1}号",
        district=district,
        street=rng.choice(DISTRICTS[district]),
        address=f"{district}{rng.choice(DISTRICTS[district])}{rng.randint(1, 400)}号",
        year_built=rng.randint(1978, 2000),
        renovation_completed_on=registered_on - timedelta(days=rng.randint(30, 600)),
        renovation_items=[
            {"category": item.category.value, "name": item.name}
            for item in rng.sample(RENOVATION_ITEMS, k=rng.randint(1, 4))
        ],
        registered_on=registered_on,
    )
    counts = {"buildings": 0, "entrances": 0, "units": 0}
    units: list[tuple[UUID, Decimal]] = []
    for building_no in range(1, rng.randint(2, 8) + 1):
        floors = rng.choice((5, 6, 6, 7))
        building_id = community.add_building(
            f"{building_no}栋",
            floors,
            rng.random() < 0.15,  # a few have had a lift added (加装电梯)
            [f"{n}单元" for n in range(1, rng.randint(1, 3) + 1)],
        )
        counts["buildings"] += 1
        for entrance_id in list(community.buildings[building_id].entrances):
            counts["entrances"] += 1
            for floor in range(1, floors + 1):
                for door in (1, 2):
                    area = Decimal(rng.randint(4500, 12000)) / 100
                    source = (
                        "REGISTER"
                        if rng.random() < 0.8
                        else rng.choice(("SURVEY", "SALE_CONTRACT"))
                    )
                    unit_id = community.add_unit(
                        entrance_id, f"{floor}0{door}", floor, area, source
                    )
                    units.append((unit_id, area))
    counts["units"] = len(units)
    # A survey corrects about one flat in fifty (测绘更正).
    for unit_id, area in rng.sample(units, k=len(units) // 50):
        community.correct_unit_area(
            unit_id, area + Decimal(rng.randint(-300, 300) or 1) / 100, "SURVEY"
        )
    if rng.random() < 0.03:
        community.rename(f"{community.name}（{rng.choice(['东区', '西区', '南区', '北区'])}）")
    _management_timeline(rng, community, registered_on, company_ids)
    return community, counts


def _management_timeline(
    rng: random.Random, community: Community, registered_on: date, company_ids: list[UUID]
) -> None:
    """The first 管理模式, and for about a third of communities a later change."""
    effective = registered_on + timedelta(days=rng.randint(0, 60))
    previous: tuple[str, UUID | None] | None = None
    for _ in range(1 if rng.random() < 0.7 else 2):
        while True:
            mode = rng.choices(MODES, weights=MODE_WEIGHT_VALUES)[0]
            company = rng.choice(company_ids) if mode == "PROFESSIONAL" else None
            if (mode, company) != previous:
                break
        community.change_management_mode(mode, company, effective)
        previous = (mode, company)
        effective += timedelta(days=rng.randint(90, 540))


def generate(
    app: Gongzhi,
    *,
    communities: int = DEFAULT_COMMUNITIES,
    companies: int = 12,
    seed: int = 2024,
    batch_events: int = DEFAULT_BATCH_EVENTS,
    meta: Meta = BENCH_META,
    progress: Callable[[DatasetSummary, bool], None] | None = None,
) -> DatasetSummary:
    """Write ``companies`` companies and ``communities`` communities into ``app``'s log."""
    rng = random.Random(seed)
    summary = DatasetSummary()
    started = time.perf_counter()
    names = (COMPANY_NAMES + EXTRA_COMPANY_NAMES) * (companies // 12 + 1)
    registered = [
        PropertyCompany.register(name=name, credit_code=credit_code(rng))
        for name in names[:companies]
    ]
    # Two companies changed their names (更名) after registering.
    for company in registered[:2]:
        company.rename(company.name.replace("有限公司", "集团有限公司"))
    _save(app, meta, registered, summary)
    summary.companies = len(registered)
    summary.company_ids = [company.id for company in registered]

    pending: list[Any] = []
    pending_events = 0
    with seeded_ids(rng):
        for index in range(communities):
            community, counts = build_community(rng, index, summary.company_ids)
            summary.communities += 1
            summary.buildings += counts["buildings"]
            summary.entrances += counts["entrances"]
            summary.units += counts["units"]
            pending.append(community)
            pending_events += len(community.pending_events)
            if pending_events >= batch_events:
                _save(app, meta, pending, summary)
                pending, pending_events = [], 0
                if progress is not None:
                    summary.seconds = time.perf_counter() - started
                    progress(summary, False)
        _save(app, meta, pending, summary)
    summary.seconds = time.perf_counter() - started
    if progress is not None:
        progress(summary, True)
    return summary


def _save(app: Gongzhi, meta: Meta, aggregates: list[Any], summary: DatasetSummary) -> None:
    if not aggregates:
        return
    summary.events += sum(len(aggregate.pending_events) for aggregate in aggregates)
    summary.position = app.record(meta, *aggregates)
    summary.saves += 1


def print_progress(every: float = 2.0) -> Callable[[DatasetSummary, bool], None]:
    """A progress callback printing to stderr at most every ``every`` seconds (and at the end)."""
    last = [time.perf_counter()]

    def report(summary: DatasetSummary, done: bool) -> None:
        now = time.perf_counter()
        if not done and now - last[0] < every:
            return
        last[0] = now
        print(
            f"  dataset: {summary.communities:,} communities, {summary.units:,} units, "
            f"{summary.events:,} events, {summary.events_per_second:,.0f} events/s",
            file=sys.stderr,
            flush=True,
        )

    return report


def open_platform(database_url: str) -> Platform:
    """The platform on ``database_url``: database, event store and views created if missing."""
    settings = Settings.from_env(
        {
            "GONGZHI_DATABASE_URL": database_url,
            # Required by the settings, unused here: nothing signs tokens in a benchmark.
            "GONGZHI_JWT_SECRET": "bench-" + uuid.uuid4().hex,
            "GONGZHI_ENV": "bench",
        }
    )
    return bootstrap(settings)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.dataset", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--database-url", required=True, help="created if it does not exist")
    parser.add_argument("--communities", type=int, default=DEFAULT_COMMUNITIES)
    parser.add_argument("--companies", type=int, default=12)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--batch-events",
        type=int,
        default=DEFAULT_BATCH_EVENTS,
        help="events per app.save() call (one transaction)",
    )
    args = parser.parse_args(argv)
    platform = open_platform(args.database_url)
    try:
        summary = generate(
            platform.app,
            communities=args.communities,
            companies=args.companies,
            seed=args.seed,
            batch_events=args.batch_events,
            progress=print_progress(),
        )
    finally:
        platform.close()
    print(
        f"wrote {summary.events:,} events in {summary.seconds:.1f}s "
        f"({summary.events_per_second:,.0f} events/s, {summary.saves} saves): "
        f"{summary.communities:,} communities, {summary.buildings:,} buildings, "
        f"{summary.entrances:,} entrances, {summary.units:,} units, "
        f"{summary.companies} companies; last notification id {summary.position:,}"
    )


if __name__ == "__main__":
    main()
