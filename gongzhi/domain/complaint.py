"""投诉 complaint against a property company: filed, accepted, replied to, closed.

A complaint names the community and the company serving it when it was filed; the company
stays the one complained about even if the community changes company later, so credit
evaluations count it against the right company.
"""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate

from gongzhi.domain.errors import InvalidValue, RuleViolated
from gongzhi.domain.values import enum_value, required_text

MAX_TEXT = 2000


class ComplaintCategory(enum.Enum):
    """投诉类别."""

    SERVICE_QUALITY = "SERVICE_QUALITY"  # 服务质量
    FEES = "FEES"  # 收费
    SECURITY = "SECURITY"  # 安保
    CLEANLINESS = "CLEANLINESS"  # 保洁
    REPAIRS = "REPAIRS"  # 维修
    ATTITUDE = "ATTITUDE"  # 服务态度
    OTHER = "OTHER"


class ComplaintChannel(enum.Enum):
    """投诉渠道: how the complaint reached the platform."""

    RESIDENT = "RESIDENT"  # 业主自报, for own unit
    HOTLINE_12345 = "HOTLINE_12345"  # 12345 热线, entered by a committee member or regulator
    COMMITTEE = "COMMITTEE"  # 业委会 on the owners' behalf
    REGULATOR = "REGULATOR"  # 住建部门 / 街道 inspection or letter


class ComplaintStatus(enum.Enum):
    FILED = "FILED"  # 已登记
    ACCEPTED = "ACCEPTED"  # 已受理
    REPLIED = "REPLIED"  # 已答复
    CLOSED = "CLOSED"  # 已办结


class ComplaintOutcome(enum.Enum):
    """办结结果."""

    SUBSTANTIATED = "SUBSTANTIATED"  # 属实
    NOT_SUBSTANTIATED = "NOT_SUBSTANTIATED"  # 不属实
    WITHDRAWN = "WITHDRAWN"  # 撤回


def aware(field: str, value: datetime) -> datetime:
    """Times are stored with their zone: a naive time would be read in the server's zone."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValue(field, "must include a time zone offset")
    return value


def satisfaction_rating(field: str, value: int | None) -> int | None:
    """满意度 1 (very dissatisfied) to 5 (very satisfied), or none given."""
    if value is not None and not 1 <= value <= 5:
        raise InvalidValue(field, "must be between 1 and 5")
    return value


class Complaint(Aggregate):
    """投诉 about a community's property service, against the company serving it."""

    class Filed(Aggregate.Created):
        community_id: UUID
        company_id: UUID
        unit_id: UUID | None
        category: str
        channel: str
        description: str
        filed_at: datetime

    class Accepted(Aggregate.Event):
        accepted_at: datetime

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Complaint)
            aggregate.status = ComplaintStatus.ACCEPTED.value
            aggregate.accepted_at = self.accepted_at

    class Replied(Aggregate.Event):
        reply: str
        replied_at: datetime

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Complaint)
            aggregate.status = ComplaintStatus.REPLIED.value
            aggregate.reply = self.reply
            aggregate.replied_at = self.replied_at

    class Closed(Aggregate.Event):
        outcome: str
        satisfaction: int | None
        closed_at: datetime

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Complaint)
            aggregate.status = ComplaintStatus.CLOSED.value
            aggregate.outcome = self.outcome
            aggregate.satisfaction = self.satisfaction
            aggregate.closed_at = self.closed_at

    def __init__(
        self,
        community_id: UUID,
        company_id: UUID,
        unit_id: UUID | None,
        category: str,
        channel: str,
        description: str,
        filed_at: datetime,
    ) -> None:
        self.community_id = community_id
        self.company_id = company_id
        self.unit_id = unit_id
        self.category = category
        self.channel = channel
        self.description = description
        self.filed_at = filed_at
        self.status = ComplaintStatus.FILED.value
        self.accepted_at: datetime | None = None
        self.reply = ""
        self.replied_at: datetime | None = None
        self.outcome: str | None = None
        self.satisfaction: int | None = None
        self.closed_at: datetime | None = None

    @classmethod
    def file(
        cls,
        *,
        community_id: UUID,
        company_id: UUID | None,
        unit_id: UUID | None,
        category: object,
        channel: object,
        description: str,
        filed_at: datetime,
    ) -> Complaint:
        if company_id is None:
            raise RuleViolated(
                "communityId",
                "no property company serves the community: there is no one to complain against",
            )
        kind = enum_value("channel", ComplaintChannel, channel)
        if kind == ComplaintChannel.RESIDENT.value and unit_id is None:
            raise InvalidValue("unitId", "a resident's complaint names the resident's unit")
        return cls._create(
            cls.Filed,
            community_id=community_id,
            company_id=company_id,
            unit_id=unit_id,
            category=enum_value("category", ComplaintCategory, category),
            channel=kind,
            description=required_text("description", description, max_length=MAX_TEXT),
            filed_at=aware("filedAt", filed_at),
        )

    def accept(self, at: datetime) -> None:
        """受理 by the company."""
        if self.status != ComplaintStatus.FILED.value:
            raise RuleViolated("complaintId", f"the complaint is {self.status.lower()}, not filed")
        self.trigger_event(self.Accepted, accepted_at=self._after("acceptedAt", at, self.filed_at))

    def answer(self, reply: str, at: datetime) -> None:
        """答复: the company's reply to the complainant."""
        if self.status != ComplaintStatus.ACCEPTED.value:
            raise RuleViolated(
                "complaintId",
                f"the complaint is {self.status.lower()}; only an accepted complaint is replied to",
            )
        assert self.accepted_at is not None
        self.trigger_event(
            self.Replied,
            reply=required_text("reply", reply, max_length=MAX_TEXT),
            replied_at=self._after("repliedAt", at, self.accepted_at),
        )

    def close(self, outcome: object, satisfaction: int | None, at: datetime) -> None:
        """办结 with its outcome; a finding (属实/不属实) needs the company's reply first,
        withdrawal is possible at any open step."""
        result = enum_value("outcome", ComplaintOutcome, outcome)
        if self.status == ComplaintStatus.CLOSED.value:
            raise RuleViolated("complaintId", "the complaint is closed already")
        withdrawn = result == ComplaintOutcome.WITHDRAWN.value
        if not withdrawn and self.status != ComplaintStatus.REPLIED.value:
            raise RuleViolated(
                "outcome",
                "a finding needs the company's reply first; only WITHDRAWN is possible before it",
            )
        if withdrawn and satisfaction is not None:
            raise InvalidValue("satisfaction", "a withdrawn complaint is not rated")
        latest = self.replied_at or self.accepted_at or self.filed_at
        self.trigger_event(
            self.Closed,
            outcome=result,
            satisfaction=satisfaction_rating("satisfaction", satisfaction),
            closed_at=self._after("closedAt", at, latest),
        )

    @staticmethod
    def _after(field: str, at: datetime, previous: datetime) -> datetime:
        if aware(field, at) < previous:
            raise InvalidValue(field, "must not be before the complaint's previous step")
        return at
