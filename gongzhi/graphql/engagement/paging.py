"""Keyset pages newest first, on a (sort column, id) key: complaints, disputes, surveys."""

from __future__ import annotations

import datetime
from typing import Any

from gongzhi.graphql.errors import Refused, invalid
from gongzhi.graphql.pagination import (
    PageInfo,
    cursor_id,
    decode_cursor,
    encode_cursor,
    page_size,
)


def _key(value: str, kind: str) -> Any:
    if kind == "date":
        return datetime.date.fromisoformat(value)
    if kind == "int":
        return int(value)
    return datetime.datetime.fromisoformat(value)


async def page_newest(
    pool: Any,
    select: str,
    sort: tuple[str, str, str],
    conditions: list[str],
    params: list[object],
    first: int,
    after: str | None,
) -> tuple[list[Any], PageInfo]:
    """Rows of ``select`` newest first by ``sort`` = (sort column, id column, kind of the
    sort column: timestamptz, date or int); raises Refused for bad paging arguments."""
    column, id_column, kind = sort
    limit = page_size(first)
    key = decode_cursor(after, 2)
    params, conditions = list(params), list(conditions)
    if key is not None:
        after_id = cursor_id(key[1])
        try:
            after_value = _key(key[0], kind)
        except ValueError:
            after_id = None
        if after_id is None:
            raise Refused(invalid("after", "is not a cursor this API issued"))
        params.extend([after_value, after_id])
        conditions.append(
            f"({column}, {id_column}) < (${len(params) - 1}::{kind}, ${len(params)}::uuid)"
        )
    params.append(limit + 1)
    rows = await pool.fetch(
        f"{select} WHERE {' AND '.join(conditions) or 'TRUE'} "
        f"ORDER BY {column} DESC, {id_column} DESC LIMIT ${len(params)}",
        *params,
    )
    page = rows[:limit]
    name = column.split(".")[-1]
    last = page[-1] if page else None
    end = encode_cursor(_text(last[name]), last[id_column.split(".")[-1]]) if last else None
    return page, PageInfo(has_next_page=len(rows) > limit, end_cursor=end)


def _text(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
