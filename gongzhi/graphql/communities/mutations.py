"""Changing communities: register, rename, the estate hierarchy, management mode."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.base import Done, Meta
from gongzhi.domain.values import AreaSource, ManagementMode, RenovationCategory
from gongzhi.graphql.communities.queries import fetch_community
from gongzhi.graphql.communities.types import (
    AreaSourceType,
    CommunityPayload,
    CommunityResult,
    ManagementModeType,
    RenovationCategoryType,
    community_from_row,
)
from gongzhi.graphql.context import Context, community_target, execute_on, parse_id
from gongzhi.graphql.permissions import Action, Target


@strawberry.input
class RenovationItemInput:
    category: RenovationCategoryType  # type: ignore[valid-type]
    name: str


@strawberry.input(description="登记小区 register a community")
class RegisterCommunityInput:
    name: str
    district: str
    street: str
    reason: str
    address: str = ""
    year_built: int | None = None
    renovation_completed_on: datetime.date | None = None
    renovation_items: list[RenovationItemInput] = strawberry.field(default_factory=list)
    registered_on: datetime.date | None = strawberry.field(
        default=None, description="Business date of registration; today (Asia/Shanghai) if omitted"
    )


@strawberry.input
class RenameCommunityInput:
    community_id: strawberry.ID
    name: str
    reason: str
    expected_version: int | None = None


@strawberry.input(description="Add a 楼栋 and, optionally, its 单元")
class AddBuildingInput:
    community_id: strawberry.ID
    number: str
    floors: int
    has_elevator: bool
    reason: str
    entrance_numbers: list[str] = strawberry.field(default_factory=list)


@strawberry.input(description="Add a 单元 to a building")
class AddEntranceInput:
    community_id: strawberry.ID
    building_id: strawberry.ID
    number: str
    reason: str


@strawberry.input(description="Add a 户 with its exclusive area")
class AddUnitInput:
    community_id: strawberry.ID
    entrance_id: strawberry.ID
    number: str
    floor: int
    area: Decimal
    area_source: AreaSourceType  # type: ignore[valid-type]
    reason: str


@strawberry.input(description="更正面积: correct a unit's area, saying why")
class CorrectUnitAreaInput:
    community_id: strawberry.ID
    unit_id: strawberry.ID
    area: Decimal
    area_source: AreaSourceType  # type: ignore[valid-type]
    reason: str


@strawberry.input
class RetireUnitInput:
    community_id: strawberry.ID
    unit_id: strawberry.ID
    reason: str


@strawberry.input(description="管理模式 from a date on; a company only for PROFESSIONAL")
class ChangeManagementModeInput:
    community_id: strawberry.ID
    mode: ManagementModeType  # type: ignore[valid-type]
    effective_from: datetime.date
    reason: str
    company_id: strawberry.ID | None = None


async def _change(
    info: Info[Context, None],
    action: Action,
    community_id: strawberry.ID,
    reason: str,
    command: Callable[[Meta, UUID], Done],
) -> CommunityResult:
    context = info.context
    return await execute_on(  # type: ignore[return-value]
        context,
        action,
        community_target(context, community_id),
        community_id,
        "communityId",
        command,
        reason,
        lambda done: _reply(context, done),
    )


async def _reply(context: Context, done: Done) -> CommunityPayload:
    row = await fetch_community(context, done.id)
    return CommunityPayload(
        community=community_from_row(row) if row else None,
        part_id=strawberry.ID(str(done.part_id)) if done.part_id else None,
        position=str(done.position),
    )


@strawberry.type
class CommunityMutations:
    @strawberry.mutation(description="登记小区 register a community")
    async def register_community(
        self, info: Info[Context, None], input: RegisterCommunityInput
    ) -> CommunityResult:
        context = info.context
        return await context.execute(  # type: ignore[return-value]
            Action.REGISTER_COMMUNITY,
            lambda: Target(district=input.district.strip()),
            lambda meta: context.app.register_community(
                meta,
                name=input.name,
                district=input.district,
                street=input.street,
                address=input.address,
                year_built=input.year_built,
                renovation_completed_on=input.renovation_completed_on,
                renovation_items=[
                    {"category": RenovationCategory(item.category).value, "name": item.name}
                    for item in input.renovation_items
                ],
                registered_on=input.registered_on,
            ),
            input.reason,
            lambda done: _reply(context, done),
        )

    @strawberry.mutation
    async def rename_community(
        self, info: Info[Context, None], input: RenameCommunityInput
    ) -> CommunityResult:
        return await _change(
            info,
            Action.EDIT_COMMUNITY,
            input.community_id,
            input.reason,
            lambda meta, cid: info.context.app.rename_community(
                meta, cid, input.name, input.expected_version
            ),
        )

    @strawberry.mutation
    async def add_building(
        self, info: Info[Context, None], input: AddBuildingInput
    ) -> CommunityResult:
        return await _change(
            info,
            Action.EDIT_COMMUNITY,
            input.community_id,
            input.reason,
            lambda meta, cid: info.context.app.add_building(
                meta,
                cid,
                number=input.number,
                floors=input.floors,
                has_elevator=input.has_elevator,
                entrance_numbers=list(input.entrance_numbers),
            ),
        )

    @strawberry.mutation
    async def add_entrance(
        self, info: Info[Context, None], input: AddEntranceInput
    ) -> CommunityResult:
        return await _change(
            info,
            Action.EDIT_COMMUNITY,
            input.community_id,
            input.reason,
            lambda meta, cid: info.context.app.add_entrance(
                meta, cid, parse_id(input.building_id, "buildingId"), input.number
            ),
        )

    @strawberry.mutation
    async def add_unit(self, info: Info[Context, None], input: AddUnitInput) -> CommunityResult:
        return await _change(
            info,
            Action.EDIT_COMMUNITY,
            input.community_id,
            input.reason,
            lambda meta, cid: info.context.app.add_unit(
                meta,
                cid,
                entrance_id=parse_id(input.entrance_id, "entranceId"),
                number=input.number,
                floor=input.floor,
                area=input.area,
                area_source=AreaSource(input.area_source).value,
            ),
        )

    @strawberry.mutation
    async def correct_unit_area(
        self, info: Info[Context, None], input: CorrectUnitAreaInput
    ) -> CommunityResult:
        return await _change(
            info,
            Action.EDIT_COMMUNITY,
            input.community_id,
            input.reason,
            lambda meta, cid: info.context.app.correct_unit_area(
                meta,
                cid,
                parse_id(input.unit_id, "unitId"),
                input.area,
                AreaSource(input.area_source).value,
            ),
        )

    @strawberry.mutation
    async def retire_unit(
        self, info: Info[Context, None], input: RetireUnitInput
    ) -> CommunityResult:
        return await _change(
            info,
            Action.EDIT_COMMUNITY,
            input.community_id,
            input.reason,
            lambda meta, cid: info.context.app.retire_unit(
                meta, cid, parse_id(input.unit_id, "unitId")
            ),
        )

    @strawberry.mutation(description="Record the 管理模式 in force from a date")
    async def change_management_mode(
        self, info: Info[Context, None], input: ChangeManagementModeInput
    ) -> CommunityResult:
        return await _change(
            info,
            Action.CHANGE_MANAGEMENT_MODE,
            input.community_id,
            input.reason,
            lambda meta, cid: info.context.app.change_management_mode(
                meta,
                cid,
                mode=ManagementMode(input.mode).value,
                company_id=parse_id(input.company_id, "companyId") if input.company_id else None,
                effective_from=input.effective_from,
            ),
        )
