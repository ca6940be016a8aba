"""GraphQL types of 业主委员会 / 物业管理委员会 terms and of district committee coverage."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from gongzhi.domain.committee_rules import (
    CommitteeKind,
    CommitteeRules,
    CommitteeStatus,
    MemberRole,
    expires_soon,
    office_status,
)
from gongzhi.graphql.errors import Forbidden, NotFound, ValidationError
from gongzhi.graphql.personal_data import Opener


@strawberry.type(description="业委会成员 a committee member and office")
class CommitteeMember:
    person_id: strawberry.ID = strawberry.field(description="Person id in the owners registry")
    name: str
    role: MemberRole


@strawberry.type(description="候选人 a candidate nominated by the preparatory group")
class CommitteeCandidate:
    person_id: strawberry.ID
    name: str
    nominated_on: datetime.date


@strawberry.type(
    description="业主委员会 / 物业管理委员会: one term (届) of a community's committee"
)
class Committee:
    id: strawberry.ID
    community_id: strawberry.ID
    community_name: str
    district: str
    term_number: int = strawberry.field(description="第几届, counted per community from 1")
    kind: CommitteeKind
    status: CommitteeStatus = strawberry.field(description="As of today (Asia/Shanghai)")
    formed_on: datetime.date = strawberry.field(
        description="筹备组 formed on (homeowner) or appointed on (interim)"
    )
    preparatory_group: list[str] = strawberry.field(description="筹备组 members' names")
    candidates: list[CommitteeCandidate]
    predecessor_id: strawberry.ID | None = strawberry.field(
        description="The term this one succeeds (换届 or replacing an interim committee)"
    )
    successor_id: strawberry.ID | None
    re_election_started_on: datetime.date | None = strawberry.field(description="换届 started")
    decision_id: strawberry.ID | None = strawberry.field(
        description="The owners' decision (业主共同决定) that elected it; null for interim"
    )
    took_office_on: datetime.date | None = strawberry.field(description="Elected or appointed")
    term_ends_on: datetime.date | None = strawberry.field(description="任期 last day, inclusive")
    households: int | None = strawberry.field(
        description="户数 counted for the member-count rule at the last member change"
    )
    members: list[CommitteeMember]
    director: CommitteeMember | None = strawberry.field(description="主任")
    deputy_directors: list[CommitteeMember] = strawberry.field(description="副主任")
    filed_on: datetime.date | None = strawberry.field(description="备案 with the street office")
    filing_number: str | None
    days_to_filing: int | None = strawberry.field(description="Days from election to filing")
    filed_late: bool = strawberry.field(description="Filed more than 30 days after the election")
    filing_overdue: bool = strawberry.field(
        description="Elected more than 30 days ago and still not filed"
    )
    expires_soon: bool = strawberry.field(
        description="届满预警: in office and the term ends within 3 months"
    )
    expired: bool = strawberry.field(description="The term ran out with no successor")
    ended_on: datetime.date | None = strawberry.field(description="A successor took office")
    dissolved_on: datetime.date | None
    dissolution_cause: str | None
    rules: str = strawberry.field(description="The committee rule set and version it follows")
    version: int


@strawberry.type(description="The committee after the change, as the views now show it")
class CommitteePayload:
    committee: Committee | None
    position: str = strawberry.field(description="Event-log position of the change")


@strawberry.type(description="A community's committee terms, newest first")
class CommitteeList:
    committees: list[Committee]


@strawberry.type
class UncoveredCommunity:
    id: strawberry.ID
    name: str


@strawberry.type(
    description="业委会（物管会）覆盖率: communities with a homeowner or interim committee in "
    "office on a date ÷ all communities of the district registered by then"
)
class CommitteeCoverage:
    district: str
    as_of: datetime.date
    total: int
    covered: int
    percentage: Decimal | None = strawberry.field(
        description="covered ÷ total × 100, rounded half up to the hundredth; null with none"
    )
    uncovered: list[UncoveredCommunity] = strawberry.field(description="By name")


CommitteeLookup = Annotated[
    Committee | NotFound | ValidationError, strawberry.union("CommitteeLookup")
]
CommitteesResult = Annotated[
    CommitteeList | NotFound | ValidationError, strawberry.union("CommitteesResult")
]
CommitteeCoverageResult = Annotated[
    CommitteeCoverage | Forbidden | ValidationError, strawberry.union("CommitteeCoverageResult")
]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _member(record: dict[str, str], opened: Opener) -> CommitteeMember:
    return CommitteeMember(
        person_id=strawberry.ID(record["person_id"]),
        name=opened(record["name"], "name"),
        role=MemberRole(record["role"]),
    )


def _id(value: Any) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


def committee_from_row(row: Any, today: datetime.date, opened: Opener) -> Committee:
    """A term as of ``today``: status, expiry warning and overdue filing from its dates; the
    members' and candidates' names opened (``opener_for`` the row)."""
    rules = CommitteeRules.from_record(_json(row["rules"]))
    members = [_member(m, opened) for m in _json(row["members"])]
    status = office_status(
        today, row["took_office_on"], row["term_ends_on"], row["ended_on"], row["dissolved_on"]
    )
    in_office = status == CommitteeStatus.IN_OFFICE.value
    took_office_on = row["took_office_on"]
    overdue = (
        row["kind"] == CommitteeKind.HOMEOWNER.value
        and took_office_on is not None
        and row["filed_on"] is None
        and status in {CommitteeStatus.IN_OFFICE.value, CommitteeStatus.EXPIRED.value}
        and (today - took_office_on).days > rules.filing_days
    )
    return Committee(
        id=strawberry.ID(str(row["id"])),
        community_id=strawberry.ID(str(row["community_id"])),
        community_name=row["community_name"],
        district=row["district"],
        term_number=row["term_number"],
        kind=CommitteeKind(row["kind"]),
        status=CommitteeStatus(status),
        formed_on=row["formed_on"],
        preparatory_group=[opened(n, "group_members") for n in _json(row["group_members"])],
        candidates=[
            CommitteeCandidate(
                person_id=strawberry.ID(c["person_id"]),
                name=opened(c["name"], "name"),
                nominated_on=datetime.date.fromisoformat(c["nominated_on"]),
            )
            for c in _json(row["candidates"])
        ],
        predecessor_id=_id(row["predecessor_id"]),
        successor_id=_id(row["successor_id"]),
        re_election_started_on=row["re_election_started_on"],
        decision_id=_id(row["decision_id"]),
        took_office_on=took_office_on,
        term_ends_on=row["term_ends_on"],
        households=row["households"],
        members=members,
        director=next((m for m in members if m.role is MemberRole.DIRECTOR), None),
        deputy_directors=[m for m in members if m.role is MemberRole.DEPUTY_DIRECTOR],
        filed_on=row["filed_on"],
        filing_number=row["filing_number"],
        days_to_filing=row["days_to_filing"],
        filed_late=bool(row["filed_late"]),
        filing_overdue=overdue,
        expires_soon=expires_soon(today, row["term_ends_on"], in_office, rules.warning_months),
        expired=status == CommitteeStatus.EXPIRED.value,
        ended_on=row["ended_on"],
        dissolved_on=row["dissolved_on"],
        dissolution_cause=row["dissolution_cause"],
        rules=f"{rules.name} v{rules.version}",
        version=row["version"],
    )
