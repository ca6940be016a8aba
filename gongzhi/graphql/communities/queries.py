"""Reading communities: one by id, and a filtered, keyset-paginated list."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.domain.values import ManagementMode
from gongzhi.graphql.communities.types import (
    CommunitiesResult,
    CommunityConnection,
    CommunityEdge,
    CommunityLookup,
    community_from_row,
)
from gongzhi.graphql.context import Context, query_id
from gongzhi.graphql.pagination import contains_pattern, encode_cursor, page_by_name
from gongzhi.graphql.params import Params
from gongzhi.graphql.permissions import community_scope
from gongzhi.graphql.reading import CommunityArg, found, lookup

# The management mode in force today, shaped in SQL beside each community row.
COMMUNITY_SELECT = """
SELECT c.*, cm.mode, cm.company_id, cm.effective_from, co.name AS company_name
FROM communities c
LEFT JOIN LATERAL management_on(c.id, (now() AT TIME ZONE 'Asia/Shanghai')::date) cm ON TRUE
LEFT JOIN companies co ON co.id = cm.company_id
"""


@strawberry.input(description="Filters for the community list; all optional, combined with AND")
class CommunityFilter:
    district: str | None = None
    street: str | None = None
    mode: ManagementMode | None = None
    name_contains: str | None = strawberry.field(default=None, description="Part of the name")


async def fetch_community(context: Context, community_id: UUID) -> Any:
    """The community row if it exists and the principal may see it, else None."""
    params = Params([community_id])
    scope = community_scope(context.principal, "c", params)
    return await context.pool.fetchrow(f"{COMMUNITY_SELECT} WHERE c.id = $1 AND {scope}", *params)


@strawberry.type
class CommunityQueries:
    @strawberry.field(description="One community you may see, by id")
    @lookup
    async def community(self, info: Info[Context, None], id: CommunityArg) -> CommunityLookup:
        row = found(await fetch_community(info.context, query_id(id, "id")), "community")
        return community_from_row(row)

    @strawberry.field(description="Communities you may see, by name, 20 at a time (max 100)")
    @lookup
    async def communities(
        self,
        info: Info[Context, None],
        filter: CommunityFilter | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> CommunitiesResult:
        param = Params()
        conditions = [community_scope(info.context.principal, "c", param)]
        if filter is not None:
            if filter.district:
                conditions.append(f"c.district = {param(filter.district)}")
            if filter.street:
                conditions.append(f"c.street = {param(filter.street)}")
            if filter.mode is not None:
                mode = ManagementMode(filter.mode).value
                conditions.append(f"coalesce(cm.mode, 'NONE') = {param(mode)}")
            if filter.name_contains:
                conditions.append(f"c.name ILIKE {param(contains_pattern(filter.name_contains))}")
        rows, page_info = await page_by_name(
            info.context.pool, COMMUNITY_SELECT, "c", conditions, param, first, after
        )
        edges = [
            CommunityEdge(
                cursor=encode_cursor(row["name"], row["id"]), node=community_from_row(row)
            )
            for row in rows
        ]
        return CommunityConnection(edges=edges, page_info=page_info)
