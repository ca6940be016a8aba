"""Reading property companies."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.graphql.companies.types import (
    COMPANY_SELECT,
    CompaniesResult,
    CompanyConnection,
    CompanyEdge,
    CompanyLookup,
    company_from_row,
)
from gongzhi.graphql.context import Context, query_id
from gongzhi.graphql.errors import NotFound, Refused
from gongzhi.graphql.pagination import contains_pattern, encode_cursor, page_by_name
from gongzhi.graphql.permissions import company_scope


async def fetch_company(context: Context, company_id: UUID) -> Any:
    params: list[object] = [company_id]
    scope = company_scope(context.principal, "co", params)
    return await context.pool.fetchrow(f"{COMPANY_SELECT} WHERE co.id = $1 AND {scope}", *params)


@strawberry.type
class CompanyQueries:
    @strawberry.field(description="One property company you may see, by id")
    async def company(self, info: Info[Context, None], id: strawberry.ID) -> CompanyLookup:
        try:
            company_id = query_id(id, "id")
        except Refused as refused:
            return refused.problem  # type: ignore[return-value]
        row = await fetch_company(info.context, company_id)
        if row is None:
            return NotFound(field="id", message=f"no company with id {id} that you may see")
        return company_from_row(row)

    @strawberry.field(description="Property companies you may see, by name (max 100 a page)")
    async def companies(
        self,
        info: Info[Context, None],
        name_contains: str | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> CompaniesResult:
        params: list[object] = []
        conditions = [company_scope(info.context.principal, "co", params)]
        if name_contains:
            params.append(contains_pattern(name_contains))
            conditions.append(f"co.name ILIKE ${len(params)}")
        try:
            rows, page_info = await page_by_name(
                info.context.pool, COMPANY_SELECT, "co", conditions, params, first, after
            )
        except Refused as refused:
            return refused.problem  # type: ignore[return-value]
        edges = [
            CompanyEdge(cursor=encode_cursor(row["name"], row["id"]), node=company_from_row(row))
            for row in rows
        ]
        return CompanyConnection(edges=edges, page_info=page_info)
