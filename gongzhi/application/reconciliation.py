"""对账 reconciliation: a channel's daily statement imported and set against the payments
booked; its items resolved through the ordinary commands (收款, 退款) with a reason.

Reading a statement file and listing the payments booked are wired in
(``gongzhi.bootstrap``): the file's layout is the channel adapter's
(``gongzhi.infra.statements``), the payments booked are the fee view's (``fee_payments``,
``gongzhi.projections.reconciliation``), read when the statement is imported.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from gongzhi.application.base import Changed, Conflict, Done, GongzhiBase, Meta, business_today
from gongzhi.application.commands import Command, handles
from gongzhi.application.fee_payments import RecordPayment, RefundPayment
from gongzhi.application.fee_schedules import fee_aggregate, read_only
from gongzhi.application.fields import CommunityId, Doc, Kind, Range, Ref, Text
from gongzhi.domain.community import Community
from gongzhi.domain.errors import InvalidValue, RuleViolated, UnknownPart
from gongzhi.domain.payment import PaymentChannel
from gongzhi.domain.payment_order import OnlinePaymentOrder
from gongzhi.domain.reconciliation import (
    REVERSAL_REFERENCE,
    BookedPayment,
    BookedRefund,
    Item,
    ItemKind,
    Reconciliation,
    Resolution,
    StatementRow,
    reconcile,
    reconciliation_id,
)

MAX_FILE_BYTES = 10 * 1024 * 1024  # a WeChat bill of 50,000 payments is ~8 MiB as CSV
MAX_CONTENT_CHARACTERS = 4 * -(-MAX_FILE_BYTES // 3)  # the file as base64
MAX_ITEMS = 100_000  # a statement's rows (50,000) and the payments booked not on it

ReconciliationId = Annotated[UUID, Ref(Kind.RECONCILIATION)]

# (channel, file, format, day) → the statement's payment rows and the count of other rows;
# raises ValueError naming the row and column of the first problem.
StatementReader = Callable[[str, bytes, str, date], tuple[Sequence[StatementRow], int]]
# (community, channel, day, transaction ids on the statement) → the payments booked on the
# channel that day or with one of those transaction ids; TimeoutError when the payments
# booked before the call cannot all be read yet.
BookedReader = Callable[[UUID, str, date, Sequence[str]], list[BookedPayment]]
# (community, channel, day, refund ids on the statement) → the refunds booked on the channel
# that day or with one of those references; TimeoutError as above.
RefundsReader = Callable[[UUID, str, date, Sequence[str]], list[BookedRefund]]


class StatementFileFormat(enum.Enum):
    CSV = "CSV"
    XLSX = "XLSX"


class ResolveAction(enum.Enum):
    """How to resolve a reconciliation item."""

    BOOK_PAYMENT = "BOOK_PAYMENT"  # 补账 through 收款 (recordPayment)
    REVERSE_PAYMENT = "REVERSE_PAYMENT"  # 冲正 through 退款 (refundPayment)
    BOOK_REFUND = "BOOK_REFUND"  # 补记退款 through 退款 (refundPayment) of the payment refunded
    NOTE = "NOTE"  # 说明 only: the reason says why nothing is booked


RESOLUTION_OF = {
    ResolveAction.BOOK_PAYMENT: Resolution.BOOKED,
    ResolveAction.REVERSE_PAYMENT: Resolution.REVERSED,
    ResolveAction.BOOK_REFUND: Resolution.BOOKED,
    ResolveAction.NOTE: Resolution.NOTED,
}


@dataclass(frozen=True)
class ImportPaymentStatement(Command):
    """对账: import a payment channel's (or the bank's) statement of one day and reconcile it
    against the payments booked on that channel; the same file again answers the first
    reconciliation, another file for the day records a new one"""

    community_id: CommunityId
    channel: PaymentChannel
    day: Annotated[date, Doc("The business day (Asia/Shanghai) the statement covers")]
    format: StatementFileFormat
    content: Annotated[
        str,
        Text(MAX_CONTENT_CHARACTERS, min_length=1),
        Doc("The file as base64 (CSV or XLSX, at most 10 MiB, at most 50,000 rows)"),
    ]


@dataclass(frozen=True)
class ResolveReconciliationItem(Command):
    """处理对账差异: book a payment missing in the platform (收款), reverse a booking the
    channel does not have (退款), book a refund the channel made (退款), or note why nothing
    is booked; once per item"""

    community_id: CommunityId
    reconciliation_id: ReconciliationId
    item: Annotated[int, Range(1, MAX_ITEMS), Doc("The item's number (seq)")]
    action: ResolveAction
    unit_id: (
        Annotated[
            UUID,
            Ref(Kind.UNIT),
            Doc("BOOK_PAYMENT: the unit paying, when the order number names no order of ours"),
        ]
        | None
    ) = None


def statement_bytes(content: str) -> bytes:
    try:
        data = base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidValue("content", "the file must be sent as base64") from None
    if len(data) > MAX_FILE_BYTES:
        raise InvalidValue("content", "the file is larger than 10 MiB")
    return data


class ReconciliationService(GongzhiBase):
    # Set by the wiring (gongzhi.bootstrap).
    statement_reader: StatementReader | None = None
    booked_reader: BookedReader | None = None
    refunds_reader: RefundsReader | None = None

    @handles(ImportPaymentStatement)
    def import_payment_statement(self, meta: Meta, command: ImportPaymentStatement) -> Done:
        if self.statement_reader is None or self.booked_reader is None:
            msg = "no statement or booked-payment reader is wired (gongzhi.bootstrap does)"
            raise RuntimeError(msg)
        if self.refunds_reader is None:
            msg = "no booked-refund reader is wired (gongzhi.bootstrap does)"
            raise RuntimeError(msg)
        community = read_only(self, Community, command.community_id, "communityId")
        channel = PaymentChannel(command.channel).value
        if command.day > business_today():
            raise InvalidValue("day", "a statement of a day still to come cannot be reconciled")
        if command.day < community.registered_on:
            raise InvalidValue("day", "the community was not on the platform that day")
        data = statement_bytes(command.content)
        file_format = StatementFileFormat(command.format).value
        digest = hashlib.sha256(data).hexdigest()
        known = reconciliation_id(command.community_id, channel, command.day, digest)
        if fee_aggregate(self, Reconciliation, known, copy=False) is not None:
            return Done(known, 0)  # the same file again: the first reconciliation
        try:
            lines, skipped = self.statement_reader(channel, data, file_format, command.day)
        except ValueError as error:
            raise InvalidValue("content", str(error)) from None
        # A refund's payment is looked up too: the unit its refund is booked on.
        transaction_ids = [line.refund_of or line.transaction_id for line in lines]
        refund_ids = [line.transaction_id for line in lines if line.refund_of]
        try:
            booked = self.booked_reader(command.community_id, channel, command.day, transaction_ids)
            refunds = self.refunds_reader(command.community_id, channel, command.day, refund_ids)
        except TimeoutError as error:
            raise Conflict(str(error)) from None
        payments = [line for line in lines if not line.refund_of]
        orders = self._units_of_orders(command.community_id, payments, booked)
        items = reconcile(command.day, lines, booked, orders, refunds)
        reconciliation = Reconciliation.record(
            community_id=command.community_id,
            channel=channel,
            day=command.day,
            file_format=file_format,
            digest=digest,
            skipped_rows=skipped,
            items=items,
        )
        return self.retrying(
            meta, lambda: self._new(known, reconciliation), what="the reconciliation"
        )

    def _new(self, known: UUID, reconciliation: Reconciliation) -> Changed | Done:
        # A twin import of the same file that won the race: its answer is this one's.
        if fee_aggregate(self, Reconciliation, known, copy=False) is not None:
            return Done(known, 0)
        return Changed((reconciliation,))

    def _units_of_orders(
        self, community_id: UUID, lines: Sequence[StatementRow], booked: Sequence[BookedPayment]
    ) -> dict[str, UUID]:
        """The unit of each order number on the statement that is an order of this
        community and whose payment is not booked (to book it on)."""
        taken = {b.transaction_id for b in booked}
        units: dict[str, UUID] = {}
        for line in lines:
            if line.transaction_id in taken or not line.order_no:
                continue
            order = self._order(community_id, line.order_no)
            if order is not None:
                units[line.order_no] = order.unit_id
        return units

    def _order(self, community_id: UUID, order_no: str) -> OnlinePaymentOrder | None:
        try:
            order_id = UUID(hex=order_no)
        except ValueError:
            return None
        order = fee_aggregate(self, OnlinePaymentOrder, order_id, copy=False)
        return order if order is not None and order.community_id == community_id else None

    @handles(ResolveReconciliationItem)
    def resolve_reconciliation_item(self, meta: Meta, command: ResolveReconciliationItem) -> Done:
        """The ordinary command that resolves the item, then the item marked resolved by
        what it recorded. Checked first, so an item resolved already books nothing."""
        reconciliation = read_only(
            self, Reconciliation, command.reconciliation_id, "reconciliationId"
        )
        if reconciliation.community_id != command.community_id:
            raise UnknownPart("reconciliationId", "not a reconciliation of this community")
        action = ResolveAction(command.action)
        resolution = RESOLUTION_OF[action]
        item = reconciliation.check_resolvable(command.item, resolution)
        if resolution is Resolution.BOOKED and item.refund != (action is ResolveAction.BOOK_REFUND):
            wanted = ResolveAction.BOOK_REFUND if item.refund else ResolveAction.BOOK_PAYMENT
            what = "a refund" if item.refund else "a payment"
            raise RuleViolated("action", f"item {item.seq} is {what}: book it by {wanted.value}")
        channel = PaymentChannel(reconciliation.channel)
        if resolution is Resolution.BOOKED and item.refund:
            reference = self._book_refund(meta, reconciliation, item, channel)
        elif resolution is Resolution.BOOKED:
            reference = self._book_resolution(meta, reconciliation, item, channel, command.unit_id)
        elif resolution is Resolution.REVERSED:
            reference = self._reverse(meta, reconciliation, item, channel)
        else:
            reference = "NOTE"
        return self.change(
            meta,
            Reconciliation,
            reconciliation.id,
            lambda r: r.resolve(command.item, resolution, reference),
            field="reconciliationId",
        )

    def _book_resolution(
        self,
        meta: Meta,
        reconciliation: Reconciliation,
        item: Item,
        channel: PaymentChannel,
        unit: UUID | None,
    ) -> str:
        """收款 of what the statement has and the platform does not: the whole payment, or
        the part of it the booking lacks (under the transaction id marked 补差)."""
        if item.kind is ItemKind.AMOUNT_DIFFERS:
            unit_id, amount = UUID(item.unit_id), item.difference_fen
            transaction_id = f"{item.transaction_id}/补差"
        else:
            known = UUID(item.unit_id) if item.unit_id else None
            if unit is not None and known is not None and unit != known:
                raise InvalidValue("unitId", "the order number names another unit's order")
            found = unit or known
            if found is None:
                raise InvalidValue(
                    "unitId", "name the unit that paid: the order number is not one of ours"
                )
            unit_id, amount, transaction_id = found, item.statement_fen or 0, item.transaction_id
        paid_on = datetime.fromisoformat(item.paid_at).date() if item.paid_at else None
        done = self.execute(
            meta,
            RecordPayment(
                community_id=reconciliation.community_id,
                unit_id=unit_id,
                channel=channel,
                transaction_id=transaction_id,
                amount_fen=amount,
                received_on=min(paid_on or reconciliation.day, business_today()),
            ),
        )
        if item.kind is ItemKind.MISSING_IN_PLATFORM and item.order_no:
            self._settle_order(meta, reconciliation, item, done.id)
        return str(done.id)

    def _settle_order(
        self, meta: Meta, reconciliation: Reconciliation, item: Item, payment_id: UUID
    ) -> None:
        """The order the statement names is paid by the payment booked for it (as the
        notification that never came would have marked it)."""
        order = self._order(reconciliation.community_id, item.order_no)
        if order is None:
            return
        notice = f"reconciliation:{reconciliation.id}:{item.seq}"
        paid_at = datetime.fromisoformat(item.paid_at)

        def attempt() -> Changed | Done:
            fresh = self.load(OnlinePaymentOrder, order.id, "orderId")
            fresh.settle(payment_id, item.transaction_id, notice, paid_at)
            return Changed((fresh,)) if fresh.pending_events else Done(order.id, 0)

        with suppress(RuleViolated):  # paid already by another payment: staff refund one
            self.retrying(meta, attempt, what="the payment order")

    def _reverse(
        self, meta: Meta, reconciliation: Reconciliation, item: Item, channel: PaymentChannel
    ) -> str:
        """退款 of a booking the channel does not have, or of its excess over the statement;
        idempotent on the item (its command id), should the marking fail after it."""
        amount = (item.booked_fen or 0) - (item.statement_fen or 0)
        done = self.execute(
            meta,
            RefundPayment(
                community_id=reconciliation.community_id,
                unit_id=UUID(item.unit_id),
                amount_fen=amount,
                channel=channel,
                reference=f"{REVERSAL_REFERENCE} {reconciliation.id.hex[:12]}-{item.seq}",
                payment_id=UUID(item.payment_id),
                command_id=f"reconciliation:{reconciliation.id}:{item.seq}",
            ),
        )
        return str(done.part_id or done.id)

    def _book_refund(
        self, meta: Meta, reconciliation: Reconciliation, item: Item, channel: PaymentChannel
    ) -> str:
        """退款 the channel made and the platform did not book: of the payment the statement
        names, under the channel's refund id; idempotent on the item (its command id)."""
        done = self.execute(
            meta,
            RefundPayment(
                community_id=reconciliation.community_id,
                unit_id=UUID(item.unit_id),
                amount_fen=item.statement_fen or 0,
                channel=channel,
                reference=item.transaction_id,
                payment_id=UUID(item.payment_id),
                command_id=f"reconciliation:{reconciliation.id}:{item.seq}",
            ),
        )
        return str(done.part_id or done.id)
