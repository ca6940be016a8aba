"""Issue 16 §4, 补收: a billed reading corrected in a community of 5,000 metered units.

The metered community of ``bench_meters`` (a water meter per unit, a common meter for the
whole community, 公摊 by area), October imported and billed (untimed). Timed, in the same run
and database:

- common up: the common meter's October reading corrected upward: every unit's 公摊 share
  rises, 5,000 supplementary bills (补收单) saved with the correction in one transaction;
- unit up: one unit's meter corrected upward: its 补收单, and the 4,999 other units' shares
  fall, each credited (调账) on its account, in one transaction;
- anchor: ``runBilling`` of October in the same community without meters.

Printed: each time and its RATIO to the anchor. It also checks that each correction's
supplements and credits sum exactly to the difference of the shared charge.

    python -m bench.bench_meter_surcharge [--units 5000]
"""

from __future__ import annotations

import argparse
import time
from decimal import Decimal

from bench.bench_meters import community_of, metered, october_export, shared_total
from bench.dataset import BENCH_META, open_platform
from bench.support import temporary_database
from gongzhi.application.billing import RunBilling
from gongzhi.application.meters import CorrectReading, ImportReadings, ReadingFileFormat, meter_book


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=5000)
    args = parser.parse_args(argv)
    with temporary_database("gongzhi_bench_surcharge") as pg:
        platform = open_platform(pg.url())
        app = platform.app
        plain = community_of(app, args.units, "无表小区")
        community = community_of(app, args.units, "抄表小区")
        numbers, september = metered(app, community)
        content = october_export(numbers, september)
        app.import_readings(
            BENCH_META, ImportReadings(community.id, "2026-10", ReadingFileFormat.CSV, content)
        )
        app.run_billing(BENCH_META, RunBilling(community.id, "2026-10"))
        started = time.perf_counter()
        app.run_billing(BENCH_META, RunBilling(plain.id, "2026-10"))
        anchor = time.perf_counter() - started

        def corrected(number: str, more: Decimal) -> tuple[float, int, int]:
            """Correct ``number``'s October reading up by ``more``: the seconds, and the
            change of the shared charge and of the corrections' net, in fen."""
            book = meter_book(app, community.id)
            assert book is not None
            meter = book.meters[book.by_number[number]]
            shared_before, _ = shared_total(book, "2026-10")
            net_before = sum(book.adjusted.values())
            command = CorrectReading(
                community.id, meter.id, "2026-10", meter.readings["2026-10"] + more
            )
            started = time.perf_counter()
            app.correct_reading(BENCH_META, command)
            took = time.perf_counter() - started
            book = meter_book(app, community.id)
            assert book is not None
            shared_after, _ = shared_total(book, "2026-10")
            return took, shared_after - shared_before, sum(book.adjusted.values()) - net_before

        common, common_shared, common_net = corrected("C-1", Decimal(100))  # ×10: 1,000 吨
        assert common_net == common_shared, (common_net, common_shared)  # every share up
        unit, unit_shared, unit_net = corrected(numbers[0], Decimal(3))
        assert unit_shared < 0 < unit_net - unit_shared  # its own line up, the shares down
        platform.close()
    print(
        f"补收 in a community of {args.units:,} metered units: the common meter corrected up "
        f"({args.units:,} 补收单, {common_shared} fen, exact) {common:,.2f} s; one unit meter "
        f"corrected up (its 补收单, {args.units - 1:,} 调账 credits, shares {unit_shared} fen) "
        f"{unit:,.2f} s; anchor: the ordinary billing run of the same community without "
        f"meters {anchor:,.2f} s; RATIO common / anchor {common / anchor:,.2f}×, "
        f"unit / anchor {unit / anchor:,.2f}×"
    )


if __name__ == "__main__":
    main()
