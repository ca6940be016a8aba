"""Read model of 物业费: bills, the fee ledger (payments, allocations, refunds, write-offs,
waivers), the units' accounts, billing runs and the fee schedules' items.

``fee_bills`` carries running totals per bill (paid, written off, waived) kept by adding
each ledger entry's amount, so arrears and collection rates are plain sums. Every ledger
entry is also a row of ``fee_ledger``: the committee's audit reads them entry by entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import singledispatch
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection

from gongzhi.domain.bill import Bill
from gongzhi.domain.billing_run import BillingRun
from gongzhi.domain.fee_account import FeeAccount
from gongzhi.domain.invoice import InvoiceRequest, InvoiceStatus
from gongzhi.domain.payment import Payment
from gongzhi.domain.values import mask_personal_text
from gongzhi.projections.engagement import per_hundred
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import (
    ADD,
    CHANGE,
    CREATE,
    Op,
    insert_statement,
    update_statement,
    upsert_statement,
)

fee_bills = Table(
    "fee_bills",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_id", Uuid, nullable=False),
    Column("unit_id", Uuid, nullable=False),
    Column("unit_number", String(40), nullable=False),
    Column("period", String(10), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("paid_fen", BigInteger, nullable=False),
    Column("written_off_fen", BigInteger, nullable=False),
    Column("waived_fen", BigInteger, nullable=False),
    Column("late_fee_paid_fen", BigInteger, nullable=False, server_default="0"),
    Column("lines", JSONB, nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    # 补收单: a billed meter reading's correction charges what the period's bill did not.
    Column("supplementary", Boolean, nullable=False, server_default="false"),
    Index("fee_bills_community_period", "community_id", "period_start"),
    Index("fee_bills_unit", "unit_id", "period_start"),
)

# One row per money movement of a unit's account (``fee_accounts`` names the unit): kind
# PAYMENT, ALLOCATION, CREDIT_APPLIED, REFUND, REVERSAL, WRITE_OFF, LATE_FEE_WAIVED,
# LATE_FEE_PAID (after its PAYMENT), LATE_FEE_REFUNDED, ADJUSTMENT (调账, credited).
# ``seq`` orders the rows one event gives.
fee_ledger = Table(
    "fee_ledger",
    metadata,
    Column("account_id", Uuid, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("bill_id", Uuid),
    Column("payment_id", Uuid),
    Column("amount_fen", BigInteger, nullable=False),
    Column("on", Date, nullable=False),
    Column("channel", String(20)),
    Column("transaction_id", String(64)),
    # Sealed (personal_data.py): longer than the 60 characters of the name it holds.
    Column("approved_by", Text),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    # Who recorded the entry and why (the event's metadata), personal data masked as in the
    # audit trail; empty on rows projected before issue 15 until the views are rebuilt.
    Column("actor", Text, nullable=False, server_default=""),
    Column("reason", Text, nullable=False, server_default=""),
    Index("fee_ledger_bill", "bill_id"),
    Index("fee_ledger_payment", "payment_id"),  # a receipt's items
    # The ledger's reading order (feeLedger and its export): a page after a cursor is read
    # from the index, not sorted out of the whole ledger each time.
    Index("fee_ledger_order", "recorded_at", "account_id", "version", "seq"),
)

fee_accounts = Table(
    "fee_accounts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_id", Uuid, nullable=False, index=True),
    Column("unit_id", Uuid, nullable=False, unique=True),
    Column("credit_fen", BigInteger, nullable=False),
    Column("version", Integer, nullable=False),
)

fee_payments = Table(
    "fee_payments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_id", Uuid, nullable=False),
    Column("unit_id", Uuid, nullable=False, index=True),
    Column("channel", String(20), nullable=False),
    Column("transaction_id", String(64), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("received_on", Date, nullable=False),
    # 收据编号; NULL on payments recorded before receipts were numbered (shown as none).
    Column("receipt_number", String(40)),
    # Unique as an index, which migrate() also makes on databases that predate the column.
    Index("fee_payments_receipt_number", "receipt_number", unique=True),
)

# Every printed copy of a payment's receipt: copy 1 is the original, later ones are 补打.
fee_receipt_prints = Table(
    "fee_receipt_prints",
    metadata,
    Column("payment_id", Uuid, primary_key=True),
    Column("copy", Integer, primary_key=True),
    Column("printed_at", DateTime(timezone=True), nullable=False),
    Column("actor", Text, nullable=False),
)

# 电子发票 requests, one per payment, with the invoicing service's answer.
fee_invoice_requests = Table(
    "fee_invoice_requests",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("payment_id", Uuid, nullable=False, unique=True),
    Column("community_id", Uuid, nullable=False),
    Column("unit_id", Uuid, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("buyer_title", String(100), nullable=False),
    Column("tax_number", String(18), nullable=False),
    Column("buyer_kind", String(16), nullable=False, server_default="ORGANISATION"),
    Column("buyer_name", Text),  # 个人抬头, sealed as the log holds it
    Column("status", String(20), nullable=False),
    Column("invoice_number", String(64)),
    Column("failure", Text),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("decided_at", DateTime(timezone=True)),
)

billing_runs = Table(
    "billing_runs",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_id", Uuid, nullable=False),
    Column("period", String(10), nullable=False),
    Column("units", Integer, nullable=False),
    Column("units_covered", Integer, nullable=False),
    Column("bills", Integer, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("completed", Integer, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Index("billing_runs_community_period", "community_id", "period", unique=True),
)


INSERT_BILL = insert_statement("insert fee bill", CREATE, fee_bills)
INSERT_LEDGER = insert_statement("insert fee ledger entry", ADD, fee_ledger)
INSERT_PAYMENT = insert_statement("insert fee payment", CREATE, fee_payments)
INSERT_PRINT = insert_statement("insert receipt print", ADD, fee_receipt_prints)
INSERT_INVOICE = insert_statement("insert invoice request", CREATE, fee_invoice_requests)
DECIDE_INVOICE = update_statement(
    "decide invoice request",
    CHANGE,
    fee_invoice_requests,
    key=("id", "b_id"),
    assign={
        "status": "status",
        "invoice_number": "invoice_number",
        "failure": "failure",
        "decided_at": "decided_at",
    },
)
INSERT_RUN = insert_statement("insert billing run", CREATE, billing_runs)
UPSERT_ACCOUNT = upsert_statement("upsert fee account", CREATE, fee_accounts, key=("id",))
ADD_CREDIT = update_statement(
    "add account credit",
    CHANGE,
    fee_accounts,
    key=("id", "b_id"),
    assign={"version": "version"},
    add={"credit_fen": "credit"},
)
ADD_TO_BILL = update_statement(
    "add to fee bill",
    CHANGE,
    fee_bills,
    key=("id", "b_id"),
    add={
        "paid_fen": "paid",
        "written_off_fen": "written_off",
        "waived_fen": "waived",
        "late_fee_paid_fen": "late_paid",
    },
)
ADVANCE_RUN = update_statement(
    "advance billing run",
    CHANGE,
    billing_runs,
    key=("id", "b_id"),
    add={"units_covered": "covered", "bills": "bills", "amount_fen": "amount"},
)
COMPLETE_RUN = update_statement(
    "complete billing run",
    CHANGE,
    billing_runs,
    key=("id", "b_id"),
    constants={"completed": 1},
    after=(ADVANCE_RUN,),
)


@singledispatch
def fee_ops(event: object) -> list[Op]:
    """Rows for one event; events of other aggregates give none."""
    return []


@fee_ops.register
def _(event: Bill.Issued) -> list[Op]:
    row: dict[str, Any] = {
        "id": event.originator_id,
        "community_id": event.community_id,
        "unit_id": event.unit_id,
        "unit_number": event.unit_number,
        "period": event.period,
        "period_start": event.period_start,
        "period_end": event.period_end,
        "due_on": event.due_on,
        "amount_fen": event.amount_fen,
        "paid_fen": 0,
        "written_off_fen": 0,
        "waived_fen": 0,
        "late_fee_paid_fen": 0,
        "lines": event.lines,
        "issued_at": event.timestamp,
        "supplementary": event.supplementary,
    }
    return [Op(INSERT_BILL, row)]


@fee_ops.register
def _(event: BillingRun.Started) -> list[Op]:
    row = {
        "id": event.originator_id,
        "community_id": event.community_id,
        "period": event.period,
        "units": event.units,
        "units_covered": 0,
        "bills": 0,
        "amount_fen": 0,
        "completed": 0,
        "started_at": event.timestamp,
    }
    return [Op(INSERT_RUN, row)]


@fee_ops.register
def _(event: BillingRun.BatchIssued) -> list[Op]:
    params = {
        "b_id": event.originator_id,
        "covered": len(event.unit_ids),
        "bills": event.bills,
        "amount": event.amount_fen,
    }
    return [Op(ADVANCE_RUN, params)]


@fee_ops.register
def _(event: BillingRun.Completed) -> list[Op]:
    return [Op(COMPLETE_RUN, {"b_id": event.originator_id})]


@fee_ops.register
def _(event: Payment.Received) -> list[Op]:
    row = {
        "id": event.originator_id,
        "community_id": event.community_id,
        "unit_id": event.unit_id,
        "channel": event.channel,
        "transaction_id": event.transaction_id,
        "amount_fen": event.amount_fen,
        "received_on": event.received_on,
        "receipt_number": event.receipt_number or None,
    }
    return [Op(INSERT_PAYMENT, row)]


@fee_ops.register
def _(event: Payment.ReceiptPrinted) -> list[Op]:
    meta = getattr(event, "meta", None) or {}
    row = {
        "payment_id": event.originator_id,
        "copy": event.copy,
        "printed_at": event.timestamp,
        "actor": mask_personal_text(meta.get("actor", "")),
    }
    return [Op(INSERT_PRINT, row)]


@fee_ops.register
def _(event: InvoiceRequest.Requested) -> list[Op]:
    row = {
        "id": event.originator_id,
        "payment_id": event.payment_id,
        "community_id": event.community_id,
        "unit_id": event.unit_id,
        "amount_fen": event.amount_fen,
        "buyer_title": event.buyer_title,
        "tax_number": event.tax_number,
        "buyer_kind": event.buyer_kind,
        "buyer_name": event.buyer_name or None,
        "status": InvoiceStatus.REQUESTED.value,
        "invoice_number": None,
        "failure": None,
        "requested_at": event.timestamp,
        "decided_at": None,
    }
    return [Op(INSERT_INVOICE, row)]


@fee_ops.register
def _(event: InvoiceRequest.Issued) -> list[Op]:
    return [_decided(event, InvoiceStatus.ISSUED, event.invoice_number, None)]


@fee_ops.register
def _(event: InvoiceRequest.Failed) -> list[Op]:
    return [_decided(event, InvoiceStatus.FAILED, None, event.failure)]


def _decided(
    event: InvoiceRequest.Event, status: InvoiceStatus, number: str | None, failure: str | None
) -> Op:
    params = {
        "b_id": event.originator_id,
        "status": status.value,
        "invoice_number": number,
        "failure": failure,
        "decided_at": event.timestamp,
    }
    return Op(DECIDE_INVOICE, params)


# What the account's events need to know of the account: kept from ``Opened``.
@fee_ops.register
def _(event: FeeAccount.Opened) -> list[Op]:
    row = {
        "id": event.originator_id,
        "community_id": event.community_id,
        "unit_id": event.unit_id,
        "credit_fen": 0,
        "version": event.originator_version,
    }
    return [Op(UPSERT_ACCOUNT, row)]


class _Entries:
    """Ledger rows of one account event, numbered in order, and the totals they move."""

    def __init__(self, event: FeeAccount.Event) -> None:
        self.event = event
        self.ops: list[Op] = []

    def add(self, kind: str, amount: int, on: Any, **extra: Any) -> None:
        meta = getattr(self.event, "meta", None) or {}
        row = {
            "account_id": self.event.originator_id,
            "version": self.event.originator_version,
            "seq": len(self.ops),
            "kind": kind,
            "amount_fen": amount,
            "on": on,
            "bill_id": None,
            "payment_id": None,
            "channel": None,
            "transaction_id": None,
            "approved_by": None,
            "recorded_at": self.event.timestamp,
            "actor": mask_personal_text(meta.get("actor", "")),
            "reason": mask_personal_text(meta.get("reason", "")),
        }
        row.update(extra)
        self.ops.append(Op(INSERT_LEDGER, row))

    def bill(
        self,
        bill_id: Any,
        paid: int = 0,
        written_off: int = 0,
        waived: int = 0,
        late_paid: int = 0,
    ) -> None:
        params = {
            "b_id": UUID(str(bill_id)),
            "paid": paid,
            "written_off": written_off,
            "waived": waived,
            "late_paid": late_paid,
        }
        self.ops.append(Op(ADD_TO_BILL, params))

    def credit(self, fen: int) -> None:
        params = {
            "b_id": self.event.originator_id,
            "credit": fen,
            "version": self.event.originator_version,
        }
        self.ops.append(Op(ADD_CREDIT, params))


@fee_ops.register
def _(event: FeeAccount.PaymentReceived) -> list[Op]:
    entries = _Entries(event)
    entries.add(
        "PAYMENT",
        event.amount_fen,
        event.received_on,
        payment_id=event.payment_id,
        channel=event.channel,
        transaction_id=event.transaction_id,
    )
    for part in event.allocations:
        entries.add(
            "ALLOCATION",
            part["fen"],
            event.received_on,
            bill_id=UUID(part["bill_id"]),
            payment_id=event.payment_id,
        )
        entries.bill(part["bill_id"], paid=part["fen"])
    for part in event.late_fees or ():
        entries.add(
            "LATE_FEE_PAID",
            part["fen"],
            event.received_on,
            bill_id=UUID(part["bill_id"]),
            payment_id=event.payment_id,
        )
        entries.bill(part["bill_id"], late_paid=part["fen"])
    entries.credit(event.credit_fen)
    return entries.ops


@fee_ops.register
def _(event: FeeAccount.CreditApplied) -> list[Op]:
    entries = _Entries(event)
    for part in event.allocations:
        entries.add("CREDIT_APPLIED", part["fen"], event.on, bill_id=UUID(part["bill_id"]))
        entries.bill(part["bill_id"], paid=part["fen"])
    entries.credit(-sum(part["fen"] for part in event.allocations))
    return entries.ops


@fee_ops.register
def _(event: FeeAccount.Refunded) -> list[Op]:
    entries = _Entries(event)
    entries.add(
        "REFUND",
        event.amount_fen,
        event.on,
        payment_id=event.payment_id,
        channel=event.channel or None,
        transaction_id=event.reference or None,
    )
    for part in event.reversals:
        entries.add(
            "REVERSAL",
            part["fen"],
            event.on,
            bill_id=UUID(part["bill_id"]),
            payment_id=event.payment_id,
        )
        entries.bill(part["bill_id"], paid=-part["fen"])
    for part in event.late_fee_reversals or ():
        entries.add(
            "LATE_FEE_REFUNDED",
            part["fen"],
            event.on,
            bill_id=UUID(part["bill_id"]),
            payment_id=event.payment_id,
        )
        entries.bill(part["bill_id"], late_paid=-part["fen"])
    entries.credit(-event.from_credit_fen)
    return entries.ops


@fee_ops.register
def _(event: FeeAccount.Adjusted) -> list[Op]:
    entries = _Entries(event)
    entries.add("ADJUSTMENT", event.amount_fen, event.on, bill_id=event.bill_id)
    entries.credit(event.amount_fen)
    return entries.ops


@fee_ops.register
def _(event: FeeAccount.WrittenOff) -> list[Op]:
    entries = _Entries(event)
    entries.add(
        "WRITE_OFF",
        event.amount_fen,
        event.on,
        bill_id=event.bill_id,
        approved_by=event.approved_by,
    )
    entries.bill(event.bill_id, written_off=event.amount_fen)
    entries.credit(0)
    return entries.ops


@fee_ops.register
def _(event: FeeAccount.LateFeeWaived) -> list[Op]:
    entries = _Entries(event)
    entries.add("LATE_FEE_WAIVED", event.amount_fen, event.on, bill_id=event.bill_id)
    entries.bill(event.bill_id, waived=event.amount_fen)
    entries.credit(0)
    return entries.ops


def _late_fee_moved(
    event: FeeAccount.LateFeePaid | FeeAccount.LateFeeRefunded,
    kinds: tuple[str, str],
    on: date,
    sign: int,
    **money: Any,
) -> list[Op]:
    """A late fee paid (sign 1) or refunded (−1): the receipt or refund, then the bill's
    late fee it moved; the bill's own paid amount never changes."""
    entries = _Entries(event)
    entries.add(kinds[0], event.amount_fen, on, payment_id=event.payment_id, **money)
    entries.add(kinds[1], event.amount_fen, on, bill_id=event.bill_id, payment_id=event.payment_id)
    entries.bill(event.bill_id, late_paid=sign * event.amount_fen)
    entries.credit(0)
    return entries.ops


@fee_ops.register
def _(event: FeeAccount.LateFeePaid) -> list[Op]:
    return _late_fee_moved(
        event,
        ("PAYMENT", "LATE_FEE_PAID"),
        event.received_on,
        1,
        channel=event.channel,
        transaction_id=event.transaction_id,
    )


@fee_ops.register
def _(event: FeeAccount.LateFeeRefunded) -> list[Op]:
    return _late_fee_moved(
        event,
        ("REFUND", "LATE_FEE_REFUNDED"),
        event.on,
        -1,
        channel=event.channel or None,
        transaction_id=event.reference or None,
    )


FEE_TABLES = (
    fee_bills,
    fee_ledger,
    fee_accounts,
    fee_payments,
    fee_receipt_prints,
    fee_invoice_requests,
    billing_runs,
)


# --- 收费率 figures, for the API and credit evaluation ------------------------------------------

# The columns of a collection figure over fee_bills ``b`` (any grouping): billed and collected
# fen (收费率 = collected ÷ billed), households billed and households whose bill is settled
# (户收费率). The API adds its community and period; credit evaluation its company's bills.
COLLECTION_COLUMNS = """
coalesce(sum(b.amount_fen), 0)::bigint AS billed,
coalesce(sum(b.paid_fen), 0)::bigint AS collected,
count(DISTINCT b.unit_id)::int AS households,
count(DISTINCT b.unit_id) FILTER (WHERE b.paid_fen > 0
    AND b.amount_fen - b.paid_fen - b.written_off_fen <= 0)::int AS paid"""

# A bill counts for the company serving its community on the first day the bill covers (a
# community changing hands mid-month has one bill for the month, issued under one company).
_COMPANY_COLLECTION = text(f"""
SELECT b.community_id, c.name, count(*)::int AS bills,
       coalesce(sum(b.written_off_fen), 0)::bigint AS written_off, {COLLECTION_COLUMNS}
FROM fee_bills b
JOIN LATERAL management_on(b.community_id, b.period_start) s ON TRUE
JOIN communities c ON c.id = b.community_id
WHERE s.company_id = :company AND b.due_on >= :start AND b.due_on <= :end
GROUP BY b.community_id, c.name
ORDER BY c.name, b.community_id""")


@dataclass(frozen=True)
class CollectionFigures:
    """收费率 of one community's bills due in a period: billed and collected fen."""

    community_id: UUID
    name: str
    bills: int
    billed: int
    collected: int
    written_off: int
    households: int
    paid: int

    @property
    def collection_percentage(self) -> Decimal | None:
        """Collected ÷ billed, as a percentage to the hundredth (half up)."""
        return per_hundred(self.collected, self.billed)


def company_collection_figures(
    conn: Connection, company_id: UUID, start: date, end: date
) -> list[CollectionFigures]:
    """Per community: the bills due in [start, end] (dates, inclusive) that the company
    issued, for workers (credit evaluation) on a SQLAlchemy connection."""
    rows = conn.execute(_COMPANY_COLLECTION, {"company": company_id, "start": start, "end": end})
    return [
        CollectionFigures(
            row.community_id,
            row.name,
            row.bills,
            row.billed,
            row.collected,
            row.written_off,
            row.households,
            row.paid,
        )
        for row in rows
    ]
