"""Changing 通知 and 催缴: publish, withdraw, mark read, issue a round of reminders."""

from __future__ import annotations

from dataclasses import replace

import strawberry

from gongzhi.application.base import Done
from gongzhi.application.commands import Command
from gongzhi.application.notices import (
    IssueArrearsReminders,
    MarkCommitteeNoticeRead,
    MarkNoticeRead,
    PublishNotice,
    RemindersIssued,
    WithdrawNotice,
)
from gongzhi.graphql.commands import mutation, mutations
from gongzhi.graphql.context import Context
from gongzhi.graphql.notices.queries import fetch_notice, notices_of, reminders_of
from gongzhi.graphql.notices.types import ArrearsRoundPayload, NoticePayload
from gongzhi.graphql.permissions import Action, Target
from gongzhi.graphql.references import Found


async def notice_reply(context: Context, done: Done, command: Command) -> NoticePayload:
    if isinstance(command, MarkNoticeRead | MarkCommitteeNoticeRead):
        notice_id = command.notice_id  # a receipt: the notice it is of
    else:
        notice_id = done.id
    row = await fetch_notice(context, notice_id)
    shown = await notices_of(context, [row], steward=row["households"] is not None) if row else []
    return NoticePayload(notice=shown[0] if shown else None, position=str(done.position))


async def round_reply(
    context: Context, done: Done, command: IssueArrearsReminders
) -> ArrearsRoundPayload:
    issued = done.issued if isinstance(done, RemindersIssued) else 0
    return ArrearsRoundPayload(
        round_id=strawberry.ID(str(done.id)),
        issued=issued,
        reminders=await reminders_of(context, command.community_id, command.round),
        position=str(done.position),
    )


def _household(_: Context, command: MarkNoticeRead, found: dict[str, Found]) -> Target:
    """The household marking read: its unit, which must be in the notice's community and,
    for a notice to one unit (a reminder), that unit."""
    notice, unit = found["input.noticeId"].target(), found["input.unitId"].target()
    if notice.community_id != unit.community_id or notice.unit_id not in {None, unit.unit_id}:
        return Target()  # not addressed to this household: nobody may mark it for it
    return replace(notice, unit_id=command.unit_id)


def _member(context: Context, command: MarkCommitteeNoticeRead, found: dict[str, Found]) -> Target:
    """The member marking read: themselves only (the person their token speaks for)."""
    if context.principal.person_id != command.person_id:
        return Target()  # another member's receipt: nobody may mark it for them
    return found["input.noticeId"].target()


NoticeMutations = mutations(
    "NoticeMutations",
    mutation(PublishNotice, Action.PUBLISH_NOTICE, reply=notice_reply),
    mutation(WithdrawNotice, Action.PUBLISH_NOTICE, reply=notice_reply, target="notice_id"),
    mutation(MarkNoticeRead, Action.MARK_NOTICE_READ, reply=notice_reply, target=_household),
    mutation(
        MarkCommitteeNoticeRead,
        Action.MARK_COMMITTEE_NOTICE_READ,
        reply=notice_reply,
        target=_member,
    ),
    mutation(IssueArrearsReminders, Action.ISSUE_ARREARS_REMINDERS, reply=round_reply),
)
