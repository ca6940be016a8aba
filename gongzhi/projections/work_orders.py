"""Read model of 报事报修 work orders: one row per order with its clocks, and the SLA figures
other modules (health index, credit evaluation) read.

Deadlines are stored so that the watchdog and the lists can filter on them; they come from
the domain's clock for the order's rule set version (``sla_clock``), never from the time the
projection runs. ``position`` is the log position of the order's latest event: a live
subscription reads a community's rows changed after the last position it saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import singledispatch
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection

from gongzhi.domain.sla import sla_clock
from gongzhi.domain.work_order import WorkOrder, WorkOrderStatus
from gongzhi.projections.history import INSERT_HISTORY
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import CREATE, RECORD, Op, Statement, insert_statement

work_orders = Table(
    "work_orders",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_id", Uuid, nullable=False),
    Column("source", String(20), nullable=False),
    Column("source_ref", Text),
    Column("reporter", Text, nullable=False),
    Column("reporter_role", String(30), nullable=False),
    Column("category", String(20), nullable=False),
    Column("urgency", String(20), nullable=False),
    Column("place_kind", String(20), nullable=False),
    Column("building_id", Uuid),
    Column("unit_id", Uuid),
    Column("area_name", Text, nullable=False),
    Column("photos", JSONB, nullable=False),
    Column("description", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("sla_rules", String(40), nullable=False),
    Column("respond_within_s", Integer, nullable=False),
    Column("reported_at", DateTime(timezone=True), nullable=False),
    Column("dispatch_deadline", DateTime(timezone=True), nullable=False),
    Column("company_id", Uuid),
    Column("team", Text),
    Column("assignee", Text),
    Column("dispatched_at", DateTime(timezone=True)),
    Column("response_deadline", DateTime(timezone=True)),
    Column("responded_at", DateTime(timezone=True)),
    Column("response_note", Text),
    Column("resolved_at", DateTime(timezone=True)),
    Column("resolution_note", Text),
    Column("rating", Integer),
    Column("rating_comment", Text),
    Column("rated_at", DateTime(timezone=True)),
    Column("reopen_count", Integer, nullable=False),
    Column("reopened_at", DateTime(timezone=True)),
    Column("cancelled_at", DateTime(timezone=True)),
    Column("cancel_reason", Text),
    Column("dispatch_breached", Boolean, nullable=False),
    Column("response_breached", Boolean, nullable=False),  # of the current response clock
    Column("response_breaches", Integer, nullable=False),  # over all response clocks
    # What each reopening cleared (issue 15): the earlier attempts' response, resolution and
    # rating, kept as history, and their counts for the performance figures.
    Column("earlier_attempts", JSONB, nullable=False, server_default="[]"),
    Column("earlier_responses", Integer, nullable=False, server_default="0"),
    Column("earlier_ratings", Integer, nullable=False, server_default="0"),
    Column("earlier_rating_total", Integer, nullable=False, server_default="0"),
    Column("position", BigInteger, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("work_orders_community_reported", "community_id", "reported_at", "id"),
    Index("work_orders_community_position", "community_id", "position"),
    Index("work_orders_company_reported", "company_id", "reported_at"),
    Index("work_orders_open_status", "status", "dispatch_deadline", "response_deadline"),
)

INSERT_ORDER = insert_statement(
    "insert work order", CREATE, work_orders, on_conflict_do_nothing=True
)

_AT = "CAST(:at AS timestamptz)"
_RESPONSE_CLOCK = f"{_AT} + make_interval(secs => respond_within_s)"
# A reopening's record of the attempt it ends (SET expressions read the row before the update).
_ATTEMPT = f"""earlier_attempts || jsonb_build_array(jsonb_build_object(
    'responded_at', responded_at, 'response_note', response_note, 'resolved_at', resolved_at,
    'resolution_note', resolution_note, 'rating', rating, 'rating_comment', rating_comment,
    'rated_at', rated_at, 'reopened_at', {_AT}))"""
# Column → {event kind → new value}: what each later event changes on the row.
_CHANGES: dict[str, dict[str, str]] = {
    "earlier_attempts": {"Reopened": _ATTEMPT},
    "earlier_responses": {"Reopened": "earlier_responses + (responded_at IS NOT NULL)::int"},
    "earlier_ratings": {"Reopened": "earlier_ratings + (rating IS NOT NULL)::int"},
    "earlier_rating_total": {"Reopened": "earlier_rating_total + coalesce(rating, 0)"},
    "status": {
        "Dispatched": "'DISPATCHED'",
        "Responded": "'RESPONDED'",
        "Resolved": "'RESOLVED'",
        "Reopened": "'DISPATCHED'",
        "Cancelled": "'CANCELLED'",
    },
    "company_id": {"Dispatched": "CAST(:company_id AS uuid)"},
    "team": {"Dispatched": ":team"},
    "assignee": {"Dispatched": ":assignee"},
    "dispatched_at": {"Dispatched": _AT},
    "response_deadline": {"Dispatched": _RESPONSE_CLOCK, "Reopened": _RESPONSE_CLOCK},
    "responded_at": {"Responded": _AT, "Reopened": "NULL"},
    "response_note": {"Responded": ":note", "Reopened": "NULL"},
    "resolved_at": {"Resolved": _AT, "Reopened": "NULL"},
    "resolution_note": {"Resolved": ":note", "Reopened": "NULL"},
    "rating": {"Rated": "CAST(:rating AS integer)", "Reopened": "NULL"},
    "rating_comment": {"Rated": ":note", "Reopened": "NULL"},
    "rated_at": {"Rated": _AT, "Reopened": "NULL"},
    "reopen_count": {"Reopened": "reopen_count + 1"},
    "reopened_at": {"Reopened": _AT},
    "cancelled_at": {"Cancelled": _AT},
    "cancel_reason": {"Cancelled": ":note"},
    "dispatch_breached": {"DISPATCH": "TRUE"},
    "response_breached": {"RESPONSE": "TRUE", "Reopened": "FALSE"},
    "response_breaches": {"RESPONSE": "response_breaches + 1"},
}


def _assignment(column: str, by_kind: dict[str, str]) -> str:
    cases = " ".join(f"WHEN '{kind}' THEN {value}" for kind, value in by_kind.items())
    return f"{column} = CASE CAST(:kind AS text) {cases} ELSE {column} END"


# One statement for every change after the report, run once per event in log order: the
# events of one order in one batch then apply exactly as one at a time would (separate
# statements per event kind would run grouped by kind, and a reopening could overtake the
# response before it). After the history row, whose log position it copies.
APPLY_CHANGE = Statement(
    "apply work order change",
    RECORD,
    text(
        "UPDATE work_orders SET "
        + ", ".join(_assignment(column, by_kind) for column, by_kind in _CHANGES.items())
        + ", version = :version, updated_at = :updated_at, position = ("
        "SELECT h.position FROM event_history h "
        "WHERE h.aggregate_id = :b_id AND h.version = :version) "
        "WHERE id = :b_id"
    ),
    after=(INSERT_HISTORY,),
)
_NO_VALUES = dict.fromkeys(("at", "note", "company_id", "team", "assignee", "rating"))


def _change(event: WorkOrder.Event, kind: str, **values: Any) -> Op:
    params = {
        **_NO_VALUES,
        **values,
        "kind": kind,
        "b_id": event.originator_id,
        "version": event.originator_version,
        "updated_at": event.timestamp,
    }
    return Op(APPLY_CHANGE, params)


@singledispatch
def work_order_ops(event: object) -> list[Op]:
    """Rows for one event; events of other aggregates give none."""
    return []


@work_order_ops.register
def _(event: WorkOrder.Reported) -> list[Op]:
    clock = sla_clock(event.sla_rules, event.category, event.urgency)
    row: dict[str, Any] = {
        "id": event.originator_id,
        "community_id": event.community_id,
        "source": event.source,
        "source_ref": event.source_ref,
        "reporter": event.reporter,
        "reporter_role": event.reporter_role,
        "category": event.category,
        "urgency": event.urgency,
        "place_kind": event.place_kind,
        "building_id": event.building_id,
        "unit_id": event.unit_id,
        "area_name": event.area_name,
        "photos": list(event.photos),
        "description": event.description,
        "status": WorkOrderStatus.REPORTED.value,
        "sla_rules": event.sla_rules,
        "respond_within_s": int(clock.respond_within.total_seconds()),
        "reported_at": event.reported_at,
        "dispatch_deadline": event.reported_at + clock.dispatch_within,
        "reopen_count": 0,
        "dispatch_breached": False,
        "response_breached": False,
        "response_breaches": 0,
        "earlier_attempts": [],
        "earlier_responses": 0,
        "earlier_ratings": 0,
        "earlier_rating_total": 0,
        "position": 0,
        "version": event.originator_version,
        "created_at": event.timestamp,
        "updated_at": event.timestamp,
    }
    return [Op(INSERT_ORDER, row), _change(event, "Reported")]


@work_order_ops.register
def _(event: WorkOrder.Dispatched) -> list[Op]:
    return [
        _change(
            event,
            "Dispatched",
            at=event.dispatched_at,
            company_id=event.company_id,
            team=event.team,
            assignee=event.assignee,
        )
    ]


@work_order_ops.register
def _(event: WorkOrder.Responded) -> list[Op]:
    return [_change(event, "Responded", at=event.responded_at, note=event.note)]


@work_order_ops.register
def _(event: WorkOrder.Resolved) -> list[Op]:
    return [_change(event, "Resolved", at=event.resolved_at, note=event.note)]


@work_order_ops.register
def _(event: WorkOrder.Rated) -> list[Op]:
    return [_change(event, "Rated", at=event.rated_at, rating=event.rating, note=event.comment)]


@work_order_ops.register
def _(event: WorkOrder.Reopened) -> list[Op]:
    return [_change(event, "Reopened", at=event.reopened_at)]


@work_order_ops.register
def _(event: WorkOrder.Cancelled) -> list[Op]:
    return [_change(event, "Cancelled", at=event.cancelled_at, note=event.reason)]


@work_order_ops.register
def _(event: WorkOrder.SlaBreached) -> list[Op]:
    return [_change(event, event.kind)]


# --- the watchdog's candidates ---------------------------------------------------------------

OVERDUE = text(
    "SELECT id FROM work_orders WHERE "
    "(status = 'REPORTED' AND dispatch_deadline < :now AND NOT dispatch_breached) OR "
    "(status = 'DISPATCHED' AND response_deadline < :now AND NOT response_breached) "
    "ORDER BY id"
)


def overdue_work_orders(conn: Connection, now: datetime) -> list[UUID]:
    """Open orders past a deadline whose breach the view does not show yet."""
    return list(conn.execute(OVERDUE, {"now": now}).scalars())


# --- SLA performance (服务时效), for the API, the health index and credit evaluation ------------

# Orders reported in [since, until): on time means no breach of that kind was recorded. A
# reopened order counts its earlier attempts too: answered once is answered, and every rating
# given counts. {where} is a condition on work_orders ``w``; {since} and {until} placeholders.
_ANSWERED = "(w.responded_at IS NOT NULL OR w.earlier_responses > 0)"
_RATINGS = "((w.rating IS NOT NULL)::int + w.earlier_ratings)"
PERFORMANCE_SQL = f"""
SELECT count(*)::int AS reported,
       count(*) FILTER (WHERE w.dispatched_at IS NOT NULL OR w.dispatch_breached)::int
           AS dispatch_due,
       count(*) FILTER (WHERE w.dispatched_at IS NOT NULL AND NOT w.dispatch_breached)::int
           AS dispatched_on_time,
       count(*) FILTER (WHERE {_ANSWERED} OR w.response_breaches > 0)::int AS response_due,
       count(*) FILTER (WHERE {_ANSWERED} AND w.response_breaches = 0)::int
           AS responded_on_time,
       coalesce(sum(w.response_breaches + w.dispatch_breached::int), 0)::int AS breaches,
       count(*) FILTER (WHERE w.status = 'RESOLVED')::int AS resolved,
       coalesce(sum({_RATINGS}), 0)::int AS rated,
       round(sum(coalesce(w.rating, 0) + w.earlier_rating_total)::numeric
             / nullif(sum({_RATINGS}), 0), 2) AS average_rating
FROM work_orders w
WHERE w.reported_at >= {{since}} AND w.reported_at < {{until}} AND {{where}}
"""


@dataclass(frozen=True)
class SlaPerformance:
    """服务时效: a period's orders, the share dispatched and answered on time, breaches, rating.

    A share is ``None`` when no order was due for that step; ratings average 1-5 to 2 places.
    """

    reported: int
    dispatch_due: int
    dispatched_on_time: int
    response_due: int
    responded_on_time: int
    breaches: int
    resolved: int
    rated: int
    average_rating: Decimal | None

    @property
    def dispatched_on_time_pct(self) -> Decimal | None:
        return _percent(self.dispatched_on_time, self.dispatch_due)

    @property
    def responded_on_time_pct(self) -> Decimal | None:
        return _percent(self.responded_on_time, self.response_due)


def _percent(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"))


def performance_from_row(row: Any) -> SlaPerformance:
    return SlaPerformance(**{name: row[name] for name in SlaPerformance.__dataclass_fields__})


# An order is the company's when it dispatched it, or, not dispatched (yet, or ever: the
# worst breach of all), when the company was serving the community on the day it was reported
# (its latest management change by then). ``company_id`` is only set by the dispatch.
ORDER_OF_COMPANY = """(w.company_id = :company_id OR (w.company_id IS NULL
    AND w.dispatched_at IS NULL AND :company_id = serving_company(
        w.community_id, CAST(w.reported_at AT TIME ZONE 'Asia/Shanghai' AS date))))"""


def sla_performance(
    conn: Connection,
    *,
    since: datetime,
    until: datetime,
    community_id: UUID | None = None,
    company_id: UUID | None = None,
) -> SlaPerformance:
    """The figures of one community's or one company's orders reported in [since, until)
    (a company's: see ``ORDER_OF_COMPANY``).

    For workers (health index, credit evaluation) on a SQLAlchemy connection; the API runs
    the same ``PERFORMANCE_SQL`` through asyncpg with its access scope added.
    """
    conditions = ["TRUE"]
    if community_id is not None:
        conditions.append("w.community_id = :community_id")
    if company_id is not None:
        conditions.append(ORDER_OF_COMPANY)
    sql = PERFORMANCE_SQL.format(since=":since", until=":until", where=" AND ".join(conditions))
    row = conn.execute(
        text(sql),
        {"since": since, "until": until, "community_id": community_id, "company_id": company_id},
    ).mappings()
    return performance_from_row(row.one())
