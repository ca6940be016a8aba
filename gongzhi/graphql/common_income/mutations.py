"""Changing 公共收益: the fund rule, entries, corrections, publication (公示)."""

from __future__ import annotations

import strawberry

from gongzhi.application.base import Done
from gongzhi.application.commands import Command
from gongzhi.application.common_income import (
    CorrectCommonIncome,
    PublishCommonIncome,
    RecordCommonIncome,
    SetCommonIncomeRule,
)
from gongzhi.graphql.commands import mutation, mutations
from gongzhi.graphql.common_income.queries import ledger_view
from gongzhi.graphql.common_income.types import CommonIncomePayload
from gongzhi.graphql.context import Context
from gongzhi.graphql.permissions import Action


async def _period(context: Context, command: Command) -> str:
    """The month the command is about: its period, or the corrected entry's."""
    if isinstance(command, RecordCommonIncome | PublishCommonIncome):
        return command.period.strip()
    if isinstance(command, CorrectCommonIncome):
        period = await context.pool.fetchval(
            "SELECT period FROM common_income_entries WHERE id = $1", command.entry_id
        )
        return str(period or "")
    return ""


async def ledger_reply(
    context: Context,
    done: Done,
    command: SetCommonIncomeRule | RecordCommonIncome | CorrectCommonIncome | PublishCommonIncome,
) -> CommonIncomePayload:
    """The ledger's month the command is about (none for the rule), and the entry's id."""
    month = await _period(context, command)
    return CommonIncomePayload(
        ledger=await ledger_view(context, command.community_id, month) if month else None,
        entry_id=strawberry.ID(str(done.part_id)) if done.part_id else None,
        position=str(done.position),
    )


CommonIncomeMutations = mutations(
    "CommonIncomeMutations",
    mutation(SetCommonIncomeRule, Action.SET_FUND_RULES, reply=ledger_reply),
    mutation(RecordCommonIncome, Action.RECORD_COMMON_INCOME, reply=ledger_reply),
    mutation(CorrectCommonIncome, Action.RECORD_COMMON_INCOME, reply=ledger_reply),
    mutation(PublishCommonIncome, Action.RECORD_COMMON_INCOME, reply=ledger_reply),
)
