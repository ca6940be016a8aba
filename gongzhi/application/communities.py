"""小区 community commands: register, the estate hierarchy, management mode."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from gongzhi.application.base import Done, GongzhiBase, Meta, business_today
from gongzhi.domain.community import Community
from gongzhi.domain.company import PropertyCompany


@dataclass(frozen=True)
class CommunityFacts:
    """What access decisions need to know about a community, as plain data."""

    id: UUID
    district: str
    serving_company_id: UUID | None


class CommunityService(GongzhiBase):
    def register_community(
        self,
        meta: Meta,
        *,
        name: str,
        district: str,
        street: str,
        address: str = "",
        year_built: int | None = None,
        renovation_completed_on: date | None = None,
        renovation_items: list[dict[str, str]] | None = None,
        registered_on: date | None = None,
    ) -> Done:
        community = Community.register(
            name=name,
            district=district,
            street=street,
            address=address,
            year_built=year_built,
            renovation_completed_on=renovation_completed_on,
            renovation_items=renovation_items,
            registered_on=registered_on or business_today(),
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

    def rename_community(
        self, meta: Meta, community_id: UUID, name: str, expected_version: int | None = None
    ) -> Done:
        return self._change_community(
            meta, community_id, lambda c: c.rename(name), expected_version
        )

    def add_building(
        self,
        meta: Meta,
        community_id: UUID,
        *,
        number: str,
        floors: int,
        has_elevator: bool,
        entrance_numbers: list[str] | None = None,
    ) -> Done:
        return self._change_community(
            meta,
            community_id,
            lambda c: c.add_building(number, floors, has_elevator, entrance_numbers or []),
        )

    def add_entrance(self, meta: Meta, community_id: UUID, building_id: UUID, number: str) -> Done:
        return self._change_community(
            meta, community_id, lambda c: c.add_entrance(building_id, number)
        )

    def add_unit(
        self,
        meta: Meta,
        community_id: UUID,
        *,
        entrance_id: UUID,
        number: str,
        floor: int,
        area: Decimal | str,
        area_source: str,
    ) -> Done:
        return self._change_community(
            meta,
            community_id,
            lambda c: c.add_unit(entrance_id, number, floor, area, area_source),
        )

    def correct_unit_area(
        self,
        meta: Meta,
        community_id: UUID,
        unit_id: UUID,
        area: Decimal | str,
        area_source: str,
    ) -> Done:
        return self._change_community(
            meta, community_id, lambda c: c.correct_unit_area(unit_id, area, area_source)
        )

    def retire_unit(self, meta: Meta, community_id: UUID, unit_id: UUID) -> Done:
        return self._change_community(meta, community_id, lambda c: c.retire_unit(unit_id))

    def change_management_mode(
        self,
        meta: Meta,
        community_id: UUID,
        *,
        mode: str,
        company_id: UUID | None,
        effective_from: date,
    ) -> Done:
        if company_id is not None:
            self.load(PropertyCompany, company_id, "companyId")
        return self._change_community(
            meta,
            community_id,
            lambda c: c.change_management_mode(mode, company_id, effective_from),
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
