"""Issue 16 §4's figure: a reading round of 5,000 units imported and billed, against the
ordinary billing run of the same community without meters.

Two communities of 5,000 units (imported as one event per building), each with the same
residential standard (a mid-month change) and rubbish collection. The metered one has a
water meter per unit and a common meter for the whole community, tiered water prices, 公摊
by area, and July to September read (untimed). Timed, in the same run and database:

- import: ``importReadings``' handler with a CSV smart-meter export of 5,001 rows for
  October (read, every row checked against the last reading and the unit's history, one
  event);
- billing: ``runBilling`` of October in the metered community (its rounds closed, 5,000
  bills with their metered and shared lines);
- anchor: ``runBilling`` of October in the community without meters.

- install: ``importMeters``' handler with a 装表清单 (CSV) of a third community of the same
  size: a water meter per unit, each hung under its 楼栋's common meter (5,050 rows, every
  unit found by its 楼栋/单元/房号, one save of the meter book); then the same sheet again
  (every meter installed already with the same data: nothing recorded).

Printed: each time, and the RATIOS (import + metered billing) / anchor and install / anchor.
It also checks that the shared lines sum exactly to the shared total.

    python -m bench.bench_meters [--units 5000]
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from bench.bench_billing import import_estate
from bench.dataset import BENCH_META, open_platform
from bench.support import temporary_database
from gongzhi.application.billing import RunBilling
from gongzhi.application.fee_schedules import SetFeeStandard, SetOtherFee
from gongzhi.application.meters import (
    ImportMeters,
    ImportReadings,
    ReadingFileFormat,
    meter_book,
)
from gongzhi.domain.bill import bill_id
from gongzhi.domain.community import Community
from gongzhi.domain.contract import PricingModel
from gongzhi.domain.fee_schedule import PropertyType
from gongzhi.domain.meter import MeterBook, fen_half_up

HISTORY = ("2026-07", "2026-08", "2026-09")  # months read before (the outlier check's history)

TIERS = [{"up_to": "15", "price": "3.45"}, {"up_to": None, "price": "4.83"}]


def community_of(app: Any, units: int, name: str) -> Community:
    """A community of ``units`` units served from 2024, with its fee standards."""
    community = Community.register(
        name=name, district="红塔区", street="玉兴街道", registered_on=date(2020, 1, 1)
    )
    import_estate(community, units)
    community.change_management_mode("PROFESSIONAL", uuid.uuid4(), date(2024, 1, 1))
    app.record(BENCH_META, community)
    for price, start in (("1.85", date(2026, 1, 1)), ("2.10", date(2026, 10, 16))):
        app.set_fee_standard(
            BENCH_META,
            SetFeeStandard(
                community_id=community.id,
                property_type=PropertyType.RESIDENTIAL,
                unit_price=Decimal(price),
                pricing=PricingModel.LUMP_SUM,
                effective_from=start,
            ),
        )
    app.set_other_fee(
        BENCH_META,
        SetOtherFee(
            community_id=community.id,
            name="垃圾清运费",
            monthly_fee_fen=500,
            effective_from=date(2026, 1, 1),
        ),
    )
    return community


def metered(app: Any, community: Community, seed: int = 16) -> tuple[list[str], dict[str, str]]:
    """A water meter per unit (W-0001 …) and a common meter (C-1) for the community, tiered
    prices, 公摊 by area, July to September read; returns the meter numbers and their September
    readings (as text)."""
    rng = random.Random(seed)
    book = MeterBook.open(community.id)
    units = sorted(community.unit_index, key=str)
    numbers = []
    for index, unit in enumerate(units):
        number = f"W-{index + 1:05d}"
        book.install(
            kind="WATER",
            number=number,
            multiplier=Decimal(1),
            initial=Decimal(rng.randint(0, 500)),
            installed_in=HISTORY[0],
            unit_id=unit,
        )
        numbers.append(number)
    book.install(
        kind="WATER",
        number="C-1",
        multiplier=Decimal(10),
        initial=Decimal(0),
        installed_in=HISTORY[0],
        unit_id=None,
        serves=units,
    )
    book.set_price("WATER", TIERS)
    book.set_sharing("AREA")
    reading = {number: book.meters[book.by_number[number]].initial for number in numbers}
    common = book.by_number["C-1"]
    for index, month in enumerate(HISTORY):
        book.open_round(month)
        rows = []
        for number in numbers:
            reading[number] += Decimal(rng.randint(500, 2500)) / 100
            rows.append((0, book.by_number[number], reading[number]))
        rows.append((0, common, Decimal(len(numbers) * 165 * (index + 1)) / 100))
        book.enter(month, rows, "IMPORT")
    september = {number: str(value) for number, value in reading.items()}
    book.open_round("2026-10")
    app.record(BENCH_META, book)
    return numbers, september


def october_export(numbers: Sequence[str], september: dict[str, str], seed: int = 10) -> str:
    """A smart-meter export (CSV) for October: every unit 5-25 吨 more (one in a hundred five
    times that: flagged), the common meter 16.5 吨 a unit more (its ×10 dial 1.65)."""
    rng = random.Random(seed)
    lines = ["表号,读数,抄表时间"]
    for index, number in enumerate(numbers):
        used = Decimal(rng.randint(500, 2500)) / 100 * (5 if index % 100 == 7 else 1)
        lines.append(f"{number},{Decimal(september[number]) + used},2026-10-31 08:{index % 60:02d}")
    common = Decimal(len(numbers) * 165 * (len(HISTORY) + 1)) / 100
    lines.append(f"C-1,{common},2026-10-31 09:00")
    return "\n".join(lines) + "\n"


def install_sheet(community: Community, seed: int = 5) -> str:
    """A 装表清单 (CSV) of the community: a common water meter (×10) per 楼栋 and a water meter
    per unit hung under it, initial readings 0-500."""
    rng = random.Random(seed)
    lines = ["表号,类型,楼栋,单元,房号,倍率,初始读数,安装日期,公共表"]
    for building in sorted(community.buildings.values(), key=lambda b: b.number):
        common = f"C-{building.number}"
        lines.append(f"{common},水,{building.number},,,10,0,2026-07-01,")
        for entrance in building.entrances.values():
            for unit in entrance.units.values():
                label = f"{building.number},{entrance.number},{unit.number}"
                number = f"W-{building.number}-{entrance.number}-{unit.number}"
                lines.append(f"{number},水表,{label},1,{rng.randint(0, 500)},2026-07-01,{common}")
    return "\n".join(lines) + "\n"


def shared_total(book: MeterBook, month: str) -> tuple[int, int]:
    """The common meter's consumption beyond its units' meters at the first-tier price,
    rounded once half up (what the shares must sum to), and the number of units served."""
    common = book.meters[book.by_number["C-1"]]
    used = sum(
        (m.consumption(month) or Decimal(0) for m in book.meters.values() if m.unit_id),
        Decimal(0),
    )
    beyond = (common.consumption(month) or Decimal(0)) - used
    return fen_half_up(beyond * Decimal(TIERS[0]["price"])), len(common.serves)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=5000)
    args = parser.parse_args(argv)
    with temporary_database("gongzhi_bench_meters") as pg:
        platform = open_platform(pg.url())
        app = platform.app
        plain = community_of(app, args.units, "无表小区")
        community = community_of(app, args.units, "抄表小区")
        taken_over = community_of(app, args.units, "接管小区")
        numbers, september = metered(app, community)
        content = october_export(numbers, september)
        started = time.perf_counter()
        anchor_report = app.run_billing(BENCH_META, RunBilling(plain.id, "2026-10"))
        anchor = time.perf_counter() - started
        started = time.perf_counter()
        done = app.import_readings(
            BENCH_META,
            ImportReadings(community.id, "2026-10", ReadingFileFormat.CSV, content),
        )
        imported = time.perf_counter() - started
        started = time.perf_counter()
        report = app.run_billing(BENCH_META, RunBilling(community.id, "2026-10"))
        billed = time.perf_counter() - started
        sheet = install_sheet(taken_over)
        started = time.perf_counter()
        installed = app.import_meters(
            BENCH_META, ImportMeters(taken_over.id, ReadingFileFormat.CSV, sheet)
        )
        install = time.perf_counter() - started
        started = time.perf_counter()
        resent = app.import_meters(
            BENCH_META, ImportMeters(taken_over.id, ReadingFileFormat.CSV, sheet)
        )
        install_again = time.perf_counter() - started
        assert installed.installed == installed.rows and resent.installed == 0
        assert anchor_report.bills_created == report.bills_created == args.units
        book = meter_book(app, community.id)
        assert book is not None
        expected, _ = shared_total(book, "2026-10")
        bills = [app.repository.get(bill_id(u, "2026-10")) for u in community.unit_index]
        shared = sum(x["amount_fen"] for b in bills for x in b.lines if x["kind"] == "SHARED")
        assert shared == expected, (shared, expected)
        platform.close()
    print(
        f"reading round of {args.units:,} units: import of {done.rows:,} rows "
        f"({done.entered:,} entered, {done.flagged} flagged) {imported:,.2f} s; billing with "
        f"metered and 公摊 lines {billed:,.2f} s (shared total {shared} fen, exact); "
        f"anchor: the ordinary billing run of the same community without meters {anchor:,.2f} s; "
        f"RATIO (import + billing) / anchor {(imported + billed) / anchor:,.2f}× "
        f"(billing alone / anchor {billed / anchor:,.2f}×)\n"
        f"装表清单 of {installed.rows:,} rows ({len(sheet):,} characters): installed "
        f"{installed.installed:,} meters in {install:,.2f} s, RATIO install / anchor "
        f"{install / anchor:,.2f}×; the same sheet again (nothing new) {install_again:,.2f} s"
    )


if __name__ == "__main__":
    main()
