"""Reading property companies."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.fields import Kind, Ref
from gongzhi.graphql.companies.types import (
    COMPANY_SELECT,
    CompaniesResult,
    CompanyConnection,
    CompanyEdge,
    CompanyLookup,
    company_from_row,
)
from gongzhi.graphql.context import Context
from gongzhi.graphql.pagination import contains_pattern, encode_cursor, page_by_name
from gongzhi.graphql.params import Params
from gongzhi.graphql.permissions import company_scope
from gongzhi.graphql.reading import found, lookup

# A company is read more widely than it is referred to: committee members and residents see
# the companies serving their community (company_scope), though they name none in a command.
# So the argument is checked for existence only, and company_scope answers the rest.
ReadableCompanyArg = Annotated[strawberry.ID, Ref(Kind.COMPANY, public=True)]


async def fetch_company(context: Context, company_id: UUID) -> Any:
    params = Params([company_id])
    scope = company_scope(context.principal, "co", params)
    return await context.pool.fetchrow(f"{COMPANY_SELECT} WHERE co.id = $1 AND {scope}", *params)


@strawberry.type
class CompanyQueries:
    @strawberry.field(description="One property company you may see, by id")
    @lookup
    async def company(self, info: Info[Context, None], id: ReadableCompanyArg) -> CompanyLookup:
        row = found(await fetch_company(info.context, UUID(id)), "company")
        return company_from_row(row)

    @strawberry.field(description="Property companies you may see, by name (max 100 a page)")
    @lookup
    async def companies(
        self,
        info: Info[Context, None],
        name_contains: str | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> CompaniesResult:
        params = Params()
        conditions = [company_scope(info.context.principal, "co", params)]
        if name_contains:
            conditions.append(f"co.name ILIKE {params(contains_pattern(name_contains))}")
        rows, page_info = await page_by_name(
            info.context.pool, COMPANY_SELECT, "co", conditions, params, first, after
        )
        edges = [
            CompanyEdge(cursor=encode_cursor(row["name"], row["id"]), node=company_from_row(row))
            for row in rows
        ]
        return CompanyConnection(edges=edges, page_info=page_info)
