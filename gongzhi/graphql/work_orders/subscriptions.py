"""Live work orders: a community's orders as their rows change (graphql-transport-ws).

The projector NOTIFYs its position after every batch; the subscription wakes on it (through
the API's ``ProjectionWatch``) and reads the community's rows whose ``position`` (the log
position of their latest event) is past the last one it saw. No polling: without news it
waits, and every ``WAKE_INTERVAL`` it re-reads the position in case a NOTIFY was lost.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from gongzhi.graphql.communities.queries import fetch_community
from gongzhi.graphql.context import Context, query_id
from gongzhi.graphql.errors import Refused
from gongzhi.graphql.params import Params
from gongzhi.graphql.work_orders.queries import WORK_ORDER_SELECT, now, work_order_scope
from gongzhi.graphql.work_orders.types import WorkOrder, work_order_from_row

WAKE_INTERVAL = 5.0


def since_position(value: str | None, current: int) -> int:
    if value is None:
        return current
    if not value.isdigit():
        raise GraphQLError("since: must be an event-log position, e.g. a payload's position")
    return int(value)


@strawberry.type
class WorkOrderSubscriptions:
    @strawberry.subscription(
        description="报事报修 live: each work order of the community as its row changes. "
        "`since` (a log position, e.g. a payload's) replays changes after it; by default only "
        "changes from now on. Residents see the orders they reported."
    )
    async def work_order_updates(
        self,
        info: Info[Context, None],
        community_id: strawberry.ID,
        since: str | None = None,
    ) -> AsyncGenerator[WorkOrder, None]:
        context = info.context
        try:
            community = query_id(community_id, "communityId")
        except Refused as refused:
            raise GraphQLError(f"communityId: {refused.problem.message}") from None
        if await fetch_community(context, community) is None:
            raise GraphQLError(f"communityId: no community with id {community_id} you may see")
        watch = context.services.watch
        seen = since_position(since, watch.position)
        while True:
            horizon = watch.position  # every row up to here is committed and visible
            params = Params([community, seen])
            scope = work_order_scope(context.principal, params)
            rows = await context.pool.fetch(
                f"{WORK_ORDER_SELECT} WHERE w.community_id = $1 AND w.position > $2 "
                f"AND {scope} ORDER BY w.position",
                *params,
            )
            moment = now()
            for row in rows:
                yield work_order_from_row(row, moment)
            seen = max([seen, horizon, *(row["position"] for row in rows)])
            await watch.next_change(seen, WAKE_INTERVAL)
