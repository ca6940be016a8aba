"""Reading 物业费: a community's fee schedule, ledger, arrears and rates; a unit's statement.

Access is checked on the community (``READ_FEES``) or the unit (``READ_FEE_STATEMENT``,
which residents hold for their own units) before any row is read.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.base import business_today
from gongzhi.domain.errors import DomainError
from gongzhi.domain.fee_rules import Period, parse_period
from gongzhi.graphql.context import Context, query_id
from gongzhi.graphql.errors import NotFound, Refused, forbidden, invalid
from gongzhi.graphql.fees.statement import (
    fetch_statement,
    ledger_entry,
    schedule_from_rows,
    shape_bills,
)
from gongzhi.graphql.fees.types import (
    ArrearsConnection,
    ArrearsLookup,
    ArrearsRow,
    BillConnection,
    BillsLookup,
    FeeLedgerConnection,
    FeeLedgerLookup,
    FeeRates,
    FeeRatesLookup,
    FeeScheduleLookup,
    FeeStatementLookup,
    Rate,
)
from gongzhi.graphql.history.queries import community_target
from gongzhi.graphql.pagination import PageInfo, cursor_id, decode_cursor, encode_cursor, page_size
from gongzhi.graphql.permissions import Action, allowed
from gongzhi.projections.fees import COLLECTION_COLUMNS

RATE_PLACES = Decimal("0.0000000001")


async def community_allowed(context: Context, community_id: UUID, action: Action) -> None:
    """Raises Refused unless the community exists and the principal may ``action`` it."""
    target = await community_target(context, community_id)
    if target.district is None:
        raise Refused(NotFound(field="communityId", message=f"no community with id {community_id}"))
    if not allowed(context.principal, action, target):
        raise Refused(forbidden(action.value))


async def fetch_schedule(context: Context, community_id: UUID) -> Any:
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
    async def fee_schedule(
        self, info: Info[Context, None], community_id: strawberry.ID
    ) -> FeeScheduleLookup:
        try:
            community = query_id(community_id, "communityId")
            await community_allowed(info.context, community, Action.READ_FEES)
        except Refused as refused:
            return refused.problem  # type: ignore[return-value]
        return await fetch_schedule(info.context, community)  # type: ignore[no-any-return]

    @strawberry.field(description="对账单 a unit's bills, payments, allocations and late fees")
    async def fee_statement(
        self,
        info: Info[Context, None],
        unit_id: strawberry.ID,
        as_of: datetime.date | None = None,
    ) -> FeeStatementLookup:
        try:
            unit = query_id(unit_id, "unitId")
            return await fetch_statement(info.context, unit, as_of or business_today())
        except Refused as refused:
            return refused.problem  # type: ignore[return-value]

    @strawberry.field(description="欠费清单: units with overdue amounts, largest first")
    async def arrears(
        self,
        info: Info[Context, None],
        community_id: strawberry.ID,
        as_of: datetime.date | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> ArrearsLookup:
        context = info.context
        day = as_of or business_today()
        try:
            community = query_id(community_id, "communityId")
            await community_allowed(context, community, Action.READ_FEES)
            limit = page_size(first)
            key = decode_cursor(after, 1)
        except Refused as refused:
            return refused.problem  # type: ignore[return-value]
        after_unit = cursor_id(key[0]) if key else None
        if key is not None and after_unit is None:
            return invalid("after", "is not a cursor this API issued")  # type: ignore[return-value]
        overdue = """FROM fee_bills b WHERE b.community_id = $1 AND b.due_on < $2
                     AND b.amount_fen - b.paid_fen - b.written_off_fen > 0"""
        rows = await context.pool.fetch(
            f"""SELECT b.unit_id, min(b.unit_number) AS unit_number,
                       sum(b.amount_fen - b.paid_fen - b.written_off_fen)::bigint AS owed,
                       count(*) AS bills, min(b.due_on) AS oldest
                {overdue} AND ($3::uuid IS NULL OR b.unit_id > $3::uuid)
                GROUP BY b.unit_id ORDER BY b.unit_id LIMIT $4""",
            community,
            day,
            after_unit,
            limit + 1,
        )
        total = await context.pool.fetchval(
            f"SELECT coalesce(sum(b.amount_fen - b.paid_fen - b.written_off_fen), 0) {overdue}",
            community,
            day,
        )
        page = rows[:limit]
        return ArrearsConnection(  # type: ignore[return-value]
            rows=[
                ArrearsRow(
                    unit_id=strawberry.ID(str(row["unit_id"])),
                    unit_number=row["unit_number"],
                    outstanding_fen=row["owed"],
                    open_bills=row["bills"],
                    oldest_due_on=row["oldest"],
                    age_days=(day - row["oldest"]).days,
                )
                for row in page
            ],
            total_outstanding_fen=int(total),
            page_info=PageInfo(
                has_next_page=len(rows) > limit,
                end_cursor=encode_cursor(page[-1]["unit_id"]) if page else None,
            ),
        )

    @strawberry.field(description="收费率, 户收费率 and 清缴率 of a community for a period")
    async def fee_rates(
        self, info: Info[Context, None], community_id: strawberry.ID, period: str
    ) -> FeeRatesLookup:
        context = info.context
        try:
            community = query_id(community_id, "communityId")
            span = _period(period)
            await community_allowed(context, community, Action.READ_FEES)
        except Refused as refused:
            return refused.problem  # type: ignore[return-value]
        billed = await context.pool.fetchrow(
            f"""SELECT {COLLECTION_COLUMNS}
                FROM fee_bills b WHERE b.community_id = $1 AND b.period = $2""",
            community,
            span.key,
        )
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
        return FeeRates(  # type: ignore[return-value]
            community_id=strawberry.ID(str(community)),
            period=span.key,
            collection_rate=rate(int(billed["collected"]), int(billed["billed"])),
            household_rate=rate(int(billed["paid"]), int(billed["households"])),
            recovery_rate=rate(recovered, recovered + owed),
        )

    @strawberry.field(description="账单: a community's bills of a period, by unit number")
    async def fee_bills(
        self,
        info: Info[Context, None],
        community_id: strawberry.ID,
        period: str,
        as_of: datetime.date | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> BillsLookup:
        context = info.context
        try:
            community = query_id(community_id, "communityId")
            span = _period(period)
            await community_allowed(context, community, Action.READ_FEES)
            limit = page_size(first)
            key = decode_cursor(after, 2)
        except Refused as refused:
            return refused.problem  # type: ignore[return-value]
        params: list[object] = [community, span.key]
        condition = ""
        if key is not None:
            bill = cursor_id(key[1])
            if bill is None:
                return invalid("after", "is not a cursor this API issued")  # type: ignore[return-value]
            params += [key[0], bill]
            condition = "AND (unit_number, id) > ($3, $4::uuid)"
        params.append(limit + 1)
        rows = await context.pool.fetch(
            f"""SELECT * FROM fee_bills WHERE community_id = $1 AND period = $2 {condition}
                ORDER BY unit_number, id LIMIT ${len(params)}""",
            *params,
        )
        page = list(rows[:limit])
        bills = await shape_bills(context, community, page, as_of or business_today())
        end = encode_cursor(page[-1]["unit_number"], page[-1]["id"]) if page else None
        return BillConnection(  # type: ignore[return-value]
            bills=bills, page_info=PageInfo(has_next_page=len(rows) > limit, end_cursor=end)
        )

    @strawberry.field(description="台账: a community's fee ledger entry by entry, oldest first")
    async def fee_ledger(
        self,
        info: Info[Context, None],
        community_id: strawberry.ID,
        first: int = 50,
        after: str | None = None,
    ) -> FeeLedgerLookup:
        context = info.context
        try:
            community = query_id(community_id, "communityId")
            await community_allowed(context, community, Action.READ_FEES)
            limit = page_size(first)
            key = decode_cursor(after, 4)
        except Refused as refused:
            return refused.problem  # type: ignore[return-value]
        params: list[object] = [community]
        condition = ""
        if key is not None:
            account = cursor_id(key[1])
            if account is None or not (key[2].isdigit() and key[3].isdigit()):
                return invalid("after", "is not a cursor this API issued")  # type: ignore[return-value]
            params += [datetime.datetime.fromisoformat(key[0]), account, int(key[2]), int(key[3])]
            condition = "AND (l.recorded_at, l.account_id, l.version, l.seq) > ($2, $3, $4, $5)"
        params.append(limit + 1)
        rows = await context.pool.fetch(
            f"""SELECT l.*, a.unit_id FROM fee_ledger l JOIN fee_accounts a ON a.id = l.account_id
                WHERE a.community_id = $1 {condition}
                ORDER BY l.recorded_at, l.account_id, l.version, l.seq LIMIT ${len(params)}""",
            *params,
        )
        page = rows[:limit]
        end = None
        if page:
            last = page[-1]
            end = encode_cursor(
                last["recorded_at"].isoformat(), last["account_id"], last["version"], last["seq"]
            )
        return FeeLedgerConnection(  # type: ignore[return-value]
            entries=[ledger_entry(row) for row in page],
            page_info=PageInfo(has_next_page=len(rows) > limit, end_cursor=end),
        )
