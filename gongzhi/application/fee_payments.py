"""缴费 payments, refunds, write-offs and late-fee waivers on a unit's fee account."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from gongzhi.application.base import Changed, Conflict, Done, GongzhiBase, Meta, business_today
from gongzhi.application.billing import bills_of, unit_facts
from gongzhi.application.commands import Command, handles
from gongzhi.application.contracts import contracts_of
from gongzhi.application.estate import estate_read, vacancy_of
from gongzhi.application.fee_schedules import (
    fee_aggregate,
    fee_schedule,
    read_only,
    unit_account,
)
from gongzhi.application.fields import CommunityId, Doc, Fen, Kind, Name, Ref, Text, UnitId
from gongzhi.application.receipts import CommandId
from gongzhi.domain.bill import Bill
from gongzhi.domain.billing import fees_due
from gongzhi.domain.community import Community, Unit
from gongzhi.domain.company import PropertyCompany
from gongzhi.domain.errors import InvalidValue, UnknownPart
from gongzhi.domain.fee_account import FeeAccount
from gongzhi.domain.fee_rules import ONE_DAY, LateFeePolicy, add_months, received_on_checked
from gongzhi.domain.fee_schedule import FeeSchedule
from gongzhi.domain.payment import Payment, PaymentChannel, payment_id, unscoped_payment_id
from gongzhi.domain.receipt_book import ReceiptBook, receipt_book_id, receiver_code
from gongzhi.domain.values import enum_value, required_text

PREPAY_MONTHS = 12
# Payments of one company taken at the same time queue on its receipt book (see receipt_book.py):
# in one process behind a lock of the receiver, then across processes behind the book's
# advisory lock in PostgreSQL (``exclusively``), held from loading the book to saving it. A
# race lost in the store costs a whole attempt (4 threads racing without queueing lost 12 of
# 160 payments after 8 attempts each); queued, none is lost, and the attempts left are for
# a store without advisory locks and for the other aggregates of a payment (its unit's account).
RECEIPT_ATTEMPTS = 8
_RECEIPT_BOOK_LOCKS = tuple(threading.Lock() for _ in range(64))


def _receipt_book_lock(receiver: UUID) -> threading.Lock:
    return _RECEIPT_BOOK_LOCKS[receiver.int % len(_RECEIPT_BOOK_LOCKS)]


BillId = Annotated[UUID, Ref(Kind.BILL)]


@dataclass(frozen=True)
class RecordPayment(Command):
    """收款: record a payment of a unit through a channel (a repeated transaction id is
    answered with the original payment)"""

    community_id: CommunityId
    unit_id: UnitId
    channel: PaymentChannel
    amount_fen: Fen
    transaction_id: (
        Annotated[
            str,
            Text(64, min_length=1),
            Doc(
                "The channel's id: unique per channel; leave it out for CASH and the receipt "
                "number (收据编号) is the payment's reference"
            ),
        ]
        | None
    ) = None
    received_on: Annotated[date, Doc("Today")] | None = None
    late_fee_bill_id: (
        Annotated[
            UUID,
            Ref(Kind.BILL),
            Doc("滞纳金: the payment is of this bill's late fee, not of the unit's bills"),
        ]
        | None
    ) = None


@dataclass(frozen=True)
class RefundPayment(Command):
    """退款 of a payment, or (no paymentId) of unused prepaid credit"""

    community_id: CommunityId
    unit_id: UnitId
    amount_fen: Fen
    channel: Annotated[PaymentChannel, Doc("How the money goes back")]
    reference: Annotated[
        str, Text(64, min_length=1), Doc("The channel's id of the refund (退款凭证号)")
    ]
    payment_id: Annotated[UUID, Ref(Kind.PAYMENT)] | None = None
    command_id: CommandId | None = None


@dataclass(frozen=True)
class WriteOffBill(Command):
    """核销 part or all of a bill, approved by someone other than you"""

    bill_id: BillId
    amount_fen: Fen
    approved_by: Annotated[Name, Doc("Name of the approver")]
    command_id: CommandId | None = None


@dataclass(frozen=True)
class WaiveLateFee(Command):
    """减免滞纳金 of a bill: all accrued, or `amountFen` of it"""

    bill_id: BillId
    amount_fen: Fen | None = None
    command_id: CommandId | None = None


@dataclass(frozen=True)
class PrintReceipt(Command):
    """打印收据 of a payment: the first print is the original, every later one a 补打"""

    payment_id: Annotated[UUID, Ref(Kind.PAYMENT)]


@dataclass(frozen=True)
class ReceiptCopy(Done):
    """A printed copy of a receipt: ``copy`` 1 is the original."""

    copy: int = 1


@dataclass(frozen=True)
class PaymentDone(Done):
    """A recorded payment; ``duplicate`` when the transaction id was known already and the
    answer is the original payment."""

    duplicate: bool = False


class FeePaymentService(GongzhiBase):
    @handles(RecordPayment)
    def record_payment(self, meta: Meta, command: RecordPayment) -> PaymentDone:
        """收款: oldest open bill first, the rest prepaid; a repeated transaction id (a
        retry, even a concurrent one) is answered with the original payment. With
        ``late_fee_bill_id`` the payment is of that bill's late fee (滞纳金) instead."""
        community_id, unit_id = command.community_id, command.unit_id
        channel = PaymentChannel(command.channel).value
        transaction_id, amount_fen = command.transaction_id, command.amount_fen
        received_on, late_fee_bill_id = command.received_on, command.late_fee_bill_id
        community, unit = self._unit(community_id, unit_id)
        today = business_today()
        on = received_on_checked("receivedOn", received_on or today, today, community.registered_on)
        late_fee_bill = self._late_fee_bill(unit_id, late_fee_bill_id)
        kind = enum_value("channel", PaymentChannel, channel)
        reference = (transaction_id or "").strip()
        if not reference and kind != PaymentChannel.CASH.value:
            raise InvalidValue("transactionId", f"is required for {kind} payments")
        # Transaction ids are unique per channel of one receiver only: two companies' cash
        # receipt "0001" are two payments, and neither learns of the other.
        receiver = community.serving_company(on) or community_id

        year = business_today().year  # 收据 are numbered in the year they are made

        def attempt() -> Changed | PaymentDone:
            book = self._receipt_book(receiver, year)
            # Cash without a reference of its own is known by its receipt number: nothing to
            # look up, a new payment every time.
            known = reference or book.next_number()
            key = payment_id(receiver, kind, known)
            # A concurrent payment lost to makes the next attempt see it (or its twin).
            original = fee_aggregate(self, Payment, key) if reference else None
            if reference and not isinstance(original, Payment):
                original = self._unscoped_payment(kind, reference, community_id)
            if isinstance(original, Payment):
                if (original.unit_id, original.amount_fen) != (unit_id, amount_fen):
                    raise Conflict(
                        f"transaction {transaction_id} on {channel} was recorded already for "
                        "another unit or amount"
                    )
                return PaymentDone(original.id, 0, duplicate=True)
            payment = Payment.receive(
                receiver=receiver,
                channel=channel,
                transaction_id=known,
                community_id=community_id,
                unit_id=unit_id,
                amount_fen=amount_fen,
                received_on=on,
                receipt_number=book.issue(key),
            )
            schedule = fee_schedule(self, community_id)
            account = self._account(community_id, unit_id)
            changed: list[Any] = [payment, account, book]
            if late_fee_bill is not None:
                assert schedule is not None  # a bill exists only after its community was billed
                account.pay_late_fee(
                    bill=late_fee_bill.facts,
                    policy=schedule.terms.late,
                    payment_id=payment.id,
                    channel=payment.channel,
                    transaction_id=payment.transaction_id,
                    amount_fen=payment.amount_fen,
                    received_on=on,
                )
            else:
                account.receive(
                    payment_id=payment.id,
                    channel=payment.channel,
                    transaction_id=payment.transaction_id,
                    amount_fen=payment.amount_fen,
                    received_on=on,
                    bills=bills_of(self, schedule, unit_id),
                    policy=schedule.terms.late if schedule is not None else LateFeePolicy(),
                    credit_limit_fen=self._credit_limit(schedule, community, unit, on),
                )
                if schedule is not None:
                    schedule.note_prepayment(unit_id, account.credit_fen > 0)
                    changed.append(schedule)
            return Changed(changed)

        # The receipt book is shared by all the receiver's payments: more payments recorded
        # at once lose to each other on it than on one unit's account.
        with _receipt_book_lock(receiver), self.exclusively(receipt_book_id(receiver, year)):
            done = self.retrying(meta, attempt, what="the receipt book", attempts=RECEIPT_ATTEMPTS)
        return done if isinstance(done, PaymentDone) else PaymentDone(done.id, done.position)

    @handles(PrintReceipt)
    def print_receipt(self, meta: Meta, command: PrintReceipt) -> ReceiptCopy:
        """Record one printed copy (who printed it and when are the event's metadata)."""
        copies: list[int] = []
        done = self.change(
            meta,
            Payment,
            command.payment_id,
            lambda p: copies.append(p.print_receipt()),
            field="paymentId",
        )
        return ReceiptCopy(done.id, done.position, copy=copies[-1])

    @handles(RefundPayment)
    def refund_payment(self, meta: Meta, command: RefundPayment, *, on: date | None = None) -> Done:
        """退款 of a payment, or (no payment named) of unused prepaid credit."""
        community_id, unit_id = command.community_id, command.unit_id
        payment_id, amount_fen = command.payment_id, command.amount_fen
        channel = PaymentChannel(command.channel).value
        reference = required_text("reference", command.reference, max_length=64)
        self._unit(community_id, unit_id)
        day = on or business_today()
        return self._on_account(
            meta,
            community_id,
            unit_id,
            lambda a: a.refund(payment_id, amount_fen, day, channel, reference),
        )

    @handles(WriteOffBill)
    def write_off_bill(self, meta: Meta, command: WriteOffBill) -> Done:
        """核销 part or all of a bill, approved by someone other than the recorder."""
        amount_fen, approved_by = command.amount_fen, command.approved_by
        bill = self._bill(command.bill_id)
        today = business_today()
        return self._on_account(
            meta,
            bill.community_id,
            bill.unit_id,
            lambda a: a.write_off(bill.facts, amount_fen, approved_by, meta.actor, today),
        )

    @handles(WaiveLateFee)
    def waive_late_fee(self, meta: Meta, command: WaiveLateFee) -> Done:
        """减免滞纳金 of a bill: all of it accrued so far, or part."""
        amount_fen = command.amount_fen
        bill = self._bill(command.bill_id)
        schedule = fee_schedule(self, bill.community_id)
        assert schedule is not None  # a bill exists only after its community was billed
        today = business_today()
        return self._on_account(
            meta,
            bill.community_id,
            bill.unit_id,
            lambda a: a.waive_late_fee(bill.facts, amount_fen, schedule.terms.late, today),
        )

    def _unscoped_payment(self, channel: str, reference: str, community_id: UUID) -> Payment | None:
        """A payment recorded before ids were scoped to the receiver, if it is this
        community's: a retry of it is answered with it; another community's is not ours to
        reveal (nor to collide with: the new one gets a scoped id)."""
        earlier = fee_aggregate(self, Payment, unscoped_payment_id(channel, reference))
        if isinstance(earlier, Payment) and earlier.community_id == community_id:
            return earlier
        return None

    def _receipt_book(self, receiver: UUID, year: int) -> ReceiptBook:
        """The receiver's book of ``year`` (the year the receipt is made, whatever day the
        money was received on)."""
        book = fee_aggregate(self, ReceiptBook, receipt_book_id(receiver, year))
        if isinstance(book, ReceiptBook):
            return book
        company = fee_aggregate(self, PropertyCompany, receiver, copy=False)
        credit_code = company.credit_code if isinstance(company, PropertyCompany) else None
        return ReceiptBook.open(receiver, year, receiver_code(credit_code, receiver))

    def bill_community(self, bill_id: UUID) -> UUID:
        return self._bill(bill_id).community_id

    def _late_fee_bill(self, unit_id: UUID, bill_id: UUID | None) -> Bill | None:
        if bill_id is None:
            return None
        bill = read_only(self, Bill, bill_id, "lateFeeBillId")
        if bill.unit_id != unit_id:
            raise UnknownPart("lateFeeBillId", "this bill is not one of the unit's bills")
        return bill

    def _bill(self, bill_id: UUID) -> Bill:
        return read_only(self, Bill, bill_id, "billId")

    def _unit(self, community_id: UUID, unit_id: UUID) -> tuple[Community, Unit]:
        community = read_only(self, Community, community_id, "communityId")
        unit = community.unit_index.get(unit_id)
        if unit is None:
            raise UnknownPart("unitId", "no such unit in this community")
        return community, unit

    def _account(self, community_id: UUID, unit_id: UUID) -> FeeAccount:
        return unit_account(self, community_id, unit_id)

    def _on_account(
        self, meta: Meta, community_id: UUID, unit_id: UUID, command: Callable[[FeeAccount], Any]
    ) -> Done:

        def attempt() -> Changed:
            account = self._account(community_id, unit_id)
            result = command(account)
            return Changed((account,), result if isinstance(result, UUID) else None)

        return self.retrying(meta, attempt, what="the unit's fee account")

    def _credit_limit(
        self, schedule: FeeSchedule | None, community: Community, unit: Unit, on: date
    ) -> int:
        """预交上限: the fees due as filed (price changes included) for 12 months from the
        first day not billed yet (today before the first run), never past the end of the
        community's service contract."""
        if schedule is None:
            return 0
        # Paid ahead = for days not billed yet: from the day after the last billed period.
        start = max(p.end for p in schedule.billed) + ONE_DAY if schedule.billed else on
        end = add_months(start, PREPAY_MONTHS) - ONE_DAY
        contract_end = self._contract_end(community.id, start)
        if contract_end is not None:
            end = min(end, contract_end)
        vacancy = estate_read(
            self, community.id, "communityId", lambda _, e: vacancy_of(e.holding(unit.id))
        )
        return fees_due(schedule, community.modes, unit_facts(unit, vacancy), start, end)

    def _contract_end(self, community_id: UUID, start: date) -> date | None:
        """The last day the community's current contract binds; None when it has no end
        (no contract, or running on indefinitely)."""
        chain = contracts_of(self, community_id)
        if not chain:
            return None
        latest = chain[-1]
        if latest.notice is not None:
            return latest.notice.effective_on - ONE_DAY
        if latest.term_end is not None and latest.term_end >= start:
            return latest.term_end
        return None
