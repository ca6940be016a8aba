"""Registering persons; ownership (取得/交付/过户), residence and roles in a community."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from fractions import Fraction
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.base import Done, Meta
from gongzhi.domain.errors import InvalidValue
from gongzhi.domain.person import CommunityRole
from gongzhi.graphql.communities.queries import fetch_community
from gongzhi.graphql.communities.types import CommunityPayload, CommunityResult, community_from_row
from gongzhi.graphql.context import Context, community_target, execute_on, parse_id
from gongzhi.graphql.owners.queries import fetch_person
from gongzhi.graphql.owners.types import (
    CommunityRoleType,
    PersonPayload,
    PersonResult,
    person_from_row,
)
from gongzhi.graphql.permissions import Action, Target


@strawberry.input(description="登记人员: name required; phone and 身份证号 optional, validated")
class RegisterPersonInput:
    name: str
    reason: str
    phone: str = ""
    id_number: str = ""


@strawberry.input
class OwnerShareInput:
    person_id: strawberry.ID
    share: str = strawberry.field(default="1", description="共有份额 as a fraction, e.g. 1/2")


@strawberry.input(
    description="业主 of a unit from a date: first owner, delivery or transfer (过户)"
)
class RecordOwnershipInput:
    community_id: strawberry.ID
    unit_id: strawberry.ID
    owners: list[OwnerShareInput]
    on: datetime.date
    reason: str


@strawberry.input(description="The developer (建设单位) holds the unit: unsold or undelivered")
class HoldByDeveloperInput:
    community_id: strawberry.ID
    unit_id: strawberry.ID
    on: datetime.date
    reason: str


@strawberry.input(description="住户 moving in or out of a unit")
class ResidenceInput:
    community_id: strawberry.ID
    unit_id: strawberry.ID
    person_id: strawberry.ID
    on: datetime.date
    reason: str


@strawberry.input
class RoleInput:
    person_id: strawberry.ID
    community_id: strawberry.ID
    role: CommunityRoleType  # type: ignore[valid-type]
    reason: str


def shares(owners: list[OwnerShareInput]) -> list[tuple[UUID, Fraction]]:
    result = []
    for index, owner in enumerate(owners):
        try:
            share = Fraction(owner.share.strip())
        except (ValueError, ZeroDivisionError):
            raise InvalidValue(f"owners.{index}.share", "must be a fraction like 1/2") from None
        result.append((parse_id(owner.person_id, f"owners.{index}.personId"), share))
    return result


async def _community_reply(context: Context, done: Done) -> CommunityPayload:
    row = await fetch_community(context, done.id)
    return CommunityPayload(
        community=community_from_row(row) if row else None,
        part_id=None,
        position=str(done.position),
    )


async def _on_community(
    info: Info[Context, None],
    community_id: strawberry.ID,
    reason: str,
    command: Callable[[Meta, UUID], Done],
) -> CommunityResult:
    context = info.context
    return await execute_on(  # type: ignore[return-value]
        context,
        Action.EDIT_OWNERS,
        community_target(context, community_id),
        community_id,
        "communityId",
        command,
        reason,
        lambda done: _community_reply(context, done),
    )


async def _person_reply(context: Context, done: Done) -> PersonPayload:
    row = await fetch_person(context, done.id)
    return PersonPayload(
        person=person_from_row(row, context.principal) if row else None,
        position=str(done.position),
    )


@strawberry.type
class OwnerMutations:
    @strawberry.mutation(description="登记人员 register a person (owner, resident, role holder)")
    async def register_person(
        self, info: Info[Context, None], input: RegisterPersonInput
    ) -> PersonResult:
        context = info.context
        return await context.execute(  # type: ignore[return-value]
            Action.REGISTER_PERSON,
            Target,
            lambda meta: context.app.register_person(
                meta, name=input.name, phone=input.phone, id_number=input.id_number
            ),
            input.reason,
            lambda done: _person_reply(context, done),
        )

    @strawberry.mutation(description="取得/交付/过户: record a unit's owners from a date")
    async def record_ownership(
        self, info: Info[Context, None], input: RecordOwnershipInput
    ) -> CommunityResult:
        return await _on_community(
            info,
            input.community_id,
            input.reason,
            lambda meta, cid: info.context.app.record_ownership(
                meta, cid, parse_id(input.unit_id, "unitId"), shares(input.owners), input.on
            ),
        )

    @strawberry.mutation(description="The developer holds a unit (unsold or undelivered)")
    async def hold_by_developer(
        self, info: Info[Context, None], input: HoldByDeveloperInput
    ) -> CommunityResult:
        return await _on_community(
            info,
            input.community_id,
            input.reason,
            lambda meta, cid: info.context.app.hold_by_developer(
                meta, cid, parse_id(input.unit_id, "unitId"), input.on
            ),
        )

    @strawberry.mutation(description="住户 moves in")
    async def move_in(self, info: Info[Context, None], input: ResidenceInput) -> CommunityResult:
        return await _on_community(
            info,
            input.community_id,
            input.reason,
            lambda meta, cid: info.context.app.move_in(
                meta,
                cid,
                parse_id(input.unit_id, "unitId"),
                parse_id(input.person_id, "personId"),
                input.on,
            ),
        )

    @strawberry.mutation(description="住户 moves out")
    async def move_out(self, info: Info[Context, None], input: ResidenceInput) -> CommunityResult:
        return await _on_community(
            info,
            input.community_id,
            input.reason,
            lambda meta, cid: info.context.app.move_out(
                meta,
                cid,
                parse_id(input.unit_id, "unitId"),
                parse_id(input.person_id, "personId"),
                input.on,
            ),
        )

    @strawberry.mutation(description="楼栋长/网格员/党员/党员中心户: grant a role in a community")
    async def grant_role(self, info: Info[Context, None], input: RoleInput) -> PersonResult:
        return await _role(info, input, grant=True)

    @strawberry.mutation
    async def revoke_role(self, info: Info[Context, None], input: RoleInput) -> PersonResult:
        return await _role(info, input, grant=False)


async def _role(info: Info[Context, None], input: RoleInput, *, grant: bool) -> PersonResult:
    context = info.context
    app = context.app
    role = CommunityRole(input.role).value

    def command(meta: Meta) -> Done:
        person = parse_id(input.person_id, "personId")
        community = parse_id(input.community_id, "communityId")
        if grant:
            return app.grant_role(meta, person, role, community)
        return app.revoke_role(meta, person, role, community)

    return await context.execute(  # type: ignore[return-value]
        Action.EDIT_OWNERS,
        community_target(context, input.community_id),
        command,
        input.reason,
        lambda done: _person_reply(context, done),
    )
