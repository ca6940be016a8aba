"""GraphQL types of 红色物业 red property: party organisations, demonstration titles, figures."""

from __future__ import annotations

import datetime
import json
from typing import Annotated, Any

import strawberry

from gongzhi.domain.demonstration import (
    Measure,
    ScoringRuleSet,
    Subject,
    TitleStatus,
)
from gongzhi.domain.party import Body, PartyOrganisationKind
from gongzhi.graphql.errors import Forbidden, NotFound, ValidationError
from gongzhi.graphql.pagination import PageInfo
from gongzhi.graphql.personal_data import Opener


@strawberry.type(description="党组织成员")
class PartyMember:
    person_id: strawberry.ID
    name: str
    party_member: bool = strawberry.field(description="党员; false only in a 党建工作组")
    joined_on: datetime.date


@strawberry.type(description="A post a cross-appointed person holds")
class CrossPost:
    body: Body
    post: str = strawberry.field(description="e.g. 书记, 业委会主任, 项目经理")


@strawberry.type(description="交叉任职 cross-appointment")
class CrossAppointment:
    id: strawberry.ID
    person_id: strawberry.ID
    name: str
    posts: list[CrossPost]
    recorded_on: datetime.date


@strawberry.type(description="红管家: party-member staff a company assigns to a community")
class RedSteward:
    assignment_id: strawberry.ID
    person_id: strawberry.ID
    name: str
    community_id: strawberry.ID
    assigned_on: datetime.date


@strawberry.type(description="联席会议 attendee")
class Attendee:
    name: str
    organisation: str


@strawberry.type(description="联席会议 joint meeting")
class JointMeeting:
    id: strawberry.ID
    held_on: datetime.date
    attendees: list[Attendee]
    topics: list[str]
    decisions: list[str]


@strawberry.type(description="党组织先议: a major matter deliberated before it goes to the owners")
class PartyDeliberation:
    id: strawberry.ID = strawberry.field(description="Cite as partyDeliberationId in a proposal")
    matter: str
    deliberated_on: datetime.date
    conclusion: str


@strawberry.type(description="党组织 of a community or a property company (红色物业)")
class PartyOrganisation:
    id: strawberry.ID
    kind: PartyOrganisationKind
    name: str
    community_id: strawberry.ID | None
    company_id: strawberry.ID | None
    approved: bool = strawberry.field(description="批准成立")
    set_up_on: datetime.date
    approved_on: datetime.date | None
    approved_by: str
    secretary: PartyMember | None = strawberry.field(description="书记")
    member_count: int
    party_member_count: int
    version: int
    members: list[PartyMember] = strawberry.field(description="Current members")
    cross_appointments: list[CrossAppointment]
    red_stewards: list[RedSteward] = strawberry.field(description="红管家 assignments in force")
    joint_meetings: list[JointMeeting]
    deliberations: list[PartyDeliberation]


@strawberry.type
class PartyOrganisationList:
    organisations: list[PartyOrganisation]


@strawberry.type(description="The party organisation after the change, as the views show it")
class PartyOrganisationPayload:
    organisation: PartyOrganisation | None
    part_id: strawberry.ID | None = strawberry.field(
        description="Id the command created: member's person, cross-appointment, 红管家 "
        "assignment, meeting or deliberation"
    )
    position: str


@strawberry.type(description="申报材料: the figures a scoring reads")
class DemonstrationEvidence:
    party_organisation_approved: bool
    party_members_among_staff: int
    secretary_on_committee: bool
    cross_appointed: int = strawberry.field(description="Committee members cross-appointed")
    committee_members: int
    deliberation_rule_adopted: bool


@strawberry.type(description="One criterion's points in a score")
class ScoreItem:
    key: str
    label: str
    value: str = strawberry.field(description="The evidence figure read: true/false, a count, n/d")
    points: int
    max_points: int


@strawberry.type(description="红色物业示范小区 / 示范企业 for a year")
class DemonstrationTitle:
    id: strawberry.ID
    subject: Subject
    community_id: strawberry.ID | None
    company_id: strawberry.ID | None
    district: str
    year: int
    status: TitleStatus
    in_force: bool = strawberry.field(description="Awarded and not revoked")
    applied_on: datetime.date
    evidence: DemonstrationEvidence
    rule_set_name: str | None
    rule_set_version: int | None
    score: int | None
    max_score: int | None
    score_items: list[ScoreItem]
    scored_on: datetime.date | None
    awarded_on: datetime.date | None
    revoked_on: datetime.date | None
    revocation_reason: str | None
    version: int


@strawberry.type
class DemonstrationTitleEdge:
    cursor: str
    node: DemonstrationTitle


@strawberry.type
class DemonstrationTitleConnection:
    edges: list[DemonstrationTitleEdge]
    page_info: PageInfo


@strawberry.type
class DemonstrationTitlePayload:
    title: DemonstrationTitle | None
    position: str


@strawberry.type(description="Points for a count in [minimum, maximum]; no maximum: no limit")
class ScoreBand:
    minimum: int
    maximum: int | None
    points: int


@strawberry.type(description="评分细则 item")
class ScoringCriterion:
    key: str
    label: str
    measure: Measure
    points: int
    threshold: str | None = strawberry.field(description="A ratio's threshold (≥), as n/d")
    bands: list[ScoreBand]


@strawberry.type(description="评分细则 a named, versioned scoring rule set")
class ScoringRuleSetType:
    name: str
    version: int
    pass_mark: int | None = strawberry.field(description="Total needed to award; none: any")
    max_total: int
    criteria: list[ScoringCriterion]


@strawberry.type(description="红色物业 figures of a district (Yuxi's line), from the views")
class RedPropertyStatistics:
    district: str
    company_party_organisations: int = strawberry.field(
        description="物业企业党组织 (approved) of companies serving communities here today"
    )
    committee_party_working_groups: int = strawberry.field(description="业委会党建工作组")
    committee_party_branches: int = strawberry.field(description="业委会党支部")
    community_party_committees: int = strawberry.field(description="社区党委")
    demonstration_communities: int = strawberry.field(description="示范小区 in force")
    demonstration_companies: int = strawberry.field(description="示范企业 in force")


PartyOrganisationLookup = Annotated[
    PartyOrganisation | NotFound | ValidationError, strawberry.union("PartyOrganisationLookup")
]
PartyOrganisationsResult = Annotated[
    PartyOrganisationList | ValidationError, strawberry.union("PartyOrganisationsResult")
]
DemonstrationTitleLookup = Annotated[
    DemonstrationTitle | NotFound | ValidationError, strawberry.union("DemonstrationTitleLookup")
]
DemonstrationTitlesResult = Annotated[
    DemonstrationTitleConnection | ValidationError, strawberry.union("DemonstrationTitlesResult")
]
RedPropertyStatisticsResult = Annotated[
    RedPropertyStatistics | Forbidden | ValidationError,
    strawberry.union("RedPropertyStatisticsResult"),
]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _member(m: dict[str, Any], opened: Opener) -> PartyMember:
    return PartyMember(
        person_id=strawberry.ID(str(m["person_id"])),
        name=opened(m["name"], "name"),
        party_member=m["party_member"],
        joined_on=datetime.date.fromisoformat(m["joined_on"]),
    )


def organisation_from_row(row: Any, opened: Opener) -> PartyOrganisation:
    """An organisation with its members' names opened (``opener_for`` the row)."""
    members = [_member(m, opened) for m in _json(row["members"])]
    secretary = next((m for m in members if m.person_id == str(row["secretary_id"])), None)
    return PartyOrganisation(
        id=strawberry.ID(str(row["id"])),
        kind=PartyOrganisationKind(row["kind"]),
        name=row["name"],
        community_id=strawberry.ID(str(row["community_id"])) if row["community_id"] else None,
        company_id=strawberry.ID(str(row["company_id"])) if row["company_id"] else None,
        approved=row["status"] == "APPROVED",
        set_up_on=row["set_up_on"],
        approved_on=row["approved_on"],
        approved_by=row["approved_by"],
        secretary=secretary,
        member_count=row["member_count"],
        party_member_count=row["party_member_count"],
        version=row["version"],
        members=members,
        cross_appointments=[
            CrossAppointment(
                id=strawberry.ID(a["id"]),
                person_id=strawberry.ID(a["person_id"]),
                name=opened(a["name"], "name"),
                posts=[CrossPost(body=Body(p["body"]), post=p["post"]) for p in a["posts"]],
                recorded_on=datetime.date.fromisoformat(a["recorded_on"]),
            )
            for a in _json(row["cross_appointments"])
        ],
        red_stewards=[
            RedSteward(
                assignment_id=strawberry.ID(s["id"]),
                person_id=strawberry.ID(s["person_id"]),
                name=opened(s["name"], "name"),
                community_id=strawberry.ID(s["community_id"]),
                assigned_on=datetime.date.fromisoformat(s["assigned_on"]),
            )
            for s in _json(row["red_stewards"])
        ],
        joint_meetings=[
            JointMeeting(
                id=strawberry.ID(m["id"]),
                held_on=datetime.date.fromisoformat(m["held_on"]),
                attendees=[
                    Attendee(name=opened(a["name"], "name"), organisation=a["organisation"])
                    for a in m["attendees"]
                ],
                topics=list(m["topics"]),
                decisions=list(m["decisions"]),
            )
            for m in _json(row["joint_meetings"])
        ],
        deliberations=[
            PartyDeliberation(
                id=strawberry.ID(d["id"]),
                matter=d["matter"],
                deliberated_on=datetime.date.fromisoformat(d["deliberated_on"]),
                conclusion=d["conclusion"],
            )
            for d in _json(row["deliberations"])
        ],
    )


def title_from_row(row: Any) -> DemonstrationTitle:
    evidence = _json(row["evidence"])
    items = _json(row["score_items"]) or []
    return DemonstrationTitle(
        id=strawberry.ID(str(row["id"])),
        subject=Subject(row["subject"]),
        community_id=strawberry.ID(str(row["community_id"])) if row["community_id"] else None,
        company_id=strawberry.ID(str(row["company_id"])) if row["company_id"] else None,
        district=row["district"],
        year=row["year"],
        status=TitleStatus(row["status"]),
        in_force=row["status"] == TitleStatus.AWARDED.value,
        applied_on=row["applied_on"],
        evidence=DemonstrationEvidence(**evidence),
        rule_set_name=row["rule_set_name"],
        rule_set_version=row["rule_set_version"],
        score=row["score"],
        max_score=row["max_score"],
        score_items=[ScoreItem(**item) for item in items],
        scored_on=row["scored_on"],
        awarded_on=row["awarded_on"],
        revoked_on=row["revoked_on"],
        revocation_reason=row["revocation_reason"],
        version=row["version"],
    )


def rule_set_type(rules: ScoringRuleSet) -> ScoringRuleSetType:
    return ScoringRuleSetType(
        name=rules.name,
        version=rules.version,
        pass_mark=rules.pass_mark,
        max_total=rules.max_total,
        criteria=[
            ScoringCriterion(
                key=c.key,
                label=c.label,
                measure=c.measure,
                points=c.points,
                threshold=(
                    None
                    if c.threshold is None
                    else f"{c.threshold.numerator}/{c.threshold.denominator}"
                ),
                bands=[
                    ScoreBand(minimum=b.minimum, maximum=b.maximum, points=b.points)
                    for b in c.bands
                ],
            )
            for c in rules.criteria
        ],
    )
