"""Reading work orders: one by id, a community's by filter (newest first), SLA performance."""

from __future__ import annotations

import datetime
from datetime import UTC, timedelta
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.base import BUSINESS_TZ
from gongzhi.domain.work_order import Category, Urgency, WorkOrderStatus
from gongzhi.graphql.auth import Principal, Role
from gongzhi.graphql.context import Context
from gongzhi.graphql.errors import Refused, forbidden, invalid
from gongzhi.graphql.history.queries import community_target
from gongzhi.graphql.pagination import Key, encode_cursor, keyset_page
from gongzhi.graphql.params import Params
from gongzhi.graphql.permissions import Action, Target, allowed, community_scope
from gongzhi.graphql.reading import AnyCompanyArg, CommunityArg, WorkOrderArg, found, lookup
from gongzhi.graphql.work_orders.types import (
    PerformanceResult,
    WorkOrderConnection,
    WorkOrderEdge,
    WorkOrderLookup,
    WorkOrdersResult,
    performance_type,
    work_order_from_row,
)
from gongzhi.projections.work_orders import PERFORMANCE_SQL, performance_from_row

WORK_ORDER_SELECT = """
SELECT w.*, c.name AS community_name
FROM work_orders w
JOIN communities c ON c.id = w.community_id
"""
MAX_PERIOD = timedelta(days=366 * 5)
NEWEST_FIRST = (Key("w.reported_at", "reported_at", "timestamptz"), Key("w.id", "id", "uuid"))


def work_order_scope(principal: Principal, params: Params) -> str:
    """Orders of the communities one may see; a resident sees only the orders they reported."""
    scope = community_scope(principal, "c", params)
    if principal.role is Role.RESIDENT:
        scope = f"({scope} AND w.reporter = {params(principal.subject)})"
    return scope


async def fetch_work_order(context: Context, work_order_id: UUID) -> Any:
    """The work order row if it exists and the principal may see it, else None."""
    params = Params([work_order_id])
    scope = work_order_scope(context.principal, params)
    return await context.pool.fetchrow(f"{WORK_ORDER_SELECT} WHERE w.id = $1 AND {scope}", *params)


def now() -> datetime.datetime:
    return datetime.datetime.now(UTC)


@strawberry.input(description="Which work orders: every given condition must hold")
class WorkOrderFilter:
    status: list[WorkOrderStatus] | None = None  # type: ignore[valid-type]
    category: Category | None = None  # type: ignore[valid-type]
    urgency: Urgency | None = None  # type: ignore[valid-type]
    breached: bool | None = strawberry.field(
        default=None, description="true: any breach recorded; false: none recorded"
    )


def _filter_conditions(filter: WorkOrderFilter | None, param: Params) -> list[str]:
    if filter is None:
        return []
    conditions = []
    if filter.status:
        statuses = [WorkOrderStatus(s).value for s in filter.status]
        conditions.append(f"w.status = ANY({param(statuses, 'text[]')})")
    if filter.category is not None:
        conditions.append(f"w.category = {param(Category(filter.category).value)}")
    if filter.urgency is not None:
        conditions.append(f"w.urgency = {param(Urgency(filter.urgency).value)}")
    if filter.breached is not None:
        breached = "(w.dispatch_breached OR w.response_breaches > 0)"
        conditions.append(breached if filter.breached else f"NOT {breached}")
    return conditions


def _period(since: datetime.date, until: datetime.date) -> tuple[datetime.datetime, ...]:
    """Business days ``since`` to ``until`` inclusive, as a half-open UTC interval."""
    if until < since:
        raise Refused(invalid("until", "must not be before since"))
    if until - since > MAX_PERIOD:
        raise Refused(invalid("until", "the period must be at most five years"))
    start = datetime.datetime.combine(since, datetime.time(), BUSINESS_TZ)
    end = datetime.datetime.combine(until + timedelta(days=1), datetime.time(), BUSINESS_TZ)
    return start.astimezone(UTC), end.astimezone(UTC)


async def _performance(
    context: Context,
    condition: str,
    params: Params,
    since: datetime.date,
    until: datetime.date,
) -> PerformanceResult:
    start, end = _period(since, until)
    sql = PERFORMANCE_SQL.format(since=params(start), until=params(end), where=condition)
    row = await context.pool.fetchrow(sql, *params)
    return performance_type(performance_from_row(row), since, until)


@strawberry.type
class WorkOrderQueries:
    @strawberry.field(description="报事报修: one work order you may see, by id")
    @lookup
    async def work_order(self, info: Info[Context, None], id: WorkOrderArg) -> WorkOrderLookup:
        row = found(await fetch_work_order(info.context, UUID(id)), "work order")
        return work_order_from_row(row, now())

    @strawberry.field(
        description="报事报修 of a community you may see, newest first, 20 at a time (max 100)"
    )
    @lookup
    async def work_orders(
        self,
        info: Info[Context, None],
        community_id: CommunityArg,
        filter: WorkOrderFilter | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> WorkOrdersResult:
        context = info.context
        params = Params([UUID(community_id)])
        conditions = ["w.community_id = $1", work_order_scope(context.principal, params)]
        conditions += _filter_conditions(filter, params)
        rows, page_info = await keyset_page(
            context.pool,
            WORK_ORDER_SELECT,
            conditions,
            params,
            NEWEST_FIRST,
            first,
            after,
            descending=True,
        )
        moment = now()
        edges = [
            WorkOrderEdge(
                cursor=encode_cursor(row["reported_at"].isoformat(), row["id"]),
                node=work_order_from_row(row, moment),
            )
            for row in rows
        ]
        return WorkOrderConnection(edges=edges, page_info=page_info)

    @strawberry.field(
        description="服务时效 of a community's work orders reported from `since` to `until` "
        "(business days, inclusive)"
    )
    @lookup
    async def work_order_performance(
        self,
        info: Info[Context, None],
        community_id: CommunityArg,
        since: datetime.date,
        until: datetime.date,
    ) -> PerformanceResult:
        context = info.context
        community = UUID(community_id)
        target = await community_target(context, community)
        if not allowed(context.principal, Action.READ_WORK_ORDER_PERFORMANCE, target):
            return forbidden(Action.READ_WORK_ORDER_PERFORMANCE.value)
        params = Params([community])
        return await _performance(context, "w.community_id = $1", params, since, until)

    @strawberry.field(
        description="服务时效 of a company's work orders reported from `since` to `until`, in "
        "the communities you may see (its own staff see all of them)"
    )
    @lookup
    async def company_work_order_performance(
        self,
        info: Info[Context, None],
        company_id: AnyCompanyArg,
        since: datetime.date,
        until: datetime.date,
    ) -> PerformanceResult:
        context = info.context
        principal = context.principal
        company = UUID(company_id)
        if not allowed(principal, Action.READ_WORK_ORDER_PERFORMANCE, Target(company_id=company)):
            return forbidden(Action.READ_WORK_ORDER_PERFORMANCE.value)
        own = principal.role is Role.COMPANY_STAFF and principal.company_id == company
        params = Params([company])
        condition = "w.company_id = $1"
        if not own:  # regulators within their districts, committees their community
            scope = community_scope(principal, "c", params)
            condition += f" AND w.community_id IN (SELECT c.id FROM communities c WHERE {scope})"
        return await _performance(context, condition, params, since, until)
