"""Every event of every aggregate, in order, with who, when, why and what: the audit trail."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, String, Table, Text, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert

from gongzhi.domain.community import Community
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import Op, Statement, plain

event_history = Table(
    "event_history",
    metadata,
    Column("position", BigInteger, primary_key=True),
    Column("aggregate_id", Uuid, nullable=False),
    Column("aggregate_type", String(60), nullable=False),
    Column("version", Integer, nullable=False),
    Column("event_type", String(120), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("actor", Text, nullable=False),
    Column("actor_role", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("data", JSONB, nullable=False),
    Column("community_id", Uuid),
    Index("event_history_aggregate", "aggregate_id", "version"),
)

INSERT_HISTORY = Statement(
    "insert history", 90, pg_insert(event_history).on_conflict_do_nothing()
)

_ENVELOPE = {"originator_id", "originator_version", "timestamp", "meta", "originator_topic"}


def history_op(position: int, event: Any) -> Op:
    aggregate_type, _, event_type = type(event).__qualname__.partition(".")
    meta = event.__dict__.get("meta") or {}
    data = {key: plain(value) for key, value in vars(event).items() if key not in _ENVELOPE}
    return Op(
        INSERT_HISTORY,
        {
            "position": position,
            "aggregate_id": event.originator_id,
            "aggregate_type": aggregate_type,
            "version": event.originator_version,
            "event_type": event_type,
            "occurred_at": event.timestamp,
            "actor": meta.get("actor", ""),
            "actor_role": meta.get("actor_role", ""),
            "reason": meta.get("reason", ""),
            "data": data,
            "community_id": event.originator_id if isinstance(event, Community.Event) else None,
        },
    )
