"""Changing 红色物业: party organisations and their links; demonstration titles."""

from __future__ import annotations

from typing import Any

import strawberry

from gongzhi.application.base import Done
from gongzhi.application.commands import Command
from gongzhi.application.red_property import (
    AddPartyMember,
    ApplyForDemonstration,
    AppointPartySecretary,
    ApprovePartyOrganisation,
    AssignRedSteward,
    AwardDemonstration,
    RecordCrossAppointment,
    RecordJointMeeting,
    RecordPartyDeliberation,
    RemovePartyMember,
    RevokeDemonstration,
    ScoreDemonstration,
    SetUpPartyOrganisation,
    WithdrawRedSteward,
)
from gongzhi.domain.demonstration import Subject
from gongzhi.domain.errors import InvalidValue
from gongzhi.domain.party import PartyOrganisationKind
from gongzhi.graphql.commands import Registration, mutation, mutations
from gongzhi.graphql.context import Context
from gongzhi.graphql.permissions import Action, Target
from gongzhi.graphql.personal_data import opener_for
from gongzhi.graphql.red_property.queries import fetch_organisation, fetch_title
from gongzhi.graphql.red_property.types import (
    DemonstrationTitlePayload,
    PartyOrganisationPayload,
    organisation_from_row,
    title_from_row,
)
from gongzhi.graphql.references import Found


async def organisation_reply(context: Context, done: Done, _: Command) -> PartyOrganisationPayload:
    row = await fetch_organisation(context, done.id)
    return PartyOrganisationPayload(
        organisation=organisation_from_row(row, await opener_for(context, row)) if row else None,
        part_id=strawberry.ID(str(done.part_id)) if done.part_id else None,
        position=str(done.position),
    )


async def title_reply(context: Context, done: Done, _: Command) -> DemonstrationTitlePayload:
    row = await fetch_title(context, done.id)
    return DemonstrationTitlePayload(
        title=title_from_row(row) if row else None, position=str(done.position)
    )


def _set_up_target(_: Context, command: SetUpPartyOrganisation, found: dict[str, Found]) -> Target:
    """A community's organisation is about its community; a company's about its company."""
    if command.community_id is not None:
        return found["input.communityId"].target()
    if command.company_id is None:
        if command.kind is PartyOrganisationKind.COMPANY_PARTY_ORGANISATION:
            raise InvalidValue("companyId", "is required for a company party organisation")
        raise InvalidValue("communityId", "is required for a community's party organisation")
    return Target(company_id=command.company_id)


def _steward_target(_: Context, command: AssignRedSteward, found: dict[str, Found]) -> Target:
    """The community the 红管家 goes to, and the company whose organisation sends them."""
    community = found["input.communityId"].target()
    organisation = found["input.organisationId"].target()
    return Target(
        district=community.district,
        community_id=community.community_id,
        serving_company_id=community.serving_company_id,
        company_id=organisation.company_id,
    )


def _application_target(
    _: Context, command: ApplyForDemonstration, found: dict[str, Found]
) -> Target:
    """A title is granted by a district: a community's own, or the one a company names."""
    if command.subject is Subject.COMMUNITY:
        if command.community_id is None:
            raise InvalidValue("communityId", "is required for a 示范小区")
        return Target(district=found["input.communityId"].target().district)
    district = (command.district or "").strip()
    if not district:
        raise InvalidValue("district", "is required for a 示范企业: the granting district")
    return Target(district=district)


def _on_organisation(command: type[Command], action: Action) -> Registration[Any, Any]:
    return mutation(command, action, reply=organisation_reply, target="organisation_id")


def _on_title(command: type[Command]) -> Registration[Any, Any]:
    return mutation(command, Action.RECORD_DEMONSTRATION, reply=title_reply, target="title_id")


RedPropertyMutations = mutations(
    "RedPropertyMutations",
    mutation(
        SetUpPartyOrganisation,
        Action.RECORD_PARTY_ORGANISATION,
        reply=organisation_reply,
        target=_set_up_target,
    ),
    _on_organisation(ApprovePartyOrganisation, Action.RECORD_PARTY_ORGANISATION),
    _on_organisation(AddPartyMember, Action.RECORD_PARTY_MEMBERS),
    _on_organisation(RemovePartyMember, Action.RECORD_PARTY_MEMBERS),
    _on_organisation(AppointPartySecretary, Action.RECORD_PARTY_ORGANISATION),
    _on_organisation(RecordCrossAppointment, Action.RECORD_PARTY_ORGANISATION),
    mutation(
        AssignRedSteward,
        Action.ASSIGN_RED_STEWARD,
        reply=organisation_reply,
        target=_steward_target,
    ),
    # The company's own staff withdraw; a regulator of the community's district too: the
    # assignment belongs to its community and to the company that sent the 红管家.
    mutation(
        WithdrawRedSteward,
        Action.ASSIGN_RED_STEWARD,
        reply=organisation_reply,
        target="assignment_id",
    ),
    _on_organisation(RecordJointMeeting, Action.RECORD_PARTY_WORK),
    _on_organisation(RecordPartyDeliberation, Action.RECORD_PARTY_WORK),
    mutation(
        ApplyForDemonstration,
        Action.RECORD_DEMONSTRATION,
        reply=title_reply,
        target=_application_target,
    ),
    _on_title(ScoreDemonstration),
    _on_title(AwardDemonstration),
    _on_title(RevokeDemonstration),
)
