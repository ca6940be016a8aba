"""Registering and renaming property companies."""

from __future__ import annotations

from gongzhi.application.base import Done
from gongzhi.application.commands import Command
from gongzhi.application.companies import RegisterCompany, RenameCompany
from gongzhi.graphql.commands import mutation, mutations
from gongzhi.graphql.companies.queries import fetch_company
from gongzhi.graphql.companies.types import CompanyPayload, company_from_row
from gongzhi.graphql.context import Context
from gongzhi.graphql.permissions import Action


async def company_reply(context: Context, done: Done, _: Command) -> CompanyPayload:
    row = await fetch_company(context, done.id)
    return CompanyPayload(
        company=company_from_row(row) if row else None, position=str(done.position)
    )


CompanyMutations = mutations(
    "CompanyMutations",
    # A company is registered by a regulator (or the platform): it belongs to no one yet.
    mutation(RegisterCompany, Action.REGISTER_COMPANY, reply=company_reply, target=None),
    mutation(RenameCompany, Action.EDIT_COMPANY, reply=company_reply, target="company_id"),
)
