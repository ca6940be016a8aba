"""Keyset (cursor) pagination: a cursor is the sort key of the last row, opaque to clients."""

from __future__ import annotations

import base64
from typing import Any
from uuid import UUID

import orjson
import strawberry

from gongzhi.graphql.errors import Refused, invalid

MAX_PAGE = 100


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


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


def cursor_id(value: str) -> UUID | None:
    """The id part of a cursor, or None when a client forged it."""
    try:
        return UUID(value)
    except ValueError:
        return None


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
    """One page of rows ordered by (name, id) after a cursor of the same key.

    Raises Refused for an oversized page or a cursor this API did not issue."""
    limit = page_size(first)
    key = decode_cursor(after, 2)
    params = list(params)
    conditions = list(conditions)
    if key is not None:
        after_id = cursor_id(key[1])
        if after_id is None:
            raise Refused(invalid("after", "is not a cursor this API issued"))
        params.extend([key[0], after_id])
        conditions.append(
            f"({alias}.name, {alias}.id) > (${len(params) - 1}, ${len(params)}::uuid)"
        )
    params.append(limit + 1)
    rows = await pool.fetch(
        f"{select} WHERE {' AND '.join(conditions)} "
        f"ORDER BY {alias}.name, {alias}.id LIMIT ${len(params)}",
        *params,
    )
    page = rows[:limit]
    end = encode_cursor(page[-1]["name"], page[-1]["id"]) if page else None
    return page, PageInfo(has_next_page=len(rows) > limit, end_cursor=end)
