"""Estate facts: the owners, residents and vacancy of every unit of a community, read
together (issue 13).

Each unit's are its own aggregate (domain/holding.py), so that writes to two units never
meet; but a close counts the owners of every unit, a ballot finds every unit of its voter,
a billing run asks which units the developer holds. Loading 10,000 holdings one by one
for that would cost seconds, so each process keeps, per community, the holdings of all its
units as plain state (:class:`Estate`), built with one query and brought up to date before
each read with one more: the holding events recorded since the last read (the log's
positions are given in commit order, the writer holding the table lock). A unit whose
holding was never opened reads as the community's own events left it before the split."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from fractions import Fraction
from typing import Any, Protocol, TypeVar
from uuid import UUID

from gongzhi.application.base import GongzhiBase
from gongzhi.domain.community import Community, Unit
from gongzhi.domain.holding import UnitHolding, holding_id

T = TypeVar("T")
# Communities whose estate a process keeps, the least recently read dropped first (the
# aggregate cache's size: a community not cached is rebuilt from the store anyway).
KEPT = 500
HOLDING_TOPIC = f"{UnitHolding.__module__}:{UnitHolding.__qualname__}."


class Holding(Protocol):
    """What a unit's owners, residents and vacancy are, as the unit's holding or, before it
    was opened, the community's unit carries them."""

    @property
    def owners(self) -> tuple[tuple[UUID, Fraction], ...]: ...
    @property
    def developer_held(self) -> bool: ...
    @property
    def residents(self) -> set[UUID]: ...
    @property
    def delivered_on(self) -> date | None: ...
    @property
    def former_voters(self) -> tuple[tuple[str, datetime], ...]: ...
    @property
    def voter(self) -> str: ...
    def voters_since(self, moment: datetime) -> set[str]: ...


# Whether the developer holds a unit, and when it delivered it: who pays its fees when.
Vacancy = tuple[bool, date | None]


def vacancy_of(holding: Holding) -> Vacancy:
    return holding.developer_held, holding.delivered_on


def vacancy_map(estate: Estate) -> dict[UUID, Vacancy]:
    return {unit_id: vacancy_of(h) for unit_id, h in estate.holdings.items()}


class Estate:
    """The holdings of one community's units and the units of each voter key, as of the
    log's ``position``. Read and changed under ``lock`` only."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.position = -1  # -1: not built yet
        self.community_version = 0
        self.holdings: dict[UUID, Holding] = {}
        self.unit_of_holding: dict[UUID, UUID] = {}
        self.voters: dict[str, set[UUID]] = {}
        self.voter_of: dict[UUID, str] = {}

    def holding(self, unit_id: UUID) -> Holding:
        return self.holdings[unit_id]

    def units_of_voter(self, voter: str) -> set[UUID]:
        return self.voters.get(voter, set())

    def persons(self) -> set[UUID]:
        """Owners and residents of every unit: the persons linked to the community."""
        linked = {p for h in self.holdings.values() for p, _ in h.owners}
        linked.update(r for h in self.holdings.values() for r in h.residents)
        return linked

    def _set(self, unit_id: UUID, holding: Holding) -> None:
        before = self.voter_of.get(unit_id)
        if before is not None:
            units = self.voters.get(before)
            if units is not None:
                units.discard(unit_id)
                if not units:
                    del self.voters[before]
        self.holdings[unit_id] = holding
        # Each unit's key kept: computing it costs more than anything else the index does.
        voter = self.voter_of[unit_id] = holding.voter
        self.voters.setdefault(voter, set()).add(unit_id)

    def add_units(self, units: Iterable[Unit]) -> list[UUID]:
        """Units not known yet, as the community's events left them; their holding ids."""
        added = []
        for unit in units:
            if unit.id not in self.holdings:
                self._set(unit.id, unit)
                self.unit_of_holding[holding_id(unit.id)] = unit.id
                added.append(holding_id(unit.id))
        return added

    def apply(self, events: Iterable[Any]) -> None:
        """Holding events in log order; those already applied (a version not next) skipped."""
        for event in events:
            unit_id = self.unit_of_holding.get(event.originator_id)
            if unit_id is None:
                continue  # another community's unit
            current = self.holdings[unit_id]
            version = current.version if isinstance(current, UnitHolding) else 0
            if event.originator_version != version + 1:
                continue
            changed = event.mutate(current if isinstance(current, UnitHolding) else None)
            self._set(unit_id, changed)


def estate_read(
    app: GongzhiBase,
    community_id: UUID,
    field: str,
    read: Callable[[Community, Estate], T],
) -> T:
    """``read`` of the community (its structure) and its estate, both current, under the
    community's lock and then the estate's: it must return plain values, change nothing."""

    def under_lock(community: Community) -> T:
        estate = _estate_of(app, community.id)
        with estate.lock:
            _bring_up_to_date(app, community, estate)
            return read(community, estate)

    return app.peek(Community, community_id, field, under_lock)


def _estate_of(app: GongzhiBase, community_id: UUID) -> Estate:
    kept: OrderedDict[UUID, Estate] = app.__dict__.setdefault("_estates", OrderedDict())
    guard: threading.Lock = app.__dict__.setdefault("_estates_lock", threading.Lock())
    with guard:
        estate = kept.get(community_id)
        if estate is None:
            estate = kept[community_id] = Estate()
            while len(kept) > KEPT:
                kept.popitem(last=False)
        kept.move_to_end(community_id)
        return estate


def _bring_up_to_date(app: GongzhiBase, community: Community, estate: Estate) -> None:
    recorder: Any = app.recorder
    if estate.position < 0:
        # Built: the position first, then every holding of the community; an event recorded
        # in between is read again by the next step and skipped as already applied.
        estate.position = recorder.max_notification_id() or 0
        estate.community_version = community.version
        _read_holdings(app, estate, estate.add_units(community.unit_index.values()))
        return
    if estate.community_version != community.version:
        # Units added since (a roster import opens their holdings in the same transaction).
        estate.community_version = community.version
        _read_holdings(app, estate, estate.add_units(community.unit_index.values()))
    position, stored = recorder.select_topic_events_after(estate.position, HOLDING_TOPIC)
    estate.position = max(estate.position, position)
    estate.apply(app.mapper.to_domain_event(s) for s in stored)


def _read_holdings(app: GongzhiBase, estate: Estate, holding_ids: Sequence[UUID]) -> None:
    if holding_ids:
        stored = app.recorder.select_events_of(list(holding_ids))  # type: ignore[attr-defined]
        estate.apply(app.mapper.to_domain_event(s) for s in stored)
