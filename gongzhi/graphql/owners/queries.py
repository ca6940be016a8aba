"""Reading persons: the owners, residents and role holders of a community."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.graphql.context import Context, query_id
from gongzhi.graphql.errors import NotFound, Refused, invalid
from gongzhi.graphql.owners.types import PersonConnection, PersonsResult, person_from_row
from gongzhi.graphql.pagination import PageInfo, cursor_id, decode_cursor, encode_cursor, page_size
from gongzhi.graphql.permissions import community_scope

PERSON_SELECT = """
SELECT p.*, (
    SELECT json_agg(json_build_object('role', r.role, 'community_id', r.community_id::text))
    FROM person_roles r WHERE r.person_id = p.id AND r.active
) AS roles
FROM persons p
"""

# Persons linked to a community: owners of its units, residents, role holders.
IN_COMMUNITY = """p.id IN (
    SELECT (o->>'person_id')::uuid FROM units u, jsonb_array_elements(u.owners) o
    WHERE u.community_id = {c} AND NOT u.retired
    UNION SELECT person_id FROM unit_residents WHERE community_id = {c} AND active
    UNION SELECT person_id FROM person_roles WHERE community_id = {c} AND active
)"""


async def fetch_person(context: Context, person_id: UUID) -> Any:
    """A person the principal may see: linked to a community in the principal's scope.

    A person registered but not yet linked to any community is visible to whoever may
    register persons, so the roster can be completed."""
    params: list[object] = [person_id]
    scope = community_scope(context.principal, "c", params)
    linked = (
        f"EXISTS (SELECT 1 FROM communities c WHERE {scope} AND {IN_COMMUNITY.format(c='c.id')})"
    )
    unlinked = f"NOT EXISTS (SELECT 1 FROM communities c WHERE {IN_COMMUNITY.format(c='c.id')})"
    return await context.pool.fetchrow(
        f"{PERSON_SELECT} WHERE p.id = $1 AND ({linked} OR {unlinked})", *params
    )


@strawberry.type
class PersonQueries:
    @strawberry.field(description="业主、住户和角色: persons linked to a community, by name")
    async def persons(
        self,
        info: Info[Context, None],
        community_id: strawberry.ID,
        name_contains: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> PersonsResult:
        try:
            community = query_id(community_id, "communityId")
            limit = page_size(first)
            key = decode_cursor(after, 2)
        except Refused as refused:
            return refused.problem  # type: ignore[return-value]
        params: list[object] = [community]
        scope = community_scope(info.context.principal, "c", params)
        visible = await info.context.pool.fetchval(
            f"SELECT 1 FROM communities c WHERE c.id = $1 AND {scope}", *params
        )
        if not visible:
            return NotFound(field="communityId", message="no such community that you may see")
        params = [community]
        conditions = [IN_COMMUNITY.format(c="$1")]
        if name_contains:
            params.append("%" + name_contains.replace("%", "\\%") + "%")
            conditions.append(f"p.name ILIKE ${len(params)}")
        if key is not None:
            after_id = cursor_id(key[1])
            if after_id is None:
                return invalid("after", "is not a cursor this API issued")
            params.extend([key[0], after_id])
            conditions.append(f"(p.name, p.id) > (${len(params) - 1}, ${len(params)}::uuid)")
        params.append(limit + 1)
        rows = await info.context.pool.fetch(
            f"{PERSON_SELECT} WHERE {' AND '.join(conditions)} "
            f"ORDER BY p.name, p.id LIMIT ${len(params)}",
            *params,
        )
        page = rows[:limit]
        principal = info.context.principal
        return PersonConnection(
            persons=[person_from_row(row, principal) for row in page],
            page_info=PageInfo(
                has_next_page=len(rows) > limit,
                end_cursor=encode_cursor(page[-1]["name"], page[-1]["id"]) if page else None,
            ),
        )
