"""Reading 公共收益: a period's ledger with every change, periods and their 公示 status, and
the allocation of a published period to the units.

Company, committee and regulator read every entry and change; residents read what was
published (the publication and their own units' allocation).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.base import business_today
from gongzhi.domain.common_income import CommonIncomeLedger as LedgerAggregate
from gongzhi.domain.common_income import checked_period, period_end
from gongzhi.domain.errors import DomainError
from gongzhi.graphql.auth import Role
from gongzhi.graphql.common_income.types import (
    CommonIncomeAllocation,
    CommonIncomeAllocationResult,
    CommonIncomeChange,
    CommonIncomeLedger,
    CommonIncomeLedgerResult,
    CommonIncomePeriods,
    CommonIncomePeriodsResult,
    UnitAllocation,
    change_from_row,
    entry_from_row,
    period_from_row,
    publication_from_row,
)
from gongzhi.graphql.context import Context
from gongzhi.graphql.errors import NotFound, Refused, invalid
from gongzhi.graphql.permissions import unit_visible
from gongzhi.graphql.reading import CommunityArg, lookup
from gongzhi.graphql.unit_labels import UnitNames, unit_columns

# Periods with totals summed from the current entries.
PERIOD_SELECT = """
SELECT p.*, count(e.id)::int AS entries,
       coalesce(sum(e.gross_fen), 0)::bigint AS gross_fen,
       coalesce(sum(e.cost_fen), 0)::bigint AS cost_fen,
       coalesce(sum(e.net_fen), 0)::bigint AS net_fen,
       coalesce(sum(e.to_fund_fen), 0)::bigint AS to_fund_fen
FROM common_income_periods p
LEFT JOIN common_income_entries e ON e.ledger_id = p.ledger_id AND e.period = p.period
WHERE p.ledger_id = $1 {condition}
GROUP BY p.key ORDER BY p.period DESC
"""


def _period(value: str) -> str:
    try:
        return checked_period("period", value)
    except DomainError as error:
        raise Refused(invalid(error.field, error.message)) from None


async def ledger_view(context: Context, community_id: UUID, period: str) -> CommonIncomeLedger:
    ledger_id = LedgerAggregate.id_for(community_id)
    pool, today = context.pool, business_today()
    resident = context.principal.role is Role.RESIDENT
    period_row = await pool.fetchrow(
        PERIOD_SELECT.format(condition="AND p.period = $2"), ledger_id, period
    )
    publication = await pool.fetchrow(
        """SELECT * FROM common_income_publications WHERE ledger_id = $1 AND period = $2
           ORDER BY round DESC LIMIT 1""",
        ledger_id,
        period,
    )
    entries = []
    if not resident:
        changes: dict[UUID, list[CommonIncomeChange]] = defaultdict(list)
        for row in await pool.fetch(
            """SELECT c.* FROM common_income_changes c JOIN common_income_entries e
               ON e.id = c.entry_id WHERE e.ledger_id = $1 AND e.period = $2
               ORDER BY c.version""",
            ledger_id,
            period,
        ):
            changes[row["entry_id"]].append(change_from_row(row))
        rows = await pool.fetch(
            """SELECT * FROM common_income_entries WHERE ledger_id = $1 AND period = $2
               ORDER BY seq""",
            ledger_id,
            period,
        )
        entries = [entry_from_row(r, changes[r["id"]]) for r in rows]
    known = period_row is not None and (not resident or publication is not None)
    return CommonIncomeLedger(
        ledger_id=strawberry.ID(str(ledger_id)) if known else None,
        community_id=strawberry.ID(str(community_id)),
        period=period_from_row(period_row, today, period_end(period)) if known else None,
        entries=entries,
        publication=publication_from_row(publication) if publication else None,
    )


@strawberry.type
class CommonIncomeQueries:
    @strawberry.field(description="公共收益台账 of one period (YYYY-MM) with totals")
    @lookup
    async def common_income_ledger(
        self, info: Info[Context, None], community_id: CommunityArg, period: str
    ) -> CommonIncomeLedgerResult:
        return await ledger_view(info.context, UUID(community_id), _period(period))

    @strawberry.field(
        description="公示 status of every period with common income, newest first; closed "
        "periods not published are overdue"
    )
    @lookup
    async def common_income_periods(
        self, info: Info[Context, None], community_id: CommunityArg
    ) -> CommonIncomePeriodsResult:
        context, community = info.context, UUID(community_id)
        condition = "AND p.published_round > 0" if context.principal.role is Role.RESIDENT else ""
        rows = await context.pool.fetch(
            PERIOD_SELECT.format(condition=condition), LedgerAggregate.id_for(community)
        )
        today = business_today()
        return CommonIncomePeriods(
            periods=[period_from_row(r, today, period_end(r["period"])) for r in rows]
        )

    @strawberry.field(description="分配: a published period's net income by unit (by area)")
    @lookup
    async def common_income_allocation(
        self, info: Info[Context, None], community_id: CommunityArg, period: str
    ) -> CommonIncomeAllocationResult:
        context, community, month = info.context, UUID(community_id), _period(period)
        ledger_id = LedgerAggregate.id_for(community)
        publication: Any = await context.pool.fetchrow(
            """SELECT round, net_fen FROM common_income_publications
               WHERE ledger_id = $1 AND period = $2 ORDER BY round DESC LIMIT 1""",
            ledger_id,
            month,
        )
        if publication is None:
            return NotFound(field="period", message="this period has not been published")
        rows = await context.pool.fetch(
            f"""SELECT a.*, u.number AS unit_number, {unit_columns("a.unit_id")}
               FROM common_income_allocations a LEFT JOIN units u ON u.id = a.unit_id
               WHERE a.ledger_id = $1 AND a.period = $2 AND a.round = $3
               ORDER BY u.number, a.unit_id""",
            ledger_id,
            month,
            publication["round"],
        )
        names = await UnitNames.of(context, community, rows)
        return CommonIncomeAllocation(
            period=month,
            round=publication["round"],
            net_fen=publication["net_fen"],
            units=[
                UnitAllocation(
                    unit_id=strawberry.ID(str(r["unit_id"])),
                    unit_number=r["unit_number"],
                    unit_label=names.label(r),
                    unit_owners=names.owners(r),
                    area=r["area"],
                    fen=r["fen"],
                )
                for r in rows
                if unit_visible(context.principal, r["unit_id"])
            ],
        )
