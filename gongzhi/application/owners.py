"""业主与住户 owners and residents: persons, ownership of units, residence, roles."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from fractions import Fraction as Share
from typing import Annotated, Any, ClassVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from gongzhi.application.base import Changed, Done, GongzhiBase, Meta, NotFound
from gongzhi.application.commands import Command, handles
from gongzhi.application.fields import (
    CommunityId,
    Doc,
    Fraction,
    IdNumber,
    Items,
    Kind,
    Name,
    PersonId,
    Phone,
    Ref,
    UnitId,
)
from gongzhi.application.personal_data import RECORD_TEXT_HOLDERS
from gongzhi.domain.community import Community
from gongzhi.domain.errors import InvalidValue, RuleViolated, UnknownPart
from gongzhi.domain.holding import UnitHolding, holding_id
from gongzhi.domain.person import CommunityRole, Person
from gongzhi.domain.record_text import RecordTextErasure


@dataclass(frozen=True)
class RegisterPerson(Command):
    """登记人员 register a person (owner, resident, role holder): name required; phone and
    身份证号 optional, validated"""

    name: Name
    phone: Phone = ""
    id_number: IdNumber = ""


@dataclass(frozen=True)
class OwnerShare:
    person_id: PersonId
    share: Annotated[Fraction, Doc("共有份额 as a fraction, e.g. 1/2")] = "1"


@dataclass(frozen=True)
class RecordOwnership(Command):
    """取得/交付/过户: record a unit's owners from a date (first owner, delivery or transfer)"""

    community_id: CommunityId
    unit_id: UnitId
    owners: Annotated[list[OwnerShare], Items(100)]
    on: date


@dataclass(frozen=True)
class HoldByDeveloper(Command):
    """The developer (建设单位) holds a unit: unsold or undelivered"""

    community_id: CommunityId
    unit_id: UnitId
    on: date


@dataclass(frozen=True)
class MoveIn(Command):
    """住户 moves in"""

    input_name: ClassVar[str | None] = "ResidenceInput"
    community_id: CommunityId
    unit_id: UnitId
    person_id: PersonId
    on: date


@dataclass(frozen=True)
class MoveOut(MoveIn):
    """住户 moves out"""


@dataclass(frozen=True)
class GrantRole(Command):
    """楼栋长/网格员/党员/党员中心户: grant a role in a community"""

    input_name: ClassVar[str | None] = "RoleInput"
    person_id: PersonId
    community_id: CommunityId
    role: CommunityRole


@dataclass(frozen=True)
class RevokeRole(GrantRole):
    """Revoke a role in a community"""


@dataclass(frozen=True)
class ErasePerson(Command):
    """个人信息删除 erase a person's personal data (PIPL art. 47): the person's data key is
    destroyed, so name, phone and 身份证号 read as erased (已删除) everywhere, in the events
    and in every view; shares, ballots and payments keep their figures. Cannot be undone"""

    person_id: PersonId
    requested_by_person: Annotated[bool, Doc("the person asked for the erasure (本人申请)")]


@dataclass(frozen=True)
class EraseRecordText(Command):
    """个人信息删除 erase the free text a record holds about people who are not registered
    persons (a 筹备组, a dispute's parties, mediator and attendees, a joint meeting's attendees,
    an inspector, a proxy authorisation, a write-off's approver, a personal invoice's buyer):
    the record's own data key is destroyed, so these texts read as erased (已删除) everywhere,
    in the events, the views and the history; the record's figures and everything else it says
    stay. Cannot be undone"""

    record_id: Annotated[
        UUID,
        Ref(
            Kind.COMMITTEE,
            Kind.DISPUTE,
            Kind.FACILITY,
            Kind.PARTY_ORGANISATION,
            Kind.DECISION,
            Kind.FEE_ACCOUNT,
            Kind.INVOICE_REQUEST,
        ),
        Doc("The record whose free text is erased"),
    ]
    requested_by_subject: Annotated[
        bool, Doc("a person named in the record asked for the erasure (本人申请)")
    ]


class OwnerService(GongzhiBase):
    @handles(RegisterPerson)
    def register_person(self, meta: Meta, command: RegisterPerson) -> Done:
        person = Person.register(
            name=command.name, phone=command.phone, id_number=command.id_number
        )
        return self.create(meta, person, "a person with this id already exists")

    @handles(ErasePerson)
    def erase_person(self, meta: Meta, command: ErasePerson) -> Done:
        """Record the erasure, then destroy the key: should the destruction fail after the
        event was recorded, erasing again (refused by the person) still destroys it."""
        try:
            done = self.change(
                meta,
                Person,
                command.person_id,
                lambda p: p.erase(requested_by_person=command.requested_by_person),
                field="personId",
            )
        finally:
            if self.load(Person, command.person_id, "personId").erased:
                self.sealing.shred(command.person_id)
        return done

    @handles(EraseRecordText)
    def erase_record_text(self, meta: Meta, command: EraseRecordText) -> Done:
        """Record the erasure (one per record: a repeat is refused), then destroy the record's
        key; should the destruction fail after the erasure was recorded, erasing again (then
        refused) still destroys it."""
        record_id = command.record_id
        try:
            record: Aggregate = self.repository.get(record_id)
        except AggregateNotFoundError:
            raise NotFound("recordId", f"no record with id {record_id}") from None
        record_type = type(record).__name__
        if record_type not in RECORD_TEXT_HOLDERS:
            raise InvalidValue("recordId", "the record holds no free text naming people")
        erasure = RecordTextErasure.erase(
            record_id, record_type, requested_by_subject=command.requested_by_subject
        )
        try:
            return self.create(meta, erasure, "the record's free text has already been erased")
        finally:
            with suppress(AggregateNotFoundError):
                self.repository.get(erasure.id)  # recorded, now or before: destroy the key
                self.sealing.shred_record(record_id)

    def change_phone(self, meta: Meta, person_id: UUID, phone: str) -> Done:
        return self.change(
            meta, Person, person_id, lambda p: p.change_phone(phone), field="personId"
        )

    @handles(GrantRole)
    def grant_role(self, meta: Meta, command: GrantRole) -> Done:
        self.load(Community, command.community_id, "communityId")
        role, community_id = CommunityRole(command.role).value, command.community_id
        return self.change(
            meta,
            Person,
            command.person_id,
            lambda p: p.grant_role(role, community_id),
            field="personId",
        )

    @handles(RevokeRole)
    def revoke_role(self, meta: Meta, command: RevokeRole) -> Done:
        role, community_id = CommunityRole(command.role).value, command.community_id
        return self.change(
            meta,
            Person,
            command.person_id,
            lambda p: p.revoke_role(role, community_id),
            field="personId",
        )

    @handles(RecordOwnership)
    def record_ownership(self, meta: Meta, command: RecordOwnership) -> Done:
        """取得/交付/过户: every owner must be a registered person."""
        owners = []
        for index, owner in enumerate(command.owners):
            self.exists(Person, owner.person_id, f"owners.{index}.personId")
            try:
                share = Share(owner.share.strip())
            except (ValueError, ZeroDivisionError):
                raise InvalidValue(f"owners.{index}.share", "must be a fraction like 1/2") from None
            owners.append((owner.person_id, share))
        return self._change_holding(
            meta,
            command.community_id,
            command.unit_id,
            lambda h: h.record_ownership(owners, command.on),
        )

    @handles(HoldByDeveloper)
    def hold_by_developer(self, meta: Meta, command: HoldByDeveloper) -> Done:
        return self._change_holding(
            meta, command.community_id, command.unit_id, lambda h: h.hold_by_developer(command.on)
        )

    @handles(MoveIn)
    def move_in(self, meta: Meta, command: MoveIn) -> Done:
        self.exists(Person, command.person_id, "personId")
        return self._change_holding(
            meta,
            command.community_id,
            command.unit_id,
            lambda h: h.move_in(command.person_id, command.on),
        )

    @handles(MoveOut)
    def move_out(self, meta: Meta, command: MoveOut) -> Done:
        return self._change_holding(
            meta,
            command.community_id,
            command.unit_id,
            lambda h: h.move_out(command.person_id, command.on),
        )

    def _change_holding(
        self,
        meta: Meta,
        community_id: UUID,
        unit_id: UUID,
        command: Callable[[UnitHolding], Any],
    ) -> Done:
        """Run ``command`` on the unit's holding and save only it: the community is read (the
        unit must be one of its active units), not changed, so writes to different units of
        one community never conflict. A unit's first change opens its holding where the
        community's own events (before the split) left the unit; two first changes racing
        meet on the holding's derived id, and the retry runs on the one saved."""

        def attempt() -> Changed:
            holding = self.find(UnitHolding, holding_id(unit_id))
            if holding is None:
                holding = self.peek(
                    Community, community_id, "communityId", lambda c: _opened(c, unit_id)
                )
            else:
                self.peek(Community, community_id, "communityId", lambda c: _active(c, unit_id))
            command(holding)
            return Changed((holding,))

        done = self.retrying(meta, attempt, what="the unit")
        assert isinstance(done, Done)
        # The reply is about the community, as it was when these were the community's events.
        return Done(community_id, done.position)


def _active(community: Community, unit_id: UUID) -> None:
    unit = community.unit_index.get(unit_id)
    if unit is None:
        raise UnknownPart("unitId", "no such unit in this community")
    if unit.retired:
        raise RuleViolated("unitId", "the unit is retired")


def _opened(community: Community, unit_id: UUID) -> UnitHolding:
    """A new holding for an active unit of ``community``, carrying on from its unit's state
    as the community's own events left it."""
    _active(community, unit_id)
    unit = community.unit_index[unit_id]
    return UnitHolding.open(
        community.id,
        unit_id,
        owners=unit.owners,
        developer_held=unit.developer_held,
        residents=set(unit.residents),
        delivered_on=unit.delivered_on,
        former_voters=unit.former_voters,
    )
