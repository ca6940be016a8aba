"""A resident's feed, live: each notice, 公示 or reminder addressed to the own households as
its row is written or withdrawn (graphql-transport-ws), woken by the projector's NOTIFY as
the work order subscription is (``ProjectionWatch``)."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from gongzhi.graphql.context import Context
from gongzhi.graphql.notices.queries import addressed_to, is_resident, notices_of, resident_select
from gongzhi.graphql.notices.types import Notice
from gongzhi.graphql.params import Params
from gongzhi.graphql.work_orders.subscriptions import WAKE_INTERVAL, since_position


@strawberry.type
class NoticeSubscriptions:
    @strawberry.subscription(
        description="通知 live, for a resident: each notice, 公示 or reminder addressed to "
        "the own households as it is published or withdrawn (`current` false). `since` (a "
        "log position) replays changes after it; by default only changes from now on"
    )
    async def my_notice_updates(
        self, info: Info[Context, None], since: str | None = None
    ) -> AsyncGenerator[Notice, None]:
        context = info.context
        if not is_resident(context.principal):
            raise GraphQLError("the feed is a household's: read notices(communityId:)")
        watch = context.services.watch
        seen = since_position(since, watch.position)
        while True:
            horizon = watch.position  # every row up to here is committed and visible
            params = Params([seen])
            units = params(list(context.principal.unit_ids), "uuid[]")
            rows = await context.pool.fetch(
                f"{resident_select(units)} WHERE n.position > $1 AND {addressed_to(units)} "
                "ORDER BY n.position",
                *params,
            )
            for notice in await notices_of(context, list(rows), steward=False):
                yield notice
            seen = max([seen, horizon, *(row["position"] for row in rows)])
            await watch.next_change(seen, WAKE_INTERVAL)
