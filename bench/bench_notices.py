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
import statistics
import time
from datetime import date
from typing import Any
from uuid import UUID

from bench.bench_billing import build_district
from bench.dataset import BENCH_META, open_platform
from bench.support import temporary_database
from gongzhi.application.notices import IssueArrearsReminders, PublishNotice
from gongzhi.domain.notice import Notice, NoticeAudience, NoticeRoles
from gongzhi.graphql.auth import Principal, Role
from gongzhi.graphql.notices.queries import ADDRESSED, steward_select
from gongzhi.graphql.params import Params

# The stewards' select as the serving company reads it (a member's own receipt is not asked).
STEWARD_SELECT = steward_select(Principal(subject="bench", role=Role.COMPANY_STAFF), Params())


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
        everyone = app.publish_notice(
            BENCH_META,
            PublishNotice(
                community_id=community_id,
                audience=NoticeAudience.COMMUNITY,
                title="停水通知",
                body="周三停水",
            ),
        ).id
        platform.projection_runner().catch_up()
        page, households = _reads(platform.engine, community_id, everyone)
        platform.close()
    print(
        f"催缴 round over {len(units):,} units in arrears: {run:,.2f} s "
        f"({len(units) / run:,.0f} reminders/s); raw save() of {len(units):,} notices "
        f"(anchor): {anchor:,.2f} s; ratio {run / anchor:,.2f}×; the same round again "
        f"(nothing new): {repeat:,.2f} s; a stewards' page of 20 notices with household "
        f"and read counts: {page * 1000:,.0f} ms; the unread households of a community "
        f"notice: {households * 1000:,.0f} ms (medians of 5)"
    )


def _reads(engine: Any, community_id: UUID, notice_id: UUID) -> tuple[float, float]:
    """Median times of the two reads that count households: a page of the notices query
    (every row counts its addressed and read households) and one notice's households."""
    page_sql = (
        f"{STEWARD_SELECT} WHERE n.community_id = %(c)s "
        "ORDER BY n.publish_from DESC, n.id DESC LIMIT 20"
    )
    households_sql = (
        f"SELECT a.id, a.label, r.read_at FROM notices n CROSS JOIN LATERAL ({ADDRESSED}) a "
        "LEFT JOIN notice_reads r ON r.notice_id = n.id AND r.unit_id = a.id WHERE n.id = %(n)s"
    )
    timings = []
    for sql, params in ((page_sql, {"c": community_id}), (households_sql, {"n": notice_id})):
        runs = []
        with engine.connect() as conn:
            for _ in range(5):
                started = time.perf_counter()
                rows = conn.exec_driver_sql(sql, params).fetchall()
                runs.append(time.perf_counter() - started)
                assert rows
        timings.append(statistics.median(runs))
    return timings[0], timings[1]


if __name__ == "__main__":
    main()
