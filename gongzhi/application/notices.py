"""通知 notices, their read receipts, and 催缴 arrears reminder rounds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from eventsourcing.domain import Aggregate

from gongzhi.application.base import (
    BUSINESS_TZ,
    Changed,
    Conflict,
    Done,
    GongzhiBase,
    Meta,
    business_today,
)
from gongzhi.application.commands import Command, handles
from gongzhi.application.fee_schedules import fee_schedule
from gongzhi.application.fields import (
    BuildingId,
    CommitteeMemberId,
    CommunityId,
    Doc,
    EntranceId,
    Label,
    NoticeId,
    Text,
    UnitId,
)
from gongzhi.domain.bill import Bill, BillFacts
from gongzhi.domain.community import Community
from gongzhi.domain.errors import InvalidValue, RuleViolated
from gongzhi.domain.fee_account import FeeAccount, account_id
from gongzhi.domain.fee_rules import LateFeePolicy
from gongzhi.domain.notice import (
    MAX_BODY,
    MAX_TITLE,
    Arrears,
    ArrearsRound,
    Notice,
    NoticeAudience,
    NoticeMemberReceipt,
    NoticeReceipt,
    NoticeRoles,
    period_end,
)

NoticeTitle = Annotated[str, Text(MAX_TITLE, min_length=1)]
NoticeBody = Annotated[str, Text(MAX_BODY, min_length=1)]
# A notice runs a week unless its author says otherwise.
DEFAULT_NOTICE_DAYS = 7


@dataclass(frozen=True)
class PublishNotice(Command):
    """发布通知 to a community, a building, an entrance or a unit, for a role within it"""

    community_id: CommunityId
    audience: NoticeAudience
    title: NoticeTitle
    body: NoticeBody
    roles: NoticeRoles = NoticeRoles.EVERYONE
    building_id: Annotated[BuildingId | None, Doc("The building, for audience BUILDING")] = None
    entrance_id: Annotated[EntranceId | None, Doc("The entrance, for audience ENTRANCE")] = None
    unit_id: Annotated[UnitId | None, Doc("The unit, for audience UNIT")] = None
    publish_from: Annotated[date | None, Doc("First day shown (Asia/Shanghai); today")] = None
    publish_until: Annotated[date | None, Doc("Last day shown; 7 days from the first")] = None


@dataclass(frozen=True)
class WithdrawNotice(Command):
    """撤回通知: no longer shown (a 公示 the platform wrote cannot be withdrawn)"""

    notice_id: NoticeId


@dataclass(frozen=True)
class MarkNoticeRead(Command):
    """已读: a household marks a notice or 公示 read (once; again changes nothing)"""

    notice_id: NoticeId
    unit_id: UnitId


@dataclass(frozen=True)
class MarkCommitteeNoticeRead(Command):
    """已读: a committee member marks a notice to the committee read, for themselves (once;
    again changes nothing)"""

    notice_id: NoticeId
    person_id: Annotated[
        CommitteeMemberId, Doc("Your own person id: each member marks for themselves")
    ]


@dataclass(frozen=True)
class IssueArrearsReminders(Command):
    """催缴: a reminder notice to every unit with overdue fees, once per round; running the
    same round again reminds only units not reminded in it yet"""

    community_id: CommunityId
    round: Annotated[Label, Doc("The round's name, e.g. 2026-12")]
    as_of: Annotated[date | None, Doc("Bills due before this day are overdue; today")] = None


@dataclass(frozen=True)
class RemindersIssued(Done):
    """What a round did now: the reminders issued (0: every unit in arrears had one)."""

    issued: int = 0


def _audience_part(command: PublishNotice) -> UUID | None:
    """The part the audience names; the other part fields must be empty."""
    parts = {
        NoticeAudience.BUILDING: ("buildingId", command.building_id),
        NoticeAudience.ENTRANCE: ("entranceId", command.entrance_id),
        NoticeAudience.UNIT: ("unitId", command.unit_id),
    }
    audience = NoticeAudience(command.audience)
    for kind, (field, value) in parts.items():
        if kind is audience and value is None:
            raise InvalidValue(field, f"a {audience.value} notice names its {field[:-2]}")
        if kind is not audience and value is not None:
            raise InvalidValue(field, f"a {audience.value} notice names no {field[:-2]}")
    return parts[audience][1] if audience in parts else None


def unit_labels(community: Community) -> dict[UUID, str]:
    """楼栋-单元-房号 of every unit in use: four units may be "101" in one community."""
    return {
        unit.id: f"{building.number}-{entrance.number}-{unit.number}"
        for building in community.buildings.values()
        for entrance in building.entrances.values()
        for unit in entrance.units.values()
        if not unit.retired
    }


class NoticeService(GongzhiBase):
    @handles(PublishNotice)
    def publish_notice(self, meta: Meta, command: PublishNotice) -> Done:
        self.exists(Community, command.community_id, "communityId")
        start = command.publish_from or business_today()
        notice = Notice.publish(
            community_id=command.community_id,
            audience=command.audience,
            audience_id=_audience_part(command),
            roles=command.roles,
            title=command.title,
            body=command.body,
            publish_from=start,
            publish_until=command.publish_until or period_end(start, DEFAULT_NOTICE_DAYS),
            publisher_role=meta.actor_role,
        )
        return self.create(meta, notice, "the notice exists already")

    @handles(WithdrawNotice)
    def withdraw_notice(self, meta: Meta, command: WithdrawNotice) -> Done:
        return self.change(
            meta,
            Notice,
            command.notice_id,
            lambda n: n.withdraw(business_today(), meta.actor_role),
            field="noticeId",
        )

    @handles(MarkNoticeRead)
    def mark_notice_read(self, meta: Meta, command: MarkNoticeRead) -> Done:
        """The household's receipt; a second one answers the first (nothing recorded)."""
        receipt_id = NoticeReceipt.id_for(command.notice_id, command.unit_id)
        notice = self.find(Notice, command.notice_id)  # None: a 公示, to every household
        if notice is not None and notice.roles == NoticeRoles.COMMITTEE.value:
            raise RuleViolated(
                "noticeId", "a notice to the committee is marked read by each member for themselves"
            )
        return self._receipt(
            meta,
            NoticeReceipt,
            receipt_id,
            lambda: NoticeReceipt.record(
                command.notice_id, command.unit_id, datetime.now(BUSINESS_TZ)
            ),
        )

    @handles(MarkCommitteeNoticeRead)
    def mark_committee_notice_read(self, meta: Meta, command: MarkCommitteeNoticeRead) -> Done:
        """The member's own receipt; a second one answers the first (nothing recorded)."""
        notice = self.find(Notice, command.notice_id)
        if notice is None:  # a 公示, written by the platform for every household
            raise RuleViolated("noticeId", "a 公示 is addressed to households (markNoticeRead)")
        return self._receipt(
            meta,
            NoticeMemberReceipt,
            NoticeMemberReceipt.id_for(command.notice_id, command.person_id),
            lambda: notice.read_by_member(command.person_id, datetime.now(BUSINESS_TZ)),
        )

    def _receipt(
        self, meta: Meta, cls: type[Aggregate], receipt_id: UUID, record: Callable[[], Aggregate]
    ) -> Done:
        """A read receipt recorded once: one already there answers as itself."""
        if self.find(cls, receipt_id) is not None:
            return Done(receipt_id, 0)
        try:
            return self.create(meta, record(), "the notice is marked read already")
        except Conflict:
            # Two devices of one reader at once: the other one recorded it.
            if self.find(cls, receipt_id) is not None:
                return Done(receipt_id, 0)
            raise

    @handles(IssueArrearsReminders)
    def issue_arrears_reminders(
        self, meta: Meta, command: IssueArrearsReminders
    ) -> RemindersIssued:
        community_id = command.community_id
        as_of = command.as_of or business_today()
        if as_of > business_today():
            raise InvalidValue("asOf", "must not be in the future")
        round_id = ArrearsRound.id_for(community_id, command.round)
        issued: list[int] = []

        def attempt() -> Changed | RemindersIssued:
            issued.clear()
            existing = self.find(ArrearsRound, round_id)
            if existing is not None and existing.as_of != as_of and command.as_of is not None:
                raise RuleViolated(
                    "asOf", f"round {command.round} is as of {existing.as_of.isoformat()}"
                )
            arrears_round = existing or ArrearsRound.open(community_id, command.round, as_of)
            notices = arrears_round.remind(self._arrears(community_id, arrears_round.as_of))
            issued.append(len(notices))
            if not notices and existing is not None:
                return RemindersIssued(round_id, 0, issued=0)
            return Changed((arrears_round, *notices))

        done = self.retrying(meta, attempt, what=f"arrears round {command.round}")
        if isinstance(done, RemindersIssued):
            return done
        return RemindersIssued(done.id, done.position, issued=issued[-1])

    def _arrears(self, community_id: UUID, as_of: date) -> list[Arrears]:
        """Units owing on bills due before ``as_of``, from the bills and fee accounts
        themselves (the figures a payment is allocated by), each kind read in one query: a
        round over 5,000 units read them one by one in 52 s. The amount is the statement's
        balance over those bills (``FeeAccount.owed``: outstanding and late fees owed,
        less unused prepaid credit), the amount one payment clears."""
        labels = self.peek(Community, community_id, "communityId", unit_labels)
        schedule = fee_schedule(self, community_id)
        policy = schedule.terms.late if schedule else LateFeePolicy()
        bill_ids = (
            [found for unit in labels for found in schedule.bill_ids(unit)] if schedule else []
        )
        bills: dict[UUID, list[BillFacts]] = {}
        for bill in self.load_many(Bill, bill_ids):
            if bill.due_on < as_of:
                bills.setdefault(bill.unit_id, []).append(bill.facts)
        accounts = {
            account.unit_id: account
            for account in self.load_many(FeeAccount, [account_id(unit) for unit in bills])
        }
        found = []
        for unit_id, unit_bills in bills.items():
            account = accounts.get(unit_id) or FeeAccount(community_id, unit_id)
            owed = account.owed(unit_bills, policy, as_of)
            overdue = owed.owing
            if overdue and owed.balance_fen > 0:
                found.append(
                    Arrears(
                        unit_id=unit_id,
                        label=labels[unit_id],
                        owed_fen=owed.balance_fen,
                        bills=len(overdue),
                        oldest_due_on=min(b.due_on for b in overdue),
                        late_fee_fen=owed.late_fee_fen,
                    )
                )
        return sorted(found, key=lambda a: a.label)
