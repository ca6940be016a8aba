"""Reading persons: the owners, residents and role holders of a community."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.graphql.auth import Principal, Role
from gongzhi.graphql.context import Context
from gongzhi.graphql.owners.types import (
    PersonalDataAccess,
    PersonalDataAccessConnection,
    PersonalDataAccessResult,
    PersonConnection,
    PersonsResult,
    persons_from_rows,
)
from gongzhi.graphql.pagination import Key, keyset_page
from gongzhi.graphql.params import Params
from gongzhi.graphql.permissions import Action, Target, community_scope
from gongzhi.graphql.personal_data import key_ring
from gongzhi.graphql.reading import CommunityArg, PersonArg, lookup, require
from gongzhi.graphql.references import PERSON_COMMUNITIES

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
    # From the person's links to the communities, not from each community's persons to the
    # person: the latter reads every unit of every community (of the whole platform for an
    # unlinked person).
    links = PERSON_COMMUNITIES.format(p="p.id")
    linked = f"EXISTS (SELECT 1 FROM communities c WHERE {scope} AND c.id IN ({links}))"
    unlinked = (
        "(p.registered_by = $2 OR $3) AND NOT EXISTS "
        f"(SELECT 1 FROM communities c WHERE c.id IN ({links}))"
    )
    own = resident_filter(principal, params)
    return await context.pool.fetchrow(
        f"{PERSON_SELECT} WHERE p.id = $1 AND ({linked} OR {unlinked}) AND {own}", *params
    )


@strawberry.type
class PersonQueries:
    @strawberry.field(
        description="业主、住户和角色: persons linked to a community, in the order registered; "
        "`name` finds a person by the exact name (names are stored encrypted: no partial match)"
    )
    @lookup
    async def persons(
        self,
        info: Info[Context, None],
        community_id: CommunityArg,
        name: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> PersonsResult:
        param = Params([UUID(community_id)])
        principal = info.context.principal
        conditions = [IN_COMMUNITY.format(c="$1"), resident_filter(principal, param)]
        if name and name.strip():
            digest = key_ring(info.context).digest(name)
            conditions.append(
                f"p.id IN (SELECT person_id FROM person_keys WHERE name_digest = {param(digest)})"
            )
        rows, page_info = await keyset_page(
            info.context.pool,
            PERSON_SELECT,
            conditions,
            param,
            (Key("p.registered_at", "registered_at", "timestamptz"), Key("p.id", "id", "uuid")),
            first,
            after,
        )
        return PersonConnection(
            persons=await persons_from_rows(info.context, rows), page_info=page_info
        )

    @strawberry.field(
        description="个人信息查阅记录: who was shown a person's unmasked phone or ID number, and "
        "when, newest first (platform admin); with `personId`, that person's own record"
    )
    @lookup
    async def personal_data_access(
        self,
        info: Info[Context, None],
        person_id: PersonArg | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> PersonalDataAccessResult:
        require(info.context.principal, Action.READ_PERSONAL_DATA_ACCESS, Target())
        params = Params([])
        conditions = []
        if person_id is not None:
            conditions.append(f"a.person_id = {params(UUID(person_id))}")
        rows, page_info = await keyset_page(
            info.context.pool,
            "SELECT a.* FROM personal_data_access a",
            conditions,
            params,
            (Key("a.at", "at", "timestamptz"), Key("a.id", "id", "bigint")),
            first,
            after,
            descending=True,
        )
        return PersonalDataAccessConnection(
            entries=[
                PersonalDataAccess(
                    at=row["at"],
                    actor=row["actor"],
                    actor_role=row["actor_role"],
                    person_id=strawberry.ID(str(row["person_id"])),
                    field=row["field"],
                )
                for row in rows
            ],
            page_info=page_info,
        )
