"""电子发票: a request recorded per payment, sent to the invoicing service through an adapter.

The request is saved first (REQUESTED), then handed to the ``InvoiceChannel``; what the channel
answers at once (issued, or refused) is saved as the request's next event. A channel that
answers later (the tax platforms mostly do) leaves it REQUESTED until its answer is recorded
with ``record_invoice_outcome``. A channel that fails to answer leaves a REQUESTED request:
never an invoice the platform believes issued and the service does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar, Protocol
from uuid import UUID

from gongzhi.application.base import Changed, Conflict, Done, GongzhiBase, Meta, business_today
from gongzhi.application.commands import Command, handles
from gongzhi.application.fee_schedules import fee_aggregate, read_only
from gongzhi.application.fields import Doc, Kind, Ref, Text
from gongzhi.domain.invoice import InvoiceBuyer, InvoiceRequest, invoice_request_id
from gongzhi.domain.payment import Payment


@dataclass(frozen=True)
class RequestInvoice(Command):
    """申请电子发票 for a payment, to an organisation (单位抬头 and its tax number) or to a
    person (个人: the name, no tax number)"""

    payment_id: Annotated[UUID, Ref(Kind.PAYMENT)]
    buyer_title: Annotated[
        str,
        Text(100, min_length=1),
        Doc("发票抬头: the organisation's name, or the person's name (at most 50) for 个人"),
    ]
    tax_number: (
        Annotated[
            str,
            Text(18, min_length=18),
            Doc("纳税人识别号: the organisation's 统一社会信用代码 (18); none for 个人"),
        ]
        | None
    ) = None
    buyer_kind: Annotated[
        InvoiceBuyer, Doc("单位 (ORGANISATION, with its tax number) or 个人 (PERSON)")
    ] = InvoiceBuyer.ORGANISATION


@dataclass(frozen=True)
class InvoiceOutcome:
    """What the invoicing service answered: an invoice number, or why it refused; neither
    when it answers later."""

    invoice_number: str = ""
    failure: str = ""


class InvoiceChannel(Protocol):
    """An invoicing service (税务 UKey service, 百望, 航信 …): one adapter each."""

    def submit(self, request: InvoiceRequest) -> InvoiceOutcome: ...


class SandboxInvoiceChannel:
    """Issues every request at once, numbered from the request's id: for development and
    tests (no tax platform is called)."""

    def submit(self, request: InvoiceRequest) -> InvoiceOutcome:
        return InvoiceOutcome(invoice_number=f"SANDBOX-{request.id.hex[:16].upper()}")


class InvoiceService(GongzhiBase):
    invoice_channel: ClassVar[InvoiceChannel] = SandboxInvoiceChannel()

    @handles(RequestInvoice)
    def request_invoice(self, meta: Meta, command: RequestInvoice) -> Done:
        payment = read_only(self, Payment, command.payment_id, "paymentId")

        def attempt() -> Changed:
            if fee_aggregate(self, InvoiceRequest, invoice_request_id(payment.id)) is not None:
                raise Conflict("an invoice was requested for this payment already")
            request = InvoiceRequest.request(
                payment_id=payment.id,
                community_id=payment.community_id,
                unit_id=payment.unit_id,
                amount_fen=payment.amount_fen,
                buyer_title=command.buyer_title,
                tax_number=command.tax_number,
                buyer_kind=InvoiceBuyer(command.buyer_kind),
            )
            return Changed((request,))

        requested = self.retrying(meta, attempt, what="the invoice request")
        outcome = self.invoice_channel.submit(
            read_only(self, InvoiceRequest, requested.id, "paymentId")
        )
        return self.record_invoice_outcome(meta, requested.id, outcome) or requested

    def record_invoice_outcome(
        self, meta: Meta, request_id: UUID, outcome: InvoiceOutcome
    ) -> Done | None:
        """The service's answer, if it gave one: ISSUED or FAILED."""
        if not (outcome.invoice_number or outcome.failure):
            return None

        def decide(request: InvoiceRequest) -> None:
            if outcome.invoice_number:
                request.issue(outcome.invoice_number, business_today())
            else:
                request.fail(outcome.failure)

        return self.change(meta, InvoiceRequest, request_id, decide, field="paymentId")
