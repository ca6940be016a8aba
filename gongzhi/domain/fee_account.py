"""物业费台账 one unit's fee ledger: payments and how they were allocated, prepaid credit
(预交), refunds, write-offs (核销), late fees paid (滞纳金) and waived (滞纳金减免).

Bills are separate aggregates (``Bill``); the account holds what was paid against each, so
the concurrent payments of one unit are serialised by the account's version. Commands get
the unit's bills as ``BillFacts`` and allocate to the oldest open bill first.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.bill import BillFacts
from gongzhi.domain.errors import InvalidValue, RuleViolated, UnknownPart
from gongzhi.domain.fee_rules import (
    LateFeePolicy,
    OpenBill,
    allocate,
    apply_payment,
    late_fee,
)
from gongzhi.domain.money import fen_amount
from gongzhi.domain.values import required_text

ACCOUNT_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongzhi.example/fee-account")


class LedgerKind(enum.Enum):
    """A money movement on a unit's account, as its ledger (台账) shows it."""

    PAYMENT = "PAYMENT"  # 缴费
    ALLOCATION = "ALLOCATION"  # a payment's part that pays a bill
    CREDIT_APPLIED = "CREDIT_APPLIED"  # prepaid credit that pays a bill
    REFUND = "REFUND"
    REVERSAL = "REVERSAL"  # a refunded allocation
    WRITE_OFF = "WRITE_OFF"
    LATE_FEE_WAIVED = "LATE_FEE_WAIVED"
    LATE_FEE_PAID = "LATE_FEE_PAID"  # after its PAYMENT
    LATE_FEE_REFUNDED = "LATE_FEE_REFUNDED"
    # 调账: a bill charged too much (a billed meter reading corrected), credited to the
    # account; the credit then pays the open bills as prepaid credit does
    ADJUSTMENT = "ADJUSTMENT"


def account_id(unit_id: UUID) -> UUID:
    return uuid5(ACCOUNT_NAMESPACE, str(unit_id))


@dataclass
class PaymentRecord:
    amount_fen: int
    allocations: list[tuple[UUID, int]]
    refunded_fen: int = 0
    late_fee_bill: UUID | None = None  # a payment of this bill's late fee, not of bills
    late_fees: list[tuple[UUID, int]] = field(default_factory=list)  # paid after the bills


@dataclass
class BillState:
    paid_fen: int = 0
    written_off_fen: int = 0
    waived_fen: int = 0
    late_paid_fen: int = 0
    reductions: list[tuple[date, int]] = field(default_factory=list)  # for late fees


def _parts(allocations: Sequence[tuple[UUID, int]]) -> list[dict[str, Any]]:
    return [{"bill_id": str(bill), "fen": fen} for bill, fen in allocations]


@dataclass(frozen=True)
class Owed:
    """Bills as a unit's statement shows them on a day: each with its outstanding amount and
    the late fee still owed, and the unit's unused prepaid credit."""

    bills: tuple[tuple[BillFacts, int, int], ...]  # (bill, outstanding, late fee owed)
    credit_fen: int

    @property
    def balance_fen(self) -> int:
        """Outstanding amounts and late fees owed, less unused prepaid credit (negative: in
        credit). The one rule of the statement's balance (``graphql/fees/statement.py``
        reads the same figures from the views), an online payment's amount and a 催缴's."""
        return sum(fen + late for _, fen, late in self.bills) - self.credit_fen

    @property
    def late_fee_fen(self) -> int:
        return sum(late for _, _, late in self.bills)

    @property
    def owing(self) -> list[BillFacts]:
        """The bills that still ask for something (principal or late fee)."""
        return [bill for bill, fen, late in self.bills if fen + late > 0]


class FeeAccount(Aggregate):
    """物业费台账 of one unit."""

    class Opened(Aggregate.Created):
        community_id: UUID
        unit_id: UUID

    class PaymentReceived(Aggregate.Event):
        payment_id: UUID
        channel: str
        transaction_id: str
        amount_fen: int
        received_on: date
        allocations: list[dict[str, Any]]
        credit_fen: int  # the part kept as prepaid credit
        # The part paid towards the bills' late fees, after the bills (None before issue 15).
        late_fees: list[dict[str, Any]] | None = None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, FeeAccount)
            parts = [(UUID(p["bill_id"]), p["fen"]) for p in self.allocations]
            late = [(UUID(p["bill_id"]), p["fen"]) for p in self.late_fees or ()]
            aggregate.payments[self.payment_id] = PaymentRecord(
                self.amount_fen, parts, late_fees=late
            )
            aggregate._settle(parts, self.received_on, 1)
            for bill_id, fen in late:
                aggregate.bill(bill_id).late_paid_fen += fen
            aggregate.credit_fen += self.credit_fen

    class CreditApplied(Aggregate.Event):
        """Prepaid credit allocated to bills issued since it was paid."""

        on: date
        allocations: list[dict[str, Any]]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, FeeAccount)
            parts = [(UUID(p["bill_id"]), p["fen"]) for p in self.allocations]
            aggregate._settle(parts, self.on, 1)
            aggregate.credit_fen -= sum(fen for _, fen in parts)

    class Refunded(Aggregate.Event):
        refund_id: UUID
        payment_id: UUID | None
        amount_fen: int
        from_credit_fen: int
        reversals: list[dict[str, Any]]  # allocations undone: the bills are open again
        on: date
        channel: str = ""  # how the money went back, and the channel's reference (issue 15)
        reference: str = ""
        # Late fees the payment had paid, given back (issue 15: a payment pays late fees too).
        late_fee_reversals: list[dict[str, Any]] | None = None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, FeeAccount)
            parts = [(UUID(p["bill_id"]), p["fen"]) for p in self.reversals]
            aggregate._settle(parts, self.on, -1)
            for part in self.late_fee_reversals or ():
                aggregate.bill(UUID(part["bill_id"])).late_paid_fen -= part["fen"]
            aggregate.credit_fen -= self.from_credit_fen
            if self.payment_id is not None:
                aggregate.payments[self.payment_id].refunded_fen += self.amount_fen

    class Adjusted(Aggregate.Event):
        """调账: ``amount_fen`` a bill charged too much, credited to the account."""

        bill_id: UUID
        amount_fen: int
        on: date
        reference: str  # what the bill charged too much for (the corrected line)

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, FeeAccount)
            aggregate.credit_fen += self.amount_fen

    class WrittenOff(Aggregate.Event):
        """核销: an amount of a bill given up, with the approver's name."""

        bill_id: UUID
        amount_fen: int
        approved_by: str
        on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, FeeAccount)
            state = aggregate.bill(self.bill_id)
            state.written_off_fen += self.amount_fen
            state.reductions.append((self.on, self.amount_fen))

    class LateFeeWaived(Aggregate.Event):
        bill_id: UUID
        amount_fen: int
        on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, FeeAccount)
            aggregate.bill(self.bill_id).waived_fen += self.amount_fen

    class LateFeePaid(Aggregate.Event):
        """A payment of one bill's late fee: it never counts as paying the bill itself, so
        the collection rates stay rates of the fees billed."""

        payment_id: UUID
        channel: str
        transaction_id: str
        bill_id: UUID
        amount_fen: int
        received_on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, FeeAccount)
            aggregate.bill(self.bill_id).late_paid_fen += self.amount_fen
            aggregate.payments[self.payment_id] = PaymentRecord(
                self.amount_fen, [], late_fee_bill=self.bill_id
            )

    class LateFeeRefunded(Aggregate.Event):
        """Part or all of a late-fee payment given back (a court cut the penalty, say)."""

        refund_id: UUID
        payment_id: UUID
        bill_id: UUID
        amount_fen: int
        on: date
        channel: str = ""  # as on Refunded
        reference: str = ""

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, FeeAccount)
            aggregate.bill(self.bill_id).late_paid_fen -= self.amount_fen
            aggregate.payments[self.payment_id].refunded_fen += self.amount_fen

    def __init__(self, community_id: UUID, unit_id: UUID) -> None:
        self.community_id = community_id
        self.unit_id = unit_id
        self.bills: dict[UUID, BillState] = {}
        self.payments: dict[UUID, PaymentRecord] = {}
        self.credit_fen = 0

    @classmethod
    def open(cls, community_id: UUID, unit_id: UUID) -> FeeAccount:
        return cls._create(
            cls.Opened, id=account_id(unit_id), community_id=community_id, unit_id=unit_id
        )

    def bill(self, bill_id: UUID) -> BillState:
        return self.bills.setdefault(bill_id, BillState())

    def outstanding(self, bill: BillFacts) -> int:
        state = self.bills.get(bill.id)
        if state is None:
            return bill.amount_fen
        return bill.amount_fen - state.paid_fen - state.written_off_fen

    def open_bills(self, bills: Sequence[BillFacts]) -> list[OpenBill]:
        return [OpenBill(b.id, b.key, owed) for b in bills if (owed := self.outstanding(b)) > 0]

    def apply_credit(self, bills: Sequence[BillFacts], on: date) -> int:
        """Allocate prepaid credit to open bills, oldest first; returns the fen applied."""
        if self.credit_fen == 0:
            return 0
        parts, _ = allocate(self.credit_fen, self.open_bills(bills))
        if parts:
            self.trigger_event(self.CreditApplied, on=on, allocations=_parts(parts))
        return sum(fen for _, fen in parts)

    def receive(
        self,
        *,
        payment_id: UUID,
        channel: str,
        transaction_id: str,
        amount_fen: int,
        received_on: date,
        bills: Sequence[BillFacts],
        policy: LateFeePolicy,
        credit_limit_fen: int,
    ) -> None:
        """收款 in the documented order (``fee_rules``: the open bills oldest first, then
        their late fees owed on the day received, unless the terms set another order); the
        rest is prepaid credit, at most
        ``credit_limit_fen`` in all (12 months' fees, never past the contract's end)."""
        amount = fen_amount("amountFen", amount_fen)
        self.apply_credit(bills, received_on)
        # Paying on the day does not change the day's late fee (fee_rules.late_fee), so
        # what is owed is the same before and after the bills' part is settled.
        owed = [
            (OpenBill(b.id, b.key, self.outstanding(b)), self.late_fee_owed(b, policy, received_on))
            for b in bills
        ]
        parts, late_parts, left = apply_payment(amount, owed, policy.payment_order)
        if left and self.credit_fen + left > credit_limit_fen:
            raise RuleViolated(
                "amountFen",
                f"{left} fen would be prepaid, {self.credit_fen + left} fen of credit in all; "
                f"at most {credit_limit_fen} fen may be paid ahead (12 months' fees, and "
                "never past the end of the service contract)",
            )
        self.trigger_event(
            self.PaymentReceived,
            payment_id=payment_id,
            channel=channel,
            transaction_id=transaction_id,
            amount_fen=amount,
            received_on=received_on,
            allocations=_parts(parts),
            credit_fen=left,
            late_fees=_parts(late_parts),
        )

    def refund(
        self,
        payment_id: UUID | None,
        amount_fen: int,
        on: date,
        channel: str = "",
        reference: str = "",
    ) -> UUID:
        """退款 of unused credit (no payment named) or of a payment, undoing it in the reverse
        of the order it was applied: credit first, then the late fees it paid, then its
        allocations, newest bill first (those are owed again). ``channel``
        and ``reference`` say how the money went back (the channel's transaction id)."""
        amount = fen_amount("amountFen", amount_fen)
        paid_back = {"channel": channel, "reference": reference}
        if payment_id is None:
            if amount > self.credit_fen:
                raise RuleViolated(
                    "amountFen", f"only {self.credit_fen} fen of prepaid credit is unused"
                )
            return self._refunded(None, amount, amount, [], [], on, paid_back)
        payment = self.payments.get(payment_id)
        if payment is None:
            raise UnknownPart("paymentId", "no such payment on this unit's account")
        refundable = payment.amount_fen - payment.refunded_fen
        if amount > refundable:
            raise RuleViolated("amountFen", f"only {refundable} fen of this payment is refundable")
        if payment.late_fee_bill is not None:
            refund_id = uuid4()
            self.trigger_event(
                self.LateFeeRefunded,
                refund_id=refund_id,
                payment_id=payment_id,
                bill_id=payment.late_fee_bill,
                amount_fen=amount,
                on=on,
                **paid_back,
            )
            return refund_id
        from_credit = min(self.credit_fen, amount)
        left = amount - from_credit
        late_reversals: list[tuple[UUID, int]] = []
        for bill_id, fen in reversed(payment.late_fees):
            if left == 0:
                break
            take = min(left, fen, self.bill(bill_id).late_paid_fen)
            if take:
                late_reversals.append((bill_id, take))
                left -= take
        reversals: list[tuple[UUID, int]] = []
        for bill_id, fen in reversed(payment.allocations):
            if left == 0:
                break
            take = min(left, fen, self.bill(bill_id).paid_fen)
            if take:
                reversals.append((bill_id, take))
                left -= take
        if left:
            raise RuleViolated("amountFen", "more than what is left of this payment to undo")
        return self._refunded(
            payment_id, amount, from_credit, reversals, late_reversals, on, paid_back
        )

    def _refunded(
        self,
        payment_id: UUID | None,
        amount: int,
        from_credit: int,
        reversals: list[tuple[UUID, int]],
        late_reversals: list[tuple[UUID, int]],
        on: date,
        paid_back: dict[str, str],
    ) -> UUID:
        refund_id = uuid4()
        self.trigger_event(
            self.Refunded,
            refund_id=refund_id,
            payment_id=payment_id,
            amount_fen=amount,
            from_credit_fen=from_credit,
            reversals=_parts(reversals),
            late_fee_reversals=_parts(late_reversals),
            on=on,
            **paid_back,
        )
        return refund_id

    def adjust(
        self, bill: BillFacts, amount_fen: int, on: date, reference: str, bills: Sequence[BillFacts]
    ) -> None:
        """调账: credit what ``bill`` charged too much, then apply the credit to the open bills,
        oldest first, as prepaid credit is."""
        amount = fen_amount("amountFen", amount_fen)
        self.trigger_event(
            self.Adjusted, bill_id=bill.id, amount_fen=amount, on=on, reference=reference
        )
        self.apply_credit(bills, on)

    def write_off(
        self, bill: BillFacts, amount_fen: int, approved_by: str, actor: str, on: date
    ) -> None:
        """核销: needs an approver other than the one recording it."""
        approver = required_text("approvedBy", approved_by, max_length=60)
        if approver == actor:
            raise RuleViolated("approvedBy", "a write-off is approved by someone else")
        amount = fen_amount("amountFen", amount_fen)
        owed = self.outstanding(bill)
        if amount > owed:
            raise RuleViolated("amountFen", f"only {owed} fen of this bill is outstanding")
        self.trigger_event(
            self.WrittenOff, bill_id=bill.id, amount_fen=amount, approved_by=approver, on=on
        )

    def late_fee(self, bill: BillFacts, policy: LateFeePolicy, as_of: date) -> int:
        """The late fee accrued on ``as_of``, before waivers."""
        state = self.bills.get(bill.id, BillState())
        return late_fee(bill.amount_fen, bill.due_on, policy, state.reductions, as_of)

    def late_fee_owed(self, bill: BillFacts, policy: LateFeePolicy, as_of: date) -> int:
        """The late fee still owed on ``as_of``: accrued, less what was waived and paid."""
        state = self.bills.get(bill.id, BillState())
        return self.late_fee(bill, policy, as_of) - state.waived_fen - state.late_paid_fen

    def owed(self, bills: Sequence[BillFacts], policy: LateFeePolicy, as_of: date) -> Owed:
        """What ``bills`` ask for on ``as_of``, each bill's late fee worked out once."""
        return Owed(
            tuple((b, self.outstanding(b), self.late_fee_owed(b, policy, as_of)) for b in bills),
            self.credit_fen,
        )

    def balance(self, bills: Sequence[BillFacts], policy: LateFeePolicy, as_of: date) -> int:
        """What the statement shows as owed over ``bills`` on ``as_of`` (``Owed.balance_fen``)."""
        return self.owed(bills, policy, as_of).balance_fen

    def waive_late_fee(
        self, bill: BillFacts, amount_fen: int | None, policy: LateFeePolicy, on: date
    ) -> int:
        """减免滞纳金: all that is owed (no amount) or part of it."""
        amount = self._late_fee_part(bill, amount_fen, policy, on)
        self.trigger_event(self.LateFeeWaived, bill_id=bill.id, amount_fen=amount, on=on)
        return amount

    def pay_late_fee(
        self,
        *,
        bill: BillFacts,
        policy: LateFeePolicy,
        payment_id: UUID,
        channel: str,
        transaction_id: str,
        amount_fen: int,
        received_on: date,
    ) -> None:
        """缴纳滞纳金: at most what is owed of the bill's late fee on the day received."""
        amount = self._late_fee_part(bill, amount_fen, policy, received_on)
        self.trigger_event(
            self.LateFeePaid,
            payment_id=payment_id,
            channel=channel,
            transaction_id=transaction_id,
            bill_id=bill.id,
            amount_fen=amount,
            received_on=received_on,
        )

    def _late_fee_part(
        self, bill: BillFacts, amount_fen: int | None, policy: LateFeePolicy, on: date
    ) -> int:
        owed = self.late_fee_owed(bill, policy, on)
        if owed <= 0:
            raise RuleViolated("billId", "no late fee is owed on this bill")
        amount = owed if amount_fen is None else fen_amount("amountFen", amount_fen)
        if amount > owed:
            raise InvalidValue("amountFen", f"only {owed} fen of late fee is owed")
        return amount

    def _settle(self, parts: Sequence[tuple[UUID, int]], on: date, sign: int) -> None:
        for bill_id, fen in parts:
            state = self.bill(bill_id)
            state.paid_fen += sign * fen
            state.reductions.append((on, sign * fen))
