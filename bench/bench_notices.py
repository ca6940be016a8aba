"""Issue 15's figure: a 催缴 round over a community of 5,000 units with two overdue months,
against a raw batched ``save()`` of the same number of reminder notices.

Timed: ``issue_arrears_reminders`` (read every unit's bills and fee account, build one
reminder notice per unit in arrears, save the round and the notices in one transaction),
then the same round again (reads everything, adds nothing). Anchor, in the same run and
database: the same number of ``Notice`` aggregates built beforehand (untimed) and saved
with plain ``app.save()`` in one call.

    python -m bench.bench_notices [--units 5000]
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from bench.bench_billing import build_district
from bench.dataset import BENCH_META, open_platform
from bench.support import temporary_database
from gongzhi.application.notices import IssueArrearsReminders
from gongzhi.domain.notice import Notice, NoticeAudience, NoticeRoles


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=5000)
    args = parser.parse_args(argv)
    with temporary_database("gongzhi_bench_notices") as pg:
        platform = open_platform(pg.url())
        app = platform.app
        (community_id,) = build_district(app, 1, args.units)
        for period in ("2026-09", "2026-10"):
            app.billing_runs(BENCH_META, [community_id], period, batch_size=5000)
        units = sorted(app.community(community_id).unit_index, key=str)
        anchor_notices = [
            Notice.publish(
                community_id=community_id,
                audience=NoticeAudience.UNIT,
                audience_id=unit,
                roles=NoticeRoles.EVERYONE,
                title="物业费催缴通知",
                body="x" * 300,
                publish_from=date(2026, 12, 1),
                publish_until=date(2026, 12, 30),
            )
            for unit in units
        ]
        started = time.perf_counter()
        app.save(*anchor_notices, meta=BENCH_META)
        anchor = time.perf_counter() - started
        command = IssueArrearsReminders(
            community_id=community_id, round="2026-12", as_of=date(2026, 12, 1)
        )
        started = time.perf_counter()
        done = app.issue_arrears_reminders(BENCH_META, command)
        run = time.perf_counter() - started
        assert done.issued == len(units), done
        started = time.perf_counter()
        again = app.issue_arrears_reminders(BENCH_META, command)
        repeat = time.perf_counter() - started
        assert again.issued == 0, again
        platform.close()
    print(
        f"催缴 round over {len(units):,} units in arrears: {run:,.2f} s "
        f"({len(units) / run:,.0f} reminders/s); raw save() of {len(units):,} notices "
        f"(anchor): {anchor:,.2f} s; ratio {run / anchor:,.2f}×; the same round again "
        f"(nothing new): {repeat:,.2f} s"
    )


if __name__ == "__main__":
    main()
