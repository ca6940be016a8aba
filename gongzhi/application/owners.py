"""业主与住户 owners and residents: persons, ownership of units, residence, roles."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from uuid import UUID

from gongzhi.application.base import Done, GongzhiBase, Meta
from gongzhi.domain.community import Community
from gongzhi.domain.person import Person


class OwnerService(GongzhiBase):
    def register_person(
        self, meta: Meta, *, name: str, phone: str = "", id_number: str = ""
    ) -> Done:
        person = Person.register(name=name, phone=phone, id_number=id_number)
        return self.create(meta, person, "a person with this id already exists")

    def change_phone(self, meta: Meta, person_id: UUID, phone: str) -> Done:
        return self.change(
            meta, Person, person_id, lambda p: p.change_phone(phone), field="personId"
        )

    def grant_role(self, meta: Meta, person_id: UUID, role: str, community_id: UUID) -> Done:
        self.load(Community, community_id, "communityId")
        return self.change(
            meta, Person, person_id, lambda p: p.grant_role(role, community_id), field="personId"
        )

    def revoke_role(self, meta: Meta, person_id: UUID, role: str, community_id: UUID) -> Done:
        return self.change(
            meta, Person, person_id, lambda p: p.revoke_role(role, community_id), field="personId"
        )

    def record_ownership(
        self,
        meta: Meta,
        community_id: UUID,
        unit_id: UUID,
        owners: list[tuple[UUID, Fraction]],
        on: date,
    ) -> Done:
        """取得/交付/过户: every owner must be a registered person."""
        for index, (person_id, _) in enumerate(owners):
            self.load(Person, person_id, f"owners.{index}.personId")
        return self.change(
            meta,
            Community,
            community_id,
            lambda c: c.record_ownership(unit_id, owners, on),
            field="communityId",
        )

    def hold_by_developer(self, meta: Meta, community_id: UUID, unit_id: UUID, on: date) -> Done:
        return self.change(
            meta,
            Community,
            community_id,
            lambda c: c.hold_by_developer(unit_id, on),
            field="communityId",
        )

    def move_in(
        self, meta: Meta, community_id: UUID, unit_id: UUID, person_id: UUID, on: date
    ) -> Done:
        self.load(Person, person_id, "personId")
        return self.change(
            meta,
            Community,
            community_id,
            lambda c: c.move_in(unit_id, person_id, on),
            field="communityId",
        )

    def move_out(
        self, meta: Meta, community_id: UUID, unit_id: UUID, person_id: UUID, on: date
    ) -> Done:
        return self.change(
            meta,
            Community,
            community_id,
            lambda c: c.move_out(unit_id, person_id, on),
            field="communityId",
        )
