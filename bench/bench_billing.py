"""Issue 4's figure: a billing run over 100,000 units, against a raw batched ``save()``.

The district: 20 communities of 5,000 units (imported as one event per building), each
under professional management with a residential standard from 2026-01-01, a commercial
one for a few units, a mid-month standard change, vacancies and rubbish collection, so the
run prorates for real. Timed: ``app.billing_runs`` over all 20 communities for 2026-10
(load each community and schedule, build every bill in memory, save one event per bill in
batches of 5,000 with the run's progress events). Anchor, in the same run and database:
the same number of ``Bill`` aggregates (built beforehand, untimed, for another period)
saved with plain ``app.save()`` in batches of 5,000. Target: the run ≤ 10 s.

    python -m bench.bench_billing [--communities 20] [--units 5000]
"""

from __future__ import annotations

import argparse
import time
import uuid
from datetime import date
from decimal import Decimal

from bench.dataset import BENCH_META, open_platform
from bench.support import temporary_database
from gongzhi.application.billing import unit_facts
from gongzhi.application.fee_schedules import (
    ClassifyUnit,
    RecordVacancy,
    SetFeeStandard,
    SetFeeTerms,
    SetOtherFee,
    fee_schedule,
)
from gongzhi.domain.bill import Bill
from gongzhi.domain.billing import PeriodPlan, served_spans
from gongzhi.domain.community import Community, ImportedUnit
from gongzhi.domain.contract import PricingModel
from gongzhi.domain.fee_rules import parse_period
from gongzhi.domain.fee_schedule import PropertyType

PER_BUILDING = 100
BATCH = 5000


def import_estate(community: Community, units: int) -> None:
    """``units`` units in buildings of 100 (two entrances of 25 floors, two units a floor,
    70.50 to 109.50 m²), each building imported as one event."""
    for building in range(units // PER_BUILDING):
        community.import_units(
            f"{building + 1}栋",
            25,
            True,
            [
                ImportedUnit(
                    entrance=f"{slot // 50 + 1}单元",
                    number=f"{slot % 50 // 2 + 1}0{slot % 2 + 1}",
                    floor=slot % 50 // 2 + 1,
                    area=f"{70 + slot % 40}.50",
                    area_source="REGISTER",
                )
                for slot in range(PER_BUILDING)
            ],
            date(2020, 1, 1),
        )


def build_district(app: object, communities: int, units: int) -> list[object]:
    ids = []
    company = uuid.uuid4()  # one company (unregistered: billing does not look it up)
    for index in range(communities):
        community = Community.register(
            name=f"小区{index}",
            district="红塔区",
            street="玉兴街道",
            registered_on=date(2020, 1, 1),
        )
        import_estate(community, units)
        community.change_management_mode("PROFESSIONAL", company, date(2024, 1, 1))
        app.record(BENCH_META, community)  # type: ignore[attr-defined]
        c = community.id
        app.set_fee_standard(
            BENCH_META,
            SetFeeStandard(
                community_id=c,
                property_type=PropertyType.RESIDENTIAL,
                unit_price=Decimal("1.85"),
                pricing=PricingModel.LUMP_SUM,
                effective_from=date(2026, 1, 1),
            ),
        )
        app.set_fee_standard(
            BENCH_META,
            SetFeeStandard(
                community_id=c,
                property_type=PropertyType.RESIDENTIAL,
                unit_price=Decimal("2.10"),
                pricing=PricingModel.LUMP_SUM,
                effective_from=date(2026, 10, 16),
            ),
        )
        app.set_fee_standard(
            BENCH_META,
            SetFeeStandard(
                community_id=c,
                property_type=PropertyType.COMMERCIAL,
                unit_price=Decimal("3.50"),
                pricing=PricingModel.LUMP_SUM,
                effective_from=date(2026, 1, 1),
            ),
        )
        app.set_fee_terms(
            BENCH_META,
            SetFeeTerms(
                community_id=c,
                vacancy_rate=Decimal("0.7"),
                due_days=30,
                late_fee_daily_rate=Decimal("0.0003"),
                grace_days=0,
                late_fee_cap=Decimal("0.3"),
            ),
        )
        app.set_other_fee(
            BENCH_META,
            SetOtherFee(
                community_id=c,
                name="垃圾清运费",
                monthly_fee_fen=500,
                effective_from=date(2026, 1, 1),
            ),
        )  # type: ignore[attr-defined]
        unit_ids = sorted(community.unit_index, key=str)
        for unit in unit_ids[:20]:
            app.classify_unit(
                BENCH_META,
                ClassifyUnit(community_id=c, unit_id=unit, property_type=PropertyType.COMMERCIAL),
            )  # type: ignore[attr-defined]
        for unit in unit_ids[20:120]:
            app.record_vacancy(
                BENCH_META, RecordVacancy(community_id=c, unit_id=unit, on=date(2026, 10, 11))
            )  # type: ignore[attr-defined]
        ids.append(c)
    return ids


def anchor_bills(app: object, ids: list[object]) -> list[Bill]:
    """The same bills, for another period, built in memory (untimed) for the raw save."""
    period = parse_period("period", "2026-11")
    bills = []
    for community_id in ids:
        community = app.community(community_id)  # type: ignore[attr-defined]
        plan = PeriodPlan(
            fee_schedule(app, community_id), period, served_spans(community.modes, period)
        )  # type: ignore[attr-defined]
        for unit in sorted(community.unit_index.values(), key=lambda u: str(u.id)):
            bills.append(
                Bill.issue(
                    community_id=community_id,  # type: ignore[arg-type]
                    unit_id=unit.id,
                    unit_number=unit.number,
                    period=period,
                    due_on=plan.due_on,
                    lines=plan.lines(unit_facts(unit)),
                )
            )
    return bills


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--communities", type=int, default=20)
    parser.add_argument("--units", type=int, default=5000)
    args = parser.parse_args(argv)
    total = args.communities * args.units
    with temporary_database("gongzhi_bench_billing") as pg:
        platform = open_platform(pg.url())
        app = platform.app
        ids = build_district(app, args.communities, args.units)
        bills = anchor_bills(app, ids)
        started = time.perf_counter()
        for start in range(0, len(bills), BATCH):
            app.save(*bills[start : start + BATCH], meta=BENCH_META)
        anchor = time.perf_counter() - started
        started = time.perf_counter()
        reports = app.billing_runs(BENCH_META, ids, "2026-10", batch_size=BATCH)
        run = time.perf_counter() - started
        created = sum(r.bills_created for r in reports)
        assert created == total, created
        started = time.perf_counter()
        again = app.billing_runs(BENCH_META, ids, "2026-10", batch_size=BATCH)
        repeat = time.perf_counter() - started
        assert all(r.nothing_new for r in again)
        platform.close()
    print(
        f"billing run over {total:,} units in {args.communities} communities: {run:,.2f} s "
        f"({total / run:,.0f} bills/s; target ≤ 10 s); raw batched save() of {len(bills):,} "
        f"bills (anchor): {anchor:,.2f} s ({len(bills) / anchor:,.0f} events/s); "
        f"ratio {run / anchor:,.2f}×; the same run again (nothing new): {repeat:,.2f} s"
    )


if __name__ == "__main__":
    main()
