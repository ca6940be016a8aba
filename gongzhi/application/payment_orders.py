"""在线缴费 payment orders: a resident (or staff for them) orders the payment of what the
unit owes; the channel's verified notification books it through the ordinary payment."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Annotated
from uuid import UUID

from gongzhi.application.base import Changed, Conflict, Done, GongzhiBase, Meta, business_today
from gongzhi.application.billing import bills_of
from gongzhi.application.commands import Command, handles
from gongzhi.application.fee_payments import BillId, RecordPayment
from gongzhi.application.fee_schedules import fee_aggregate, fee_schedule, read_only
from gongzhi.application.fields import CommunityId, Doc, Items, Kind, Ref, UnitId
from gongzhi.domain.business_time import business_date
from gongzhi.domain.community import Community
from gongzhi.domain.errors import DomainError, RuleViolated, UnknownPart
from gongzhi.domain.fee_account import FeeAccount, account_id
from gongzhi.domain.fee_rules import LateFeePolicy, PaymentOrder
from gongzhi.domain.payment import PaymentChannel
from gongzhi.domain.payment_channel import (
    ChannelAdapter,
    ChannelNotice,
    NoticeRefused,
    OrderToPlace,
    PlacedOrder,
)
from gongzhi.domain.payment_order import OnlinePaymentOrder

PaymentOrderId = Annotated[UUID, Ref(Kind.PAYMENT_ORDER)]
ORDER_DESCRIPTION = "物业费"  # 商品描述 at the channel


@dataclass(frozen=True)
class CreatePaymentOrder(Command):
    """在线缴费: order the payment of what the unit owes (its statement's balance, late fees
    included), or of chosen bills, through the platform's payment channel; the order expires
    after 15 minutes"""

    community_id: CommunityId
    unit_id: UnitId
    bill_ids: Annotated[
        list[BillId],
        Items(120),
        Doc(
            "Only these bills: the oldest open ones, as a payment pays them (先缴旧欠), with "
            "their late fees when the terms pay bill by bill (else those come after all bills)"
        ),
    ] = field(default_factory=list)


@dataclass(frozen=True)
class PlacePaymentOrder(Command):
    """统一下单 again: offer an order not paid yet to its channel once more (when the channel
    could not be reached as the order was created)"""

    order_id: PaymentOrderId


@dataclass(frozen=True)
class ClosePaymentOrder(Command):
    """关闭订单: give up an order not paid yet"""

    order_id: PaymentOrderId


def _now() -> datetime:
    return datetime.now(UTC)


class PaymentOrderService(GongzhiBase):
    # The channel orders are placed on, as configured (``Platform.app`` sets it from the
    # settings); None: online payment is not configured and no order can be placed.
    online_channel: PaymentChannel | None = None
    # Where the channel posts its notifications (the platform's public notify URL, set with
    # the channel by ``Platform.app``).
    notify_url: str = ""
    # Its adapter, which places the orders (统一下单); the GraphQL reply calls it off the
    # database's threads.
    channel_adapter: ChannelAdapter | None = None

    @handles(CreatePaymentOrder)
    def create_payment_order(self, meta: Meta, command: CreatePaymentOrder) -> Done:
        if self.online_channel is None:
            raise UnknownPart("unitId", "online payment is not configured on this platform")
        community = read_only(self, Community, command.community_id, "communityId")
        if command.unit_id not in community.unit_index:
            raise UnknownPart("unitId", "no such unit in this community")
        order = OnlinePaymentOrder.place(
            community_id=command.community_id,
            unit_id=command.unit_id,
            channel=self.online_channel.value,
            amount_fen=self.owed_fen(
                command.community_id, command.unit_id, business_today(), command.bill_ids
            ),
            now=_now(),
        )
        return self.create(meta, order, "the payment order exists already")

    @handles(PlacePaymentOrder)
    def place_payment_order(self, meta: Meta, command: PlacePaymentOrder) -> Done:
        """Records nothing by itself: the channel is called outside the database's threads
        (``order_to_place``, then the adapter, then ``record_placement``: the GraphQL reply
        does the three), and this only refuses an order that can no longer be placed."""
        self.order_to_place(command.order_id)
        return Done(command.order_id, 0)

    def order_to_place(self, order_id: UUID) -> OrderToPlace:
        """统一下单: what the channel is asked to collect for an order still waiting."""
        order = read_only(self, OnlinePaymentOrder, order_id, "orderId")
        order.check_placeable(_now())
        return OrderToPlace(
            order_no=order.out_trade_no,
            amount_fen=order.amount_fen,
            # Shown to the payer by the channel: what is paid, never who pays.
            description=ORDER_DESCRIPTION,
            expires_at=order.expires_at,
            notify_url=self.notify_url,
        )

    def record_placement(self, meta: Meta, order_id: UUID, placed: PlacedOrder) -> Done:
        """Remember the channel's answer (the code the payer scans) on the order."""
        return self.change(
            meta,
            OnlinePaymentOrder,
            order_id,
            lambda o: o.record_placed(placed.pay_url, placed.channel_ref, _now()),
            field="orderId",
        )

    @handles(ClosePaymentOrder)
    def close_payment_order(self, meta: Meta, command: ClosePaymentOrder) -> Done:
        return self.change(
            meta, OnlinePaymentOrder, command.order_id, lambda o: o.close(_now()), field="orderId"
        )

    def payment_order_community(self, order_id: UUID) -> UUID:
        return read_only(self, OnlinePaymentOrder, order_id, "orderId").community_id

    def owed_fen(
        self, community_id: UUID, unit_id: UUID, on: date, chosen: Sequence[UUID] = ()
    ) -> int:
        """What the unit's statement shows as its balance on ``on``: each bill's outstanding
        amount and late fee owed, less unused prepaid credit (the rule of
        ``graphql/fees/statement.py``, from the aggregates the payment will be booked on).

        With ``chosen`` bills, what a payment of exactly those would be: the ordinary payment
        applies money to the oldest open bills first (``fee_rules.apply_payment``), so only
        the oldest open bills can be chosen, and their late fees count only where the terms
        pay bill by bill; otherwise the money would go to the next bill instead."""
        schedule = fee_schedule(self, community_id)
        found = fee_aggregate(self, FeeAccount, account_id(unit_id), copy=False)
        account = found if isinstance(found, FeeAccount) else FeeAccount(community_id, unit_id)
        policy = schedule.terms.late if schedule is not None else LateFeePolicy()
        bills = bills_of(self, schedule, unit_id)
        if not chosen:
            return account.balance(bills, policy, on)
        by_bill = policy.payment_order == PaymentOrder.BILL_BY_BILL.value
        open_bills = [
            b
            for b in bills
            if account.outstanding(b) > 0 or (by_bill and account.late_fee_owed(b, policy, on) > 0)
        ]
        wanted = set(chosen)
        if not wanted <= {b.id for b in open_bills}:
            raise UnknownPart("billIds", "each bill must be an open bill of this unit")
        oldest = open_bills[: len(wanted)]
        if wanted != {b.id for b in oldest}:
            raise RuleViolated(
                "billIds", "bills are paid oldest first (先缴旧欠): choose the oldest open bills"
            )
        owed = sum(
            account.outstanding(b) + (account.late_fee_owed(b, policy, on) if by_bill else 0)
            for b in oldest
        )
        return owed - account.credit_fen

    def settle_notice(self, channel: PaymentChannel, notice: ChannelNotice) -> UUID:
        """Book a verified notification exactly once: the ordinary payment command records
        the payment (idempotent on the channel's transaction id, so a resend books nothing
        twice; bills and late fees are paid by its rules), then the order is marked paid.
        An unknown order, another channel's order or a different amount is refused before
        anything is booked. Returns the payment's id."""
        try:
            order_id = UUID(hex=notice.order_no)
        except ValueError:
            raise NoticeRefused("UNKNOWN_ORDER", "no such order") from None
        order = fee_aggregate(self, OnlinePaymentOrder, order_id, copy=False)
        if order is None or order.channel != channel.value:
            raise NoticeRefused("UNKNOWN_ORDER", "no such order on this channel")
        if order.replayed(notice.notification_id):
            raise NoticeRefused("REPLAYED", "this notification was taken already")
        try:
            order.check_amount(notice.amount_fen)
        except DomainError as error:
            raise NoticeRefused("AMOUNT_DIFFERS", str(error)) from None
        meta = Meta(
            actor=f"channel:{channel.value}",
            actor_role="PAYMENT_CHANNEL",
            reason=f"支付通知 {notice.notification_id} of order {order.out_trade_no}",
        )
        try:
            done = self.execute(
                meta,
                RecordPayment(
                    community_id=order.community_id,
                    unit_id=order.unit_id,
                    channel=channel,
                    transaction_id=notice.transaction_id,
                    amount_fen=notice.amount_fen,
                    received_on=min(business_date(notice.paid_at), business_today()),
                ),
            )
        except Conflict as conflict:
            # The transaction id was booked for another unit or amount: not this order's.
            raise NoticeRefused("TRANSACTION_MISMATCH", conflict.message) from None
        paid_at = notice.paid_at

        def attempt() -> Changed | Done:
            fresh = self.load(OnlinePaymentOrder, order_id, "orderId")
            fresh.settle(done.id, notice.transaction_id, notice.notification_id, paid_at)
            # Nothing new: a concurrent delivery of this very notification got here first.
            return Changed((fresh,)) if fresh.pending_events else Done(order_id, 0)

        with suppress(RuleViolated):
            # Paid already by another transaction: the channel took the money twice. This
            # one is booked all the same (as the ordinary rules allocate it, prepaid credit
            # at most) so that staff see it and refund it; the order keeps its first payment.
            self.retrying(meta, attempt, what="the payment order")
        return done.id
