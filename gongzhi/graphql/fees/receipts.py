"""收据: a payment's receipt (its number, what it paid, how), its PDF and its printed copies.

The PDF is downloaded through the exports' signed links (``exports/links.py``): printing
records the copy (``printReceipt``) and answers a link to it; ``GET /exports/<link>`` makes
the PDF after checking again that the caller may read the receipt.
"""

from __future__ import annotations

import datetime
import json
from typing import Annotated, Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.base import Done
from gongzhi.application.fee_payments import PrintReceipt, ReceiptCopy
from gongzhi.application.fields import Kind
from gongzhi.application.invoices import RequestInvoice
from gongzhi.domain.business_time import BUSINESS_TZ
from gongzhi.domain.invoice import InvoiceBuyer
from gongzhi.domain.person import ERASED_NAME
from gongzhi.graphql.auth import Role
from gongzhi.graphql.context import Context
from gongzhi.graphql.errors import Forbidden, NotFound, Refused, ValidationError, invalid
from gongzhi.graphql.exports.signed import DOCUMENTS, Document, ExportLink, sign_document_link
from gongzhi.graphql.fees.receipt_pdf import ReceiptLine, ReceiptSheet, receipt_pdf
from gongzhi.graphql.fees.statement import require_statement_reader
from gongzhi.graphql.money import Fen
from gongzhi.graphql.personal_data import opener_for
from gongzhi.graphql.reading import InCommunity, lookup
from gongzhi.graphql.rows import from_row
from gongzhi.graphql.unit_labels import UNIT_LABEL_DESCRIPTION, UnitNames, unit_columns

RECEIPT = "RECEIPT"
PaymentInCommunityArg = Annotated[strawberry.ID, InCommunity(Kind.PAYMENT)]

# The company that received the payment is the one serving the community on the day it was
# received (the domain's rule, ``Community.serving_company``); a community no company
# serves receives its own.
RECEIPT_SELECT = f"""SELECT r.*, {unit_columns("r.unit_id")},
    coalesce((SELECT k.name FROM companies k
              WHERE k.id = serving_company(r.community_id, r.received_on)), c.name) AS company
    FROM fee_payments r JOIN communities c ON c.id = r.community_id WHERE r.id = $1"""
ITEMS_SELECT = """SELECT l.kind, l.amount_fen, b.period, b.lines
    FROM fee_ledger l LEFT JOIN fee_bills b ON b.id = l.bill_id
    WHERE l.payment_id = $1 AND l.kind IN ('ALLOCATION', 'LATE_FEE_PAID')
    ORDER BY l.version, l.seq"""
PRINTS_SELECT = """SELECT copy, printed_at, actor FROM fee_receipt_prints
    WHERE payment_id = $1 ORDER BY copy"""
INVOICE_SELECT = "SELECT * FROM fee_invoice_requests WHERE payment_id = $1"
PAYER = "业主"  # for a reader who may not see the owners' names
# Who reads a personal invoice's buyer in full: who issues invoices (the company's staff, the
# platform) and the unit's resident who asked for it; any other reader of the receipt (a
# committee, a district) sees 张*.
INVOICE_NAME_ROLES = {Role.PLATFORM_ADMIN, Role.COMPANY_STAFF, Role.RESIDENT}


@strawberry.type(description="A line of a receipt: what the money paid")
class ReceiptItem:
    what: str = strawberry.field(description="收费项目 and period, e.g. 物业费、垃圾清运费 2026-10")
    amount_fen: Fen


@strawberry.type(description="One printed copy of a receipt: the first is the original")
class ReceiptPrint:
    copy: int
    reprint: bool = strawberry.field(description="补打: a copy after the first")
    printed_at: datetime.datetime
    actor: str = strawberry.field(description="Who printed it")


@strawberry.type(description="电子发票 requested for a payment, and the invoicing service's answer")
class InvoiceRequest:
    buyer_kind: InvoiceBuyer = strawberry.field(description="单位 or 个人")
    buyer_title: str = strawberry.field(
        description="发票抬头: the organisation's name; a person's name (个人) in full for the "
        "company's staff, the platform and the unit's resident, else masked (张*); 已删除 once "
        "erased"
    )
    tax_number: str = strawberry.field(
        description="纳税人识别号 (统一社会信用代码); empty for 个人"
    )
    amount_fen: Fen
    status: str = strawberry.field(description="REQUESTED → ISSUED | FAILED")
    invoice_number: str | None = strawberry.field(description="发票号码, once ISSUED")
    failure: str | None = strawberry.field(description="Why the service refused, once FAILED")
    requested_at: datetime.datetime
    decided_at: datetime.datetime | None


@strawberry.type(description="收据 of a payment")
class Receipt:
    payment_id: strawberry.ID
    receipt_number: str | None = strawberry.field(
        description="收据编号 (company code-year-sequence, gap-free per company and year); "
        "null for payments recorded before receipts were numbered"
    )
    company_name: str = strawberry.field(description="The company that received the money")
    unit_id: strawberry.ID
    unit_label: str = strawberry.field(description=UNIT_LABEL_DESCRIPTION)
    payer: str = strawberry.field(
        description="交款人: the unit's owners, masked (张*); 业主 for readers who may not see "
        "the roster"
    )
    channel: str
    transaction_id: str = strawberry.field(description="The channel's reference")
    amount_fen: Fen
    received_on: datetime.date
    items: list[ReceiptItem] = strawberry.field(
        description="Bills and late fees paid; the rest of the amount is 预交 (prepaid)"
    )
    prints: list[ReceiptPrint]
    invoice: InvoiceRequest | None = strawberry.field(description="电子发票, if requested")


@strawberry.type(description="A printed receipt: its copy and the link to its PDF")
class ReceiptPrintPayload:
    receipt: Receipt
    copy: int
    reprint: bool = strawberry.field(description="补打: printed before")
    download: ExportLink = strawberry.field(description="GET it with the same bearer token")


@strawberry.type(description="The payment's receipt with its invoice request")
class InvoicePayload:
    receipt: Receipt


ReceiptLookup = Annotated[
    Receipt | ValidationError | NotFound | Forbidden, strawberry.union("ReceiptLookup")
]


def masked_name(name: str) -> str:
    """张* / 欧阳** : the family name (first character) only, as on printed receipts."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def _what(row: Any) -> str:
    lines = row["lines"]
    lines = json.loads(lines) if isinstance(lines, str) else lines or []
    labels = list(dict.fromkeys(str(line.get("label", "")) for line in lines if line))
    fees = (
        "滞纳金" if row["kind"] == "LATE_FEE_PAID" else "、".join(filter(None, labels)) or "物业费"
    )
    return f"{fees} {row['period'] or ''}".strip()


async def fetch_receipt(context: Context, payment_id: UUID) -> Receipt:
    """The receipt of a payment; Refused when unknown or not the reader's to see (who may
    read the unit's statement may read its receipts)."""
    row = await context.pool.fetchrow(RECEIPT_SELECT, payment_id)
    if row is None:
        raise Refused(NotFound(field="paymentId", message=f"no payment with id {payment_id}"))
    await require_statement_reader(context, row["community_id"], row["unit_id"])
    items = [
        ReceiptItem(what=_what(item), amount_fen=Fen(item["amount_fen"]))
        for item in await context.pool.fetch(ITEMS_SELECT, payment_id)
    ]
    prepaid = row["amount_fen"] - sum(item.amount_fen for item in items)
    if prepaid > 0:
        items.append(ReceiptItem(what="预交物业费", amount_fen=Fen(prepaid)))
    owners = (await UnitNames.of(context, row["community_id"], [row])).owners(row)
    prints = [
        ReceiptPrint(
            copy=p["copy"], reprint=p["copy"] > 1, printed_at=p["printed_at"], actor=p["actor"]
        )
        for p in await context.pool.fetch(PRINTS_SELECT, payment_id)
    ]
    invoice = await context.pool.fetchrow(INVOICE_SELECT, payment_id)
    return Receipt(
        invoice=await _invoice(context, invoice) if invoice else None,
        payment_id=strawberry.ID(str(payment_id)),
        receipt_number=row["receipt_number"],
        company_name=row["company"],
        unit_id=strawberry.ID(str(row["unit_id"])),
        unit_label=UnitNames.label(row),
        payer="、".join(masked_name(n) for n in owners) if owners else PAYER,
        channel=row["channel"],
        transaction_id=row["transaction_id"],
        amount_fen=Fen(row["amount_fen"]),
        received_on=row["received_on"],
        items=items,
        prints=prints,
    )


async def _invoice(context: Context, row: Any) -> InvoiceRequest:
    """The invoice request, its personal buyer's name (sealed in the view) opened and masked
    for the roles that neither issue the invoice nor asked for it."""
    if row["buyer_kind"] != InvoiceBuyer.PERSON.value:
        return from_row(InvoiceRequest, row)
    name = (await opener_for(context, row["buyer_name"]))(row["buyer_name"], "buyer_name")
    full = context.principal.role in INVOICE_NAME_ROLES or name == ERASED_NAME
    return from_row(InvoiceRequest, row, buyer_title=name if full else masked_name(name))


def receipt_file_name(receipt: Receipt) -> str:
    return f"收据-{receipt.receipt_number or receipt.payment_id}.pdf"


async def receipt_document(context: Context, args: dict[str, str]) -> Document:
    """The PDF of one printed copy (a link's ``paymentId`` and ``copy``)."""
    receipt = await fetch_receipt(context, UUID(args["paymentId"]))
    copy = int(args["copy"])
    printed = next((p for p in receipt.prints if p.copy == copy), None)
    if printed is None:
        raise Refused(invalid("copy", f"copy {copy} of this receipt was not printed"))
    sheet = ReceiptSheet(
        company=receipt.company_name,
        number=receipt.receipt_number,
        unit_label=receipt.unit_label,
        payer=receipt.payer,
        channel=receipt.channel,
        reference=receipt.transaction_id,
        received_on=receipt.received_on.isoformat(),
        amount_fen=receipt.amount_fen,
        lines=[ReceiptLine(item.what, item.amount_fen) for item in receipt.items],
        copy=copy,
        printed_at=f"{printed.printed_at.astimezone(BUSINESS_TZ):%Y-%m-%d %H:%M}",
        printed_by=printed.actor,
    )
    return Document(receipt_file_name(receipt), "application/pdf", receipt_pdf(sheet))


DOCUMENTS[RECEIPT] = receipt_document


async def print_reply(context: Context, done: Done, command: PrintReceipt) -> ReceiptPrintPayload:
    """The receipt with the copy just printed, and the link to that copy's PDF."""
    assert isinstance(done, ReceiptCopy)
    receipt, copy = await fetch_receipt(context, command.payment_id), done.copy
    url, expires = sign_document_link(
        context.services.link_secret,
        context.principal,
        RECEIPT,
        {"paymentId": command.payment_id, "copy": copy},
    )
    link = ExportLink(url=url, expires_at=expires, file_name=receipt_file_name(receipt), rows=1)
    return ReceiptPrintPayload(receipt=receipt, copy=copy, reprint=copy > 1, download=link)


async def invoice_reply(context: Context, done: Done, command: RequestInvoice) -> InvoicePayload:
    return InvoicePayload(receipt=await fetch_receipt(context, command.payment_id))


@strawberry.type
class ReceiptQueries:
    @strawberry.field(description="收据 of a payment: number, items, payer, printed copies")
    @lookup
    async def payment_receipt(
        self, info: Info[Context, None], payment_id: PaymentInCommunityArg
    ) -> ReceiptLookup:
        return await fetch_receipt(info.context, UUID(payment_id))
