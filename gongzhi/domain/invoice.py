"""电子发票 an electronic invoice requested for a payment, and what the invoicing service
answered: REQUESTED, then ISSUED (with the invoice's number) or FAILED (with the reason).

One request per payment (its id is derived from the payment's): a second request of the same
payment finds the first. The buyer is an organisation (单位抬头 with its 统一社会信用代码) or a
person (个人抬头: the name alone, no tax number). A person's name is personal data: it is
kept apart from the organisations' titles (``buyer_name``) so that only it is sealed
(application/personal_data.py, under the request's own key: the name typed need not be a
registered person's).
"""

from __future__ import annotations

import enum
from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.errors import InvalidValue, RuleViolated
from gongzhi.domain.values import required_text, unified_credit_code

INVOICE_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongzhi.example/invoice-request")


class InvoiceBuyer(enum.Enum):
    ORGANISATION = "ORGANISATION"  # 单位: title and 纳税人识别号
    PERSON = "PERSON"  # 个人: a natural person's name, no tax number


MAX_PERSON_NAME = 50


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
        buyer_title: str  # an organisation's title ("" for a person)
        tax_number: str  # an organisation's 统一社会信用代码 ("" for a person)
        # Defaults: requests recorded before personal invoices were organisations'.
        buyer_kind: str = InvoiceBuyer.ORGANISATION.value
        buyer_name: str = ""  # a person's name (sealed at rest); "" for an organisation

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
        buyer_kind: str = InvoiceBuyer.ORGANISATION.value,
        buyer_name: str = "",
    ) -> None:
        self.payment_id = payment_id
        self.community_id = community_id
        self.unit_id = unit_id
        self.amount_fen = amount_fen
        self.buyer_title = buyer_title
        self.tax_number = tax_number
        self.buyer_kind = buyer_kind
        self.buyer_name = buyer_name
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
        tax_number: str | None,
        buyer_kind: InvoiceBuyer = InvoiceBuyer.ORGANISATION,
    ) -> InvoiceRequest:
        """``buyer_title`` is the organisation's title, or the person's name."""
        if buyer_kind is InvoiceBuyer.PERSON:
            if tax_number:
                raise InvalidValue("taxNumber", "a personal invoice (个人) has no tax number")
            name = required_text("buyerTitle", buyer_title, max_length=MAX_PERSON_NAME)
            title, code = "", ""
        else:
            if not tax_number:
                raise InvalidValue("taxNumber", "is required for an organisation's invoice")
            name = ""
            title = required_text("buyerTitle", buyer_title, max_length=100)
            code = unified_credit_code("taxNumber", tax_number)
        return cls._create(
            cls.Requested,
            id=invoice_request_id(payment_id),
            payment_id=payment_id,
            community_id=community_id,
            unit_id=unit_id,
            amount_fen=amount_fen,
            buyer_title=title,
            tax_number=code,
            buyer_kind=buyer_kind.value,
            buyer_name=name,
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
