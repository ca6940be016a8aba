"""The audit trail of one aggregate: every event with time, actor, reason and data."""

from __future__ import annotations

import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from gongzhi.graphql.errors import Forbidden, NotFound, ValidationError
from gongzhi.graphql.pagination import PageInfo


@strawberry.type(description="One recorded change (事件), as it was recorded")
class HistoryEntry:
    position: str = strawberry.field(description="Position in the platform's event log")
    aggregate_id: strawberry.ID
    aggregate_type: str
    version: int
    event_type: str
    occurred_at: datetime.datetime
    actor: str
    actor_role: str
    reason: str
    data: JSON


@strawberry.type
class HistoryConnection:
    entries: list[HistoryEntry]
    page_info: PageInfo


HistoryResult = Annotated[
    HistoryConnection | NotFound | Forbidden | ValidationError, strawberry.union("HistoryResult")
]
