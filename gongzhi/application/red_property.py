"""红色物业 red property commands: party organisations and their links, demonstration titles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError

from gongzhi.application.base import Done, GongzhiBase, Meta, business_today
from gongzhi.application.commands import Command, handles
from gongzhi.application.fields import (
    CommunityId,
    CompanyId,
    DemonstrationId,
    Doc,
    Items,
    Kind,
    Name,
    OptionalName,
    PartyMemberId,
    PartyOrganisationId,
    Range,
    Ref,
    Text,
    Version,
    Year,
)
from gongzhi.domain.community import Community
from gongzhi.domain.company import PropertyCompany
from gongzhi.domain.demonstration import (
    MAX_STAFF,
    DemonstrationTitle,
    Evidence,
    Subject,
    scoring_rule_set,
)
from gongzhi.domain.errors import RuleViolated, UnknownPart
from gongzhi.domain.party import (
    MAX_ATTENDEES,
    MAX_MEETING_ITEMS,
    Body,
    Deliberation,
    PartyOrganisation,
    PartyOrganisationKind,
)

MemberName = Annotated[str, Text(100, min_length=1)]
Item = Annotated[str, Text(500, min_length=1)]  # a meeting's topic or decision
Headcount = Annotated[int, Range(0, 100)]

# --- party organisations (党组织) -----------------------------------------------------------


@dataclass(frozen=True)
class SetUpPartyOrganisation(Command):
    """组建党组织 set up a party organisation (红色物业): a company's organisation names its
    company, the others their community"""

    kind: PartyOrganisationKind
    name: Name
    community_id: CommunityId | None = None
    company_id: CompanyId | None = None
    set_up_on: Annotated[date, Doc("Today if omitted")] | None = None


@dataclass(frozen=True)
class ApprovePartyOrganisation(Command):
    """批准成立 approve a party organisation"""

    organisation_id: PartyOrganisationId
    approved_on: date | None = None
    approved_by: Annotated[str, Text(200), Doc("e.g. 街道党工委")] = ""


@dataclass(frozen=True)
class AddPartyMember(Command):
    """A person joins a party organisation; partId is the person"""

    organisation_id: PartyOrganisationId
    name: MemberName
    party_member: Annotated[bool, Doc("党员; false only in 党建工作组")] = True
    person_id: (
        Annotated[
            UUID,
            Ref(Kind.PERSON, Kind.PARTY_MEMBER),
            Doc("The person's id on the roster; a new id if omitted"),
        ]
        | None
    ) = None
    joined_on: date | None = None


@dataclass(frozen=True)
class RemovePartyMember(Command):
    """A member leaves; a secretary leaving vacates the post"""

    organisation_id: PartyOrganisationId
    person_id: PartyMemberId
    left_on: date | None = None


@dataclass(frozen=True)
class AppointPartySecretary(Command):
    """书记 appointed from the members: a current member who is a party member"""

    organisation_id: PartyOrganisationId
    person_id: PartyMemberId
    appointed_on: date | None = None


@dataclass(frozen=True)
class CrossPost:
    body: Body
    post: Annotated[str, Text(100, min_length=1)]


@dataclass(frozen=True)
class RecordCrossAppointment(Command):
    """交叉任职 record a cross-appointment: a member's post here and in the committee and/or
    company"""

    organisation_id: PartyOrganisationId
    person_id: PartyMemberId
    posts: Annotated[list[CrossPost], Items(len(Body))]
    recorded_on: date | None = None


@dataclass(frozen=True)
class AssignRedSteward(Command):
    """红管家 assign a party-member staff member to a community the company serves"""

    organisation_id: PartyOrganisationId
    person_id: PartyMemberId
    community_id: CommunityId
    assigned_on: date | None = None


@dataclass(frozen=True)
class WithdrawRedSteward(Command):
    """红管家 withdraw an assignment"""

    organisation_id: PartyOrganisationId
    assignment_id: Annotated[UUID, Ref(Kind.RED_STEWARD)]
    withdrawn_on: date | None = None


@dataclass(frozen=True)
class Attendee:
    name: MemberName
    organisation: Annotated[str, Text(200, min_length=1), Doc("e.g. 社区党委, 业委会, 安居物业")]


@dataclass(frozen=True)
class RecordJointMeeting(Command):
    """联席会议 record a joint meeting held by a community's party organisation; partId is
    the meeting"""

    organisation_id: PartyOrganisationId
    held_on: date
    attendees: Annotated[list[Attendee], Items(MAX_ATTENDEES)]
    topics: Annotated[list[Item], Items(MAX_MEETING_ITEMS)]
    decisions: Annotated[list[Item], Items(MAX_MEETING_ITEMS)] = field(default_factory=list)


@dataclass(frozen=True)
class RecordPartyDeliberation(Command):
    """党组织先议 record a deliberation: a major matter deliberated before it goes to the
    owners; partId is the id a proposal cites"""

    organisation_id: PartyOrganisationId
    matter: Item
    deliberated_on: date
    conclusion: Annotated[str, Text(2000, min_length=1)]


# --- demonstration titles (示范小区 / 示范企业) -----------------------------------------------


@dataclass(frozen=True)
class DemonstrationEvidence:
    """申报材料: the figures the scoring reads"""

    party_organisation_approved: bool
    party_members_among_staff: Annotated[int, Range(0, MAX_STAFF)]
    secretary_on_committee: bool
    cross_appointed: Annotated[
        Headcount, Doc("Committee members who also hold a post in the party organisation")
    ]
    committee_members: Headcount
    deliberation_rule_adopted: bool


@dataclass(frozen=True)
class ApplyForDemonstration(Command):
    """申报 apply for a 示范小区 (communityId) or 示范企业 (companyId and district) title"""

    subject: Subject
    year: Year
    evidence: DemonstrationEvidence
    community_id: CommunityId | None = None
    company_id: CompanyId | None = None
    district: (
        Annotated[
            OptionalName, Doc("The granting district of a 示范企业; a community's own otherwise")
        ]
        | None
    ) = None
    applied_on: date | None = None


@dataclass(frozen=True)
class ScoreDemonstration(Command):
    """评分 score a demonstration application against a shipped rule set; the latest version
    if omitted"""

    title_id: DemonstrationId
    rule_set_name: OptionalName | None = None
    rule_set_version: Version | None = None
    scored_on: date | None = None


@dataclass(frozen=True)
class AwardDemonstration(Command):
    """授牌 award a scored demonstration title"""

    title_id: DemonstrationId
    awarded_on: date | None = None


@dataclass(frozen=True)
class RevokeDemonstration(Command):
    """撤销 revoke an awarded demonstration title: the reason is recorded on the title"""

    title_id: DemonstrationId
    revoked_on: date | None = None


@dataclass(frozen=True)
class DeliberationFacts:
    """党组织先议 as an owners' decision proposal needs it: whose, what, when, concluded."""

    organisation_id: UUID
    community_id: UUID | None
    deliberation: Deliberation


def community_party_deliberation(
    app: GongzhiBase, community_id: UUID, deliberation_id: UUID
) -> DeliberationFacts:
    """The 先议 a proposal in ``community_id`` cites, from any of the community's party
    organisations (their ids derive from kind and community); raises UnknownPart if none
    of them recorded it. Owners' decisions ask this of red property (党组织先议)."""
    for kind in PartyOrganisationKind:
        if kind is PartyOrganisationKind.COMPANY_PARTY_ORGANISATION:
            continue
        organisation_id = PartyOrganisation.id_for(kind.value, community_id)
        try:
            organisation: object = app.repository.get(organisation_id)
        except AggregateNotFoundError:
            continue
        assert isinstance(organisation, PartyOrganisation)
        found = organisation.deliberations.get(deliberation_id)
        if found is not None:
            return DeliberationFacts(organisation.id, community_id, found)
    raise UnknownPart(
        "partyDeliberationId",
        "no party organisation of this community recorded this deliberation",
    )


class RedPropertyService(GongzhiBase):
    # --- party organisations (党组织) -------------------------------------------------------

    @handles(SetUpPartyOrganisation)
    def set_up_party_organisation(self, meta: Meta, command: SetUpPartyOrganisation) -> Done:
        community_id, company_id = command.community_id, command.company_id
        organisation = PartyOrganisation.set_up(
            kind=PartyOrganisationKind(command.kind).value,
            name=command.name,
            community_id=community_id,
            company_id=company_id,
            set_up_on=command.set_up_on or business_today(),
        )
        if community_id is not None:
            self.load(Community, community_id, "communityId")
        if company_id is not None:
            self.load(PropertyCompany, company_id, "companyId")
        attached = "company" if company_id is not None else "community"
        return self.create(
            meta, organisation, f"this {attached} already has a party organisation of this kind"
        )

    @handles(ApprovePartyOrganisation)
    def approve_party_organisation(self, meta: Meta, command: ApprovePartyOrganisation) -> Done:
        on = command.approved_on or business_today()
        return self._change_organisation(
            meta, command.organisation_id, lambda o: o.approve(on, command.approved_by)
        )

    @handles(AddPartyMember)
    def add_party_member(self, meta: Meta, command: AddPartyMember) -> Done:
        """A person id from the roster, or a new one for a person not on it yet."""
        person = command.person_id or uuid4()
        on = command.joined_on or business_today()
        return self._change_organisation(
            meta,
            command.organisation_id,
            lambda o: o.add_member(person, command.name, command.party_member, on),
        )

    @handles(RemovePartyMember)
    def remove_party_member(self, meta: Meta, command: RemovePartyMember) -> Done:
        on = command.left_on or business_today()
        return self._change_organisation(
            meta, command.organisation_id, lambda o: o.remove_member(command.person_id, on)
        )

    @handles(AppointPartySecretary)
    def appoint_party_secretary(self, meta: Meta, command: AppointPartySecretary) -> Done:
        on = command.appointed_on or business_today()
        return self._change_organisation(
            meta, command.organisation_id, lambda o: o.appoint_secretary(command.person_id, on)
        )

    @handles(RecordCrossAppointment)
    def record_cross_appointment(self, meta: Meta, command: RecordCrossAppointment) -> Done:
        on = command.recorded_on or business_today()
        posts = [(Body(p.body).value, p.post) for p in command.posts]
        return self._change_organisation(
            meta,
            command.organisation_id,
            lambda o: o.record_cross_appointment(command.person_id, posts, on),
        )

    @handles(AssignRedSteward)
    def assign_red_steward(self, meta: Meta, command: AssignRedSteward) -> Done:
        """红管家 go to communities their company serves (professional management) today."""
        on = command.assigned_on or business_today()
        community = self.load(Community, command.community_id, "communityId")
        serving = community.serving_company(business_today())

        def assign(organisation: PartyOrganisation) -> UUID:
            if organisation.of_company and serving != organisation.company_id:
                raise RuleViolated("communityId", "the company does not serve this community")
            return organisation.assign_steward(command.person_id, command.community_id, on)

        return self._change_organisation(meta, command.organisation_id, assign)

    @handles(WithdrawRedSteward)
    def withdraw_red_steward(self, meta: Meta, command: WithdrawRedSteward) -> Done:
        on = command.withdrawn_on or business_today()
        return self._change_organisation(
            meta, command.organisation_id, lambda o: o.withdraw_steward(command.assignment_id, on)
        )

    @handles(RecordJointMeeting)
    def record_joint_meeting(self, meta: Meta, command: RecordJointMeeting) -> Done:
        attendees = [(a.name, a.organisation) for a in command.attendees]
        return self._change_organisation(
            meta,
            command.organisation_id,
            lambda o: o.hold_joint_meeting(
                command.held_on, attendees, list(command.topics), list(command.decisions)
            ),
        )

    @handles(RecordPartyDeliberation)
    def record_party_deliberation(self, meta: Meta, command: RecordPartyDeliberation) -> Done:
        return self._change_organisation(
            meta,
            command.organisation_id,
            lambda o: o.record_deliberation(
                command.matter, command.deliberated_on, command.conclusion
            ),
        )

    def party_deliberation(self, organisation_id: UUID, deliberation_id: UUID) -> DeliberationFacts:
        """For an owners' decision proposal citing a 先议: raises when it does not exist."""
        organisation = self.load(PartyOrganisation, organisation_id, "partyOrganisationId")
        return DeliberationFacts(
            organisation_id=organisation.id,
            community_id=organisation.community_id,
            deliberation=organisation.deliberation(deliberation_id),
        )

    def _change_organisation(
        self, meta: Meta, organisation_id: UUID, command: Callable[[PartyOrganisation], Any]
    ) -> Done:
        return self.change(
            meta, PartyOrganisation, organisation_id, command, field="organisationId"
        )

    # --- demonstration titles (示范小区 / 示范企业) -------------------------------------------

    @handles(ApplyForDemonstration)
    def apply_for_demonstration(self, meta: Meta, command: ApplyForDemonstration) -> Done:
        """A community's title is granted by its own district; a company's names the district."""
        subject = Subject(command.subject).value
        community_id, company_id = command.community_id, command.company_id
        district = command.district or ""
        if subject == Subject.COMMUNITY.value and community_id is not None:
            district = self.load(Community, community_id, "communityId").district
        if company_id is not None:
            self.load(PropertyCompany, company_id, "companyId")
        e = command.evidence
        title = DemonstrationTitle.apply_for(
            subject=subject,
            community_id=community_id,
            company_id=company_id,
            district=district,
            year=command.year,
            applied_on=command.applied_on or business_today(),
            evidence=Evidence(
                party_organisation_approved=e.party_organisation_approved,
                party_members_among_staff=e.party_members_among_staff,
                secretary_on_committee=e.secretary_on_committee,
                cross_appointed=e.cross_appointed,
                committee_members=e.committee_members,
                deliberation_rule_adopted=e.deliberation_rule_adopted,
            ),
        )
        return self.create(meta, title, f"an application for {command.year} already exists")

    @handles(ScoreDemonstration)
    def score_demonstration(self, meta: Meta, command: ScoreDemonstration) -> Done:
        rules = scoring_rule_set(command.rule_set_name, command.rule_set_version)
        on = command.scored_on or business_today()
        return self.change(
            meta,
            DemonstrationTitle,
            command.title_id,
            lambda t: t.score(rules, on),
            field="titleId",
        )

    @handles(AwardDemonstration)
    def award_demonstration(self, meta: Meta, command: AwardDemonstration) -> Done:
        on = command.awarded_on or business_today()
        return self.change(
            meta, DemonstrationTitle, command.title_id, lambda t: t.award(on), field="titleId"
        )

    @handles(RevokeDemonstration)
    def revoke_demonstration(self, meta: Meta, command: RevokeDemonstration) -> Done:
        """The reason for the change is the revocation's reason, recorded on the title."""
        on = command.revoked_on or business_today()
        return self.change(
            meta,
            DemonstrationTitle,
            command.title_id,
            lambda t: t.revoke(meta.reason, on),
            field="titleId",
        )
