"""党组织 party organisation of 红色物业 red property: its members and secretary, and the links
it records: 交叉任职 cross-appointment, 红管家 party-member staff assigned to a community,
联席会议 joint meetings and 党组织先议 deliberations of major matters.

Attachment follows the kind: a 物业企业党组织 belongs to a property company, the others
(社区党委, 业委会党支部, 党建工作组) to a community. There is at most one organisation of each
kind per community or company: the id is derived from (kind, attachment), so the store
refuses a second one.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.errors import InvalidValue, RuleViolated, UnknownPart
from gongzhi.domain.values import enum_value, optional_text, required_text

PARTY_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongzhi.example/party-organisation")
MAX_MEETING_ITEMS = 50
MAX_ATTENDEES = 100


class PartyOrganisationKind(enum.Enum):
    """党组织 kinds of red property."""

    COMMUNITY_PARTY_COMMITTEE = "COMMUNITY_PARTY_COMMITTEE"  # 社区党委
    COMPANY_PARTY_ORGANISATION = "COMPANY_PARTY_ORGANISATION"  # 物业企业党组织
    COMMITTEE_PARTY_BRANCH = "COMMITTEE_PARTY_BRANCH"  # 业委会党支部
    COMMITTEE_PARTY_WORKING_GROUP = "COMMITTEE_PARTY_WORKING_GROUP"  # 业委会党建工作组


class Body(enum.Enum):
    """Where a cross-appointed person holds a post (交叉任职)."""

    PARTY_ORGANISATION = "PARTY_ORGANISATION"  # 党组织
    COMMITTEE = "COMMITTEE"  # 业主委员会 / 物业管理委员会
    COMPANY = "COMPANY"  # 物业服务企业


class Status(enum.Enum):
    SET_UP = "SET_UP"  # 组建, waiting for approval
    APPROVED = "APPROVED"  # 批准成立


@dataclass
class Member:
    """党组织成员; ``party_member`` is false for a non-member in a 党建工作组."""

    membership_id: UUID
    person_id: UUID
    name: str
    party_member: bool
    joined_on: date


@dataclass(frozen=True)
class Steward:
    """红管家: a party-member staff member a company assigns to a community."""

    assignment_id: UUID
    person_id: UUID
    community_id: UUID
    assigned_on: date


@dataclass(frozen=True)
class Deliberation:
    """党组织先议: a major matter the organisation deliberated before it goes to the owners."""

    deliberation_id: UUID
    matter: str
    deliberated_on: date
    conclusion: str


class PartyOrganisation(Aggregate):
    """党组织 of a community (社区党委, 业委会党支部, 党建工作组) or a company (物业企业党组织)."""

    class SetUp(Aggregate.Created):
        kind: str
        name: str
        community_id: UUID | None
        company_id: UUID | None
        set_up_on: date

    class Approved(Aggregate.Event):
        """批准成立 by the higher party organisation (街道党工委 and the like)."""

        approved_on: date
        approved_by: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, PartyOrganisation)
            aggregate.status = Status.APPROVED.value
            aggregate.approved_on = self.approved_on

    class MemberJoined(Aggregate.Event):
        membership_id: UUID
        person_id: UUID
        name: str
        party_member: bool
        joined_on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, PartyOrganisation)
            aggregate.members[self.person_id] = Member(
                self.membership_id, self.person_id, self.name, self.party_member, self.joined_on
            )

    class MemberLeft(Aggregate.Event):
        """A member left; when the secretary leaves, the post falls vacant."""

        membership_id: UUID
        person_id: UUID
        party_member: bool
        left_on: date
        secretary_vacated: bool

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, PartyOrganisation)
            del aggregate.members[self.person_id]
            if self.secretary_vacated:
                aggregate.secretary_id = None

    class SecretaryAppointed(Aggregate.Event):
        """书记 appointed from the members."""

        person_id: UUID
        name: str
        appointed_on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, PartyOrganisation)
            aggregate.secretary_id = self.person_id

    class CrossAppointmentRecorded(Aggregate.Event):
        """交叉任职: a member also holding a post in the committee and/or the company."""

        appointment_id: UUID
        person_id: UUID
        name: str
        posts: list[dict[str, str]]
        recorded_on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, PartyOrganisation)
            aggregate.cross_appointments.add(self.person_id)

    class StewardAssigned(Aggregate.Event):
        """红管家 assigned to a community the company serves."""

        assignment_id: UUID
        person_id: UUID
        name: str
        community_id: UUID
        assigned_on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, PartyOrganisation)
            aggregate.stewards[self.assignment_id] = Steward(
                self.assignment_id, self.person_id, self.community_id, self.assigned_on
            )

    class StewardWithdrawn(Aggregate.Event):
        assignment_id: UUID
        withdrawn_on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, PartyOrganisation)
            del aggregate.stewards[self.assignment_id]

    class JointMeetingHeld(Aggregate.Event):
        """联席会议 of the party organisation, the committee and the company."""

        meeting_id: UUID
        held_on: date
        attendees: list[dict[str, str]]
        topics: list[str]
        decisions: list[str]

        def apply(self, aggregate: Aggregate) -> None:
            pass

    class DeliberationRecorded(Aggregate.Event):
        """党组织先议: an owners' decision proposal may cite ``deliberation_id``."""

        deliberation_id: UUID
        matter: str
        deliberated_on: date
        conclusion: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, PartyOrganisation)
            aggregate.deliberations[self.deliberation_id] = Deliberation(
                self.deliberation_id, self.matter, self.deliberated_on, self.conclusion
            )

    def __init__(
        self,
        kind: str,
        name: str,
        community_id: UUID | None,
        company_id: UUID | None,
        set_up_on: date,
    ) -> None:
        self.kind = kind
        self.name = name
        self.community_id = community_id
        self.company_id = company_id
        self.set_up_on = set_up_on
        self.status = Status.SET_UP.value
        self.approved_on: date | None = None
        self.members: dict[UUID, Member] = {}
        self.secretary_id: UUID | None = None
        self.cross_appointments: set[UUID] = set()
        self.stewards: dict[UUID, Steward] = {}
        self.deliberations: dict[UUID, Deliberation] = {}

    @staticmethod
    def id_for(kind: str, attached_to: UUID) -> UUID:
        """One organisation of a kind per community or company."""
        return uuid5(PARTY_NAMESPACE, f"{kind}:{attached_to}")

    @classmethod
    def set_up(
        cls,
        *,
        kind: str,
        name: str,
        community_id: UUID | None = None,
        company_id: UUID | None = None,
        set_up_on: date,
    ) -> PartyOrganisation:
        """组建 a party organisation attached as its kind requires."""
        kind_value = enum_value("kind", PartyOrganisationKind, kind)
        if kind_value == PartyOrganisationKind.COMPANY_PARTY_ORGANISATION.value:
            if company_id is None:
                raise InvalidValue("companyId", "is required for a company party organisation")
            if community_id is not None:
                raise InvalidValue(
                    "communityId", "a company party organisation belongs to its company only"
                )
            attached_to = company_id
        else:
            if community_id is None:
                raise InvalidValue("communityId", f"is required for a {kind_value}")
            if company_id is not None:
                raise InvalidValue("companyId", f"a {kind_value} belongs to a community only")
            attached_to = community_id
        return cls._create(
            cls.SetUp,
            id=cls.id_for(kind_value, attached_to),
            kind=kind_value,
            name=required_text("name", name),
            community_id=community_id,
            company_id=company_id,
            set_up_on=set_up_on,
        )

    @property
    def of_company(self) -> bool:
        return self.kind == PartyOrganisationKind.COMPANY_PARTY_ORGANISATION.value

    @property
    def approved(self) -> bool:
        return self.status == Status.APPROVED.value

    def approve(self, approved_on: date, approved_by: str = "") -> None:
        if self.approved:
            raise RuleViolated("organisationId", "the party organisation is already approved")
        if approved_on < self.set_up_on:
            raise InvalidValue("approvedOn", "must not be before the organisation was set up")
        self.trigger_event(
            self.Approved,
            approved_on=approved_on,
            approved_by=optional_text("approvedBy", approved_by, max_length=200),
        )

    def add_member(self, person_id: UUID, name: str, party_member: bool, joined_on: date) -> UUID:
        """A person joins; returns the person's id."""
        member_name = required_text("name", name, max_length=100)
        if person_id in self.members:
            raise RuleViolated("personId", "the person is already a member")
        if joined_on < self.set_up_on:
            raise InvalidValue("joinedOn", "must not be before the organisation was set up")
        if (
            not party_member
            and self.kind != PartyOrganisationKind.COMMITTEE_PARTY_WORKING_GROUP.value
        ):
            raise RuleViolated(
                "partyMember", "only a party working group (党建工作组) has non-party members"
            )
        self.trigger_event(
            self.MemberJoined,
            membership_id=uuid4(),
            person_id=person_id,
            name=member_name,
            party_member=bool(party_member),
            joined_on=joined_on,
        )
        return person_id

    def remove_member(self, person_id: UUID, left_on: date) -> None:
        member = self._member(person_id)
        if left_on < member.joined_on:
            raise InvalidValue("leftOn", "must not be before the member joined")
        if any(s.person_id == person_id for s in self.stewards.values()):
            raise RuleViolated(
                "personId", "the person is a 红管家 still assigned; withdraw the assignment first"
            )
        self.trigger_event(
            self.MemberLeft,
            membership_id=member.membership_id,
            person_id=person_id,
            party_member=member.party_member,
            left_on=left_on,
            secretary_vacated=self.secretary_id == person_id,
        )

    def appoint_secretary(self, person_id: UUID, appointed_on: date) -> None:
        """书记: a current member who is a party member."""
        member = self._member(person_id)
        if not member.party_member:
            raise RuleViolated("personId", "the secretary must be a party member")
        if self.secretary_id == person_id:
            raise RuleViolated("personId", "the person is already the secretary")
        if appointed_on < member.joined_on:
            raise InvalidValue("appointedOn", "must not be before the person joined")
        self.trigger_event(
            self.SecretaryAppointed,
            person_id=person_id,
            name=member.name,
            appointed_on=appointed_on,
        )

    def record_cross_appointment(
        self, person_id: UUID, posts: list[tuple[str, str]], recorded_on: date
    ) -> UUID:
        """交叉任职: the member's posts, one in this organisation and one or more elsewhere."""
        member = self._member(person_id)
        checked: list[dict[str, str]] = []
        for index, (body, post) in enumerate(posts):
            checked.append(
                {
                    "body": enum_value(f"posts.{index}.body", Body, body),
                    "post": required_text(f"posts.{index}.post", post, max_length=100),
                }
            )
        bodies = [p["body"] for p in checked]
        if len(set(bodies)) != len(bodies):
            raise InvalidValue("posts", "must name each body once")
        if Body.PARTY_ORGANISATION.value not in bodies:
            raise InvalidValue("posts", "must include the post in the party organisation")
        if len(bodies) < 2:
            raise InvalidValue("posts", "must include a post in the committee or the company")
        appointment_id = uuid4()
        self.trigger_event(
            self.CrossAppointmentRecorded,
            appointment_id=appointment_id,
            person_id=person_id,
            name=member.name,
            posts=checked,
            recorded_on=recorded_on,
        )
        return appointment_id

    def assign_steward(self, person_id: UUID, community_id: UUID, assigned_on: date) -> UUID:
        """红管家: the company assigns one of its party-member staff to a community.

        That the company serves the community is the application's check (it needs the
        community's management mode)."""
        if not self.of_company:
            raise RuleViolated("organisationId", "only a company party organisation assigns 红管家")
        member = self._member(person_id)
        if not member.party_member:
            raise RuleViolated("personId", "a 红管家 must be a party member")
        if any(
            s.person_id == person_id and s.community_id == community_id
            for s in self.stewards.values()
        ):
            raise RuleViolated("personId", "the person is already assigned to this community")
        if assigned_on < member.joined_on:
            raise InvalidValue("assignedOn", "must not be before the person joined")
        assignment_id = uuid4()
        self.trigger_event(
            self.StewardAssigned,
            assignment_id=assignment_id,
            person_id=person_id,
            name=member.name,
            community_id=community_id,
            assigned_on=assigned_on,
        )
        return assignment_id

    def withdraw_steward(self, assignment_id: UUID, withdrawn_on: date) -> None:
        steward = self.steward(assignment_id)
        if withdrawn_on < steward.assigned_on:
            raise InvalidValue("withdrawnOn", "must not be before the assignment")
        self.trigger_event(
            self.StewardWithdrawn, assignment_id=assignment_id, withdrawn_on=withdrawn_on
        )

    def hold_joint_meeting(
        self,
        held_on: date,
        attendees: list[tuple[str, str]],
        topics: list[str],
        decisions: list[str],
    ) -> UUID:
        """联席会议: at least two attendees (name and organisation) and one topic."""
        self._of_community("a joint meeting")
        if not 2 <= len(attendees) <= MAX_ATTENDEES:
            raise InvalidValue("attendees", f"must list between 2 and {MAX_ATTENDEES} attendees")
        people = [
            {
                "name": required_text(f"attendees.{i}.name", name, max_length=100),
                "organisation": required_text(
                    f"attendees.{i}.organisation", organisation, max_length=200
                ),
            }
            for i, (name, organisation) in enumerate(attendees)
        ]
        if not 1 <= len(topics) <= MAX_MEETING_ITEMS:
            raise InvalidValue("topics", f"must list between 1 and {MAX_MEETING_ITEMS} topics")
        if len(decisions) > MAX_MEETING_ITEMS:
            raise InvalidValue("decisions", f"must list at most {MAX_MEETING_ITEMS} decisions")
        meeting_id = uuid4()
        self.trigger_event(
            self.JointMeetingHeld,
            meeting_id=meeting_id,
            held_on=held_on,
            attendees=people,
            topics=[required_text(f"topics.{i}", t, max_length=500) for i, t in enumerate(topics)],
            decisions=[
                required_text(f"decisions.{i}", d, max_length=500) for i, d in enumerate(decisions)
            ],
        )
        return meeting_id

    def record_deliberation(self, matter: str, deliberated_on: date, conclusion: str) -> UUID:
        """党组织先议: returns the id an owners' decision proposal cites."""
        self._of_community("a 先议 deliberation")
        deliberation_id = uuid4()
        self.trigger_event(
            self.DeliberationRecorded,
            deliberation_id=deliberation_id,
            matter=required_text("matter", matter, max_length=500),
            deliberated_on=deliberated_on,
            conclusion=required_text("conclusion", conclusion, max_length=2000),
        )
        return deliberation_id

    def steward(self, assignment_id: UUID) -> Steward:
        found = self.stewards.get(assignment_id)
        if found is None:
            raise UnknownPart("assignmentId", "no such 红管家 assignment in force")
        return found

    def deliberation(self, deliberation_id: UUID) -> Deliberation:
        found = self.deliberations.get(deliberation_id)
        if found is None:
            raise UnknownPart(
                "partyDeliberationId", "no such deliberation in this party organisation"
            )
        return found

    def _member(self, person_id: UUID) -> Member:
        member = self.members.get(person_id)
        if member is None:
            raise UnknownPart("personId", "the person is not a member of this party organisation")
        return member

    def _of_community(self, what: str) -> None:
        if self.community_id is None:
            raise RuleViolated(
                "organisationId", f"{what} is recorded by a community's party organisation"
            )
