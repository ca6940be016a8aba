"""缴费 a payment received through a channel, known by the channel's transaction id.

The id is derived from the company that receives it (the community's serving company, or
the community itself where no company serves it), the channel and the external transaction
id, so the event store refuses a second payment with the same transaction id on the same
channel of the same company: a repeated notification (a retry of the payment platform, a
double click) finds the original, while another company's receipt "0001" is its own payment
and learns nothing of this one.
"""

from __future__ import annotations

import enum
from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.money import fen_amount
from gongzhi.domain.values import enum_value, required_text

PAYMENT_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongzhi.example/fee-payment")


class PaymentChannel(enum.Enum):
    """缴费渠道."""

    CASH = "CASH"  # 现金
    WECHAT = "WECHAT"  # 微信支付
    ALIPAY = "ALIPAY"  # 支付宝
    BANK_TRANSFER = "BANK_TRANSFER"  # 银行转账
    UNIONPAY = "UNIONPAY"  # 银联
    # 沙箱: the platform's own test channel (signs as the real ones do, moves no money);
    # development and tests only, production refuses to start with it (infra/settings.py).
    SANDBOX = "SANDBOX"


def payment_id(receiver: UUID, channel: str, transaction_id: str) -> UUID:
    """The payment's id within the receipts of ``receiver`` (a company, or a community that
    no company serves)."""
    return uuid5(PAYMENT_NAMESPACE, f"{receiver}/{channel}/{transaction_id}")


def unscoped_payment_id(channel: str, transaction_id: str) -> UUID:
    """The id payments recorded before ids were scoped to the receiver carry: a retry of
    one of those must still find it."""
    return uuid5(PAYMENT_NAMESPACE, f"{channel}/{transaction_id}")


class Payment(Aggregate):
    """缴费记录: one receipt; how it was allocated is on the unit's ``FeeAccount``."""

    class Received(Aggregate.Created):
        channel: str
        transaction_id: str
        community_id: UUID
        unit_id: UUID
        amount_fen: int
        received_on: date
        # 收据编号 from the receiver's ReceiptBook; "" on payments recorded before numbering.
        receipt_number: str = ""

    class ReceiptPrinted(Aggregate.Event):
        """收据 printed: the first copy is the original, every later one a 补打."""

        copy: int

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Payment)
            aggregate.receipt_copies = self.copy

    def __init__(
        self,
        channel: str,
        transaction_id: str,
        community_id: UUID,
        unit_id: UUID,
        amount_fen: int,
        received_on: date,
        receipt_number: str = "",
    ) -> None:
        self.channel = channel
        self.transaction_id = transaction_id
        self.community_id = community_id
        self.unit_id = unit_id
        self.amount_fen = amount_fen
        self.received_on = received_on
        self.receipt_number = receipt_number
        self.receipt_copies = 0

    @classmethod
    def receive(
        cls,
        *,
        receiver: UUID,
        channel: str,
        transaction_id: str,
        community_id: UUID,
        unit_id: UUID,
        amount_fen: int,
        received_on: date,
        receipt_number: str = "",
    ) -> Payment:
        kind = enum_value("channel", PaymentChannel, channel)
        reference = required_text("transactionId", transaction_id, max_length=64)
        return cls._create(
            cls.Received,
            id=payment_id(receiver, kind, reference),
            channel=kind,
            transaction_id=reference,
            community_id=community_id,
            unit_id=unit_id,
            amount_fen=fen_amount("amountFen", amount_fen),
            received_on=received_on,
            receipt_number=receipt_number,
        )

    def print_receipt(self) -> int:
        """Record one printed copy of the receipt; the copy's number (1 = the original)."""
        copy = self.receipt_copies + 1
        self.trigger_event(self.ReceiptPrinted, copy=copy)
        return copy
