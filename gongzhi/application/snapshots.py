"""Snapshots of long-lived aggregates whose events grow without bound (issue 13).

The library's snapshot stores an aggregate's ``__dict__`` through the JSON transcoder, which
knows UUIDs, Decimals, dates and times but not our parts: dataclasses (a community's units,
a fund's sub-accounts), dicts keyed by UUID, sets, tuples and Fractions. ``GongzhiSnapshot``
turns those into tagged JSON values when it is taken and back when it is read, so that any
aggregate of plain attributes can be snapshotted without code of its own. A snapshot is only
a shortcut: the events stay, and an aggregate class may change its state's shape by bumping
``class_version`` with an upcaster (the library applies it to the snapshot's state).
"""

from __future__ import annotations

import dataclasses
import enum
from fractions import Fraction
from typing import Any
from uuid import UUID, SafeUUID

from eventsourcing.domain import Snapshot
from eventsourcing.utils import get_topic, resolve_topic

_TAG = "__gz__"


def encode(value: Any) -> Any:
    """A value the JSON transcoder can store, tagged where JSON alone would lose its type."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return {_TAG: "enum", "t": get_topic(type(value)), "v": value.value}
    if isinstance(value, Fraction):
        return {_TAG: "fraction", "v": f"{value.numerator}/{value.denominator}"}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {_TAG: "dataclass", "t": get_topic(type(value)), "v": fields}
    if isinstance(value, dict):
        if all(isinstance(k, str) and k != _TAG for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {_TAG: "map", "v": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {_TAG: "tuple", "v": [encode(v) for v in value]}
    if isinstance(value, set | frozenset):
        kind = "frozenset" if isinstance(value, frozenset) else "set"
        return {_TAG: kind, "v": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    return value  # UUID, Decimal, date, datetime: the transcoder's own


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    tag = value.get(_TAG)
    if tag is None:
        return {k: decode(v) for k, v in value.items()}
    items = value["v"]
    if tag == "enum":
        return resolve_topic(value["t"])(items)
    if tag == "fraction":
        return Fraction(items)
    if tag == "dataclass":
        cls = resolve_topic(value["t"])
        obj = object.__new__(cls)
        # Frozen dataclasses too: set the fields as the dataclass's own __init__ would.
        for name, field_value in items.items():
            object.__setattr__(obj, name, decode(field_value))
        return obj
    if tag == "map":
        return {_key(decode(k)): decode(v) for k, v in items}
    if tag == "tuple":
        return tuple(decode(v) for v in items)
    if tag == "set":
        return {_key(decode(v)) for v in items}
    if tag == "frozenset":
        return frozenset(_key(decode(v)) for v in items)
    raise ValueError(f"unknown snapshot tag {tag}")


_UNKNOWN = SafeUUID.unknown  # read once: an enum member's lookup costs more than the rest


def uuid_of(text: str) -> UUID:
    """``UUID(text)`` for a UUID's canonical text or hex, without the constructor's checks
    (a tenth of its cost): restoring a large aggregate or index makes tens of thousands."""
    uuid = object.__new__(UUID)
    object.__setattr__(uuid, "int", int(text.replace("-", ""), 16))
    object.__setattr__(uuid, "is_safe", _UNKNOWN)
    return uuid


def _key(value: Any) -> Any:
    """Lists cannot be keys or set members; they were tuples when taken."""
    return tuple(value) if isinstance(value, list) else value


class GongzhiSnapshot(Snapshot):
    """The library's snapshot with the state encoded as above."""

    @classmethod
    def take(cls, aggregate: Any) -> GongzhiSnapshot:
        snapshot = super().take(aggregate)
        state = {k: encode(v) for k, v in snapshot.state.items()}
        object.__setattr__(snapshot, "state", state)
        return snapshot

    def mutate(self, _: None) -> Any:
        decoded = GongzhiSnapshot(
            originator_id=self.originator_id,
            originator_version=self.originator_version,
            timestamp=self.timestamp,
            topic=self.topic,
            state={k: decode(v) for k, v in self.state.items()},
        )
        return Snapshot.mutate(decoded, None)


__all__ = ["UUID", "GongzhiSnapshot", "decode", "encode", "uuid_of"]
