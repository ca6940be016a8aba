"""电子发票 an electronic invoice requested for a payment, and what the invoicing service
answered: REQUESTED, then ISSUED (with the invoice's number) or FAILED (with the reason).

One request per payment (its id is derived from the payment's): a second request of the same
payment finds the first. The buyer is an organisation (单位抬头 with its 统一社会信用代码), so
nothing here is a natural person's data.
"""

from __future__ import annotations

import enum
from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.errors import RuleViolated
from gongzhi.domain.values import required_text, unified_credit_code

INVOICE_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongzhi.example/invoice-request")


class InvoiceStatus(enum.Enum):
    REQUESTED = "REQUESTED"  # 已申请, sent to the invoicing service
    ISSUED = "ISSUED"  # 已开具
    FAILED = "FAILED"  # 开具失败


def invoice_request_id(payment_id: UUID) -> UUID:
    return uuid5(INVOICE_NAMESPACE, str(payment_id))


class InvoiceRequest(Aggregate):
    class Requested(Aggregate.Created):
        payment_id: UUID
        community_id: UUID
        unit_id: UUID
        amount_fen: int
        buyer_title: str
        tax_number: str

    class Issued(Aggregate.Event):
        invoice_number: str
        issued_on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, InvoiceRequest)
            aggregate.status = InvoiceStatus.ISSUED.value
            aggregate.invoice_number = self.invoice_number

    class Failed(Aggregate.Event):
        failure: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, InvoiceRequest)
            aggregate.status = InvoiceStatus.FAILED.value

    def __init__(
        self,
        payment_id: UUID,
        community_id: UUID,
        unit_id: UUID,
        amount_fen: int,
        buyer_title: str,
        tax_number: str,
    ) -> None:
        self.payment_id = payment_id
        self.community_id = community_id
        self.unit_id = unit_id
        self.amount_fen = amount_fen
        self.buyer_title = buyer_title
        self.tax_number = tax_number
        self.status = InvoiceStatus.REQUESTED.value
        self.invoice_number = ""

    @classmethod
    def request(
        cls,
        *,
        payment_id: UUID,
        community_id: UUID,
        unit_id: UUID,
        amount_fen: int,
        buyer_title: str,
        tax_number: str,
    ) -> InvoiceRequest:
        return cls._create(
            cls.Requested,
            id=invoice_request_id(payment_id),
            payment_id=payment_id,
            community_id=community_id,
            unit_id=unit_id,
            amount_fen=amount_fen,
            buyer_title=required_text("buyerTitle", buyer_title, max_length=100),
            tax_number=unified_credit_code("taxNumber", tax_number),
        )

    def issue(self, invoice_number: str, issued_on: date) -> None:
        self._pending("issued")
        number = required_text("invoiceNumber", invoice_number, max_length=64)
        self.trigger_event(self.Issued, invoice_number=number, issued_on=issued_on)

    def fail(self, failure: str) -> None:
        self._pending("failed")
        self.trigger_event(self.Failed, failure=(failure or "未说明原因")[:500])

    def _pending(self, what: str) -> None:
        if self.status != InvoiceStatus.REQUESTED.value:
            raise RuleViolated("", f"the invoice request is {self.status}: it cannot be {what} now")
