"""Changing 住宅专项维修资金: rule, deposits, top-ups, interest, notices, the steps of a use."""

from __future__ import annotations

from gongzhi.application.base import Done
from gongzhi.application.funds import (
    AllocateFundInterest,
    ApproveFundUse,
    AuditEmergencyFundUse,
    ConfirmEmergencyFundUse,
    FundCommand,
    NoticesSent,
    PayFundUse,
    ProposeFundUse,
    RecordFirstDeposit,
    RejectEmergencyFundUse,
    RejectFundUse,
    ReviewEmergencyFundUse,
    SendTopUpNotices,
    SetFundDepositRule,
    TopUpFund,
    WithdrawFundUse,
)
from gongzhi.domain.fund import MaintenanceFund as FundAggregate
from gongzhi.graphql.commands import mutation, mutations
from gongzhi.graphql.context import Context
from gongzhi.graphql.fund.queries import fund_summary
from gongzhi.graphql.fund.types import FundPayload, use_from_row
from gongzhi.graphql.permissions import Action


async def fund_reply(context: Context, done: Done, command: FundCommand) -> FundPayload:
    """The fund as the views show it after the command; the use it proposed or stepped on
    (the part id); the notices it sent."""
    fund_id = FundAggregate.id_for(command.community_id)
    row = await context.pool.fetchrow("SELECT * FROM maintenance_funds WHERE id = $1", fund_id)
    use = None
    if done.part_id is not None:
        use_row = await context.pool.fetchrow("SELECT * FROM fund_uses WHERE id = $1", done.part_id)
        use = use_from_row(use_row) if use_row else None
    return FundPayload(
        fund=await fund_summary(context, row) if row else None,
        use=use,
        notices_sent=done.sent if isinstance(done, NoticesSent) else None,
        position=str(done.position),
    )


FundMutations = mutations(
    "FundMutations",
    mutation(SetFundDepositRule, Action.SET_FUND_RULES, reply=fund_reply),
    mutation(RecordFirstDeposit, Action.RECORD_FUND_MONEY, reply=fund_reply),
    mutation(TopUpFund, Action.RECORD_FUND_MONEY, reply=fund_reply),
    mutation(AllocateFundInterest, Action.RECORD_FUND_MONEY, reply=fund_reply),
    mutation(SendTopUpNotices, Action.SEND_TOP_UP_NOTICES, reply=fund_reply),
    mutation(ProposeFundUse, Action.PROPOSE_FUND_USE, reply=fund_reply),
    mutation(ApproveFundUse, Action.APPROVE_FUND_USE, reply=fund_reply),
    mutation(ReviewEmergencyFundUse, Action.APPROVE_FUND_USE, reply=fund_reply),
    mutation(ConfirmEmergencyFundUse, Action.CONFIRM_EMERGENCY_USE, reply=fund_reply),
    mutation(RejectFundUse, Action.APPROVE_FUND_USE, reply=fund_reply),
    mutation(RejectEmergencyFundUse, Action.CONFIRM_EMERGENCY_USE, reply=fund_reply),
    mutation(WithdrawFundUse, Action.PROPOSE_FUND_USE, reply=fund_reply),
    mutation(PayFundUse, Action.PAY_FUND_USE, reply=fund_reply),
    mutation(AuditEmergencyFundUse, Action.PAY_FUND_USE, reply=fund_reply),
)
