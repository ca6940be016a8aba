"""Changing work orders: report, dispatch (分转), respond (回应), resolve, rate, reopen, cancel."""

from __future__ import annotations

from gongzhi.application.base import Done
from gongzhi.application.commands import Command
from gongzhi.application.work_orders import (
    CancelWorkOrder,
    DispatchWorkOrder,
    RateWorkOrder,
    ReopenWorkOrder,
    ReportWorkOrder,
    ResolveWorkOrder,
    RespondToWorkOrder,
)
from gongzhi.graphql.commands import mutation, mutations
from gongzhi.graphql.context import Context
from gongzhi.graphql.permissions import Action, Target
from gongzhi.graphql.references import Found
from gongzhi.graphql.work_orders.queries import fetch_work_order, now
from gongzhi.graphql.work_orders.types import WorkOrderPayload, work_order_from_row


async def report_target(
    context: Context, command: ReportWorkOrder, found: dict[str, Found]
) -> Target:
    """The community, and the unit the report is about: the place's unit, or for a common
    part one of the reporter's own units in that community (residents report where they live).
    """
    target = found["input.communityId"].target()
    unit_id = command.place.unit_id
    if unit_id is None and context.principal.unit_ids:
        unit_id = await context.pool.fetchval(
            "SELECT id FROM units WHERE community_id = $1 AND id = ANY($2::uuid[]) "
            "ORDER BY id LIMIT 1",
            command.community_id,
            list(context.principal.unit_ids),
        )
    return Target(
        district=target.district,
        community_id=target.community_id,
        serving_company_id=target.serving_company_id,
        unit_id=unit_id,
    )


async def order_target(
    context: Context,
    command: DispatchWorkOrder | RespondToWorkOrder | RateWorkOrder | CancelWorkOrder,
    found: dict[str, Found],
) -> Target:
    """The order's community and serving company, its unit, and who reported it (only the
    reporter rates or reopens it)."""
    target = found["input.workOrderId"].target()
    row = await context.pool.fetchrow(
        "SELECT reporter, unit_id FROM work_orders WHERE id = $1", command.work_order_id
    )
    return Target(
        district=target.district,
        community_id=target.community_id,
        serving_company_id=target.serving_company_id,
        unit_id=row["unit_id"] if row else None,
        reporter=row["reporter"] if row else None,
    )


async def work_order_reply(context: Context, done: Done, _: Command) -> WorkOrderPayload:
    row = await fetch_work_order(context, done.id)
    return WorkOrderPayload(
        work_order=work_order_from_row(row, now()) if row else None, position=str(done.position)
    )


WorkOrderMutations = mutations(
    "WorkOrderMutations",
    mutation(
        ReportWorkOrder, Action.REPORT_WORK_ORDER, reply=work_order_reply, target=report_target
    ),
    mutation(
        DispatchWorkOrder, Action.HANDLE_WORK_ORDER, reply=work_order_reply, target=order_target
    ),
    mutation(
        RespondToWorkOrder, Action.HANDLE_WORK_ORDER, reply=work_order_reply, target=order_target
    ),
    mutation(
        ResolveWorkOrder, Action.HANDLE_WORK_ORDER, reply=work_order_reply, target=order_target
    ),
    mutation(
        CancelWorkOrder, Action.HANDLE_WORK_ORDER, reply=work_order_reply, target=order_target
    ),
    mutation(
        RateWorkOrder, Action.FOLLOW_UP_WORK_ORDER, reply=work_order_reply, target=order_target
    ),
    mutation(
        ReopenWorkOrder, Action.FOLLOW_UP_WORK_ORDER, reply=work_order_reply, target=order_target
    ),
)
