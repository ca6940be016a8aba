"""Issue 3's two figures: the tally of a 5,000-unit decision, and a 10,000-unit roster import.

1. Close a decision of 5,000 units and 5,000 ballots through the application service
   (load the decision and the community, compute the electorate, tally, save the closing
   event with every figure). Anchor: the pure ``tally()`` over the same electorate and
   ballots, measured in the same run. Target: the close ≤ 1 s.
2. Import a roster of 10,000 units (buildings, entrances, units, one owner each) through
   ``apply_roster`` (parse and check every row, apply to the community, save ~30,000
   events in one transaction). Anchor: PostgreSQL ``COPY`` of the same rows into a plain
   table. Target: the import ≤ 10 s.

    python -m bench.bench_owners [--units 5000] [--roster 10000]
"""

from __future__ import annotations

import argparse
import io
import time
from datetime import UTC, date, datetime, timedelta

import psycopg

from bench.bench_estate import build_estate
from bench.dataset import BENCH_META, open_platform
from bench.support import temporary_database
from gongzhi.application.communities import RegisterCommunity
from gongzhi.application.decisions import CloseDecision
from gongzhi.application.estate import estate_read
from gongzhi.domain.decision import Decision
from gongzhi.domain.roster import header_map, plan_roster
from gongzhi.domain.tally import Matter, VotingUnit, tally
from gongzhi.infra.tabular import as_dicts, read_table


def best(seconds: list[float]) -> float:
    return min(seconds)


def decision_figures(units: int) -> tuple[float, float]:
    with temporary_database("gongzhi_bench_tally") as pg:
        platform = open_platform(pg.url())
        app = platform.app
        # Each unit with its own owner, in the unit's holding (bench_estate's setup)
        estate = build_estate(app, units)
        voter_of, area_of = estate_read(
            app,
            estate.community_id,
            "communityId",
            lambda c, e: (
                {u: h.voter for u, h in e.holdings.items()},
                {u.id: u.area for u in c.unit_index.values()},
            ),
        )
        now = datetime.now(UTC)
        opens, closes = now - timedelta(days=10), now - timedelta(days=1)
        decision = Decision.propose(
            community_id=estate.community_id,
            scope="COMMUNITY",
            scope_id=estate.community_id,
            matter="PROPERTY_COMPANY",
            title="续聘物业",
            opens_at=opens,
            closes_at=closes,
        )
        voters = [voter_of[u] for u in estate.units]
        # Ballots are aggregates of their own (issue 13): recorded with the decision.
        ballots = [
            decision.cast_ballot(
                voter=voter,
                eligible_voters=voters,
                choice="APPROVE" if index % 5 else "OPPOSE",
                channel="PAPER",
                cast_by=estate.owners[index],
                at=opens + timedelta(hours=1),
            )
            for index, voter in enumerate(voters)
        ]
        app.record(BENCH_META, decision, *ballots)
        counted = {b.voter: b.choice for b in ballots}
        electorate = [VotingUnit(str(u), area_of[u], voter_of[u]) for u in estate.units]
        anchor = best(
            [
                _timed(
                    lambda: tally(Matter.PROPERTY_COMPANY, decision.options, electorate, counted)
                )
                for _ in range(5)
            ]
        )
        started = time.perf_counter()
        app.close_decision(BENCH_META, CloseDecision(decision_id=decision.id))
        close = time.perf_counter() - started
        assert app.load(Decision, decision.id, "decisionId").passed()
        platform.close()
    return close, anchor


def _timed(function: object) -> float:
    started = time.perf_counter()
    function()  # type: ignore[operator]
    return time.perf_counter() - started


def roster_csv(units: int) -> str:
    lines = ["楼栋,层数,电梯,单元,房号,楼层,面积,面积来源,业主姓名,业主电话"]
    for index in range(units):
        building, rest = divmod(index, 120)
        entrance, slot = divmod(rest, 60)
        floor = slot // 2 + 1
        lines.append(
            f"{building + 1}栋,30,是,{entrance + 1}单元,{floor}0{slot % 2 + 1},{floor},"
            f"{80 + index % 40}.50,登记,业主{index},138{index:08d}"
        )
    return "\n".join(lines) + "\n"


def roster_figures(units: int) -> tuple[float, float]:
    content = roster_csv(units).encode()
    with temporary_database("gongzhi_bench_roster") as pg:
        platform = open_platform(pg.url())
        app = platform.app
        community_id = app.register_community(
            BENCH_META,
            RegisterCommunity(
                name="花名册小区",
                district="红塔区",
                street="玉兴街道",
                registered_on=date(2024, 1, 1),
            ),
        ).id
        started = time.perf_counter()
        header, rows = read_table(content, "CSV")
        positions, missing = header_map(header)
        assert not missing
        plan = plan_roster(as_dicts(header, rows, positions))
        report = app.apply_roster(BENCH_META, community_id, plan, rows=len(rows), dry_run=False)
        imported = time.perf_counter() - started
        assert report.imported and report.units_added == units, report.problems[:3]
        with psycopg.connect(pg.url(), autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE roster_copy (building text, floors int, elevator text, entrance text,"
                " unit text, floor int, area numeric(12,2), source text, owner text, phone text)"
            )
            started = time.perf_counter()
            with (
                conn.cursor() as cursor,
                cursor.copy("COPY roster_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
            ):
                copy.write(io.BytesIO(content).read())
            copied = time.perf_counter() - started
        platform.close()
    return imported, copied


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--roster", type=int, default=10000)
    args = parser.parse_args(argv)
    close, anchor = decision_figures(args.units)
    print(
        f"close a decision of {args.units} units/ballots: {close * 1000:,.0f} ms "
        f"(target ≤ 1,000 ms); pure tally (anchor): {anchor * 1000:,.1f} ms; "
        f"ratio {close / anchor:,.0f}×"
    )
    imported, copied = roster_figures(args.roster)
    print(
        f"import a roster of {args.roster} units: {imported:,.2f} s (target ≤ 10 s); "
        f"raw COPY of the same rows (anchor): {copied * 1000:,.0f} ms; "
        f"ratio {imported / copied:,.0f}×"
    )


if __name__ == "__main__":
    main()
