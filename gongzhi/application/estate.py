"""Estate facts: the owners, residents and vacancy of every unit of a community, read
together (issue 13).

Each unit's are its own aggregate (domain/holding.py), so that writes to two units never
meet; but a close counts the owners of every unit, a ballot finds every unit of its voter,
a billing run asks which units the developer holds. Loading 10,000 holdings one by one
for that would cost seconds, so each process keeps, per community, the holdings of all its
units as plain state (:class:`Estate`), built with one query and brought up to date before
each read with one more: the holding events recorded since the last read (the log's
positions are given in commit order, the writer holding the table lock). A unit whose
holding was never opened reads as the community's own events left it before the split.

A process builds a community's estate once; the first to build it stores it (one row of the
snapshots' table, ``stored_id``), and a process started later starts from the latest stored
estate and reads the holding events after its position only, instead of the events of every
holding (a 10,000-unit community: tens of milliseconds instead of a second or more, the
first ballot or close of a fresh process). A reader that finds the stored estate far behind
the log stores a newer one. The stored estate is a shortcut, never the record: the holding
events are, and a stored estate of another shape is ignored and built again."""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from fractions import Fraction
from typing import Any, Protocol, TypeVar
from uuid import UUID, uuid5

from eventsourcing.persistence import IntegrityError, PersistenceError, StoredEvent

from gongzhi.application.base import GongzhiBase, bulk_work
from gongzhi.application.snapshots import uuid_of
from gongzhi.domain.community import Community, Unit
from gongzhi.domain.holding import UnitHolding, holding_id, owner_records

T = TypeVar("T")
log = logging.getLogger(__name__)
# Communities whose estate a process keeps, the least recently read dropped first (the
# aggregate cache's size: a community not cached is rebuilt from the store anyway).
KEPT = 500
HOLDING_TOPIC = f"{UnitHolding.__module__}:{UnitHolding.__qualname__}."
# Fixed for ever: a community's stored estate has the id uuid5(STORED, community id).
STORED = UUID("0b7d2f5e-91c4-4d3a-8e6f-2c5a7d9e1f13")
STORED_TOPIC = "gongzhi.application.estate:Estate"
SHAPE = 1  # of a stored estate's rows; another shape is ignored (built again, stored anew)
# A reader stores a newer estate when the stored one is this many holding events, or log
# positions, behind: a fresh process then reads few events after it, and the table grows
# by one estate (about 1 MB for 10,000 units) per 50,000 positions at most.
RESTORE_HOLDING_EVENTS = 1000
WHOLE = 0  # a stored holding's owners: the one person of its voter key, owner of the whole
RESTORE_POSITIONS = 50_000


def stored_id(community_id: UUID) -> UUID:
    return uuid5(STORED, str(community_id))


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
        self.voters: dict[str, set[UUID]] = {}
        self.voter_of: dict[UUID, str] = {}
        # The stored estate this one started from or last stored: its version (0: none),
        # position, and the holding events applied since.
        self.stored_version = 0
        self.stored_position = -1
        self.applied_since_stored = 0

    def holding(self, unit_id: UUID) -> Holding:
        return self.holdings[unit_id]

    def units_of_voter(self, voter: str) -> set[UUID]:
        return self.voters.get(voter, set())

    def persons(self) -> set[UUID]:
        """Owners and residents of every unit: the persons linked to the community."""
        linked = {p for h in self.holdings.values() for p, _ in h.owners}
        linked.update(r for h in self.holdings.values() for r in h.residents)
        return linked

    def _set(self, unit_id: UUID, holding: Holding, voter: str | None = None) -> None:
        before = self.voter_of.get(unit_id)
        if before is not None:
            units = self.voters.get(before)
            if units is not None:
                units.discard(unit_id)
                if not units:
                    del self.voters[before]
        self.holdings[unit_id] = holding
        # Each unit's key kept: computing it costs more than anything else the index does.
        voter = self.voter_of[unit_id] = holding.voter if voter is None else voter
        self.voters.setdefault(voter, set()).add(unit_id)

    def add_units(self, units: Iterable[Unit]) -> list[UUID]:
        """Units not known yet, as the community's events left them; their holding ids."""
        added = []
        for unit in units:
            if unit.id not in self.holdings:
                self._set(unit.id, unit)
                added.append(holding_id(unit.id))
        return added

    def apply(self, events: Iterable[Any]) -> int:
        """Holding events in log order; those already applied (a version not next) skipped.
        Returns how many were applied."""
        applied = 0
        for event in events:
            current = self.holdings.get(event.unit_id)
            if current is None:
                continue  # another community's unit (unit ids are unique on the platform)
            if isinstance(current, StoredHolding):
                current = current.holding
            version = current.version if isinstance(current, UnitHolding) else 0
            if event.originator_version != version + 1:
                continue
            changed = event.mutate(current if isinstance(current, UnitHolding) else None)
            self._set(event.unit_id, changed)
            applied += 1
        return applied

    def stored(self) -> bytes:
        """This estate as a stored estate holds it: per unit its holding's version (0: not
        opened, the community's unit stands for it), voter key, owners and, where any is
        not a new holding's, the developer's hold, residents, delivery and earlier keys."""
        rows: list[list[Any]] = []
        for unit_id, holding in self.holdings.items():
            if isinstance(holding, StoredHolding):
                rows.append([unit_id.hex, *holding.row])
                continue
            if not isinstance(holding, UnitHolding):
                rows.append([unit_id.hex, 0])
                continue
            owners: list[list[str]] | int
            owners = [[o["person_id"], o["share"]] for o in owner_records(holding.owners)]
            voter = self.voter_of[unit_id]
            if len(owners) == 1 and owners[0][1] == "1/1" and voter == f"owners:{owners[0][0]}":
                owners = WHOLE  # the usual: one owner of the whole unit, named by the key
            row = [unit_id.hex, holding.version, voter, owners]
            rest = [
                holding.developer_held,
                [str(r) for r in holding.residents],
                holding.delivered_on.isoformat() if holding.delivered_on else None,
                [[voter, until.isoformat()] for voter, until in holding.former_voters],
            ]
            rows.append(row + rest if any(rest) else row)
        estate = {
            "shape": SHAPE,
            "position": self.position,
            "community_version": self.community_version,
            "units": rows,
        }
        return json.dumps(estate, separators=(",", ":")).encode()

    def restore(self, community: Community, stored: bytes) -> bool:
        """A new estate as stored, its unopened units from ``community``; False (nothing
        changed) when the stored shape is another, or it names a unit the community has not."""
        estate = json.loads(stored)
        if estate.get("shape") != SHAPE:
            return False
        units = community.unit_index
        # The units' ids as the community has them: cheaper than reading 10,000 again.
        by_hex = {unit_id.hex: unit_id for unit_id in units}
        if any(row[0] not in by_hex for row in estate["units"]):
            return False  # not this community's estate as its events stand: built again
        holdings, voter_of, voters = self.holdings, self.voter_of, self.voters
        for row in estate["units"]:  # into an empty estate: no earlier key to take back
            unit_id = by_hex[row[0]]
            holding: Holding
            if row[1] == 0:
                holding = units[unit_id]
                voter = holding.voter
            else:
                holding, voter = StoredHolding(community.id, unit_id, row[1:]), row[2]
            holdings[unit_id] = holding
            voter_of[unit_id] = voter
            keyed = voters.get(voter)
            if keyed is None:
                voters[voter] = {unit_id}
            else:
                keyed.add(unit_id)
        self.position = estate["position"]
        self.community_version = estate["community_version"]
        return True


class StoredHolding:
    """A unit's holding as a stored estate has it (``Estate.stored``), its values decoded
    when first read: a restored estate of 10,000 units decodes only what is read (a ballot
    reads one voter's units). The holding's next event applies to the holding it stands
    for (``holding``)."""

    __slots__ = ("_holding", "community_id", "row", "unit_id")

    def __init__(self, community_id: UUID, unit_id: UUID, row: list[Any]) -> None:
        self.community_id, self.unit_id, self.row = community_id, unit_id, row
        self._holding: UnitHolding | None = None

    @property
    def version(self) -> int:
        version: int = self.row[0]
        return version

    @property
    def voter(self) -> str:
        voter: str = self.row[1]
        return voter

    @property
    def owners(self) -> tuple[tuple[UUID, Fraction], ...]:
        return self.holding.owners

    @property
    def developer_held(self) -> bool:
        return bool(self.row[3]) if len(self.row) > 3 else False

    # A row of three has only owners: a new holding's other values, read without decoding.

    @property
    def residents(self) -> set[UUID]:
        return self.holding.residents if len(self.row) > 3 else set()

    @property
    def delivered_on(self) -> date | None:
        return self.holding.delivered_on if len(self.row) > 3 else None

    @property
    def former_voters(self) -> tuple[tuple[str, datetime], ...]:
        return self.holding.former_voters if len(self.row) > 3 else ()

    def voters_since(self, moment: datetime) -> set[str]:
        return self.holding.voters_since(moment) if len(self.row) > 3 else set()

    @property
    def holding(self) -> UnitHolding:
        """The unit's holding at this version, as its events would have made it (its
        creation and change times aside, which the estate does not keep)."""
        if self._holding is None:
            version, voter, owners, *rest = self.row
            if owners == WHOLE:
                owners = [[voter.removeprefix("owners:"), "1/1"]]
            developer_held, residents, delivered, former = rest or (False, [], None, [])
            holding = object.__new__(UnitHolding)
            holding.__dict__.update(
                _id=holding_id(self.unit_id),
                _version=version,
                _created_on=None,
                _modified_on=None,
                _pending_events=[],
                community_id=self.community_id,
                unit_id=self.unit_id,
                owners=tuple((uuid_of(person), _share(share)) for person, share in owners),
                developer_held=developer_held,
                residents={uuid_of(r) for r in residents},
                delivered_on=date.fromisoformat(delivered) if delivered else None,
                former_voters=tuple((v, datetime.fromisoformat(t)) for v, t in former),
            )
            self._holding = holding
        return self._holding


_SHARES: dict[str, Fraction] = {}  # "1/1", "1/2" …: a few, each parsed once


def _share(text: str) -> Fraction:
    value = _SHARES.get(text)
    if value is None:
        value = _SHARES[text] = Fraction(text)
    return value


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
    if estate.position < 0 and not _restored(app, community, estate):
        # Built: the position first, then every holding of the community; an event recorded
        # in between is read again by the next step and skipped as already applied.
        estate.position = recorder.max_notification_id() or 0
        estate.community_version = community.version
        _read_holdings(app, estate, estate.add_units(community.unit_index.values()))
        _store(app, community.id, estate)
        return
    if estate.community_version != community.version:
        # Units added since (a roster import opens their holdings in the same transaction).
        estate.community_version = community.version
        _read_holdings(app, estate, estate.add_units(community.unit_index.values()))
    position, stored = recorder.select_topic_events_after(estate.position, HOLDING_TOPIC)
    estate.position = max(estate.position, position)
    estate.applied_since_stored += estate.apply(app.mapper.to_domain_event(s) for s in stored)
    if (
        estate.applied_since_stored >= RESTORE_HOLDING_EVENTS
        or estate.position - estate.stored_position >= RESTORE_POSITIONS
    ):
        _store(app, community.id, estate)


def _read_holdings(app: GongzhiBase, estate: Estate, holding_ids: Sequence[UUID]) -> None:
    if holding_ids:
        stored = app.recorder.select_events_of(list(holding_ids))  # type: ignore[attr-defined]
        with bulk_work():
            estate.apply(app.mapper.to_domain_event(s) for s in stored)


def _restored(app: GongzhiBase, community: Community, estate: Estate) -> bool:
    """The estate as last stored, if any was (of this shape)."""
    if app.snapshots is None:
        return False
    latest = app.snapshots.recorder.select_events(stored_id(community.id), desc=True, limit=1)
    if not latest:
        return False
    estate.stored_version = latest[0].originator_version  # one of another shape too
    with bulk_work():  # 10,000 holdings and sets, no cycles: no collection midway
        if not estate.restore(community, latest[0].state):
            return False
    estate.stored_position = estate.position
    return True


def _store(app: GongzhiBase, community_id: UUID, estate: Estate) -> None:
    """Store the estate as it stands (its position and each holding's version): the next
    version of the community's stored estate; another process's store of the same version
    first wins, and this one's is dropped."""
    if app.snapshots is None:
        return
    row = StoredEvent(
        originator_id=stored_id(community_id),
        originator_version=estate.stored_version + 1,
        topic=STORED_TOPIC,
        state=estate.stored(),
    )
    try:
        app.snapshots.recorder.insert_events([row])
    except IntegrityError:
        pass  # another process stored this version first: as good a start
    except PersistenceError as error:
        # Only a shortcut: the command reading the estate goes on, and a later threshold
        # tries again (a database that refuses the write, a statement timed out).
        log.warning("estate of community %s not stored: %s", community_id, type(error).__name__)
    estate.stored_version += 1
    estate.stored_position = estate.position
    estate.applied_since_stored = 0
