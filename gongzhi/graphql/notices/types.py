"""GraphQL types of 通知, 公示 and 催缴通知, their read receipts and arrears rounds."""

from __future__ import annotations

import datetime
import json
from typing import Annotated, Any

import strawberry

from gongzhi.domain.committee_rules import MemberRole
from gongzhi.domain.notice import NoticeAudience, NoticeRoles, NoticeType, PublicityKind
from gongzhi.graphql.decisions.types import PublicBallot
from gongzhi.graphql.errors import Forbidden, NotFound, ValidationError
from gongzhi.graphql.money import Fen
from gongzhi.graphql.pagination import PageInfo


@strawberry.type(description="What a 公示 was generated from: one event of the log")
class NoticeSource:
    aggregate_id: strawberry.ID
    version: int
    event: str
    position: str | None = strawberry.field(description="The event's position in the log")


@strawberry.type(description="通知, 公示 or 催缴通知 to part of a community")
class Notice:
    id: strawberry.ID
    community_id: strawberry.ID
    type: NoticeType
    publicity_kind: PublicityKind | None
    audience: NoticeAudience
    audience_id: strawberry.ID | None = strawberry.field(
        description="The building, entrance or unit addressed; null for the whole community"
    )
    roles: NoticeRoles
    title: str
    body: str
    details: str = strawberry.field(
        description="What a 公示 publishes as figures (JSON): a tally, an allocation by unit, "
        "a fund use's shares by unit; never a name"
    )
    publish_from: datetime.date = strawberry.field(description="First day shown (Asia/Shanghai)")
    publish_until: datetime.date = strawberry.field(description="Last day shown (included)")
    current: bool = strawberry.field(description="Shown today: in its period, not withdrawn")
    published_at: datetime.datetime
    withdrawn_on: datetime.date | None
    source: NoticeSource | None = strawberry.field(description="For a 公示: its event")
    read: bool | None = strawberry.field(
        description="For a resident: whether one of your addressed households marked it read; "
        "for a committee member, of a notice to the committee: whether you marked it read"
    )
    households: int | None = strawberry.field(
        description="For the community's stewards: households addressed (none for COMMITTEE)"
    )
    households_read: int | None = strawberry.field(
        description="For the community's stewards: addressed households that marked it read"
    )
    members: int | None = strawberry.field(
        description="For the community's stewards, of a notice to the committee: the members "
        "of the committee in office (null for a notice to households)"
    )
    members_read: int | None = strawberry.field(
        description="For the community's stewards, of a notice to the committee: the members "
        "who marked it read"
    )
    ballots: list[PublicBallot] | None = strawberry.field(
        description="For a DECISION_RESULT 公示: each ballot by rooms and area, never a name "
        "(null for the serving company's staff: 投票保密)"
    )


def _id(value: Any) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


def notice_from_row(
    row: Any, *, ballots: list[PublicBallot] | None = None, steward: bool = False
) -> Notice:
    details = row["details"]
    source = None
    if row["source_id"] is not None:
        source = NoticeSource(
            aggregate_id=strawberry.ID(str(row["source_id"])),
            version=row["source_version"],
            event=row["source_event"],
            position=str(row["source_position"]) if row["source_position"] else None,
        )
    return Notice(
        id=strawberry.ID(str(row["id"])),
        community_id=strawberry.ID(str(row["community_id"])),
        type=NoticeType(row["kind"]),
        publicity_kind=PublicityKind(row["publicity_kind"]) if row["publicity_kind"] else None,
        audience=NoticeAudience(row["audience"]),
        audience_id=_id(row["audience_id"]),
        roles=NoticeRoles(row["roles"]),
        title=row["title"],
        body=row["body"],
        details=details if isinstance(details, str) else json.dumps(details, ensure_ascii=False),
        publish_from=row["publish_from"],
        publish_until=row["publish_until"],
        current=row["current"],
        published_at=row["published_at"],
        withdrawn_on=row["withdrawn_on"],
        source=source,
        read=row["read"],
        households=row["households"] if steward else None,
        households_read=row["households_read"] if steward else None,
        members=row["members"] if steward else None,
        members_read=row["members_read"] if steward else None,
        ballots=ballots,
    )


@strawberry.type(description="A household addressed by a notice, and whether it has read it")
class NoticeHousehold:
    unit_id: strawberry.ID
    label: str = strawberry.field(description="楼栋-单元-房号")
    read: bool
    read_at: datetime.datetime | None


@strawberry.type(description="催缴 one reminder of a round: the unit, what it owed, its notice")
class ArrearsReminder:
    unit_id: strawberry.ID
    label: str = strawberry.field(description="楼栋-单元-房号")
    owed: Fen = strawberry.field(
        description="What the unit owed on the round's day for its overdue bills, fen, as its "
        "statement shows it: outstanding amounts and late fees, less unused prepaid credit"
    )
    bills: int
    oldest_due_on: datetime.date
    notice_id: strawberry.ID
    issued_at: datetime.datetime
    read: bool = strawberry.field(description="Whether the household marked the notice read")


@strawberry.type
class NoticePayload:
    notice: Notice | None
    position: str


@strawberry.type(description="催缴 a round's result")
class ArrearsRoundPayload:
    round_id: strawberry.ID
    issued: int = strawberry.field(description="Reminders issued now (0 when none was due)")
    reminders: list[ArrearsReminder] = strawberry.field(description="Every reminder of the round")
    position: str


@strawberry.type
class NoticeConnection:
    notices: list[Notice]
    page_info: PageInfo


@strawberry.type
class NoticeHouseholds:
    notice_id: strawberry.ID
    households: int
    households_read: int
    unread: list[NoticeHousehold] = strawberry.field(
        description="Households that have not read it, by label (at most 1,000)"
    )


@strawberry.type(
    description="A member of the committee a notice is addressed to, and their receipt"
)
class NoticeMember:
    person_id: strawberry.ID
    name: str
    role: MemberRole
    read: bool
    read_at: datetime.datetime | None


@strawberry.type(description="已读回执 of a notice to the committee: who of its members read it")
class NoticeMembers:
    notice_id: strawberry.ID
    members: int
    members_read: int
    readers: list[NoticeMember] = strawberry.field(
        description="Every member of the committee in office, in office order"
    )


@strawberry.type
class ArrearsReminders:
    reminders: list[ArrearsReminder]


NoticesResult = Annotated[
    NoticeConnection | NotFound | ValidationError | Forbidden, strawberry.union("NoticesResult")
]
MyNoticesResult = Annotated[
    NoticeConnection | ValidationError | Forbidden, strawberry.union("MyNoticesResult")
]
NoticeHouseholdsResult = Annotated[
    NoticeHouseholds | NotFound | ValidationError | Forbidden,
    strawberry.union("NoticeHouseholdsResult"),
]
NoticeMembersResult = Annotated[
    NoticeMembers | NotFound | ValidationError | Forbidden,
    strawberry.union("NoticeMembersResult"),
]
ArrearsRemindersResult = Annotated[
    ArrearsReminders | NotFound | ValidationError | Forbidden,
    strawberry.union("ArrearsRemindersResult"),
]
