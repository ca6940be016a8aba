"""GraphQL types of 业主/住户 persons, with personal data masked unless the role needs it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

import strawberry

from gongzhi.domain.person import CommunityRole
from gongzhi.domain.values import mask_id_number, mask_phone
from gongzhi.graphql.auth import Role
from gongzhi.graphql.context import Context
from gongzhi.graphql.errors import Conflict, Forbidden, NotFound, ValidationError
from gongzhi.graphql.pagination import PageInfo
from gongzhi.graphql.personal_data import opener, record_access

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
    erased: bool = strawberry.field(
        description="个人信息已删除: the person's personal data was erased (name reads 已删除)"
    )


@strawberry.type
class PersonConnection:
    persons: list[Person]
    page_info: PageInfo


@strawberry.type
class PersonPayload:
    person: Person | None
    position: str


@strawberry.type(description="个人信息删除 of a record's free text: recorded, its key destroyed")
class RecordTextErasedPayload:
    record_id: strawberry.ID
    position: str


@strawberry.type(description="个人信息查阅: one response that showed a person's unmasked field")
class PersonalDataAccess:
    at: datetime
    actor: str
    actor_role: str
    person_id: strawberry.ID
    field: str = strawberry.field(description="phone or id_number")


@strawberry.type
class PersonalDataAccessConnection:
    entries: list[PersonalDataAccess]
    page_info: PageInfo


PersonalDataAccessResult = Annotated[
    PersonalDataAccessConnection | ValidationError | NotFound | Forbidden,
    strawberry.union("PersonalDataAccessResult"),
]

PersonResult = Annotated[
    PersonPayload | ValidationError | NotFound | Conflict | Forbidden,
    strawberry.union("PersonResult"),
]
PersonsResult = Annotated[
    PersonConnection | ValidationError | NotFound, strawberry.union("PersonsResult")
]


async def persons_from_rows(context: Context, rows: Sequence[Any]) -> list[Person]:
    """Persons of ``persons`` view rows, their personal data opened and masked for the reader;
    every phone shown unmasked is recorded in the access log. The one place that unmasks."""
    principal = context.principal
    full = principal.role in FULL_CONTACT_ROLES
    opened = await opener(context, persons=(row["id"] for row in rows))
    persons, shown = [], []
    for row in rows:
        phone, id_number = opened(row["phone"], "phone"), opened(row["id_number"], "id_number")
        if full and phone:
            shown.append((row["id"], "phone"))
        persons.append(
            Person(
                id=strawberry.ID(str(row["id"])),
                name=opened(row["name"], "name"),
                phone=phone if full or not phone else mask_phone(phone),
                id_number=mask_id_number(id_number) if id_number else "",
                roles=[
                    RoleHeld(
                        role=CommunityRole(r["role"]), community_id=strawberry.ID(r["community_id"])
                    )
                    for r in (row["roles"] or [])
                ],
                version=row["version"],
                erased=row["erased"] or opened.erased(row["name"]),
            )
        )
    await record_access(context, shown)
    return persons
