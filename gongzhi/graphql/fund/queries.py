"""Reading 住宅专项维修资金: the fund's summary, its ledger, a unit's statement, its uses.

Every payout row carries its use, and the use its owners' decision or emergency with the
committee that approved or reviewed it, so each payout is traceable from the ledger.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.domain.fund import MaintenanceFund as FundAggregate
from gongzhi.graphql.auth import Role
from gongzhi.graphql.context import Context
from gongzhi.graphql.errors import NotFound, Refused, forbidden
from gongzhi.graphql.fund.types import (
    FundLedgerConnection,
    FundLedgerResult,
    FundLookup,
    FundStatement,
    FundStatementResult,
    FundUseList,
    FundUsesResult,
    MaintenanceFund,
    account_from_row,
    ledger_entry_from_row,
    ratio,
    rule_from,
    use_from_row,
)
from gongzhi.graphql.history.queries import community_target
from gongzhi.graphql.pagination import Key, keyset_page
from gongzhi.graphql.params import Params
from gongzhi.graphql.permissions import Action, allowed, unit_visible
from gongzhi.graphql.reading import CommunityArg, UnitArg, lookup
from gongzhi.graphql.unit_labels import UnitNames, unit_columns

ACCOUNT_SELECT = f"""
SELECT a.*, u.number AS unit_number, {unit_columns("a.unit_id")}
FROM fund_accounts a LEFT JOIN units u ON u.id = a.unit_id
"""

# The fund's movements with their running balance and what each payout rests on.
LEDGER_SELECT = """
SELECT * FROM (
    SELECT l.*, sum(l.amount_fen) OVER (ORDER BY l.version)::bigint AS balance_after_fen,
           fu.decision_id, fu.emergency, fu.committee_id
    FROM fund_ledger l LEFT JOIN fund_uses fu ON fu.id = l.use_id
    WHERE l.fund_id = $1
) ledger
"""

IN_ORDER = (Key("version", "version", "int"),)

STATEMENT_SELECT = """
SELECT l.*, sum(l.amount_fen) OVER (ORDER BY l.version)::bigint AS balance_after_fen,
       fu.decision_id, fu.emergency, fu.committee_id
FROM fund_account_lines l LEFT JOIN fund_uses fu ON fu.id = l.use_id
WHERE l.unit_id = $1 AND l.fund_id = $2 ORDER BY l.version
"""


async def readable_fund(context: Context, community_id: UUID, action: Action) -> Any:
    """The fund row of a community (in scope: declared by the argument) the principal may
    read, or raise Refused. A resident's target is the community with one of the
    resident's own units in it, if any: the rules read a resident's units."""
    target = await community_target(context, community_id)
    principal = context.principal
    if principal.role is Role.RESIDENT:
        own = await context.pool.fetchval(
            "SELECT id FROM units WHERE community_id = $1 AND id = ANY($2::uuid[]) LIMIT 1",
            community_id,
            list(principal.unit_ids),
        )
        target = replace(target, unit_id=own)
    if not allowed(principal, action, target):
        raise Refused(forbidden(action.value))
    row = await context.pool.fetchrow(
        "SELECT * FROM maintenance_funds WHERE id = $1", FundAggregate.id_for(community_id)
    )
    if row is None:
        raise Refused(
            NotFound(field="communityId", message="the community has no maintenance fund yet")
        )
    return row


async def fund_summary(context: Context, fund: Any) -> MaintenanceFund:
    rule = rule_from(fund["rule"])
    totals = await context.pool.fetchrow(
        """SELECT coalesce(sum(balance_fen), 0)::bigint AS total, count(*)::int AS accounts,
                  (SELECT count(*) FROM fund_uses WHERE fund_id = $1 AND kind = 'EMERGENCY'
                     AND status = 'PAID')::int AS awaiting_audit
           FROM fund_accounts WHERE fund_id = $1""",
        fund["id"],
    )
    below = await context.pool.fetch(
        f"""{ACCOUNT_SELECT} WHERE a.fund_id = $1
              AND a.balance_fen < a.first_deposit_fen * $2::numeric
            ORDER BY u.number, a.unit_id""",
        fund["id"],
        rule.top_up_threshold,
    )
    balance, first = fund["balance_fen"], fund["first_deposits_fen"]
    names = await UnitNames.of(context, fund["community_id"], below)
    return MaintenanceFund(
        id=strawberry.ID(str(fund["id"])),
        community_id=strawberry.ID(str(fund["community_id"])),
        rule=rule,
        balance_fen=balance,
        sub_accounts_total_fen=totals["total"],
        first_deposits_fen=first,
        ratio=ratio(balance, first),
        below_threshold=first > 0 and Decimal(balance) < rule.top_up_threshold * first,
        sub_accounts=totals["accounts"],
        units_below_threshold=[account_from_row(r, rule.top_up_threshold, names) for r in below],
        emergencies_awaiting_audit=totals["awaiting_audit"],
    )


@strawberry.type
class FundQueries:
    @strawberry.field(
        description="住宅专项维修资金: balance, first deposits, the 30 % line (a resident of the "
        "community sees the totals and only the own units below the line)"
    )
    @lookup
    async def maintenance_fund(
        self, info: Info[Context, None], community_id: CommunityArg
    ) -> FundLookup:
        fund = await readable_fund(info.context, UUID(community_id), Action.READ_FUND_USES)
        summary = await fund_summary(info.context, fund)
        # A resident sees the fund's totals and the own units' accounts, not the neighbours'.
        summary.units_below_threshold = [
            a
            for a in summary.units_below_threshold
            if unit_visible(info.context.principal, UUID(a.unit_id))
        ]
        return summary

    @strawberry.field(description="维修资金台账: every movement in order, with running balance")
    @lookup
    async def fund_ledger(
        self,
        info: Info[Context, None],
        community_id: CommunityArg,
        first: int = 50,
        after: str | None = None,
    ) -> FundLedgerResult:
        fund = await readable_fund(info.context, UUID(community_id), Action.READ_FUND)
        rows, page_info = await keyset_page(
            info.context.pool, LEDGER_SELECT, [], Params([fund["id"]]), IN_ORDER, first, after
        )
        return FundLedgerConnection(
            entries=[ledger_entry_from_row(r) for r in rows], page_info=page_info
        )

    @strawberry.field(description="分户账对账单: a unit's sub-account and every movement in it")
    @lookup
    async def fund_statement(
        self, info: Info[Context, None], unit_id: UnitArg
    ) -> FundStatementResult:
        context = info.context
        unit = UUID(unit_id)
        account = await context.pool.fetchrow(
            f"""{ACCOUNT_SELECT.replace("SELECT a.*", "SELECT a.*, f.community_id, f.rule")}
                JOIN maintenance_funds f ON f.id = a.fund_id WHERE a.unit_id = $1""",
            unit,
        )
        missing = NotFound(field="unitId", message=f"no sub-account of unit {unit_id} you may see")
        if account is None:
            return missing
        target = await community_target(context, account["community_id"])
        if not allowed(context.principal, Action.READ_FUND_ACCOUNT, replace(target, unit_id=unit)):
            return missing
        rows = await context.pool.fetch(STATEMENT_SELECT, unit, account["fund_id"])
        threshold = rule_from(account["rule"]).top_up_threshold
        names = await UnitNames.of(context, account["community_id"], [account])
        return FundStatement(
            account=account_from_row(account, threshold, names),
            lines=[ledger_entry_from_row(r) for r in rows],
        )

    @strawberry.field(
        description="维修资金使用: the fund's uses, newest first (公示: residents of the community "
        "read them too)"
    )
    @lookup
    async def fund_uses(
        self,
        info: Info[Context, None],
        community_id: CommunityArg,
        awaiting_audit_only: bool = False,
    ) -> FundUsesResult:
        fund = await readable_fund(info.context, UUID(community_id), Action.READ_FUND_USES)
        condition = " AND kind = 'EMERGENCY' AND status = 'PAID'" if awaiting_audit_only else ""
        rows = await info.context.pool.fetch(
            f"SELECT * FROM fund_uses WHERE fund_id = $1{condition} ORDER BY seq DESC", fund["id"]
        )
        return FundUseList(uses=[use_from_row(r) for r in rows])
