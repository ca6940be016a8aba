"""Changing 公共收益: the fund rule, entries, corrections, publication (公示)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.base import Done, Meta
from gongzhi.domain.common_income import IncomeCategory
from gongzhi.graphql.common_income.queries import ledger_view
from gongzhi.graphql.common_income.types import (
    CommonIncomePayload,
    CommonIncomeResult,
    IncomeCategoryType,
)
from gongzhi.graphql.context import Context, community_target, parse_id
from gongzhi.graphql.money import Fen
from gongzhi.graphql.permissions import Action


@strawberry.input(
    description="The share of net common income that goes to a maintenance fund below 30 % of "
    "its first deposits (on at 0.5 by default; off where no local rule asks for it)"
)
class SetCommonIncomeRuleInput:
    community_id: strawberry.ID
    enabled: bool
    fund_share: Decimal = strawberry.field(description="0.5 = 50 %")
    reason: str


@strawberry.input(description="公共收益 one entry of a month")
class RecordCommonIncomeInput:
    community_id: strawberry.ID
    category: IncomeCategoryType  # type: ignore[valid-type]
    period: str = strawberry.field(description="The month, YYYY-MM")
    gross_fen: Fen
    cost_fen: Fen = strawberry.field(description="合理成本; at most the gross")
    counterparty: str
    reason: str
    note: str = ""


@strawberry.input(description="更正 an entry: recorded as a correction, the earlier figures stay")
class CorrectCommonIncomeInput:
    community_id: strawberry.ID
    entry_id: strawberry.ID
    gross_fen: Fen
    cost_fen: Fen
    counterparty: str
    reason: str
    note: str = ""


@strawberry.input(description="公示 a month that has ended, with its allocation to the units")
class PublishCommonIncomeInput:
    community_id: strawberry.ID
    period: str
    reason: str


async def _run(
    info: Info[Context, None],
    action: Action,
    community_id: strawberry.ID,
    period: Callable[[Done], str],
    reason: str,
    command: Callable[[Meta, UUID], Done],
) -> CommonIncomeResult:
    context = info.context

    async def reply(done: Done) -> CommonIncomePayload:
        community = parse_id(community_id, "communityId")
        month = period(done)
        return CommonIncomePayload(
            ledger=await ledger_view(context, community, month) if month else None,
            entry_id=strawberry.ID(str(done.part_id)) if done.part_id else None,
            position=str(done.position),
        )

    return await context.execute(  # type: ignore[return-value]
        action,
        community_target(context, community_id),
        lambda meta: command(meta, parse_id(community_id, "communityId")),
        reason,
        reply,
    )


@strawberry.type
class CommonIncomeMutations:
    @strawberry.mutation(description="The 50 % rule of common income for a low fund")
    async def set_common_income_rule(
        self, info: Info[Context, None], input: SetCommonIncomeRuleInput
    ) -> CommonIncomeResult:
        app = info.context.app
        return await _run(
            info,
            Action.SET_FUND_RULES,
            input.community_id,
            lambda _: "",
            input.reason,
            lambda meta, cid: app.set_common_income_rule(
                meta, cid, enabled=input.enabled, fund_share=input.fund_share
            ),
        )

    @strawberry.mutation(description="公共收益: record an entry (the fund's part in the same save)")
    async def record_common_income(
        self, info: Info[Context, None], input: RecordCommonIncomeInput
    ) -> CommonIncomeResult:
        app = info.context.app
        return await _run(
            info,
            Action.RECORD_COMMON_INCOME,
            input.community_id,
            lambda _: input.period.strip(),
            input.reason,
            lambda meta, cid: app.record_common_income(
                meta,
                cid,
                category=IncomeCategory(input.category).value,
                period=input.period,
                gross_fen=input.gross_fen,
                cost_fen=input.cost_fen,
                counterparty=input.counterparty,
                note=input.note,
            ),
        )

    @strawberry.mutation(description="更正 an entry of common income")
    async def correct_common_income(
        self, info: Info[Context, None], input: CorrectCommonIncomeInput
    ) -> CommonIncomeResult:
        app = info.context.app
        periods: list[str] = []

        def command(meta: Meta, cid: UUID) -> Done:
            entry_id = parse_id(input.entry_id, "entryId")
            done = app.correct_common_income(
                meta,
                cid,
                entry_id,
                gross_fen=input.gross_fen,
                cost_fen=input.cost_fen,
                counterparty=input.counterparty,
                note=input.note,
            )
            ledger = app.common_income_ledger(cid)
            periods.append(ledger.entries[entry_id].period if ledger else "")
            return done

        return await _run(
            info,
            Action.RECORD_COMMON_INCOME,
            input.community_id,
            lambda _: periods[-1],
            input.reason,
            command,
        )

    @strawberry.mutation(description="公示 a month's common income (by the serving company)")
    async def publish_common_income(
        self, info: Info[Context, None], input: PublishCommonIncomeInput
    ) -> CommonIncomeResult:
        app = info.context.app
        return await _run(
            info,
            Action.RECORD_COMMON_INCOME,
            input.community_id,
            lambda _: input.period.strip(),
            input.reason,
            lambda meta, cid: app.publish_common_income(meta, cid, input.period),
        )
