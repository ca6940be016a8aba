"""GraphQL types of 报事报修 work orders and their SLA figures."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from gongzhi.domain.work_order import (
    Category,
    PlaceKind,
    Source,
    Urgency,
    WorkOrderStatus,
    sla_clocks_summary,
)
from gongzhi.graphql.errors import Forbidden, NotFound, ValidationError
from gongzhi.graphql.pagination import PageInfo
from gongzhi.graphql.rows import from_row
from gongzhi.projections.work_orders import SlaPerformance


@strawberry.type(description="报修位置")
class WorkOrderPlace:
    kind: PlaceKind
    building_id: strawberry.ID | None
    unit_id: strawberry.ID | None
    area_name: str = strawberry.field(description="The common area's name, or a detail")


@strawberry.type(
    description="An earlier attempt at a reopened order: its response, resolution and rating"
)
class WorkOrderAttempt:
    responded_at: datetime.datetime | None
    response_note: str | None
    resolved_at: datetime.datetime | None
    resolution_note: str | None
    rating: int | None
    rating_comment: str | None
    rated_at: datetime.datetime | None
    reopened_at: datetime.datetime = strawberry.field(description="When the attempt was reopened")


def _attempt(data: dict[str, Any]) -> WorkOrderAttempt:
    def at(name: str) -> datetime.datetime | None:
        value = data.get(name)
        return datetime.datetime.fromisoformat(value) if value else None

    reopened = at("reopened_at")
    assert reopened is not None  # every reopening records its time
    return WorkOrderAttempt(
        responded_at=at("responded_at"),
        response_note=data.get("response_note"),
        resolved_at=at("resolved_at"),
        resolution_note=data.get("resolution_note"),
        rating=data.get("rating"),
        rating_comment=data.get("rating_comment"),
        rated_at=at("rated_at"),
        reopened_at=reopened,
    )


@strawberry.type(
    description="报事报修 work order, with its SLA clocks (times in Asia/Shanghai). Clocks: "
    + sla_clocks_summary()
)
class WorkOrder:
    id: strawberry.ID
    community_id: strawberry.ID
    community_name: str
    source: Source
    source_ref: str | None = strawberry.field(description="The record it came from (巡查 defect)")
    reporter: str = strawberry.field(description="Who reported it (the signed-in subject)")
    reporter_role: str
    category: Category
    urgency: Urgency
    place: WorkOrderPlace
    photos: list[str] = strawberry.field(description="Photo references (keys or URLs)")
    description: str
    status: WorkOrderStatus
    sla_rules: str = strawberry.field(
        description="The SLA rule set version the clocks follow (the one in force when reported): "
        + sla_clocks_summary()
    )
    reported_at: datetime.datetime
    dispatch_deadline: datetime.datetime = strawberry.field(
        description="分转时限: reported at + the dispatch clock of slaRules for the category and "
        "urgency"
    )
    company_id: strawberry.ID | None = strawberry.field(description="The company dispatched to")
    team: str | None
    assignee: str | None
    dispatched_at: datetime.datetime | None
    response_deadline: datetime.datetime | None = strawberry.field(
        description="回应时限 of the current response clock (from the dispatch or the reopening), "
        "by the respond clock of slaRules for the category and urgency"
    )
    responded_at: datetime.datetime | None
    response_note: str | None
    resolved_at: datetime.datetime | None
    resolution_note: str | None
    rating: int | None = strawberry.field(description="评价 1-5 by the reporter")
    rating_comment: str | None
    rated_at: datetime.datetime | None
    reopen_count: int
    reopened_at: datetime.datetime | None
    earlier_attempts: list[WorkOrderAttempt] = strawberry.field(
        description="What each reopening ended, oldest first: kept as history (issue 15)"
    )
    cancelled_at: datetime.datetime | None
    cancel_reason: str | None
    dispatch_breached: bool = strawberry.field(description="分转超时 recorded")
    response_breached: bool = strawberry.field(description="回应超时 of the current clock recorded")
    response_breaches: int = strawberry.field(description="回应超时 over all response clocks")
    overdue: bool = strawberry.field(
        description="Open with its current deadline passed now, breach recorded or not"
    )
    version: int
    position: str = strawberry.field(description="Event-log position of its latest change")


def _id(value: Any) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


def work_order_from_row(row: Any, now: datetime.datetime) -> WorkOrder:
    """The work order as its view row holds it, with its place, photos and clock read in."""
    deadline = {
        WorkOrderStatus.REPORTED.value: row["dispatch_deadline"],
        WorkOrderStatus.DISPATCHED.value: row["response_deadline"],
    }.get(row["status"])
    photos = row["photos"]
    attempts = row["earlier_attempts"]
    attempts = json.loads(attempts) if isinstance(attempts, str) else attempts
    return from_row(
        WorkOrder,
        row,
        place=WorkOrderPlace(
            kind=PlaceKind(row["place_kind"]),
            building_id=_id(row["building_id"]),
            unit_id=_id(row["unit_id"]),
            area_name=row["area_name"],
        ),
        photos=list(json.loads(photos) if isinstance(photos, str) else photos),
        earlier_attempts=[_attempt(a) for a in attempts or ()],
        overdue=deadline is not None and now > deadline,
        position=str(row["position"]),
    )


@strawberry.type
class WorkOrderEdge:
    cursor: str
    node: WorkOrder


@strawberry.type
class WorkOrderConnection:
    edges: list[WorkOrderEdge]
    page_info: PageInfo


@strawberry.type(description="The work order after the change, as the views now show it")
class WorkOrderPayload:
    work_order: WorkOrder | None
    position: str = strawberry.field(description="Event-log position of the change")


@strawberry.type(
    description="服务时效 SLA performance of the work orders reported in a period: on time "
    "means no breach of that step was recorded; a share is null when nothing was due"
)
class WorkOrderPerformance:
    since: datetime.date
    until: datetime.date
    reported: int
    dispatch_due: int = strawberry.field(description="Dispatched, or overdue for dispatch")
    dispatched_on_time: int
    dispatched_on_time_pct: Decimal | None = strawberry.field(description="Percent, 1 place")
    response_due: int = strawberry.field(description="Answered, or overdue for an answer")
    responded_on_time: int
    responded_on_time_pct: Decimal | None = strawberry.field(description="Percent, 1 place")
    breaches: int = strawberry.field(description="超时 recorded, dispatch and response")
    resolved: int
    rated: int
    average_rating: Decimal | None = strawberry.field(description="Mean rating 1-5, 2 places")


def performance_type(
    figures: SlaPerformance, since: datetime.date, until: datetime.date
) -> WorkOrderPerformance:
    return WorkOrderPerformance(
        since=since,
        until=until,
        reported=figures.reported,
        dispatch_due=figures.dispatch_due,
        dispatched_on_time=figures.dispatched_on_time,
        dispatched_on_time_pct=figures.dispatched_on_time_pct,
        response_due=figures.response_due,
        responded_on_time=figures.responded_on_time,
        responded_on_time_pct=figures.responded_on_time_pct,
        breaches=figures.breaches,
        resolved=figures.resolved,
        rated=figures.rated,
        average_rating=figures.average_rating,
    )


WorkOrdersResult = Annotated[
    WorkOrderConnection | ValidationError | NotFound, strawberry.union("WorkOrdersResult")
]
WorkOrderLookup = Annotated[
    WorkOrder | NotFound | ValidationError, strawberry.union("WorkOrderLookup")
]
PerformanceResult = Annotated[
    WorkOrderPerformance | ValidationError | NotFound | Forbidden,
    strawberry.union("WorkOrderPerformanceResult"),
]
