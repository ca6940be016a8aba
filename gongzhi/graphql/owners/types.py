"""GraphQL types of 业主/住户 persons, with personal data masked unless the role needs it."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from gongzhi.domain.person import CommunityRole
from gongzhi.domain.values import mask_id_number, mask_phone
from gongzhi.graphql.auth import Principal, Role
from gongzhi.graphql.errors import Conflict, Forbidden, NotFound, ValidationError
from gongzhi.graphql.pagination import PageInfo

# Who needs to call people: the platform and the property company serving them.
FULL_CONTACT_ROLES = {Role.PLATFORM_ADMIN, Role.COMPANY_STAFF}


@strawberry.type
class RoleHeld:
    role: CommunityRole
    community_id: strawberry.ID


@strawberry.type(description="业主/住户 a person; phone and ID number masked (138****1234)")
class Person:
    id: strawberry.ID
    name: str
    phone: str
    id_number: str = strawberry.field(description="身份证号, masked")
    roles: list[RoleHeld]
    version: int


@strawberry.type
class PersonConnection:
    persons: list[Person]
    page_info: PageInfo


@strawberry.type
class PersonPayload:
    person: Person | None
    position: str


PersonResult = Annotated[
    PersonPayload | ValidationError | NotFound | Conflict | Forbidden,
    strawberry.union("PersonResult"),
]
PersonsResult = Annotated[
    PersonConnection | ValidationError | NotFound, strawberry.union("PersonsResult")
]


def person_from_row(row: Any, principal: Principal) -> Person:
    full = principal.role in FULL_CONTACT_ROLES
    phone, id_number = row["phone"], row["id_number"]
    return Person(
        id=strawberry.ID(str(row["id"])),
        name=row["name"],
        phone=phone if full or not phone else mask_phone(phone),
        id_number=mask_id_number(id_number) if id_number else "",
        roles=[
            RoleHeld(role=CommunityRole(r["role"]), community_id=strawberry.ID(r["community_id"]))
            for r in (row["roles"] or [])
        ],
        version=row["version"],
    )
