"""Registering and renaming property companies."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from gongzhi.application.base import Done
from gongzhi.graphql.companies.queries import fetch_company
from gongzhi.graphql.companies.types import CompanyPayload, CompanyResult, company_from_row
from gongzhi.graphql.context import Context, parse_id
from gongzhi.graphql.permissions import Action, Target


@strawberry.input(description="登记物业服务企业")
class RegisterCompanyInput:
    name: str
    credit_code: str = strawberry.field(description="统一社会信用代码, 18 characters (GB 32100)")
    reason: str


@strawberry.input
class RenameCompanyInput:
    company_id: strawberry.ID
    name: str
    reason: str
    expected_version: int | None = None


async def _reply(context: Context, done: Done) -> CompanyPayload:
    row = await fetch_company(context, done.id)
    return CompanyPayload(
        company=company_from_row(row) if row else None, position=str(done.position)
    )


@strawberry.type
class CompanyMutations:
    @strawberry.mutation(description="登记物业服务企业 register a property company")
    async def register_company(
        self, info: Info[Context, None], input: RegisterCompanyInput
    ) -> CompanyResult:
        context = info.context
        return await context.execute(  # type: ignore[return-value]
            Action.REGISTER_COMPANY,
            Target,
            lambda meta: context.app.register_company(
                meta, name=input.name, credit_code=input.credit_code
            ),
            input.reason,
            lambda done: _reply(context, done),
        )

    @strawberry.mutation
    async def rename_company(
        self, info: Info[Context, None], input: RenameCompanyInput
    ) -> CompanyResult:
        context = info.context
        return await context.execute(  # type: ignore[return-value]
            Action.EDIT_COMPANY,
            lambda: Target(company_id=parse_id(input.company_id, "companyId")),
            lambda meta: context.app.rename_company(
                meta, parse_id(input.company_id, "companyId"), input.name, input.expected_version
            ),
            input.reason,
            lambda done: _reply(context, done),
        )
