"""户的产权与居住 a unit's owners, residents and vacancy: one aggregate per unit (issue 13).

The community (community.py) holds the estate's structure, which changes rarely; a unit's
owners and residents change often and independently of every other unit's, so each unit's
are an aggregate of their own, :class:`UnitHolding`, whose id is derived from the unit's id
(``holding_id``): a command finds it without a lookup, and writes to two units of one
community never meet. Before the split the community recorded these changes itself
(``Community.UnitOwnershipRecorded`` …); those events still replay into the community's units,
and a unit's holding, when first opened, carries on from that state (``Opened``)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from fractions import Fraction
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.errors import InvalidValue, RuleViolated

DEVELOPER_VOTER = "developer"
# Fixed for ever: a holding's id is derived from its unit's id with it.
HOLDINGS = UUID("6f3c1d7e-2a8b-4c59-9e0f-5b1d2c3a4e13")


def holding_id(unit_id: UUID) -> UUID:
    """The id of the unit's holding, found from the unit's id alone."""
    return uuid5(HOLDINGS, str(unit_id))


class OwnershipChange(enum.Enum):
    ACQUIRED = "ACQUIRED"  # first recorded owner (e.g. 房改房 bought from the work unit)
    DELIVERED = "DELIVERED"  # 交付: the developer's unit delivered to its buyer
    TRANSFERRED = "TRANSFERRED"  # 过户


def voter_key(unit_id: UUID, owners: Sequence[tuple[UUID, Fraction]], developer_held: bool) -> str:
    """表决权 key: who votes for a unit (SPC interpretation art. 9).

    An owner of several units has one key over all of them; co-owners share one; all the
    developer's units share one; a unit with no recorded owner is its own voter."""
    if developer_held:
        return DEVELOPER_VOTER
    if not owners:
        return f"unit:{unit_id}"
    return "owners:" + "+".join(sorted(str(person) for person, _ in owners))


def voters_since(
    former_voters: Iterable[tuple[str, datetime]], current: str, moment: datetime
) -> set[str]:
    """Voter keys a unit had at some time after ``moment``, other than the current."""
    return {voter for voter, until in former_voters if until > moment} - {current}


def checked_owners(field: str, owners: Sequence[tuple[UUID, Fraction]]) -> None:
    """Owners of one unit: at least one, each once, positive shares adding up to one."""
    if not owners:
        raise InvalidValue(field, "must name at least one owner")
    people = [person for person, _ in owners]
    if len(set(people)) != len(people):
        raise InvalidValue(field, "must name each owner once")
    if any(share <= 0 for _, share in owners):
        raise InvalidValue(field, "every share must be greater than zero")
    if sum((share for _, share in owners), Fraction(0)) != 1:
        raise InvalidValue(field, "shares must add up to exactly one")


def owner_records(owners: Sequence[tuple[UUID, Fraction]]) -> list[dict[str, str]]:
    return [
        {"person_id": str(person), "share": f"{share.numerator}/{share.denominator}"}
        for person, share in owners
    ]


def owners_of(records: Iterable[dict[str, str]]) -> tuple[tuple[UUID, Fraction], ...]:
    return tuple((UUID(o["person_id"]), Fraction(o["share"])) for o in records)


def ownership_change(
    current: Sequence[tuple[UUID, Fraction]],
    developer_held: bool,
    owners: Sequence[tuple[UUID, Fraction]],
) -> OwnershipChange:
    """取得/交付/过户 of new ``owners``, checked: shares exact and adding up to one."""
    checked_owners("owners", owners)
    if tuple(owners) == tuple(current):
        raise RuleViolated("owners", "these are already the unit's owners")
    if developer_held:
        return OwnershipChange.DELIVERED
    if current:
        return OwnershipChange.TRANSFERRED
    return OwnershipChange.ACQUIRED


def check_hold(owners: Sequence[Any], developer_held: bool) -> None:
    if developer_held:
        raise RuleViolated("unitId", "the developer already holds this unit")
    if owners:
        raise RuleViolated("unitId", "the unit has owners; a sold unit goes back by transfer")


class UnitHolding(Aggregate):
    """One unit's 业主 (with their shares), 住户, whether the 建设单位 holds it, and the
    voter keys it had before (for the 北京 rule: a unit sold during a vote keeps the
    ballot its seller cast)."""

    class Opened(Aggregate.Created):
        """The holding's start: empty for a new unit, the roster's owners for an imported
        one, or the state the community's own events left before the split."""

        community_id: UUID
        unit_id: UUID
        owners: list[dict[str, str]]
        developer_held: bool
        residents: list[UUID]
        delivered_on: date | None
        former_voters: list[dict[str, str]]

    class Event(Aggregate.Event):
        community_id: UUID
        unit_id: UUID

    class UnitHeldByDeveloper(Event):
        on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, UnitHolding)
            aggregate.change_voter(self.timestamp, (), developer_held=True)

    class UnitOwnershipRecorded(Event):
        """业主 of the unit from ``on``: persons with their shares ("n/d"), replacing the last."""

        owners: list[dict[str, str]]
        change: str
        on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, UnitHolding)
            aggregate.change_voter(self.timestamp, owners_of(self.owners), developer_held=False)
            if self.change == OwnershipChange.DELIVERED.value:
                aggregate.delivered_on = self.on

    class ResidentMovedIn(Event):
        person_id: UUID
        on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, UnitHolding)
            aggregate.residents.add(self.person_id)

    class ResidentMovedOut(Event):
        person_id: UUID
        on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, UnitHolding)
            aggregate.residents.discard(self.person_id)

    def __init__(
        self,
        community_id: UUID,
        unit_id: UUID,
        owners: list[dict[str, str]],
        developer_held: bool,
        residents: list[UUID],
        delivered_on: date | None,
        former_voters: list[dict[str, str]],
    ) -> None:
        self.community_id = community_id
        self.unit_id = unit_id
        self.owners = owners_of(owners)
        self.developer_held = developer_held
        self.residents: set[UUID] = {UUID(str(r)) for r in residents}
        self.delivered_on = delivered_on
        self.former_voters = tuple(
            (f["voter"], datetime.fromisoformat(f["until"])) for f in former_voters
        )

    @classmethod
    def open(
        cls,
        community_id: UUID,
        unit_id: UUID,
        owners: Sequence[tuple[UUID, Fraction]] = (),
        developer_held: bool = False,
        residents: Iterable[UUID] = (),
        delivered_on: date | None = None,
        former_voters: Iterable[tuple[str, datetime]] = (),
    ) -> UnitHolding:
        if owners and developer_held:
            raise InvalidValue("owners", "a unit the developer holds has no owners yet")
        return cls._create(
            cls.Opened,
            id=holding_id(unit_id),
            community_id=community_id,
            unit_id=unit_id,
            owners=owner_records(owners),
            developer_held=developer_held,
            residents=sorted(residents, key=str),
            delivered_on=delivered_on,
            former_voters=[{"voter": v, "until": t.isoformat()} for v, t in former_voters],
        )

    @property
    def voter(self) -> str:
        return voter_key(self.unit_id, self.owners, self.developer_held)

    def voters_since(self, moment: datetime) -> set[str]:
        return voters_since(self.former_voters, self.voter, moment)

    def change_voter(
        self, at: datetime, owners: tuple[tuple[UUID, Fraction], ...], developer_held: bool
    ) -> None:
        """New owners, remembering the voter key they end and when."""
        before = self.voter
        self.owners, self.developer_held = owners, developer_held
        if self.voter != before:
            self.former_voters = (*self.former_voters, (before, at))

    def hold_by_developer(self, on: date) -> None:
        """The 建设单位 holds the unit (unsold or undelivered); it votes with the developer."""
        check_hold(self.owners, self.developer_held)
        self._trigger(self.UnitHeldByDeveloper, on=on)

    def record_ownership(self, owners: Sequence[tuple[UUID, Fraction]], on: date) -> str:
        """取得/交付/过户: the unit's owners from ``on``; shares are exact and sum to one."""
        change = ownership_change(self.owners, self.developer_held, owners)
        self._trigger(
            self.UnitOwnershipRecorded, owners=owner_records(owners), change=change.value, on=on
        )
        return change.value

    def move_in(self, person_id: UUID, on: date) -> None:
        """住户 registered at the unit (an owner who lives there is a resident too)."""
        if person_id in self.residents:
            raise RuleViolated("personId", "already lives in this unit")
        self._trigger(self.ResidentMovedIn, person_id=person_id, on=on)

    def move_out(self, person_id: UUID, on: date) -> None:
        if person_id not in self.residents:
            raise RuleViolated("personId", "does not live in this unit")
        self._trigger(self.ResidentMovedOut, person_id=person_id, on=on)

    def _trigger(self, event: type[Aggregate.Event], **fields: Any) -> None:
        self.trigger_event(event, community_id=self.community_id, unit_id=self.unit_id, **fields)
