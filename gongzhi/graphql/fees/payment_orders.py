"""在线缴费 over GraphQL: payment orders (create, close, read) and the statuses they read as.

A resident orders the payment of own units, staff of the units they serve
(``Action.PAY_FEES_ONLINE``); an order is read by whoever may read the unit's statement.
The channel's notification comes over plain HTTP (``notify.py``), not GraphQL.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import AsyncGenerator
from typing import Annotated
from uuid import UUID

import strawberry
from anyio import to_thread
from graphql import GraphQLError
from strawberry.types import Info

from gongzhi.application.base import Done
from gongzhi.application.fields import Kind
from gongzhi.application.payment_orders import (
    ClosePaymentOrder,
    CreatePaymentOrder,
    PlacePaymentOrder,
)
from gongzhi.domain.payment_order import OrderStatus
from gongzhi.graphql.commands import mutation, mutations, recorded
from gongzhi.graphql.context import Context, query_id
from gongzhi.graphql.errors import (
    Forbidden,
    NotFound,
    Recorded,
    Refused,
    ValidationError,
    forbidden,
)
from gongzhi.graphql.history.queries import community_target
from gongzhi.graphql.money import Fen
from gongzhi.graphql.permissions import Action, Target, allowed
from gongzhi.graphql.reading import InCommunity, UnitInCommunityArg, lookup
from gongzhi.graphql.references import Found
from gongzhi.graphql.rows import from_row
from gongzhi.graphql.work_orders.subscriptions import WAKE_INTERVAL
from gongzhi.infra.payment_channels import ChannelUnavailable

log = logging.getLogger(__name__)
UTC = datetime.UTC

MAX_ORDERS = 50  # a unit's orders shown, newest first


@strawberry.type(description="在线缴费订单: an order to pay what a unit owes through a channel")
class OnlinePaymentOrder:
    id: strawberry.ID
    community_id: strawberry.ID
    unit_id: strawberry.ID
    channel: str = strawberry.field(description="The payment channel (SANDBOX, WECHAT …)")
    out_trade_no: str = strawberry.field(
        description="商户订单号: the order's number at the channel"
    )
    amount_fen: Fen
    status: OrderStatus
    created_at: datetime.datetime
    expires_at: datetime.datetime
    payment_id: strawberry.ID | None = strawberry.field(
        description="The payment that settled it (see the unit's fee statement)"
    )
    transaction_id: str | None
    paid_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    pay_url: str | None = strawberry.field(
        description="What the payer opens or scans, once the channel took the order (统一下单): "
        "WeChat Pay's code_url or Alipay's qr_code (shown as a QR code), the sandbox's cashier"
    )


@strawberry.type
class OnlinePaymentOrderPayload:
    order: OnlinePaymentOrder | None
    position: str


@strawberry.type(
    name="ChannelUnavailable",
    description="The payment channel could not place the order just now (unreachable, or it "
    "refused): the order is recorded but cannot be paid yet; place it again with "
    "placePaymentOrder.",
)
class ChannelUnavailableProblem:
    order_id: strawberry.ID = strawberry.field(description="The order, recorded and not placed")
    code: str = strawberry.field(description="The channel's or the platform's code for why")
    message: str


OnlinePaymentOrderLookup = Annotated[
    OnlinePaymentOrder | ValidationError | NotFound | Forbidden,
    strawberry.union("OnlinePaymentOrderLookup"),
]


@strawberry.type
class OnlinePaymentOrderList:
    orders: list[OnlinePaymentOrder]


OnlinePaymentOrdersLookup = Annotated[
    OnlinePaymentOrderList | ValidationError | NotFound | Forbidden,
    strawberry.union("OnlinePaymentOrdersLookup"),
]

# The status as it reads now: CREATED past its expiry is EXPIRED (no event marks time passing).
ORDER_SELECT = """
SELECT o.*, CASE WHEN o.status = 'CREATED' AND o.expires_at <= now() THEN 'EXPIRED'
                 ELSE o.status END AS shown_status
FROM payment_orders o"""


def _order(row: dict[str, object]) -> OnlinePaymentOrder:
    order_id = row["id"]
    assert isinstance(order_id, UUID)
    return from_row(
        OnlinePaymentOrder,
        row,
        status=OrderStatus(row["shown_status"]),
        out_trade_no=order_id.hex,
        pay_url=row["pay_url"] or None,
    )


async def fetch_order(context: Context, order_id: UUID) -> OnlinePaymentOrder | None:
    row = await context.pool.fetchrow(f"{ORDER_SELECT} WHERE o.id = $1", order_id)
    return _order(dict(row)) if row else None


async def _unit_target(context: Context, community_id: UUID, unit_id: UUID) -> Target:
    target = await community_target(context, community_id)
    return Target(
        district=target.district,
        community_id=community_id,
        serving_company_id=target.serving_company_id,
        unit_id=unit_id,
    )


async def order_reply(context: Context, done: Done, _: object) -> OnlinePaymentOrderPayload:
    return OnlinePaymentOrderPayload(
        order=await fetch_order(context, done.id), position=str(done.position)
    )


async def placed_reply(
    context: Context, done: Done, _: object
) -> OnlinePaymentOrderPayload | ChannelUnavailableProblem | Recorded:
    """统一下单 once the order is recorded: ask the channel (in the default threads, not the
    database's: a slow channel must not hold up every other mutation), then record its answer
    on the order. A channel that cannot place it leaves the order as it was, unplaceable
    until placed again. Called as soon as the order is recorded (``reply_waits``): the order
    to place is read from its aggregate, and only the answer waits for the views."""
    app, order_id = context.app, done.id
    adapter = app.channel_adapter
    to_place = await context.in_thread(lambda: app.order_to_place(order_id))
    try:
        if adapter is None:
            raise ChannelUnavailable("NOT_CONFIGURED", "no payment channel is configured")
        channel = adapter
        placed = await to_thread.run_sync(
            lambda: channel.place(to_place, datetime.datetime.now(UTC))
        )
    except ChannelUnavailable as error:
        log.warning("order %s not placed: %s %s", to_place.order_no, error.code, error.message)
        return ChannelUnavailableProblem(
            order_id=strawberry.ID(str(order_id)), code=error.code, message=error.message
        )
    meta = context.meta(f"统一下单: order {to_place.order_no} placed at {channel.channel_name}")
    placement = await context.in_thread(lambda: app.record_placement(meta, order_id, placed))
    if not await context.services.views_include(placement.position):
        return recorded(placement)
    return await order_reply(context, Done(order_id, placement.position), None)


def _unit_of_order(_: Context, command: CreatePaymentOrder, found: dict[str, Found]) -> Target:
    """The unit's community, and the unit: a resident orders for own units only."""
    community = found["input.communityId"].target()
    return Target(
        district=community.district,
        community_id=community.community_id,
        serving_company_id=community.serving_company_id,
        unit_id=command.unit_id,
    )


PaymentOrderMutations = mutations(
    "PaymentOrderMutations",
    # 统一下单 right after the order is recorded, however far behind the views are
    # (``placed_reply`` waits for them before it reads the order back).
    mutation(
        CreatePaymentOrder,
        Action.PAY_FEES_ONLINE,
        reply=placed_reply,
        target=_unit_of_order,
        reply_waits=True,
    ),
    mutation(
        PlacePaymentOrder,
        Action.PAY_FEES_ONLINE,
        reply=placed_reply,
        target="order_id",
        reply_waits=True,
    ),
    mutation(ClosePaymentOrder, Action.PAY_FEES_ONLINE, reply=order_reply, target="order_id"),
)


@strawberry.type
class PaymentOrderQueries:
    @strawberry.field(description="在线缴费订单 by id, its status as of now")
    @lookup
    async def online_payment_order(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, InCommunity(Kind.PAYMENT_ORDER)],
    ) -> OnlinePaymentOrderLookup:
        order = await fetch_order(info.context, UUID(id))
        assert order is not None  # found by @lookup
        target = await _unit_target(info.context, UUID(order.community_id), UUID(order.unit_id))
        if not allowed(info.context.principal, Action.READ_FEE_STATEMENT, target):
            raise Refused(forbidden(Action.READ_FEE_STATEMENT.value))
        return order

    @strawberry.field(description=f"A unit's 在线缴费订单, newest first (the last {MAX_ORDERS})")
    @lookup
    async def online_payment_orders(
        self, info: Info[Context, None], unit_id: UnitInCommunityArg
    ) -> OnlinePaymentOrdersLookup:
        unit = UUID(unit_id)
        community_id = await info.context.pool.fetchval(
            "SELECT community_id FROM units WHERE id = $1", unit
        )
        target = await _unit_target(info.context, community_id, unit)
        if not allowed(info.context.principal, Action.READ_FEE_STATEMENT, target):
            raise Refused(forbidden(Action.READ_FEE_STATEMENT.value))
        rows = await info.context.pool.fetch(
            f"{ORDER_SELECT} WHERE o.unit_id = $1 ORDER BY o.created_at DESC, o.id LIMIT $2",
            unit,
            MAX_ORDERS,
        )
        return OnlinePaymentOrderList(orders=[_order(dict(row)) for row in rows])


@strawberry.type
class PaymentOrderSubscriptions:
    @strawberry.subscription(
        description="在线缴费 live: the order now, then again each time it changes (paid, "
        "closed), for whoever may read the unit's statement"
    )
    async def online_payment_order_updates(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> AsyncGenerator[OnlinePaymentOrder, None]:
        context = info.context
        try:
            order_id = query_id(id, "id")
        except Refused as refused:
            raise GraphQLError(f"id: {refused.problem.message}") from None
        order = await fetch_order(context, order_id)
        target = (
            await _unit_target(context, UUID(order.community_id), UUID(order.unit_id))
            if order
            else None
        )
        if target is None or not allowed(context.principal, Action.READ_FEE_STATEMENT, target):
            # One answer for both: whether an order exists is not for others to learn.
            raise GraphQLError(f"id: no payment order with id {id} you may see")
        watch = context.services.watch
        seen = -1
        while True:
            horizon = watch.position  # every row up to here is committed and visible
            row = await context.pool.fetchrow(
                f"{ORDER_SELECT} WHERE o.id = $1 AND o.position > $2", order_id, seen
            )
            if row is not None:
                seen = row["position"]
                yield _order(dict(row))
            seen = max(seen, horizon)
            await watch.next_change(seen, WAKE_INTERVAL)
