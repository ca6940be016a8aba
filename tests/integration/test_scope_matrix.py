"""The scope matrix, generated from the registered mutations: another tenant's ids are refused.

Two tenants: 幸福里 in 红塔区, served by 甲物业, and 和平苑 in 江川区, served by 乙物业, each with
one thing of every kind an input can name. For every mutation, every id field of its input and
every scoped role of the first tenant (its company's staff, its committee member, a resident, its
district's regulator), the mutation is called with the second tenant's thing in that field and
the first tenant's own things everywhere else (a regulator is not given a company-level thing:
every regulator may name every company). Every such call must be refused (Forbidden,
NotFound or ValidationError), record no event and show none of the second tenant's personal
data; and each id field must be refused *by name* for at least one role, which proves the field
itself is checked (not some other part of the input).

A mutation whose input names a kind for which the tenants hold no thing fails the test: add the
thing to ``build_tenant``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any
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
from gongzhi.domain.values import AreaSource, ManagementMode
from gongzhi.graphql.auth import Principal, Role
from gongzhi.graphql.commands import REGISTRATIONS
from tests.integration.commands_walk import build_input, input_name, ref_fields
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
    import random

    from gongzhi.demo import credit_code

    mine = build_tenant(api, "幸福里", "红塔区", credit_code(random.Random(1)), "甲")
    theirs = build_tenant(api, "和平苑", "江川区", credit_code(random.Random(2)), "乙")
    api.settle()
    return mine, theirs


ANSWER = """__typename ... on NotFound { field } ... on ValidationError { field }"""


def _pick(tenant: Tenant, swapped: str, foreign: Tenant) -> Any:
    def pick(path: str, kinds: tuple[Kind, ...]) -> str | None:
        source = foreign if path == swapped else tenant
        return next((source.things[k] for k in kinds if k in source.things), None)

    return pick


def test_another_tenants_ids_are_refused_in_every_id_field(
    api: Api, tenants: tuple[Tenant, Tenant]
) -> None:
    mine, theirs = tenants
    missing: list[str] = []
    accepted: list[str] = []
    named: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    for mutation, registration in sorted(REGISTRATIONS.items()):
        document = (
            f"mutation($input: {input_name(registration)}!) "
            f"{{ {mutation}(input: $input) {{ {ANSWER} }} }}"
        )
        for path, kinds in ref_fields(registration):
            if not any(k in theirs.things for k in kinds):
                missing.append(f"{mutation} {path}: no thing of {[k.value for k in kinds]}")
                continue
            for role, principal in mine.principals().items():
                if role == "regulator" and all(k in theirs.company_level for k in kinds):
                    continue  # not another tenant's: a company is every regulator's
                variables = {"input": build_input(registration, _pick(mine, path, theirs))}
                before = api.platform.app.recorder.max_notification_id()
                response = api.post(document, variables, as_=principal)
                body = response.json()
                answer = body.get("data", {}) and body["data"][mutation]
                where = f"{mutation} {path} as {role}"
                assert response.status_code == 200, (where, response.text)
                assert "errors" not in body, (where, body)
                assert api.platform.app.recorder.max_notification_id() == before, where
                for value in theirs.personal:
                    assert value not in response.text, (where, value)
                if answer["__typename"] not in {"Forbidden", "NotFound", "ValidationError"}:
                    accepted.append(f"{where}: {answer}")
                if answer.get("field") == path or answer["__typename"] == "Forbidden":
                    named[(mutation, path)].add(role)
    assert not missing, "kinds with no thing in the tenants:\n" + "\n".join(missing)
    assert not accepted, "another tenant's id was accepted:\n" + "\n".join(accepted)
    unnamed = [
        f"{m} {p}"
        for m, registration in REGISTRATIONS.items()
        for p, _ in ref_fields(registration)
        if not named[(m, p)]
    ]
    assert not unnamed, "fields never refused by name:\n" + "\n".join(unnamed)
