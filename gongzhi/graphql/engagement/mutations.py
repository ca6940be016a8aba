"""Changing complaints (投诉) and disputes (矛盾纠纷 with 调解)."""

from __future__ import annotations

from dataclasses import replace

from gongzhi.application.base import Done
from gongzhi.application.commands import Command
from gongzhi.application.complaints import (
    AcceptComplaint,
    CloseComplaint,
    FileComplaint,
    ReplyToComplaint,
    WithdrawComplaint,
)
from gongzhi.application.disputes import CloseDispute, OpenDispute, RecordMediation
from gongzhi.graphql.commands import mutation, mutations
from gongzhi.graphql.context import Context
from gongzhi.graphql.engagement.queries import fetch_complaint, fetch_dispute
from gongzhi.graphql.engagement.types import (
    ComplaintPayload,
    DisputePayload,
    complaint_from_row,
    dispute_from_row,
)
from gongzhi.graphql.permissions import Action, Target
from gongzhi.graphql.personal_data import opener_for
from gongzhi.graphql.references import Found


async def complaint_reply(context: Context, done: Done, _: Command) -> ComplaintPayload:
    row = await fetch_complaint(context, done.id)
    return ComplaintPayload(
        complaint=complaint_from_row(row) if row else None, position=str(done.position)
    )


async def dispute_reply(context: Context, done: Done, _: Command) -> DisputePayload:
    row = await fetch_dispute(context, done.id)
    return DisputePayload(
        dispute=dispute_from_row(row, await opener_for(context, row)) if row else None,
        position=str(done.position),
    )


def _filing(_: Context, command: FileComplaint, found: dict[str, Found]) -> Target:
    """The community complained about, and the complainant's unit (a resident files for own
    units only)."""
    return replace(found["input.communityId"].target(), unit_id=command.unit_id)


OnComplaint = AcceptComplaint | ReplyToComplaint | CloseComplaint | WithdrawComplaint


async def _complaint(context: Context, command: OnComplaint, found: dict[str, Found]) -> Target:
    """The complaint's community, the company complained about (``company_id``, fixed when
    filed, found with the complaint) and the complainant's unit."""
    unit_id = await context.pool.fetchval(
        "SELECT unit_id FROM complaints WHERE id = $1", command.complaint_id
    )
    return replace(found["input.complaintId"].target(), unit_id=unit_id)


EngagementMutations = mutations(
    "EngagementMutations",
    mutation(FileComplaint, Action.FILE_COMPLAINT, reply=complaint_reply, target=_filing),
    mutation(AcceptComplaint, Action.HANDLE_COMPLAINT, reply=complaint_reply, target=_complaint),
    mutation(ReplyToComplaint, Action.HANDLE_COMPLAINT, reply=complaint_reply, target=_complaint),
    mutation(CloseComplaint, Action.CLOSE_COMPLAINT, reply=complaint_reply, target=_complaint),
    mutation(
        WithdrawComplaint, Action.WITHDRAW_COMPLAINT, reply=complaint_reply, target=_complaint
    ),
    mutation(OpenDispute, Action.RECORD_DISPUTE, reply=dispute_reply),
    mutation(RecordMediation, Action.RECORD_DISPUTE, reply=dispute_reply, target="dispute_id"),
    mutation(CloseDispute, Action.RECORD_DISPUTE, reply=dispute_reply, target="dispute_id"),
)
