"""支付渠道 what the platform asks of a payment channel (WeChat Pay, Alipay, UnionPay, the
sandbox), as a protocol: the adapters live in ``gongzhi.infra.payment_channels``, the rules
of what a verified notification may book in the application (``payment_orders``).

A channel's notification is trusted only once its adapter has verified the signature with
the configured key; until then it is bytes from the internet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class ChannelNotice(Protocol):
    """A verified payment notification: the channel took ``amount_fen`` for the order."""

    @property
    def notification_id(self) -> str:
        """The channel's id of this notification (a replay repeats it)."""
        ...

    @property
    def order_no(self) -> str:
        """商户订单号: ``OnlinePaymentOrder.out_trade_no``."""
        ...

    @property
    def transaction_id(self) -> str:
        """The channel's id of the payment (a resend of the payment repeats it)."""
        ...

    @property
    def amount_fen(self) -> int: ...

    @property
    def paid_at(self) -> datetime: ...


class ChannelReply(Protocol):
    """What the channel expects back over HTTP, in its own convention."""

    @property
    def status(self) -> int: ...

    @property
    def body(self) -> bytes: ...

    @property
    def media_type(self) -> str: ...


class NoticeRefused(Exception):
    """A verified notification the platform refuses before anything is booked (an unknown
    order, an amount that differs, a replay); ``code`` names why, in words that carry no
    personal data (it is logged). An adapter refuses an unverifiable one with its own
    exception carrying the same three attributes."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class OrderToPlace:
    """统一下单: what the platform asks a channel to collect for one payment order."""

    order_no: str  # 商户订单号: ``OnlinePaymentOrder.out_trade_no``
    amount_fen: int
    description: str  # 商品描述, shown to the payer by the channel (no personal data)
    expires_at: datetime  # the order's own expiry; the channel stops taking money after it
    notify_url: str  # where the channel posts its notification (the platform's notify route)


class PlacedOrder(Protocol):
    """The channel's answer to ``OrderToPlace``: what the payer opens or scans."""

    @property
    def pay_url(self) -> str:
        """WeChat's code_url, Alipay's qr_code, UnionPay's qrCode, the sandbox's cashier."""
        ...

    @property
    def channel_ref(self) -> str:
        """The channel's own id of the order (prepay id, trade no), or ""."""
        ...


class ChannelAdapter(Protocol):
    """One payment channel, configured with its keys."""

    @property
    def channel_name(self) -> str:
        """The ``PaymentChannel`` value its payments are booked under."""
        ...

    @property
    def statement_format(self) -> object:
        """How its daily statement (对账单) is laid out: which columns hold the transaction
        id, the order number, the amount, the fee and the time (reconciliation reads it)."""
        ...

    def verify(self, headers: Mapping[str, str], body: bytes, now: datetime) -> ChannelNotice:
        """The notification, once its signature and freshness are verified; otherwise the
        adapter's refusal (``code``, ``message``, ``status``) is raised."""
        ...

    def place(self, order: OrderToPlace, now: datetime) -> PlacedOrder:
        """统一下单: place the order at the channel (a signed request, its signed answer
        verified). When it cannot (unreachable, refused, an answer that does not verify),
        nothing is placed and the adapter raises its own exception with a ``code`` and a
        ``message`` that carry no personal data (``ChannelUnavailable`` of
        ``gongzhi.infra.payment_channels``); the order can be placed again. Blocking: call it
        off the event loop."""
        ...

    def accepted(self) -> ChannelReply:
        """The reply that tells the channel to stop resending."""
        ...

    def refused(self, code: str, message: str, status: int) -> ChannelReply:
        """The reply to a refused notification (4xx), or one to resend later (5xx)."""
        ...
