"""Reading persons: the owners, residents and role holders of a community."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.graphql.auth import Principal, Role
from gongzhi.graphql.context import Context
from gongzhi.graphql.owners.types import PersonConnection, PersonsResult, person_from_row
from gongzhi.graphql.pagination import contains_pattern, page_by_name
from gongzhi.graphql.params import Params
from gongzhi.graphql.permissions import community_scope
from gongzhi.graphql.reading import CommunityArg, lookup

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

# A resident sees the persons of the resident's own units only (their owners and residents),
# never the neighbours: names and phones of a whole community are not a resident's business.
OF_UNITS = """p.id IN (
    SELECT (o->>'person_id')::uuid FROM units u, jsonb_array_elements(u.owners) o
    WHERE u.id = ANY({units}) AND NOT u.retired
    UNION SELECT person_id FROM unit_residents WHERE unit_id = ANY({units}) AND active
)"""


def resident_filter(principal: Principal, params: list[object]) -> str:
    """The SQL condition on persons ``p`` that limits a resident to the own units' persons;
    TRUE for every other role (their scope is the community's, checked by the caller)."""
    if principal.role is not Role.RESIDENT:
        return "TRUE"
    params.append(list(principal.unit_ids))
    return OF_UNITS.format(units=f"${len(params)}::uuid[]")


async def fetch_person(context: Context, person_id: UUID) -> Any:
    """A person the principal may see: linked to a community in the principal's scope.

    A person registered but not yet linked to any community is visible to whoever registered
    the person (and the platform), so the roster can be completed, and to no other tenant."""
    principal = context.principal
    params: list[object] = [person_id, principal.subject, principal.role is Role.PLATFORM_ADMIN]
    scope = community_scope(principal, "c", params)
    linked = (
        f"EXISTS (SELECT 1 FROM communities c WHERE {scope} AND {IN_COMMUNITY.format(c='c.id')})"
    )
    unlinked = (
        "(p.registered_by = $2 OR $3) AND NOT EXISTS "
        f"(SELECT 1 FROM communities c WHERE {IN_COMMUNITY.format(c='c.id')})"
    )
    own = resident_filter(principal, params)
    return await context.pool.fetchrow(
        f"{PERSON_SELECT} WHERE p.id = $1 AND ({linked} OR {unlinked}) AND {own}", *params
    )


@strawberry.type
class PersonQueries:
    @strawberry.field(description="业主、住户和角色: persons linked to a community, by name")
    @lookup
    async def persons(
        self,
        info: Info[Context, None],
        community_id: CommunityArg,
        name_contains: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> PersonsResult:
        param = Params([UUID(community_id)])
        principal = info.context.principal
        conditions = [IN_COMMUNITY.format(c="$1"), resident_filter(principal, param)]
        if name_contains:
            conditions.append(f"p.name ILIKE {param(contains_pattern(name_contains))}")
        rows, page_info = await page_by_name(
            info.context.pool, PERSON_SELECT, "p", conditions, param, first, after
        )
        return PersonConnection(
            persons=[person_from_row(row, principal) for row in rows], page_info=page_info
        )
