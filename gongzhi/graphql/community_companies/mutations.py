"""Changing 强社惠民公司: register, link and unlink communities, designate and revoke pilots,
open and close business lines, record, reverse and correct ledger entries, allocate and
reverse 反哺. Regulators of the company's district record on the company's behalf."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import strawberry

from gongzhi.application.base import Done
from gongzhi.application.commands import Command
from gongzhi.application.community_companies import (
    AllocateReinvestment,
    CloseCommunityBusinessLine,
    DesignateCommunityCompanyPilot,
    LinkCommunityCompany,
    OpenCommunityBusinessLine,
    RecordCommunityBusinessEntry,
    RegisterCommunityCompany,
    ReverseCommunityBusinessEntry,
    ReverseReinvestment,
    RevokeCommunityCompanyPilot,
    UnlinkCommunityCompany,
)
from gongzhi.graphql.commands import mutation, mutations
from gongzhi.graphql.community_companies.queries import fetch_community_company
from gongzhi.graphql.community_companies.types import CommunityCompanyPayload, company_from_row
from gongzhi.graphql.context import Context
from gongzhi.graphql.permissions import Action, Target
from gongzhi.graphql.references import Found


async def company_reply(context: Context, done: Done, _: Command) -> CommunityCompanyPayload:
    """The company as the views show it after the command, and the entry, allocation or
    reversal it recorded."""
    row = await fetch_community_company(context, done.id)
    return CommunityCompanyPayload(
        company=company_from_row(row) if row else None,
        part_id=strawberry.ID(str(done.part_id)) if done.part_id else None,
        position=str(done.position),
    )


def company_target(_: Context, __: Any, found: dict[str, Found]) -> Target:
    """The company's registration district (``district``) and its linked communities
    (``community_ids``). Recording on its behalf needs its home district only, so
    ``districts`` stays empty here; a link adds the linked community's district."""
    company = found["input.companyId"]
    home = next((p.district for p in company.places if p.community_id is None), None)
    return Target(district=home, company_id=company.id, community_ids=company.community_ids)


def link_target(context: Context, command: Any, found: dict[str, Found]) -> Target:
    """Linking or unlinking: the community's district is checked along with the company's,
    so no district's community is tied to another's company unasked."""
    community = found["input.communityId"].target()
    districts = (community.district,) if community.district else ()
    return replace(company_target(context, command, found), districts=districts)


BUSINESS = Action.RECORD_COMMUNITY_COMPANY_BUSINESS
PILOT = Action.DESIGNATE_COMMUNITY_COMPANY_PILOT
REGISTER = Action.REGISTER_COMMUNITY_COMPANY

CommunityCompanyMutations = mutations(
    "CommunityCompanyMutations",
    # Registered in its first community's district: the community is the target.
    mutation(RegisterCommunityCompany, REGISTER, reply=company_reply),
    mutation(LinkCommunityCompany, REGISTER, reply=company_reply, target=link_target),
    mutation(UnlinkCommunityCompany, REGISTER, reply=company_reply, target=link_target),
    mutation(DesignateCommunityCompanyPilot, PILOT, reply=company_reply, target=company_target),
    mutation(RevokeCommunityCompanyPilot, PILOT, reply=company_reply, target=company_target),
    mutation(OpenCommunityBusinessLine, BUSINESS, reply=company_reply, target=company_target),
    mutation(CloseCommunityBusinessLine, BUSINESS, reply=company_reply, target=company_target),
    mutation(RecordCommunityBusinessEntry, BUSINESS, reply=company_reply, target=company_target),
    mutation(ReverseCommunityBusinessEntry, BUSINESS, reply=company_reply, target=company_target),
    mutation(AllocateReinvestment, BUSINESS, reply=company_reply, target=company_target),
    mutation(ReverseReinvestment, BUSINESS, reply=company_reply, target=company_target),
)
