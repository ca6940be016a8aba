"""投诉 complaint commands: file, accept, reply, close, withdraw."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from gongzhi.application.base import BUSINESS_TZ, Done, GongzhiBase, Meta
from gongzhi.application.commands import Command, handles
from gongzhi.application.fields import CommunityId, ComplaintId, Doc, Range, Text, UnitId
from gongzhi.domain.community import Community
from gongzhi.domain.complaint import (
    MAX_TEXT,
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintOutcome,
    aware,
)
from gongzhi.domain.errors import UnknownPart

ComplaintText = Annotated[str, Text(MAX_TEXT, min_length=1)]
Satisfaction = Annotated[int, Range(1, 5), Doc("满意度 of the complainant")]


@dataclass(frozen=True)
class FileComplaint(Command):
    """登记投诉 about a community's property service, against the company serving the
    community when it is filed"""

    community_id: CommunityId
    category: ComplaintCategory
    channel: ComplaintChannel
    description: ComplaintText
    unit_id: Annotated[UnitId | None, Doc("The complainant's unit; required for RESIDENT")] = None
    filed_at: Annotated[datetime | None, Doc("Now if omitted")] = None


@dataclass(frozen=True)
class AcceptComplaint(Command):
    """受理投诉: the company complained about accepts it"""

    complaint_id: ComplaintId
    accepted_at: datetime | None = None


@dataclass(frozen=True)
class ReplyToComplaint(Command):
    """答复投诉: the company complained about replies to the complainant"""

    complaint_id: ComplaintId
    reply: ComplaintText
    replied_at: datetime | None = None


@dataclass(frozen=True)
class CloseComplaint(Command):
    """办结投诉 with its finding and the complainant's satisfaction (1–5), by the committee
    or a regulator"""

    complaint_id: ComplaintId
    outcome: ComplaintOutcome
    satisfaction: Satisfaction | None = None
    closed_at: datetime | None = None


@dataclass(frozen=True)
class WithdrawComplaint(Command):
    """撤回投诉 (the complainant, the committee or a regulator)"""

    complaint_id: ComplaintId
    withdrawn_at: datetime | None = None


def now() -> datetime:
    return datetime.now(BUSINESS_TZ)


class ComplaintService(GongzhiBase):
    @handles(FileComplaint)
    def file_complaint(self, meta: Meta, command: FileComplaint) -> Done:
        """登记投诉 against the company serving the community on the day it is filed."""
        community_id, unit_id, filed_at = command.community_id, command.unit_id, command.filed_at
        category, channel, description = command.category, command.channel, command.description
        community = self.load(Community, community_id, "communityId")
        if unit_id is not None and unit_id not in community.unit_index:
            raise UnknownPart("unitId", "no such unit in this community")
        at = aware("filedAt", filed_at or now())
        complaint = Complaint.file(
            community_id=community_id,
            company_id=community.serving_company(at.astimezone(BUSINESS_TZ).date()),
            unit_id=unit_id,
            category=category,
            channel=channel,
            description=description,
            filed_at=at,
        )
        return self.create(meta, complaint, "the complaint exists already")

    @handles(AcceptComplaint)
    def accept_complaint(self, meta: Meta, command: AcceptComplaint) -> Done:
        at = command.accepted_at or now()
        return self.change(
            meta, Complaint, command.complaint_id, lambda c: c.accept(at), field="complaintId"
        )

    @handles(ReplyToComplaint)
    def reply_to_complaint(self, meta: Meta, command: ReplyToComplaint) -> Done:
        at = command.replied_at or now()
        return self.change(
            meta,
            Complaint,
            command.complaint_id,
            lambda c: c.answer(command.reply, at),
            field="complaintId",
        )

    @handles(CloseComplaint)
    def close_complaint(self, meta: Meta, command: CloseComplaint) -> Done:
        at = command.closed_at or now()
        return self.change(
            meta,
            Complaint,
            command.complaint_id,
            lambda c: c.close(command.outcome, command.satisfaction, at),
            field="complaintId",
        )

    @handles(WithdrawComplaint)
    def withdraw_complaint(self, meta: Meta, command: WithdrawComplaint) -> Done:
        at = command.withdrawn_at or now()
        return self.change(
            meta,
            Complaint,
            command.complaint_id,
            lambda c: c.close(ComplaintOutcome.WITHDRAWN, None, at),
            field="complaintId",
        )
