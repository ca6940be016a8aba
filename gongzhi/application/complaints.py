"""投诉 complaint commands: file, accept, reply, close; and what access rules need to know."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from gongzhi.application.base import BUSINESS_TZ, Done, GongzhiBase, Meta
from gongzhi.domain.community import Community
from gongzhi.domain.complaint import Complaint, aware
from gongzhi.domain.errors import UnknownPart


@dataclass(frozen=True)
class ComplaintFacts:
    """A complaint's community, district, today's serving company, the company complained
    about and the complainant's unit."""

    id: UUID
    community_id: UUID
    district: str
    serving_company_id: UUID | None
    company_id: UUID
    unit_id: UUID | None


def now() -> datetime:
    return datetime.now(BUSINESS_TZ)


class ComplaintService(GongzhiBase):
    def file_complaint(
        self,
        meta: Meta,
        *,
        community_id: UUID,
        unit_id: UUID | None,
        category: object,
        channel: object,
        description: str,
        filed_at: datetime | None = None,
    ) -> Done:
        """登记投诉 against the company serving the community on the day it is filed."""
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

    def accept_complaint(self, meta: Meta, complaint_id: UUID, at: datetime | None = None) -> Done:
        return self.change(
            meta, Complaint, complaint_id, lambda c: c.accept(at or now()), field="complaintId"
        )

    def reply_to_complaint(
        self, meta: Meta, complaint_id: UUID, reply: str, at: datetime | None = None
    ) -> Done:
        return self.change(
            meta,
            Complaint,
            complaint_id,
            lambda c: c.answer(reply, at or now()),
            field="complaintId",
        )

    def close_complaint(
        self,
        meta: Meta,
        complaint_id: UUID,
        *,
        outcome: object,
        satisfaction: int | None = None,
        at: datetime | None = None,
    ) -> Done:
        return self.change(
            meta,
            Complaint,
            complaint_id,
            lambda c: c.close(outcome, satisfaction, at or now()),
            field="complaintId",
        )

    def complaint_facts(self, complaint_id: UUID) -> ComplaintFacts:
        complaint = self.load(Complaint, complaint_id, "complaintId")
        community = self.load(Community, complaint.community_id, "complaintId")
        return ComplaintFacts(
            id=complaint.id,
            community_id=community.id,
            district=community.district,
            serving_company_id=community.serving_company(now().date()),
            company_id=complaint.company_id,
            unit_id=complaint.unit_id,
        )
