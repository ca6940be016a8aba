"""Two tenants with one thing of every kind an input can name (the scope matrix and the bounds
tests build on them): 幸福里 in 红塔区, served by 甲物业, and 和平苑 in 江川区, served by 乙物业."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

import pytest

from gongzhi.application.base import Meta
from gongzhi.application.communities import (
    AddBuilding,
    AddUnit,
    ChangeManagementMode,
    RegisterCommunity,
)
from gongzhi.application.fields import Kind
from gongzhi.application.owners import MoveIn, OwnerShare, RecordOwnership, RegisterPerson
from gongzhi.demo import credit_code
from gongzhi.domain.values import AreaSource, ManagementMode
from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import Api

META = Meta(actor="matrix", reason="两个租户", actor_role="PLATFORM_ADMIN")


@dataclass
class Tenant:
    community: UUID
    district: str
    company: UUID
    unit: UUID
    things: dict[Kind, str] = field(default_factory=dict)
    # Kinds of things that hang on a company alone (no community, no district): every
    # regulator may name them, as every regulator may register and evaluate companies.
    company_level: set[Kind] = field(default_factory=lambda: {Kind.COMPANY})
    # Personal data that must never reach another tenant.
    personal: list[str] = field(default_factory=list)

    def principals(self) -> dict[str, Principal]:
        return {
            "staff": Principal(
                subject=f"staff-{self.district}", role=Role.COMPANY_STAFF, company_id=self.company
            ),
            "committee": Principal(
                subject=f"ywh-{self.district}",
                role=Role.COMMITTEE_MEMBER,
                community_id=self.community,
            ),
            "resident": Principal(
                subject=f"owner-{self.district}", role=Role.RESIDENT, unit_ids=(self.unit,)
            ),
            "regulator": Principal(
                subject=f"reg-{self.district}", role=Role.REGULATOR, districts=(self.district,)
            ),
        }


def build_tenant(api: Api, name: str, district: str, credit_code: str, tag: str) -> Tenant:
    """A community with one thing of every kind an input can name."""
    app = api.platform.app
    company = app.register_company(META, name=f"{tag}物业", credit_code=credit_code).id
    community = app.register_community(
        META,
        RegisterCommunity(
            name=name, district=district, street="街道", registered_on=date(2024, 1, 1)
        ),
    ).id
    app.change_management_mode(
        META,
        ChangeManagementMode(
            community_id=community,
            mode=ManagementMode.PROFESSIONAL,
            company_id=company,
            effective_from=date(2024, 1, 1),
        ),
    )
    building = app.add_building(
        META,
        AddBuilding(
            community_id=community,
            number="1栋",
            floors=6,
            has_elevator=True,
            entrance_numbers=["1单元"],
        ),
    ).part_id
    assert building is not None
    entrance = next(iter(app.community(community).buildings[building].entrances))
    unit = app.add_unit(
        META,
        AddUnit(
            community_id=community,
            entrance_id=entrance,
            number="101",
            floor=1,
            area="88.50",
            area_source=AreaSource.REGISTER,
        ),
    ).part_id
    assert unit is not None
    owner_name, phone = f"{tag}方业主", f"139{abs(hash(tag)) % 10**8:08d}"
    owner = app.register_person(META, RegisterPerson(name=owner_name, phone=phone)).id
    app.record_ownership(
        META,
        RecordOwnership(
            community_id=community, unit_id=unit, owners=[OwnerShare(owner)], on=date(2020, 1, 1)
        ),
    )
    app.move_in(
        META, MoveIn(community_id=community, unit_id=unit, person_id=owner, on=date(2020, 1, 1))
    )
    tenant = Tenant(community, district, company, unit, personal=[owner_name, phone])
    tenant.things = {
        Kind.COMMUNITY: str(community),
        Kind.BUILDING: str(building),
        Kind.ENTRANCE: str(entrance),
        Kind.UNIT: str(unit),
        Kind.PERSON: str(owner),
        Kind.COMPANY: str(company),
    }
    return tenant


@pytest.fixture
def tenants(api: Api) -> tuple[Tenant, Tenant]:

    mine = build_tenant(api, "幸福里", "红塔区", credit_code(random.Random(1)), "甲")
    theirs = build_tenant(api, "和平苑", "江川区", credit_code(random.Random(2)), "乙")
    api.settle()
    return mine, theirs
