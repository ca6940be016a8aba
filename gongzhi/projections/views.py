"""The platform's read model: every view's handlers, composed in one place."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table

from gongzhi.projections.communities import (
    buildings,
    communities,
    community_modes,
    community_ops,
    entrances,
    units,
)
from gongzhi.projections.companies import companies, company_ops
from gongzhi.projections.history import event_history, history_op
from gongzhi.projections.ops import Op
from gongzhi.projections.statistics import outbox, statistics_ops

PROJECTION_NAME = "views"

# Tables a rebuild empties; snapshots are worker results and stay.
VIEW_TABLES: tuple[Table, ...] = (
    communities,
    buildings,
    entrances,
    units,
    community_modes,
    companies,
    event_history,
    outbox,
)


def ops_for(position: int, event: Any) -> list[Op]:
    """Every row change one event causes, across all views."""
    return [
        *community_ops(event),
        *company_ops(event),
        *statistics_ops(event),
        history_op(position, event),
    ]
