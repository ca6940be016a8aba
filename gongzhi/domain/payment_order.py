"""支付订单 an online payment order: what a unit owes, offered to a payment channel until it
expires, paid when the channel's signed notification says so.

The order never books money itself: the channel's payment is recorded by the ordinary
payment (``Payment`` and the unit's ``FeeAccount``, by the channel's transaction id), and the
order only remembers which payment settled it. States: CREATED, then PAID or CLOSED; an
order still CREATED after ``expires_at`` reads as EXPIRED (no event is needed for time to pass).

A payment notified for an order that expired or was closed is still taken: the channel has
moved the resident's money, and refusing the notification would leave it unbooked (the
channel would only resend it). Staff refund it through the ordinary refund if it was not
wanted.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from gongzhi.domain.errors import RuleViolated
from gongzhi.domain.money import fen_amount

# 订单有效期: how long a channel may take the money for an order (the channels' own default
# for a QR code or an in-app payment is of this order).
ORDER_LIFETIME = timedelta(minutes=15)


class OrderStatus(enum.Enum):
    """How an order reads; EXPIRED is CREATED past ``expires_at`` (the view's rule)."""

    CREATED = "CREATED"  # 待支付
    PAID = "PAID"  # 已支付
    EXPIRED = "EXPIRED"  # 已过期
    CLOSED = "CLOSED"  # 已关闭


def _utc(moment: datetime) -> datetime:
    """Moments are stored in UTC (and shown in Asia/Shanghai by the API)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a moment of a payment order must carry its time zone")
    return moment.astimezone(UTC)


class OnlinePaymentOrder(Aggregate):
    """支付订单 of one unit."""

    class Created(Aggregate.Created):
        community_id: UUID
        unit_id: UUID
        channel: str
        amount_fen: int
        created_at: datetime
        expires_at: datetime

    class Paid(Aggregate.Event):
        payment_id: UUID
        transaction_id: str
        paid_at: datetime
        notification_id: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, OnlinePaymentOrder)
            aggregate.payment_id = self.payment_id
            aggregate.transaction_id = self.transaction_id
            aggregate.notices.add(self.notification_id)

    class Placed(Aggregate.Event):
        """统一下单: the channel took the order and answered what the payer opens or scans."""

        pay_url: str
        channel_ref: str
        placed_at: datetime

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, OnlinePaymentOrder)
            aggregate.pay_url = self.pay_url
            aggregate.channel_ref = self.channel_ref

    class NoticeRepeated(Aggregate.Event):
        """The channel notified the same payment again (a new notification of it): nothing
        is booked, but its id is kept, so that replaying it is recognised."""

        notification_id: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, OnlinePaymentOrder)
            aggregate.notices.add(self.notification_id)

    class Closed(Aggregate.Event):
        closed_at: datetime

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, OnlinePaymentOrder)
            aggregate.closed = True

    def __init__(
        self,
        community_id: UUID,
        unit_id: UUID,
        channel: str,
        amount_fen: int,
        created_at: datetime,
        expires_at: datetime,
    ) -> None:
        self.community_id = community_id
        self.unit_id = unit_id
        self.channel = channel
        self.amount_fen = amount_fen
        self.created_at = created_at
        self.expires_at = expires_at
        self.payment_id: UUID | None = None
        self.transaction_id: str | None = None
        self.closed = False
        self.notices: set[str] = set()  # the ids of the notifications taken
        self.pay_url = ""  # set once placed at the channel
        self.channel_ref = ""

    @classmethod
    def place(
        cls, *, community_id: UUID, unit_id: UUID, channel: str, amount_fen: int, now: datetime
    ) -> OnlinePaymentOrder:
        if amount_fen <= 0:
            raise RuleViolated("unitId", "nothing is owed on this unit: there is nothing to pay")
        amount = fen_amount("amountFen", amount_fen)
        return cls._create(
            cls.Created,
            id=uuid4(),
            community_id=community_id,
            unit_id=unit_id,
            channel=channel,
            amount_fen=amount,
            created_at=_utc(now),
            expires_at=_utc(now) + ORDER_LIFETIME,
        )

    @property
    def out_trade_no(self) -> str:
        """商户订单号, the order's number at the channel (32 characters, as WeChat allows)."""
        return self.id.hex

    def check_placeable(self, now: datetime) -> None:
        """Only an order still waiting for its money is offered to the channel: placing a
        paid, closed or expired one would show the payer a code that cannot be paid."""
        if self.payment_id is not None:
            raise RuleViolated("orderId", "the order is paid already")
        if self.closed:
            raise RuleViolated("orderId", "the order is closed: create a new one")
        if _utc(now) >= self.expires_at:
            raise RuleViolated("orderId", "the order has expired: create a new one")

    def record_placed(self, pay_url: str, channel_ref: str, at: datetime) -> None:
        """Remember what the channel answered; placing again with the same answer (the
        channels answer one order number with one code) records nothing."""
        self.check_placeable(at)
        if (pay_url, channel_ref) == (self.pay_url, self.channel_ref):
            return
        self.trigger_event(
            self.Placed, pay_url=pay_url, channel_ref=channel_ref, placed_at=_utc(at)
        )

    def check_amount(self, amount_fen: int) -> None:
        """A notification must pay exactly the order's amount: anything else is refused
        before a fen is booked."""
        if amount_fen != self.amount_fen:
            raise RuleViolated(
                "amountFen",
                f"the channel paid {amount_fen} fen for an order of {self.amount_fen} fen",
            )

    def replayed(self, notification_id: str) -> bool:
        """Whether a notification with this id was taken already: the same notification
        sent again is a replay, refused (a resend of a payment comes as a new one)."""
        return notification_id in self.notices

    def settle(
        self, payment_id: UUID, transaction_id: str, notification_id: str, at: datetime
    ) -> None:
        """Mark the order paid by the recorded payment, or note a resent notification of
        it. A second, different payment of one order is refused: the channel took the money
        twice, and staff refund one."""
        if self.replayed(notification_id):
            return
        if self.payment_id == payment_id:
            self.trigger_event(self.NoticeRepeated, notification_id=notification_id)
            return
        if self.payment_id is not None:
            raise RuleViolated(
                "transactionId",
                f"the order was paid already by transaction {self.transaction_id}",
            )
        self.trigger_event(
            self.Paid,
            payment_id=payment_id,
            transaction_id=transaction_id,
            paid_at=_utc(at),
            notification_id=notification_id,
        )

    def close(self, at: datetime) -> None:
        """关闭订单 before it is paid (the resident gave up, or pays another way)."""
        if self.payment_id is not None:
            raise RuleViolated("orderId", "the order is paid already: refund the payment instead")
        if self.closed:
            return
        self.trigger_event(self.Closed, closed_at=_utc(at))
