"""Row operations that projection handlers return, and how a batch of them is executed.

Handlers are pure: (event) → [Op]. The runner executes a batch's ops grouped by
statement, so thousands of rows cost a handful of round trips. Groups run in the
order of their statement's ``rank`` (parents before children, inserts before the
updates and reads that depend on them); within a group the events' order is kept.
A test projects the same log in batches of 1 and of 1,000 and compares the views.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy.engine import Connection
from sqlalchemy.sql import Executable


@dataclass(frozen=True, eq=False)
class Statement:
    """A parameterised statement a view runs once per event, batched per transaction."""

    name: str
    rank: int
    sql: Executable


@dataclass(frozen=True)
class Op:
    statement: Statement
    params: dict[str, Any]


def execute_ops(conn: Connection, ops: Iterable[Op]) -> None:
    groups: dict[Statement, list[dict[str, Any]]] = {}
    for op in ops:
        groups.setdefault(op.statement, []).append(op.params)
    for statement in sorted(groups, key=lambda s: s.rank):
        conn.execute(statement.sql, groups[statement])


def plain(value: Any) -> Any:
    """Event data as JSON-ready values: ids, money and dates as strings."""
    if isinstance(value, (UUID, Decimal)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def to_json(value: Any) -> str:
    return json.dumps(plain(value), ensure_ascii=False)
