"""Output objects from view rows, field by field by name, so a column shown as is needs no line
in a mapping function: only its field on the type (CONTRIBUTING.md counts the edits)."""

from __future__ import annotations

import enum
import typing
from typing import Any, TypeVar

import strawberry

T = TypeVar("T")


def from_row(cls: type[T], row: Any, **given: Any) -> T:
    """An instance of the strawberry type ``cls`` whose fields come from ``row`` by name
    (ids as text, enums by value), except those ``given``."""
    values = dict(given)
    for name, convert in _converters(cls).items():
        if name not in values:
            values[name] = convert(row[name])
    return cls(**values)


_CONVERTERS: dict[type, dict[str, Any]] = {}


def _converters(cls: type) -> dict[str, Any]:
    """How each plain field of ``cls`` is read from its column (worked out once per type)."""
    if cls not in _CONVERTERS:
        hints = typing.get_type_hints(cls)
        _CONVERTERS[cls] = {
            field.python_name: _converter(hints[field.python_name])
            for field in cls.__strawberry_definition__.fields  # type: ignore[attr-defined]
            if field.base_resolver is None
        }
    return _CONVERTERS[cls]


def _converter(hint: Any) -> Any:
    base = next((a for a in typing.get_args(hint) if a is not type(None)), hint)
    if base is strawberry.ID:
        return lambda value: strawberry.ID(str(value)) if value is not None else None
    if isinstance(base, type) and issubclass(base, enum.Enum):
        return lambda value: base(value) if value is not None else None
    return lambda value: value
