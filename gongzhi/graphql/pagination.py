"""Keyset (cursor) pagination: a cursor is the sort key of the last row, opaque to clients."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import orjson
import strawberry

from gongzhi.graphql.errors import Refused, invalid
from gongzhi.graphql.params import Params

MAX_PAGE = 100


# What counts the rows of a list: run only when a client asks for ``totalCount``, since a
# COUNT over a large list costs as much as reading it and most pages do not need it.
Counter = Callable[[], Awaitable[int]]


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None
    counter: strawberry.Private[Counter]

    @strawberry.field(
        description="How many rows the whole list holds (all pages, the same filters and "
        "scope), counted when asked for"
    )
    async def total_count(self) -> int:
        return await self.counter()


def encode_cursor(*key: Any) -> str:
    raw = orjson.dumps([str(part) for part in key])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, parts: int, field: str = "after") -> list[str] | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):  # orjson.JSONDecodeError is a ValueError
        raise Refused(invalid(field, "is not a cursor this API issued")) from None
    if not isinstance(key, list) or len(key) != parts or not all(isinstance(k, str) for k in key):
        raise Refused(invalid(field, "is not a cursor this API issued"))
    return key


def page_size(first: int, field: str = "first") -> int:
    if not 1 <= first <= MAX_PAGE:
        raise Refused(invalid(field, f"must be between 1 and {MAX_PAGE}"))
    return first


def contains_pattern(text: str) -> str:
    """An ILIKE pattern matching ``text`` anywhere, its own % and \\ taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def page_by_name(
    pool: Any,
    select: str,
    alias: str,
    conditions: list[str],
    params: list[object],
    first: int,
    after: str | None,
) -> tuple[list[Any], PageInfo]:
    """One page of rows ordered by (name, id) after a cursor of the same key."""
    keys = (Key(f"{alias}.name", "name", "text"), Key(f"{alias}.id", "id", "uuid"))
    return await keyset_page(pool, select, conditions, Params(params), keys, first, after)


# How a cursor part is read back, by the SQL type of its column.
_READ: dict[str, Callable[[str], object]] = {
    "uuid": UUID,
    "text": str,
    "int": int,
    "bigint": int,
    "date": date.fromisoformat,
    "timestamptz": datetime.fromisoformat,
}


@dataclass(frozen=True)
class Key:
    """One column of a keyset order: its SQL expression, its name in the row, its type."""

    expression: str
    name: str
    type: str


async def keyset_page(
    pool: Any,
    select: str,
    conditions: Sequence[str],
    params: Params,
    keys: Sequence[Key],
    first: int,
    after: str | None,
    *,
    descending: bool = False,
) -> tuple[list[Any], PageInfo]:
    """One page of ``select`` rows ordered by ``keys`` (all ascending or all descending),
    after the cursor ``after``; raises Refused for an oversized page or a forged cursor."""
    limit = page_size(first)
    key = decode_cursor(after, len(keys))
    # The count is over the same filtered rows, before the cursor and the limit narrow them.
    counter = _counter(pool, select, conditions, Params(params))
    conditions = list(conditions)
    if key is not None:
        try:
            values = [_READ[k.type](part) for k, part in zip(keys, key, strict=True)]
        except ValueError:
            raise Refused(invalid("after", "is not a cursor this API issued")) from None
        columns = ", ".join(k.expression for k in keys)
        placeholders = ", ".join(params(v, k.type) for k, v in zip(keys, values, strict=True))
        conditions.append(f"({columns}) {'<' if descending else '>'} ({placeholders})")
    direction = " DESC" if descending else ""
    order = ", ".join(f"{k.expression}{direction}" for k in keys)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    rows = await pool.fetch(f"{select} {where} ORDER BY {order} LIMIT {params(limit + 1)}", *params)
    page = list(rows[:limit])
    end = encode_cursor(*(_cursor_part(page[-1][k.name]) for k in keys)) if page else None
    return page, PageInfo(has_next_page=len(rows) > limit, end_cursor=end, counter=counter)


def _counter(pool: Any, select: str, conditions: Sequence[str], params: Params) -> Counter:
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""

    async def count() -> int:
        return int(await pool.fetchval(f"SELECT count(*) FROM ({select} {where}) counted", *params))

    return count


def _cursor_part(value: object) -> str:
    return value.isoformat() if isinstance(value, date | datetime) else str(value)
