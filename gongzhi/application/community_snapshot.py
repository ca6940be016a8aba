"""A community's snapshot in a compact shape (issue 13): its buildings, entrances and units
as rows of plain values instead of tagged dataclasses.

A community of 10,000 units replays 10,000 events when a process first reads it (0.4 s);
``GongzhiSnapshot``'s generic encoding of the same state, one tagged dict per unit with
each field resolved by topic, decoded slower than that replay (1.4 s against 0.7 s in
bench_owners). Here each unit is one JSON list, its entrance an index into the entrances'
list, its area a string: the JSON decoder does most of the work in C, and a 10,000-unit
community reads back in a few tens of milliseconds. Fields a unit leaves at their default
(the owners and residents the community recorded before the split, mostly none) are not
stored; those that are go through the generic encoding."""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Snapshot

from gongzhi.application.base import bulk_work
from gongzhi.application.snapshots import GongzhiSnapshot, decode, encode, uuid_of
from gongzhi.domain.community import Building, Community, Entrance, Unit

# The parts of a unit's state stored only when they differ from a new unit's.
_EXTRA = [f.name for f in fields(Unit)][7:]
_BLANK = Unit(UUID(int=0), UUID(int=0), "", 0, Decimal(0), "")
_DEFAULTS = {name: getattr(_BLANK, name) for name in _EXTRA}
# The rows' shape: a change of it is a change of the community's snapshot state, upcast
# as the library upcasts any snapshot (``class_version``), or read here by shape.
SHAPE = 1


def _estate(community: Community) -> dict[str, Any]:
    buildings = list(community.buildings.values())
    building_at = {b.id: i for i, b in enumerate(buildings)}
    entrances = list(community.entrance_index.values())
    entrance_at = {e.id: i for i, e in enumerate(entrances)}
    units = []
    for unit in community.unit_index.values():
        extra = {
            name: encode(getattr(unit, name))
            for name in _EXTRA
            if getattr(unit, name) != _DEFAULTS[name]
        }
        units.append(
            [
                unit.id.hex,
                entrance_at[unit.entrance_id],
                unit.number,
                unit.floor,
                str(unit.area),
                unit.area_source,
                1 if unit.retired else 0,
                extra or None,
            ]
        )
    return {
        "shape": SHAPE,
        "buildings": [[b.id.hex, b.number, b.floors, b.has_elevator] for b in buildings],
        "entrances": [[e.id.hex, building_at[e.building_id], e.number] for e in entrances],
        "units": units,
    }


def _parts(estate: dict[str, Any]) -> dict[str, Any]:
    """The community's ``buildings``, ``entrance_index`` and ``unit_index`` again, in the
    order they were added (the order ``units_in`` lists them)."""
    buildings = [
        Building(uuid_of(building_hex), number, floors, elevator)
        for building_hex, number, floors, elevator in estate["buildings"]
    ]
    entrances = []
    for entrance_hex, at, number in estate["entrances"]:
        building = buildings[at]
        entrance = Entrance(uuid_of(entrance_hex), building.id, number)
        building.entrances[entrance.id] = entrance
        entrances.append(entrance)
    unit_index: dict[UUID, Unit] = {}
    areas: dict[str, Decimal] = {}  # the areas repeat: one Decimal each
    for unit_hex, at, number, floor, area, source, retired, extra in estate["units"]:
        entrance = entrances[at]
        value = areas.get(area)
        if value is None:
            value = areas[area] = Decimal(area)
        unit = Unit(uuid_of(unit_hex), entrance.id, number, floor, value, source, bool(retired))
        if extra:
            for name, encoded in extra.items():
                setattr(unit, name, decode(encoded))
        entrance.units[unit.id] = unit
        unit_index[unit.id] = unit
    return {
        "buildings": {b.id: b for b in buildings},
        "entrance_index": {e.id: e for e in entrances},
        "unit_index": unit_index,
    }


class CommunitySnapshot(GongzhiSnapshot):
    """A community's snapshot: the estate compact, the rest as ``GongzhiSnapshot`` has it."""

    @classmethod
    def take(cls, aggregate: Any) -> CommunitySnapshot:
        assert isinstance(aggregate, Community)
        snapshot = super().take(aggregate)
        assert isinstance(snapshot, CommunitySnapshot)
        state = dict(snapshot.state)
        for name in ("buildings", "entrance_index", "unit_index"):
            del state[name]
        state["estate"] = _estate(aggregate)
        object.__setattr__(snapshot, "state", state)
        return snapshot

    def mutate(self, _: None) -> Any:
        state = dict(self.state)
        estate = state.pop("estate")
        if estate.get("shape") != SHAPE:
            raise ValueError(f"a community snapshot of shape {estate.get('shape')}")
        with bulk_work():  # 10,000 units, no cycles: no collection midway
            parts = _parts(estate)
        decoded = GongzhiSnapshot(
            originator_id=self.originator_id,
            originator_version=self.originator_version,
            timestamp=self.timestamp,
            topic=self.topic,
            state={**{k: decode(v) for k, v in state.items()}, **parts},
        )
        return Snapshot.mutate(decoded, None)
