"""通知 notices to a community's households, their read receipts, 公示 periods, and 催缴
arrears reminders.

A notice is addressed to a community, a building, an entrance or one unit, and to a role
within it (everyone, owners, residents, the committee). It is shown from ``publish_from`` to
``publish_until`` (Asia/Shanghai dates, both included). A household (a unit) marks it read
once: the receipt is an aggregate of its own (id derived from notice and unit), so that a
thousand households reading at once never queue behind one another. A notice to the
committee addresses no household: each member marks it read for themselves (a receipt per
person, id derived from notice and person), and the sender sees who has read it.

公示 are not typed: the platform writes them from the events that the law or the local rules
require to be published (projections/notices.py); ``PUBLICITY_DAYS`` is their period.

An arrears round (催缴轮次) issues one reminder notice per unit in arrears, once per round:
the notice's id is derived from the round and the unit, so running the round again adds
none. The legal path is a reminder, then a lawsuit or arbitration (民法典 第944条): a
reminder never threatens to cut water, power, gas or heating, which the law forbids.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.errors import InvalidValue, RuleViolated
from gongzhi.domain.money import fen_to_yuan
from gongzhi.domain.values import enum_value, required_text

MAX_TITLE = 100
MAX_BODY = 5000
# A notice runs at most a year: a longer one is a standing rule, not a notice.
MAX_PERIOD_DAYS = 366

# The role that may act for every office (the platform's administrator).
PLATFORM_ADMIN = "PLATFORM_ADMIN"

NOTICE_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongzhi.example/notice")


class NoticeAudience(enum.Enum):
    """发布范围: the part of the community the notice is addressed to."""

    COMMUNITY = "COMMUNITY"  # 全小区
    BUILDING = "BUILDING"  # 一栋楼
    ENTRANCE = "ENTRANCE"  # 一个单元
    UNIT = "UNIT"  # 一户


class NoticeRoles(enum.Enum):
    """Who within the audience: every household, owners' households, households with
    residents living there, or the committee (no household receipts then)."""

    EVERYONE = "EVERYONE"
    OWNERS = "OWNERS"  # 业主
    RESIDENTS = "RESIDENTS"  # 住户
    COMMITTEE = "COMMITTEE"  # 业委会/物管会


class NoticeType(enum.Enum):
    NOTICE = "NOTICE"  # 通知, typed by staff, the committee or the street office
    PUBLICITY = "PUBLICITY"  # 公示, written by the platform from the events
    ARREARS_REMINDER = "ARREARS_REMINDER"  # 催缴通知


class PublicityKind(enum.Enum):
    """What a 公示 publishes, and the event it is generated from."""

    DECISION_RESULT = "DECISION_RESULT"  # 表决结果: Decision.Closed
    COMMON_INCOME = "COMMON_INCOME"  # 公共收益及分配: CommonIncomeLedger.PeriodPublished
    FUND_USE_APPROVED = "FUND_USE_APPROVED"  # 维修资金使用 approved: UseApproved
    FUND_USE_CONFIRMED = "FUND_USE_CONFIRMED"  # an emergency use confirmed: EmergencyConfirmed
    FUND_USE_PAID = "FUND_USE_PAID"  # 维修资金使用 paid out: PaidOut
    COMMITTEE_FILING = "COMMITTEE_FILING"  # 业委会备案: Committee.Filed
    CONTRACT_AWARD = "CONTRACT_AWARD"  # 物业服务合同签订: ServiceContract.Awarded


# The period of each 公示, in days from the Shanghai date of the event (that day counts).
# The rule: never less than 7 days (the shortest period the regulations name for a
# maintenance-fund use, 住宅专项维修资金管理办法 第22条); 15 days for what the owners may
# challenge or must know to act on (a decision's result, a committee's filing, a new
# contract: 北京市物业管理条例 asks for a 公告 the owners can see and answer); 30 days for
# a month's common income, until the next month's is published.
PUBLICITY_DAYS: dict[PublicityKind, int] = {
    PublicityKind.DECISION_RESULT: 15,
    PublicityKind.COMMON_INCOME: 30,
    PublicityKind.FUND_USE_APPROVED: 7,
    PublicityKind.FUND_USE_CONFIRMED: 7,
    PublicityKind.FUND_USE_PAID: 7,
    PublicityKind.COMMITTEE_FILING: 15,
    PublicityKind.CONTRACT_AWARD: 15,
}

REMINDERS_PER_EVENT = 500
# 催缴: the reminder runs for 30 days; the notice tells the household what comes next.
REMINDER_DAYS = 30
LEGAL_PATH = (
    "如对欠费有异议，请与物业服务企业或业主委员会联系核对。逾期仍未缴纳的，物业服务企业"
    "将依法提起诉讼或申请仲裁（《民法典》第九百四十四条）。催缴不会以停止供水、供电、供气、"
    "供热等方式进行。"
)


def period_end(start: date, days: int) -> date:
    """The last day of a period of ``days`` days starting on ``start`` (both included)."""
    return start + timedelta(days=days - 1)


def publication_period(field: str, start: date, end: date) -> tuple[date, date]:
    if end < start:
        raise InvalidValue(field, "must not be before the start of the publication period")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise InvalidValue(field, f"a notice runs at most {MAX_PERIOD_DAYS} days")
    return start, end


def notice_id(*key: object) -> UUID:
    """A derived notice id (a round's reminder to a unit; a 公示 of an event)."""
    return uuid5(NOTICE_NAMESPACE, "/".join(str(part) for part in key))


class Notice(Aggregate):
    """通知 or 催缴通知 to part of a community."""

    class Published(Aggregate.Created):
        community_id: UUID
        kind: str
        audience: str
        audience_id: UUID | None
        roles: str
        title: str
        body: str
        publish_from: date
        publish_until: date
        # The role of the office that published it (COMPANY_STAFF, COMMITTEE_MEMBER, …).
        publisher_role: str = ""

    class Withdrawn(Aggregate.Event):
        """撤回: no longer shown; its receipts stay as history."""

        on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Notice)
            aggregate.withdrawn_on = self.on

    def __init__(
        self,
        community_id: UUID,
        kind: str,
        audience: str,
        audience_id: UUID | None,
        roles: str,
        title: str,
        body: str,
        publish_from: date,
        publish_until: date,
        publisher_role: str = "",
    ) -> None:
        self.community_id = community_id
        self.kind = kind
        self.audience = audience
        self.audience_id = audience_id
        self.roles = roles
        self.title = title
        self.body = body
        self.publish_from = publish_from
        self.publish_until = publish_until
        self.publisher_role = publisher_role
        self.withdrawn_on: date | None = None

    @classmethod
    def publish(
        cls,
        *,
        community_id: UUID,
        audience: object,
        audience_id: UUID | None,
        roles: object,
        title: str,
        body: str,
        publish_from: date,
        publish_until: date,
        kind: NoticeType = NoticeType.NOTICE,
        publisher_role: str = "",
        id: UUID | None = None,
    ) -> Notice:
        scope = enum_value("audience", NoticeAudience, audience)
        if (scope == NoticeAudience.COMMUNITY.value) != (audience_id is None):
            raise InvalidValue(
                "audience",
                "a community-wide notice names no part; a building, entrance or unit notice "
                "names its part (buildingId, entranceId or unitId)",
            )
        start, end = publication_period("publishUntil", publish_from, publish_until)
        fields: dict[str, Any] = {
            "community_id": community_id,
            "kind": kind.value,
            "audience": scope,
            "audience_id": audience_id,
            "roles": enum_value("roles", NoticeRoles, roles),
            "title": required_text("title", title, max_length=MAX_TITLE),
            "body": required_text("body", body, max_length=MAX_BODY),
            "publish_from": start,
            "publish_until": end,
            "publisher_role": publisher_role,
        }
        if id is not None:
            return cls._create(cls.Published, id=id, **fields)
        return cls._create(cls.Published, **fields)

    def read_by_member(self, person_id: UUID, read_at: datetime) -> NoticeMemberReceipt:
        """A committee member's receipt: only a notice to the committee is read per person
        (a household marks the others read, for everyone living there)."""
        if self.roles != NoticeRoles.COMMITTEE.value:
            raise RuleViolated(
                "noticeId",
                "the notice is addressed to households: a household marks it read (markNoticeRead)",
            )
        return NoticeMemberReceipt.record(self.id, person_id, read_at)

    def withdraw(self, on: date, by_role: str) -> None:
        """撤回 by the office that published it (the platform's administrator aside): the
        company does not withdraw the committee's notice, nor the committee the company's."""
        if self.withdrawn_on is not None:
            raise RuleViolated("noticeId", "the notice is withdrawn already")
        if self.publisher_role and by_role not in {self.publisher_role, PLATFORM_ADMIN}:
            raise RuleViolated(
                "noticeId", f"only its publisher ({self.publisher_role}) withdraws a notice"
            )
        self.trigger_event(self.Withdrawn, on=on)


class NoticeReceipt(Aggregate):
    """已读回执 of one household (unit) for one notice or 公示."""

    class Read(Aggregate.Created):
        notice_id: UUID
        unit_id: UUID
        read_at: datetime

    def __init__(self, notice_id: UUID, unit_id: UUID, read_at: datetime) -> None:
        self.notice_id = notice_id
        self.unit_id = unit_id
        self.read_at = read_at

    @staticmethod
    def id_for(notice_id: UUID, unit_id: UUID) -> UUID:
        return uuid5(NOTICE_NAMESPACE, f"read/{notice_id}/{unit_id}")

    @classmethod
    def record(cls, notice_id: UUID, unit_id: UUID, read_at: datetime) -> NoticeReceipt:
        return cls._create(
            cls.Read,
            id=cls.id_for(notice_id, unit_id),
            notice_id=notice_id,
            unit_id=unit_id,
            read_at=read_at,
        )


class NoticeMemberReceipt(Aggregate):
    """已读回执 of one committee member (a person) for a notice to the committee."""

    class Read(Aggregate.Created):
        notice_id: UUID
        person_id: UUID
        read_at: datetime

    def __init__(self, notice_id: UUID, person_id: UUID, read_at: datetime) -> None:
        self.notice_id = notice_id
        self.person_id = person_id
        self.read_at = read_at

    @staticmethod
    def id_for(notice_id: UUID, person_id: UUID) -> UUID:
        return uuid5(NOTICE_NAMESPACE, f"member-read/{notice_id}/{person_id}")

    @classmethod
    def record(cls, notice_id: UUID, person_id: UUID, read_at: datetime) -> NoticeMemberReceipt:
        return cls._create(
            cls.Read,
            id=cls.id_for(notice_id, person_id),
            notice_id=notice_id,
            person_id=person_id,
            read_at=read_at,
        )


@dataclass(frozen=True)
class Arrears:
    """What one unit owes on the round's day for its bills due before that day: as its
    statement shows it, outstanding amounts and late fees, less unused prepaid credit."""

    unit_id: UUID
    label: str  # 楼栋-单元-房号
    owed_fen: int
    bills: int
    oldest_due_on: date
    late_fee_fen: int = 0  # the late fees within ``owed_fen``


def reminder_text(arrears: Arrears, as_of: date) -> tuple[str, str]:
    """The title and body of a 催缴通知, from the figures alone (no name: the notice is
    addressed to the household)."""
    title = f"物业费催缴通知（{arrears.label}）"
    body = (
        f"{arrears.label} 住户：截至{as_of.isoformat()}，贵户尚有{arrears.bills}期物业费逾期未缴，"
        f"合计{fen_to_yuan(arrears.owed_fen)}元（{_made_of(arrears)}"
        f"最早一期应缴日{arrears.oldest_due_on.isoformat()}）。"
        f"请尽快缴纳。{LEGAL_PATH}"
    )
    return title, body


def _made_of(arrears: Arrears) -> str:
    if not arrears.late_fee_fen:
        return ""
    return f"含滞纳金{fen_to_yuan(arrears.late_fee_fen)}元，"


class ArrearsRound(Aggregate):
    """催缴轮次 of a community: the reminders issued in it, one per unit in arrears."""

    class Opened(Aggregate.Created):
        community_id: UUID
        round: str
        as_of: date

    class Reminded(Aggregate.Event):
        """Reminders to units in arrears not reminded in this round before."""

        reminders: list[dict[str, Any]]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, ArrearsRound)
            aggregate.reminded.update(UUID(str(r["unit_id"])) for r in self.reminders)

    def __init__(self, community_id: UUID, round: str, as_of: date) -> None:
        self.community_id = community_id
        self.round = round
        self.as_of = as_of
        self.reminded: set[UUID] = set()

    @staticmethod
    def id_for(community_id: UUID, round_label: str) -> UUID:
        return uuid5(NOTICE_NAMESPACE, f"arrears-round/{community_id}/{round_label}")

    @classmethod
    def open(cls, community_id: UUID, round_label: str, as_of: date) -> ArrearsRound:
        return cls._create(
            cls.Opened,
            id=cls.id_for(community_id, round_label),
            community_id=community_id,
            round=required_text("round", round_label, max_length=50),
            as_of=as_of,
        )

    def remind(self, arrears: list[Arrears]) -> list[Notice]:
        """One reminder notice per unit in arrears not reminded in this round yet; the
        round records them (unit, amount, notice). Nothing new, nothing recorded."""
        new = [a for a in arrears if a.unit_id not in self.reminded and a.owed_fen > 0]
        if not new:
            return []
        notices = []
        for item in new:
            title, body = reminder_text(item, self.as_of)
            notices.append(
                Notice.publish(
                    id=notice_id("arrears", self.id, item.unit_id),
                    community_id=self.community_id,
                    kind=NoticeType.ARREARS_REMINDER,
                    audience=NoticeAudience.UNIT,
                    audience_id=item.unit_id,
                    roles=NoticeRoles.EVERYONE,
                    title=title,
                    body=body,
                    publish_from=self.as_of,
                    publish_until=period_end(self.as_of, REMINDER_DAYS),
                )
            )
        records = [
            {
                "unit_id": str(a.unit_id),
                "label": a.label,
                "owed_fen": a.owed_fen,
                "late_fee_fen": a.late_fee_fen,
                "bills": a.bills,
                "oldest_due_on": a.oldest_due_on.isoformat(),
                "notice_id": str(n.id),
            }
            for a, n in zip(new, notices, strict=True)
        ]
        # Events of bounded size: one stored event stays well under the size that stalls
        # the store's pipeline, whatever the community's size.
        for start in range(0, len(records), REMINDERS_PER_EVENT):
            self.trigger_event(
                self.Reminded, reminders=records[start : start + REMINDERS_PER_EVENT]
            )
        return notices
