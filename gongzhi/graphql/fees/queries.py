"""Reading 物业费: a community's fee schedule, ledger, arrears and rates; a unit's statement.

``@lookup`` refuses a community or unit outside the caller's scope (NotFound); access is then
checked on the community (``READ_FEES``) or the unit (``READ_FEE_STATEMENT``, which residents
hold for their own units) before any row is read.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.base import business_today
from gongzhi.domain.errors import DomainError
from gongzhi.domain.fee_rules import Period, parse_period
from gongzhi.graphql.context import Context
from gongzhi.graphql.errors import Refused, forbidden, invalid
from gongzhi.graphql.fees.statement import (
    BILL_SELECT,
    LEDGER_SELECT,
    approvers,
    fetch_statement,
    ledger_entry,
    schedule_from_rows,
    shape_bills,
)
from gongzhi.graphql.fees.types import (
    ArrearsConnection,
    ArrearsLookup,
    ArrearsOrder,
    ArrearsRow,
    BillConnection,
    BillsLookup,
    FeeLedgerConnection,
    FeeLedgerLookup,
    FeeRates,
    FeeRatesLookup,
    FeeSchedule,
    FeeScheduleLookup,
    FeeStatementLookup,
    Rate,
)
from gongzhi.graphql.history.queries import community_target
from gongzhi.graphql.money import Fen
from gongzhi.graphql.pagination import Key, keyset_page
from gongzhi.graphql.params import Params
from gongzhi.graphql.permissions import Action, allowed
from gongzhi.graphql.reading import CommunityArg, UnitInCommunityArg, lookup
from gongzhi.graphql.unit_labels import UnitNames, unit_columns

RATE_PLACES = Decimal("0.0000000001")

# 收费率 and 户收费率 of the bills of every billing period starting in a span (a month, a
# quarter, a year, whatever periods were billed): a household counts as paid when all its
# bills of the span are settled.
BILLED_IN_SPAN = """
SELECT coalesce(sum(h.billed), 0)::bigint AS billed,
       coalesce(sum(h.collected), 0)::bigint AS collected,
       count(*)::int AS households, count(*) FILTER (WHERE h.settled)::int AS paid
FROM (SELECT sum(b.amount_fen) AS billed, sum(b.paid_fen) AS collected,
             bool_and(b.paid_fen > 0 AND b.amount_fen - b.paid_fen - b.written_off_fen <= 0)
               AS settled
      FROM fee_bills b WHERE b.community_id = $1 AND b.period_start BETWEEN $2 AND $3
      GROUP BY b.unit_id) h
"""

# Units with overdue amounts on a day ($2), one row each, with their place in the community.
ARREARS_SELECT = f"""
SELECT a.*, u.number AS unit_number, bl.position AS building_position,
       en.position AS entrance_position, u.floor, {unit_columns("a.unit_id")}
FROM (
    SELECT b.unit_id, sum(b.amount_fen - b.paid_fen - b.written_off_fen)::bigint AS owed,
           count(*) AS bills, min(b.due_on) AS oldest
    FROM fee_bills b WHERE b.community_id = $1 AND b.due_on < $2
      AND b.amount_fen - b.paid_fen - b.written_off_fen > 0
    GROUP BY b.unit_id
) a
JOIN units u ON u.id = a.unit_id
JOIN entrances en ON en.id = u.entrance_id
JOIN buildings bl ON bl.id = en.building_id
"""
_BY_UNIT = Key("a.unit_id", "unit_id", "uuid")
# Each order of the arrears list: its keys and whether they run descending.
ARREARS_ORDERS: dict[ArrearsOrder, tuple[tuple[Key, ...], bool]] = {
    ArrearsOrder.AMOUNT: ((Key("a.owed", "owed", "bigint"), _BY_UNIT), True),
    ArrearsOrder.AGE: ((Key("a.oldest", "oldest", "date"), _BY_UNIT), False),
    ArrearsOrder.BUILDING: (
        (
            Key("bl.position", "building_position", "int"),
            Key("en.position", "entrance_position", "int"),
            Key("u.floor", "floor", "int"),
            Key("u.number", "unit_number", "text"),
            _BY_UNIT,
        ),
        False,
    ),
}
BY_UNIT_NUMBER = (Key("b.unit_number", "unit_number", "text"), Key("b.id", "id", "uuid"))
IN_LEDGER_ORDER = (
    Key("l.recorded_at", "recorded_at", "timestamptz"),
    Key("l.account_id", "account_id", "uuid"),
    Key("l.version", "version", "int"),
    Key("l.seq", "seq", "int"),
)


async def require_fee_reader(context: Context, community_id: UUID) -> None:
    """Raises Refused (Forbidden) unless the principal may read the community's fees."""
    if not allowed(
        context.principal, Action.READ_FEES, await community_target(context, community_id)
    ):
        raise Refused(forbidden(Action.READ_FEES.value))


async def fetch_schedule(context: Context, community_id: UUID) -> FeeSchedule:
    rows = await context.pool.fetch(
        """SELECT i.kind, i.value FROM fee_schedule_items i
           JOIN fee_schedules s ON s.id = i.schedule_id
           WHERE s.community_id = $1 ORDER BY i.kind, i.key""",
        community_id,
    )
    return schedule_from_rows(community_id, rows)


def rate(numerator: int, denominator: int) -> Rate:
    value = None
    if denominator:
        value = (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, ROUND_HALF_EVEN)
    return Rate(numerator=numerator, denominator=denominator, value=value)


def _period(text: str) -> Period:
    try:
        return parse_period("period", text)
    except DomainError as error:
        raise Refused(invalid(error.field, error.message)) from None


@strawberry.type
class FeeQueries:
    @strawberry.field(description="收费标准与计费设置 of a community")
    @lookup
    async def fee_schedule(
        self, info: Info[Context, None], community_id: CommunityArg
    ) -> FeeScheduleLookup:
        community = UUID(community_id)
        await require_fee_reader(info.context, community)
        return await fetch_schedule(info.context, community)

    @strawberry.field(description="对账单 a unit's bills, payments, allocations and late fees")
    @lookup
    async def fee_statement(
        self,
        info: Info[Context, None],
        unit_id: UnitInCommunityArg,
        as_of: datetime.date | None = None,
    ) -> FeeStatementLookup:
        return await fetch_statement(info.context, UUID(unit_id), as_of or business_today())

    @strawberry.field(
        description="欠费清单: units with overdue amounts, largest first unless `orderBy` says "
        "otherwise (a cursor continues the order it was issued for)"
    )
    @lookup
    async def arrears(
        self,
        info: Info[Context, None],
        community_id: CommunityArg,
        as_of: datetime.date | None = None,
        first: int = 50,
        after: str | None = None,
        order_by: ArrearsOrder = ArrearsOrder.AMOUNT,
    ) -> ArrearsLookup:
        context, community, day = info.context, UUID(community_id), as_of or business_today()
        await require_fee_reader(context, community)
        keys, descending = ARREARS_ORDERS[order_by]
        rows, page_info = await keyset_page(
            context.pool,
            ARREARS_SELECT,
            [],
            Params([community, day]),
            keys,
            first,
            after,
            descending=descending,
        )
        total = await context.pool.fetchval(
            f"SELECT coalesce(sum(t.owed), 0) FROM ({ARREARS_SELECT}) t", community, day
        )
        names = await UnitNames.of(context, community, rows)
        return ArrearsConnection(
            rows=[
                ArrearsRow(
                    unit_id=strawberry.ID(str(row["unit_id"])),
                    unit_number=row["unit_number"],
                    unit_label=names.label(row),
                    unit_owners=names.owners(row),
                    outstanding_fen=row["owed"],
                    open_bills=row["bills"],
                    oldest_due_on=row["oldest"],
                    age_days=(day - row["oldest"]).days,
                )
                for row in rows
            ],
            total_outstanding_fen=Fen(int(total)),
            page_info=page_info,
        )

    @strawberry.field(description="收费率, 户收费率 and 清缴率 of a community for a period")
    @lookup
    async def fee_rates(
        self, info: Info[Context, None], community_id: CommunityArg, period: str
    ) -> FeeRatesLookup:
        context, community, span = info.context, UUID(community_id), _period(period)
        await require_fee_reader(context, community)
        billed = await context.pool.fetchrow(BILLED_IN_SPAN, community, span.start, span.end)
        # 清缴率: bills due before the period, what was recovered on them during the period
        # and what is still outstanding on them.
        arrears = await context.pool.fetchrow(
            """WITH old AS (SELECT id, amount_fen - paid_fen - written_off_fen AS owed
                            FROM fee_bills WHERE community_id = $1 AND due_on < $2)
               SELECT coalesce((SELECT sum(CASE WHEN l.kind = 'REVERSAL' THEN -l.amount_fen
                                            ELSE l.amount_fen END)
                                FROM fee_ledger l JOIN old ON old.id = l.bill_id
                                WHERE l.kind IN ('ALLOCATION', 'CREDIT_APPLIED', 'REVERSAL')
                                  AND l.on BETWEEN $2 AND $3), 0)::bigint AS recovered,
                      coalesce((SELECT sum(owed) FROM old WHERE owed > 0), 0)::bigint AS owed""",
            community,
            span.start,
            span.end,
        )
        recovered, owed = int(arrears["recovered"]), int(arrears["owed"])
        return FeeRates(
            community_id=strawberry.ID(str(community)),
            period=span.key,
            collection_rate=rate(int(billed["collected"]), int(billed["billed"])),
            household_rate=rate(int(billed["paid"]), int(billed["households"])),
            recovery_rate=rate(recovered, recovered + owed),
        )

    @strawberry.field(description="账单: a community's bills of a period, by unit number")
    @lookup
    async def fee_bills(
        self,
        info: Info[Context, None],
        community_id: CommunityArg,
        period: str,
        as_of: datetime.date | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> BillsLookup:
        context, community, span = info.context, UUID(community_id), _period(period)
        await require_fee_reader(context, community)
        rows, page_info = await keyset_page(
            context.pool,
            BILL_SELECT,
            ["b.community_id = $1", "b.period = $2"],
            Params([community, span.key]),
            BY_UNIT_NUMBER,
            first,
            after,
        )
        bills = await shape_bills(context, community, rows, as_of or business_today())
        return BillConnection(bills=bills, page_info=page_info)

    @strawberry.field(description="台账: a community's fee ledger entry by entry, oldest first")
    @lookup
    async def fee_ledger(
        self,
        info: Info[Context, None],
        community_id: CommunityArg,
        first: int = 50,
        after: str | None = None,
    ) -> FeeLedgerLookup:
        context, community = info.context, UUID(community_id)
        await require_fee_reader(context, community)
        rows, page_info = await keyset_page(
            context.pool,
            LEDGER_SELECT,
            ["a.community_id = $1"],
            Params([community]),
            IN_LEDGER_ORDER,
            first,
            after,
        )
        names, approver = (
            await UnitNames.of(context, community, rows),
            await approvers(context, rows),
        )
        return FeeLedgerConnection(
            entries=[ledger_entry(row, names, approver) for row in rows], page_info=page_info
        )
