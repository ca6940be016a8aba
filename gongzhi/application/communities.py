"""小区 community commands: register, the estate hierarchy, management mode."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from gongzhi.application.base import Done, GongzhiBase, Meta, business_today
from gongzhi.application.commands import Command, handles
from gongzhi.application.fields import (
    Address,
    Area,
    BuildingId,
    CommunityId,
    CompanyId,
    Doc,
    EntranceId,
    Floor,
    Floors,
    Items,
    Label,
    Name,
    UnitId,
    Version,
    Year,
)
from gongzhi.domain.community import Community
from gongzhi.domain.company import PropertyCompany
from gongzhi.domain.values import AreaSource, ManagementMode, RenovationCategory


@dataclass(frozen=True)
class CommunityFacts:
    """What access decisions need to know about a community, as plain data."""

    id: UUID
    district: str
    serving_company_id: UUID | None


@dataclass(frozen=True)
class RenovationItem:
    category: RenovationCategory
    name: Name


@dataclass(frozen=True)
class RegisterCommunity(Command):
    """登记小区 register a community"""

    name: Name
    district: Name
    street: Name
    address: Address = ""
    year_built: Year | None = None
    renovation_completed_on: date | None = None
    renovation_items: Annotated[list[RenovationItem], Items(100)] = field(default_factory=list)
    registered_on: Annotated[
        date | None,
        Doc("Business date of registration; today (Asia/Shanghai) if omitted"),
    ] = None


@dataclass(frozen=True)
class RenameCommunity(Command):
    """Rename a community"""

    community_id: CommunityId
    name: Name
    expected_version: Version | None = None


@dataclass(frozen=True)
class AddBuilding(Command):
    """Add a 楼栋 and, optionally, its 单元"""

    community_id: CommunityId
    number: Label
    floors: Floors
    has_elevator: bool
    entrance_numbers: Annotated[list[Label], Items(100)] = field(default_factory=list)


@dataclass(frozen=True)
class AddEntrance(Command):
    """Add a 单元 to a building"""

    community_id: CommunityId
    building_id: BuildingId
    number: Label


@dataclass(frozen=True)
class AddUnit(Command):
    """Add a 户 with its exclusive area"""

    community_id: CommunityId
    entrance_id: EntranceId
    number: Label
    floor: Floor
    area: Area
    area_source: AreaSource


@dataclass(frozen=True)
class CorrectUnitArea(Command):
    """更正面积: correct a unit's area, saying why"""

    community_id: CommunityId
    unit_id: UnitId
    area: Area
    area_source: AreaSource


@dataclass(frozen=True)
class RetireUnit(Command):
    """Retire a unit (merged, demolished or entered by mistake)"""

    community_id: CommunityId
    unit_id: UnitId


@dataclass(frozen=True)
class ChangeManagementMode(Command):
    """管理模式 in force from a date on; a company only for PROFESSIONAL"""

    community_id: CommunityId
    mode: ManagementMode
    effective_from: date
    company_id: CompanyId | None = None


class CommunityService(GongzhiBase):
    @handles(RegisterCommunity)
    def register_community(self, meta: Meta, command: RegisterCommunity) -> Done:
        community = Community.register(
            name=command.name,
            district=command.district,
            street=command.street,
            address=command.address,
            year_built=command.year_built,
            renovation_completed_on=command.renovation_completed_on,
            renovation_items=[
                {"category": RenovationCategory(item.category).value, "name": item.name}
                for item in command.renovation_items
            ],
            registered_on=command.registered_on or business_today(),
        )
        return self.create(meta, community, "a community with this id already exists")

    def community(self, community_id: UUID) -> Community:
        return self.load(Community, community_id, "communityId")

    def community_facts(self, community_id: UUID) -> CommunityFacts:
        community = self.community(community_id)
        return CommunityFacts(
            id=community.id,
            district=community.district,
            serving_company_id=community.serving_company(business_today()),
        )

    @handles(RenameCommunity)
    def rename_community(self, meta: Meta, command: RenameCommunity) -> Done:
        return self._change_community(
            meta, command.community_id, lambda c: c.rename(command.name), command.expected_version
        )

    @handles(AddBuilding)
    def add_building(self, meta: Meta, command: AddBuilding) -> Done:
        return self._change_community(
            meta,
            command.community_id,
            lambda c: c.add_building(
                command.number, command.floors, command.has_elevator, command.entrance_numbers
            ),
        )

    @handles(AddEntrance)
    def add_entrance(self, meta: Meta, command: AddEntrance) -> Done:
        return self._change_community(
            meta,
            command.community_id,
            lambda c: c.add_entrance(command.building_id, command.number),
        )

    @handles(AddUnit)
    def add_unit(self, meta: Meta, command: AddUnit) -> Done:
        return self._change_community(
            meta,
            command.community_id,
            lambda c: c.add_unit(
                command.entrance_id,
                command.number,
                command.floor,
                command.area,
                AreaSource(command.area_source).value,
            ),
        )

    @handles(CorrectUnitArea)
    def correct_unit_area(self, meta: Meta, command: CorrectUnitArea) -> Done:
        return self._change_community(
            meta,
            command.community_id,
            lambda c: c.correct_unit_area(
                command.unit_id, command.area, AreaSource(command.area_source).value
            ),
        )

    @handles(RetireUnit)
    def retire_unit(self, meta: Meta, command: RetireUnit) -> Done:
        return self._change_community(
            meta, command.community_id, lambda c: c.retire_unit(command.unit_id)
        )

    @handles(ChangeManagementMode)
    def change_management_mode(self, meta: Meta, command: ChangeManagementMode) -> Done:
        company_id = command.company_id
        if company_id is not None:
            self.load(PropertyCompany, company_id, "companyId")
        mode = ManagementMode(command.mode).value
        return self._change_community(
            meta,
            command.community_id,
            lambda c: c.change_management_mode(mode, company_id, command.effective_from),
        )

    def _change_community(
        self,
        meta: Meta,
        community_id: UUID,
        command: Any,
        expected_version: int | None = None,
    ) -> Done:
        return self.change(
            meta,
            Community,
            community_id,
            command,
            field="communityId",
            expected_version=expected_version,
        )
