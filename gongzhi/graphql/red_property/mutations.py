"""Changing 红色物业: party organisations and their links; demonstration titles."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.base import Done, Meta
from gongzhi.domain.demonstration import Evidence, Subject
from gongzhi.domain.errors import InvalidValue
from gongzhi.domain.party import Body, PartyOrganisationKind
from gongzhi.graphql.context import Context, execute_on, parse_id
from gongzhi.graphql.permissions import Action, Target
from gongzhi.graphql.red_property.queries import fetch_organisation, fetch_title
from gongzhi.graphql.red_property.types import (
    BodyType,
    DemonstrationTitlePayload,
    DemonstrationTitleResult,
    PartyOrganisationKindType,
    PartyOrganisationPayload,
    PartyOrganisationResult,
    SubjectType,
    organisation_from_row,
    title_from_row,
)


@strawberry.input(
    description="组建党组织: a company's organisation names its company, the others their community"
)
class SetUpPartyOrganisationInput:
    kind: PartyOrganisationKindType  # type: ignore[valid-type]
    name: str
    reason: str
    community_id: strawberry.ID | None = None
    company_id: strawberry.ID | None = None
    set_up_on: datetime.date | None = strawberry.field(default=None, description="Today if omitted")


@strawberry.input(description="批准成立")
class ApprovePartyOrganisationInput:
    organisation_id: strawberry.ID
    reason: str
    approved_on: datetime.date | None = None
    approved_by: str = strawberry.field(default="", description="e.g. 街道党工委")


@strawberry.input(description="A person joins the party organisation")
class AddPartyMemberInput:
    organisation_id: strawberry.ID
    name: str
    reason: str
    party_member: bool = strawberry.field(
        default=True, description="党员; false only in 党建工作组"
    )
    person_id: strawberry.ID | None = strawberry.field(
        default=None, description="The person's id on the roster; a new id if omitted"
    )
    joined_on: datetime.date | None = None


@strawberry.input
class RemovePartyMemberInput:
    organisation_id: strawberry.ID
    person_id: strawberry.ID
    reason: str
    left_on: datetime.date | None = None


@strawberry.input(description="书记: a current member who is a party member")
class AppointPartySecretaryInput:
    organisation_id: strawberry.ID
    person_id: strawberry.ID
    reason: str
    appointed_on: datetime.date | None = None


@strawberry.input
class CrossPostInput:
    body: BodyType  # type: ignore[valid-type]
    post: str


@strawberry.input(description="交叉任职: a member's post here and in the committee and/or company")
class RecordCrossAppointmentInput:
    organisation_id: strawberry.ID
    person_id: strawberry.ID
    posts: list[CrossPostInput]
    reason: str
    recorded_on: datetime.date | None = None


@strawberry.input(
    description="红管家: a party-member staff member to a community the company serves"
)
class AssignRedStewardInput:
    organisation_id: strawberry.ID
    person_id: strawberry.ID
    community_id: strawberry.ID
    reason: str
    assigned_on: datetime.date | None = None


@strawberry.input
class WithdrawRedStewardInput:
    organisation_id: strawberry.ID
    assignment_id: strawberry.ID
    reason: str
    withdrawn_on: datetime.date | None = None


@strawberry.input
class AttendeeInput:
    name: str
    organisation: str = strawberry.field(description="e.g. 社区党委, 业委会, 安居物业")


@strawberry.input(description="联席会议 held by a community's party organisation")
class RecordJointMeetingInput:
    organisation_id: strawberry.ID
    held_on: datetime.date
    attendees: list[AttendeeInput]
    topics: list[str]
    reason: str
    decisions: list[str] = strawberry.field(default_factory=list)


@strawberry.input(description="党组织先议: a major matter deliberated before it goes to the owners")
class RecordPartyDeliberationInput:
    organisation_id: strawberry.ID
    matter: str
    deliberated_on: datetime.date
    conclusion: str
    reason: str


@strawberry.input(description="申报材料: the figures the scoring reads")
class DemonstrationEvidenceInput:
    party_organisation_approved: bool
    party_members_among_staff: int
    secretary_on_committee: bool
    cross_appointed: int = strawberry.field(
        description="Committee members who also hold a post in the party organisation"
    )
    committee_members: int
    deliberation_rule_adopted: bool


@strawberry.input(description="申报 a 示范小区 (communityId) or 示范企业 (companyId and district)")
class ApplyForDemonstrationInput:
    subject: SubjectType  # type: ignore[valid-type]
    year: int
    evidence: DemonstrationEvidenceInput
    reason: str
    community_id: strawberry.ID | None = None
    company_id: strawberry.ID | None = None
    district: str | None = strawberry.field(
        default=None, description="The granting district of a 示范企业; a community's own otherwise"
    )
    applied_on: datetime.date | None = None


@strawberry.input(description="评分 against a shipped rule set; the latest version if omitted")
class ScoreDemonstrationInput:
    title_id: strawberry.ID
    reason: str
    rule_set_name: str | None = None
    rule_set_version: int | None = None
    scored_on: datetime.date | None = None


@strawberry.input(description="授牌")
class AwardDemonstrationInput:
    title_id: strawberry.ID
    reason: str
    awarded_on: datetime.date | None = None


@strawberry.input(description="撤销: the reason is recorded on the title")
class RevokeDemonstrationInput:
    title_id: strawberry.ID
    reason: str
    revoked_on: datetime.date | None = None


def _organisation_target(context: Context, organisation_id: strawberry.ID) -> Callable[[], Target]:
    def target() -> Target:
        facts = context.app.party_organisation_facts(parse_id(organisation_id, "organisationId"))
        return Target(
            district=facts.district,
            community_id=facts.community_id,
            serving_company_id=facts.serving_company_id,
            company_id=facts.company_id,
        )

    return target


async def _organisation_reply(context: Context, done: Done) -> PartyOrganisationPayload:
    row = await fetch_organisation(context, done.id)
    return PartyOrganisationPayload(
        organisation=organisation_from_row(row) if row else None,
        part_id=strawberry.ID(str(done.part_id)) if done.part_id else None,
        position=str(done.position),
    )


async def _change(
    info: Info[Context, None],
    action: Action,
    organisation_id: strawberry.ID,
    reason: str,
    command: Callable[[Meta, UUID], Done],
) -> PartyOrganisationResult:
    context = info.context
    return await execute_on(  # type: ignore[return-value]
        context,
        action,
        _organisation_target(context, organisation_id),
        organisation_id,
        "organisationId",
        command,
        reason,
        lambda done: _organisation_reply(context, done),
    )


async def _title_reply(context: Context, done: Done) -> DemonstrationTitlePayload:
    row = await fetch_title(context, done.id)
    return DemonstrationTitlePayload(
        title=title_from_row(row) if row else None, position=str(done.position)
    )


async def _change_title(
    info: Info[Context, None],
    title_id: strawberry.ID,
    reason: str,
    command: Callable[[Meta, UUID], Done],
) -> DemonstrationTitleResult:
    context = info.context

    def target() -> Target:
        return Target(district=context.app.title_facts(parse_id(title_id, "titleId")).district)

    return await execute_on(  # type: ignore[return-value]
        context,
        Action.RECORD_DEMONSTRATION,
        target,
        title_id,
        "titleId",
        command,
        reason,
        lambda done: _title_reply(context, done),
    )


def _optional_id(value: strawberry.ID | None, field: str) -> UUID | None:
    return parse_id(value, field) if value is not None else None


@strawberry.type
class RedPropertyMutations:
    @strawberry.mutation(description="组建党组织 set up a party organisation (红色物业)")
    async def set_up_party_organisation(
        self, info: Info[Context, None], input: SetUpPartyOrganisationInput
    ) -> PartyOrganisationResult:
        context = info.context

        def target() -> Target:
            if input.community_id is not None:
                facts = context.app.community_facts(parse_id(input.community_id, "communityId"))
                return Target(
                    district=facts.district,
                    community_id=facts.id,
                    serving_company_id=facts.serving_company_id,
                )
            if input.company_id is None:
                of_company = input.kind == PartyOrganisationKind.COMPANY_PARTY_ORGANISATION
                if of_company:
                    raise InvalidValue("companyId", "is required for a company party organisation")
                raise InvalidValue(
                    "communityId", "is required for a community's party organisation"
                )
            return Target(company_id=parse_id(input.company_id, "companyId"))

        return await context.execute(  # type: ignore[return-value]
            Action.RECORD_PARTY_ORGANISATION,
            target,
            lambda meta: context.app.set_up_party_organisation(
                meta,
                kind=PartyOrganisationKind(input.kind).value,
                name=input.name,
                community_id=_optional_id(input.community_id, "communityId"),
                company_id=_optional_id(input.company_id, "companyId"),
                set_up_on=input.set_up_on,
            ),
            input.reason,
            lambda done: _organisation_reply(context, done),
        )

    @strawberry.mutation(description="批准成立 approve a party organisation")
    async def approve_party_organisation(
        self, info: Info[Context, None], input: ApprovePartyOrganisationInput
    ) -> PartyOrganisationResult:
        return await _change(
            info,
            Action.RECORD_PARTY_ORGANISATION,
            input.organisation_id,
            input.reason,
            lambda meta, oid: info.context.app.approve_party_organisation(
                meta, oid, approved_on=input.approved_on, approved_by=input.approved_by
            ),
        )

    @strawberry.mutation(description="A person joins a party organisation; partId is the person")
    async def add_party_member(
        self, info: Info[Context, None], input: AddPartyMemberInput
    ) -> PartyOrganisationResult:
        return await _change(
            info,
            Action.RECORD_PARTY_MEMBERS,
            input.organisation_id,
            input.reason,
            lambda meta, oid: info.context.app.add_party_member(
                meta,
                oid,
                person_id=_optional_id(input.person_id, "personId"),
                name=input.name,
                party_member=input.party_member,
                joined_on=input.joined_on,
            ),
        )

    @strawberry.mutation(description="A member leaves; a secretary leaving vacates the post")
    async def remove_party_member(
        self, info: Info[Context, None], input: RemovePartyMemberInput
    ) -> PartyOrganisationResult:
        return await _change(
            info,
            Action.RECORD_PARTY_MEMBERS,
            input.organisation_id,
            input.reason,
            lambda meta, oid: info.context.app.remove_party_member(
                meta, oid, parse_id(input.person_id, "personId"), input.left_on
            ),
        )

    @strawberry.mutation(description="书记 appointed from the members")
    async def appoint_party_secretary(
        self, info: Info[Context, None], input: AppointPartySecretaryInput
    ) -> PartyOrganisationResult:
        return await _change(
            info,
            Action.RECORD_PARTY_ORGANISATION,
            input.organisation_id,
            input.reason,
            lambda meta, oid: info.context.app.appoint_party_secretary(
                meta, oid, parse_id(input.person_id, "personId"), input.appointed_on
            ),
        )

    @strawberry.mutation(description="交叉任职 record a cross-appointment")
    async def record_cross_appointment(
        self, info: Info[Context, None], input: RecordCrossAppointmentInput
    ) -> PartyOrganisationResult:
        return await _change(
            info,
            Action.RECORD_PARTY_ORGANISATION,
            input.organisation_id,
            input.reason,
            lambda meta, oid: info.context.app.record_cross_appointment(
                meta,
                oid,
                parse_id(input.person_id, "personId"),
                [(Body(p.body).value, p.post) for p in input.posts],
                input.recorded_on,
            ),
        )

    @strawberry.mutation(description="红管家 assign a party-member staff member to a community")
    async def assign_red_steward(
        self, info: Info[Context, None], input: AssignRedStewardInput
    ) -> PartyOrganisationResult:
        context = info.context

        def target() -> Target:
            organisation = context.app.party_organisation_facts(
                parse_id(input.organisation_id, "organisationId")
            )
            community = context.app.community_facts(parse_id(input.community_id, "communityId"))
            return Target(
                district=community.district,
                community_id=community.id,
                serving_company_id=community.serving_company_id,
                company_id=organisation.company_id,
            )

        return await context.execute(  # type: ignore[return-value]
            Action.ASSIGN_RED_STEWARD,
            target,
            lambda meta: context.app.assign_red_steward(
                meta,
                parse_id(input.organisation_id, "organisationId"),
                person_id=parse_id(input.person_id, "personId"),
                community_id=parse_id(input.community_id, "communityId"),
                assigned_on=input.assigned_on,
            ),
            input.reason,
            lambda done: _organisation_reply(context, done),
        )

    @strawberry.mutation(description="红管家 withdraw an assignment")
    async def withdraw_red_steward(
        self, info: Info[Context, None], input: WithdrawRedStewardInput
    ) -> PartyOrganisationResult:
        context = info.context

        def target() -> Target:
            # The company's own staff withdraw; a regulator of the community's district too.
            organisation = context.app.party_organisation_facts(
                parse_id(input.organisation_id, "organisationId")
            )
            steward = context.app.red_steward_community(
                parse_id(input.organisation_id, "organisationId"),
                parse_id(input.assignment_id, "assignmentId"),
            )
            community = context.app.community_facts(steward)
            return Target(
                district=community.district,
                community_id=community.id,
                serving_company_id=community.serving_company_id,
                company_id=organisation.company_id,
            )

        return await context.execute(  # type: ignore[return-value]
            Action.ASSIGN_RED_STEWARD,
            target,
            lambda meta: context.app.withdraw_red_steward(
                meta,
                parse_id(input.organisation_id, "organisationId"),
                parse_id(input.assignment_id, "assignmentId"),
                input.withdrawn_on,
            ),
            input.reason,
            lambda done: _organisation_reply(context, done),
        )

    @strawberry.mutation(description="联席会议 record a joint meeting; partId is the meeting")
    async def record_joint_meeting(
        self, info: Info[Context, None], input: RecordJointMeetingInput
    ) -> PartyOrganisationResult:
        return await _change(
            info,
            Action.RECORD_PARTY_WORK,
            input.organisation_id,
            input.reason,
            lambda meta, oid: info.context.app.record_joint_meeting(
                meta,
                oid,
                held_on=input.held_on,
                attendees=[(a.name, a.organisation) for a in input.attendees],
                topics=list(input.topics),
                decisions=list(input.decisions),
            ),
        )

    @strawberry.mutation(
        description="党组织先议 record a deliberation; partId is the id a proposal cites"
    )
    async def record_party_deliberation(
        self, info: Info[Context, None], input: RecordPartyDeliberationInput
    ) -> PartyOrganisationResult:
        return await _change(
            info,
            Action.RECORD_PARTY_WORK,
            input.organisation_id,
            input.reason,
            lambda meta, oid: info.context.app.record_party_deliberation(
                meta,
                oid,
                matter=input.matter,
                deliberated_on=input.deliberated_on,
                conclusion=input.conclusion,
            ),
        )

    @strawberry.mutation(description="申报 apply for a 示范小区 or 示范企业 title")
    async def apply_for_demonstration(
        self, info: Info[Context, None], input: ApplyForDemonstrationInput
    ) -> DemonstrationTitleResult:
        context = info.context
        subject = Subject(input.subject).value

        def target() -> Target:
            community = _optional_id(input.community_id, "communityId")
            return Target(district=context.app.title_district(subject, community, input.district))

        def command(meta: Meta) -> Done:
            e = input.evidence
            return context.app.apply_for_demonstration(
                meta,
                subject=subject,
                community_id=_optional_id(input.community_id, "communityId"),
                company_id=_optional_id(input.company_id, "companyId"),
                district=input.district or "",
                year=input.year,
                evidence=Evidence(
                    party_organisation_approved=e.party_organisation_approved,
                    party_members_among_staff=e.party_members_among_staff,
                    secretary_on_committee=e.secretary_on_committee,
                    cross_appointed=e.cross_appointed,
                    committee_members=e.committee_members,
                    deliberation_rule_adopted=e.deliberation_rule_adopted,
                ),
                applied_on=input.applied_on,
            )

        return await context.execute(  # type: ignore[return-value]
            Action.RECORD_DEMONSTRATION,
            target,
            command,
            input.reason,
            lambda done: _title_reply(context, done),
        )

    @strawberry.mutation(description="评分 score a demonstration application")
    async def score_demonstration(
        self, info: Info[Context, None], input: ScoreDemonstrationInput
    ) -> DemonstrationTitleResult:
        return await _change_title(
            info,
            input.title_id,
            input.reason,
            lambda meta, tid: info.context.app.score_demonstration(
                meta,
                tid,
                rule_set_name=input.rule_set_name,
                rule_set_version=input.rule_set_version,
                scored_on=input.scored_on,
            ),
        )

    @strawberry.mutation(description="授牌 award a scored demonstration title")
    async def award_demonstration(
        self, info: Info[Context, None], input: AwardDemonstrationInput
    ) -> DemonstrationTitleResult:
        return await _change_title(
            info,
            input.title_id,
            input.reason,
            lambda meta, tid: info.context.app.award_demonstration(meta, tid, input.awarded_on),
        )

    @strawberry.mutation(description="撤销 revoke an awarded demonstration title")
    async def revoke_demonstration(
        self, info: Info[Context, None], input: RevokeDemonstrationInput
    ) -> DemonstrationTitleResult:
        return await _change_title(
            info,
            input.title_id,
            input.reason,
            lambda meta, tid: info.context.app.revoke_demonstration(
                meta, tid, input.reason, input.revoked_on
            ),
        )
