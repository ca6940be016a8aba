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

from gongzhi.domain.payment import PaymentChannel


@dataclass(frozen=True)
class ChannelNotice:
    """A verified payment notification: the channel took ``amount_fen`` for the order."""

    notification_id: str  # the channel's id of this notification (a replay repeats it)
    order_no: str  # 商户订单号: ``PaymentOrder.out_trade_no``
    transaction_id: str  # the channel's id of the payment (a resend repeats it)
    amount_fen: int
    paid_at: datetime


@dataclass(frozen=True)
class ChannelReply:
    """What the channel expects back over HTTP, in its own convention."""

    status: int
    body: bytes
    media_type: str


class NoticeRefused(Exception):
    """A notification refused before anything is booked; ``code`` names why, in words that
    carry no personal data (it is logged)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


class ChannelAdapter(Protocol):
    """One payment channel, configured with its keys."""

    @property
    def channel(self) -> PaymentChannel: ...

    def verify(self, headers: Mapping[str, str], body: bytes, now: datetime) -> ChannelNotice:
        """The notification, once its signature and freshness are verified; ``NoticeRefused``
        otherwise."""
        ...

    def accepted(self) -> ChannelReply:
        """The reply that tells the channel to stop resending."""
        ...

    def refused(self, refusal: NoticeRefused) -> ChannelReply:
        """The reply to a refused notification (4xx), or one to resend later (5xx)."""
        ...
