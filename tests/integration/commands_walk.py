"""Inputs for any registered mutation, built from its command declaration.

The scope matrix and the extremes test walk every mutation the API registers
(``gongzhi.graphql.commands.REGISTRATIONS``) and need an input for each: every id field is
filled by a ``pick`` function given the kinds the field declares, every other field with a
value of its declared type (typical, or at the edge of its bound).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from strawberry.utils.str_converters import to_camel_case

from gongzhi.application.base import BUSINESS_TZ, business_today
from gongzhi.application.fields import Items, Kind, Money, Range, Ref, Text
from gongzhi.graphql.commands import FieldType, Registration, command_fields, input_type
from gongzhi.infra.limits import Limits

# What the id fields of an input are: (path in the input, the kinds it may be).
RefFields = list[tuple[str, tuple[Kind, ...]]]
Pick = Callable[[str, tuple[Kind, ...]], str | None]


class Edge(enum.Enum):
    """Which value a bounded field gets."""

    TYPICAL = "typical"
    HIGHEST = "highest"  # the longest text, the largest number, the fullest list allowed


def ref_fields(registration: Registration[Any, Any]) -> RefFields:
    """Every id field of the mutation's input, lists entered at their first item."""
    found: RefFields = []

    def walk(cls: type, prefix: str) -> None:
        for field, kind in command_fields(cls):
            path = f"{prefix}.{to_camel_case(field.name)}"
            item = kind.item if kind.base is list else kind
            assert item is not None
            if kind.base is list:
                path = f"{path}.0"
            ref = item.mark(Ref)
            if ref is not None:
                found.append((path, ref.kinds))
            elif dataclasses.is_dataclass(item.base):
                walk(item.base, path)  # type: ignore[arg-type]

    walk(registration.command, "input")
    return found


def build_input(
    registration: Registration[Any, Any], pick: Pick, edge: Edge = Edge.TYPICAL
) -> dict[str, Any]:
    """A JSON input for the mutation: ids from ``pick`` (a field it returns None for is left
    out when optional), everything else a value of its type."""
    return _object(registration.command, "input", pick, edge)


def _object(cls: type, prefix: str, pick: Pick, edge: Edge) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field, kind in command_fields(cls):
        name = to_camel_case(field.name)
        value = _value(kind, f"{prefix}.{name}", pick, edge, field.name)
        if value is _OMIT:
            continue
        values[name] = value
    return values


_OMIT = object()


def _value(kind: FieldType, path: str, pick: Pick, edge: Edge, name: str) -> Any:
    if kind.base is list:
        items: Items = kind.mark(Items)
        assert kind.item is not None
        count = items.max_items if edge is Edge.HIGHEST and kind.item.mark(Ref) is None else 1
        value = [_value(kind.item, f"{path}.{i}", pick, edge, name) for i in range(count)]
        return [v for v in value if v is not _OMIT]
    ref = kind.mark(Ref)
    if ref is not None:
        chosen = pick(path, ref.kinds)
        if chosen is None:
            return _OMIT if kind.optional else "00000000-0000-4000-8000-000000000000"
        return chosen
    if kind.optional and edge is Edge.TYPICAL and name != "reason":
        return _OMIT
    text = kind.mark(Text)
    if text is not None:
        if name == "reason":
            return "矩阵测试" if edge is Edge.TYPICAL else "理" * text.max_length
        length = text.max_length if edge is Edge.HIGHEST else min(text.max_length, 4)
        return (wide_or_ascii(text.max_length) * max(length, text.min_length))[: text.max_length]
    bounds = kind.mark(Range)
    if bounds is not None:
        return _number(bounds, edge, isinstance(bounds, Money))
    base = kind.base
    if dataclasses.is_dataclass(base):
        return _object(base, path, pick, edge)  # type: ignore[arg-type]
    if isinstance(base, type) and issubclass(base, enum.Enum):
        return next(iter(base.__members__))
    if base is bool:
        return False
    if base is date:
        return business_today().isoformat()
    if base is datetime:
        return (datetime.now(BUSINESS_TZ) + timedelta(days=1)).isoformat()
    msg = f"no example value for {kind}"
    raise TypeError(msg)


def _number(bounds: Range, edge: Edge, money: bool) -> Any:
    if edge is Edge.HIGHEST:
        value: Any = bounds.high
    else:
        typical = 100 if money else 1
        value = max(bounds.low, min(bounds.high, typical))
        if bounds.above_low and value == bounds.low:
            value = bounds.low + 1
    if isinstance(value, Decimal) or bounds.places is not None:
        return str(value)
    return int(value)


def input_name(registration: Registration[Any, Any]) -> str:
    return input_type(registration.command).__strawberry_definition__.name  # type: ignore[attr-defined]


def wide_or_ascii(length: int) -> str:
    """The character to fill a text of ``length`` with: a 3-byte one, unless that many would
    not fit in the largest request body (a roster file's content), where the body limit
    would answer first; ASCII then, so the field's own bound is what answers."""
    return "测" if 3 * length < Limits().max_upload_bytes else "x"
