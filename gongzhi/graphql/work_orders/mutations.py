"""Changing work orders: report, dispatch (分转), respond (回应), resolve, rate, reopen, cancel."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.base import Done, Meta
from gongzhi.domain.errors import InvalidValue
from gongzhi.domain.work_order import Category, PlaceKind, Source, Urgency
from gongzhi.graphql.auth import Principal, Role
from gongzhi.graphql.context import Context, execute_on, parse_id
from gongzhi.graphql.permissions import Action, Target
from gongzhi.graphql.work_orders.queries import fetch_work_order, now
from gongzhi.graphql.work_orders.types import (
    WorkOrderCategoryType,
    WorkOrderPayload,
    WorkOrderPlaceKindType,
    WorkOrderResult,
    WorkOrderSourceType,
    WorkOrderUrgencyType,
    work_order_from_row,
)

# Who reports as what: committee members and regulators stand in for grid workers (网格员).
SOURCES_BY_ROLE: dict[Role, tuple[str, ...]] = {
    Role.RESIDENT: ("RESIDENT",),
    Role.COMMITTEE_MEMBER: ("GRID_WORKER",),
    Role.REGULATOR: ("GRID_WORKER",),
    Role.COMPANY_STAFF: ("COMPANY", "INSPECTION"),
    Role.PLATFORM_ADMIN: ("GRID_WORKER", "RESIDENT", "COMPANY", "INSPECTION"),
}


@strawberry.input(description="报修位置: name the building, the unit or the common area")
class WorkOrderPlaceInput:
    kind: WorkOrderPlaceKindType  # type: ignore[valid-type]
    building_id: strawberry.ID | None = None
    unit_id: strawberry.ID | None = None
    area_name: str | None = strawberry.field(
        default=None, description="Required for COMMON_AREA, e.g. 中心花园 or 3栋楼道"
    )


@strawberry.input(description="报事报修: report a repair or a problem in a community")
class ReportWorkOrderInput:
    community_id: strawberry.ID
    category: WorkOrderCategoryType  # type: ignore[valid-type]
    description: str
    place: WorkOrderPlaceInput
    reason: str
    urgency: WorkOrderUrgencyType = Urgency.NORMAL  # type: ignore[valid-type]
    photos: list[str] = strawberry.field(default_factory=list, description="At most 9")
    source: WorkOrderSourceType | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Who reports as what; by default from your role"
    )
    source_ref: str | None = strawberry.field(
        default=None, description="The record it comes from (required for INSPECTION)"
    )


@strawberry.input(description="分转: dispatch the order to a team of the serving company")
class DispatchWorkOrderInput:
    work_order_id: strawberry.ID
    team: str
    assignee: str
    reason: str


@strawberry.input(description="回应 or 办结: a note for the reporter")
class WorkOrderNoteInput:
    work_order_id: strawberry.ID
    note: str
    reason: str


@strawberry.input(description="评价: the reporter rates the resolved order, 1 to 5, once")
class RateWorkOrderInput:
    work_order_id: strawberry.ID
    rating: int
    reason: str
    comment: str | None = None


@strawberry.input(description="重新打开 or 撤销: the reason is recorded on the order")
class WorkOrderReasonInput:
    work_order_id: strawberry.ID
    reason: str


def report_source(principal: Principal, requested: str | None) -> str:
    allowed_sources = SOURCES_BY_ROLE[principal.role]
    if requested is None:
        return allowed_sources[0]
    if requested not in allowed_sources:
        raise InvalidValue(
            "source", f"a {principal.role.value} reports as {' or '.join(allowed_sources)}"
        )
    return requested


def _optional_id(value: strawberry.ID | None, field: str) -> UUID | None:
    return parse_id(value, field) if value else None


def _report_target(context: Context, input: ReportWorkOrderInput) -> Callable[[], Target]:
    """The community, and the unit the report is about: the place's unit, or for a common
    part one of the reporter's own units in that community (residents report where they live).
    """

    def target() -> Target:
        community_id = parse_id(input.community_id, "communityId")
        facts = context.app.community_facts(community_id)
        unit_id = _optional_id(input.place.unit_id, "place.unitId")
        if unit_id is None and context.principal.unit_ids:
            community = context.app.community(community_id)
            unit_id = next(
                (u for u in context.principal.unit_ids if u in community.unit_index), None
            )
        return Target(
            district=facts.district,
            community_id=facts.id,
            serving_company_id=facts.serving_company_id,
            unit_id=unit_id,
        )

    return target


def _order_target(context: Context, work_order_id: strawberry.ID) -> Callable[[], Target]:
    def target() -> Target:
        facts = context.app.work_order_facts(parse_id(work_order_id, "workOrderId"))
        return Target(
            district=facts.district,
            community_id=facts.community_id,
            serving_company_id=facts.serving_company_id,
            unit_id=facts.unit_id,
            reporter=facts.reporter,
        )

    return target


async def _reply(context: Context, done: Done) -> WorkOrderPayload:
    row = await fetch_work_order(context, done.id)
    return WorkOrderPayload(
        work_order=work_order_from_row(row, now()) if row else None, position=str(done.position)
    )


async def _change(
    info: Info[Context, None],
    action: Action,
    work_order_id: strawberry.ID,
    reason: str,
    command: Callable[[Meta, UUID], Done],
) -> WorkOrderResult:
    context = info.context
    return await execute_on(  # type: ignore[return-value]
        context,
        action,
        _order_target(context, work_order_id),
        work_order_id,
        "workOrderId",
        command,
        reason,
        lambda done: _reply(context, done),
    )


@strawberry.type
class WorkOrderMutations:
    @strawberry.mutation(description="报事报修: report a repair or a problem")
    async def report_work_order(
        self, info: Info[Context, None], input: ReportWorkOrderInput
    ) -> WorkOrderResult:
        context = info.context
        place = input.place
        return await context.execute(  # type: ignore[return-value]
            Action.REPORT_WORK_ORDER,
            _report_target(context, input),
            lambda meta: context.app.report_work_order(
                meta,
                community_id=parse_id(input.community_id, "communityId"),
                source=report_source(
                    context.principal, Source(input.source).value if input.source else None
                ),
                category=Category(input.category).value,
                urgency=Urgency(input.urgency).value,
                description=input.description,
                place_kind=PlaceKind(place.kind).value,
                building_id=_optional_id(place.building_id, "place.buildingId"),
                unit_id=_optional_id(place.unit_id, "place.unitId"),
                area_name=place.area_name,
                photos=input.photos,
                source_ref=input.source_ref,
            ),
            input.reason,
            lambda done: _reply(context, done),
        )

    @strawberry.mutation(description="分转: dispatch a work order to a team of the company")
    async def dispatch_work_order(
        self, info: Info[Context, None], input: DispatchWorkOrderInput
    ) -> WorkOrderResult:
        app = info.context.app
        return await _change(
            info,
            Action.HANDLE_WORK_ORDER,
            input.work_order_id,
            input.reason,
            lambda meta, wid: app.dispatch_work_order(
                meta, wid, team=input.team, assignee=input.assignee
            ),
        )

    @strawberry.mutation(description="回应: the team answers the reporter")
    async def respond_to_work_order(
        self, info: Info[Context, None], input: WorkOrderNoteInput
    ) -> WorkOrderResult:
        app = info.context.app
        return await _change(
            info,
            Action.HANDLE_WORK_ORDER,
            input.work_order_id,
            input.reason,
            lambda meta, wid: app.respond_to_work_order(meta, wid, note=input.note),
        )

    @strawberry.mutation(description="办结: the problem is fixed")
    async def resolve_work_order(
        self, info: Info[Context, None], input: WorkOrderNoteInput
    ) -> WorkOrderResult:
        app = info.context.app
        return await _change(
            info,
            Action.HANDLE_WORK_ORDER,
            input.work_order_id,
            input.reason,
            lambda meta, wid: app.resolve_work_order(meta, wid, note=input.note),
        )

    @strawberry.mutation(description="撤销: cancel an open work order, for the reason given")
    async def cancel_work_order(
        self, info: Info[Context, None], input: WorkOrderReasonInput
    ) -> WorkOrderResult:
        app = info.context.app
        return await _change(
            info,
            Action.HANDLE_WORK_ORDER,
            input.work_order_id,
            input.reason,
            app.cancel_work_order,
        )

    @strawberry.mutation(description="评价: the reporter rates a resolved work order")
    async def rate_work_order(
        self, info: Info[Context, None], input: RateWorkOrderInput
    ) -> WorkOrderResult:
        app = info.context.app
        return await _change(
            info,
            Action.FOLLOW_UP_WORK_ORDER,
            input.work_order_id,
            input.reason,
            lambda meta, wid: app.rate_work_order(
                meta, wid, rating=input.rating, comment=input.comment
            ),
        )

    @strawberry.mutation(description="重新打开: the reporter reopens a resolved work order")
    async def reopen_work_order(
        self, info: Info[Context, None], input: WorkOrderReasonInput
    ) -> WorkOrderResult:
        app = info.context.app
        return await _change(
            info,
            Action.FOLLOW_UP_WORK_ORDER,
            input.work_order_id,
            input.reason,
            app.reopen_work_order,
        )
