"""``viewer``: who the request's token speaks for, as the platform reads it today.

What a client shows its user (a console's menu, its name in the corner) comes from here, not
from decoding the token: the scope is the one narrowed to today's facts (``access.py``), so a
committee member whose term ended, or a resident who moved out, is shown as such."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from gongzhi.graphql.access import NO_COMMUNITY
from gongzhi.graphql.context import Context


@strawberry.type(description="The signed-in principal: role, name and scope as of today")
class Viewer:
    subject: str
    name: str
    role: str = strawberry.field(
        description="PLATFORM_ADMIN, REGULATOR, COMPANY_STAFF, COMMITTEE_MEMBER or RESIDENT"
    )
    districts: list[str]
    company_id: strawberry.ID | None
    community_id: strawberry.ID | None
    person_id: strawberry.ID | None
    unit_ids: list[strawberry.ID] = strawberry.field(
        description="A resident's own units: those the person owns or lives in today"
    )
    expires_at: datetime | None
    lapsed: bool = strawberry.field(
        description="Nothing the token claims holds today (a seat ended, no home left)"
    )


def _id(value: object) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


@strawberry.type
class ViewerQueries:
    @strawberry.field(
        description="我: the signed-in principal, its role and scope as the platform reads "
        "them today (every role; only ever oneself)"
    )
    def viewer(self, info: Info[Context, None]) -> Viewer:
        principal = info.context.principal
        return Viewer(
            subject=principal.subject,
            name=principal.name,
            role=principal.role.value,
            districts=list(principal.districts),
            company_id=_id(principal.company_id),
            # A seat that ended opens no community (access.py narrows it to none).
            community_id=_id(
                None if principal.community_id == NO_COMMUNITY else principal.community_id
            ),
            person_id=_id(principal.person_id),
            unit_ids=[strawberry.ID(str(unit)) for unit in principal.unit_ids],
            expires_at=principal.expires_at,
            lapsed=principal.lapsed,
        )
