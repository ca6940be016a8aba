"""物业费 rules as pure functions: billing periods, proration by days, allocation of payments,
滞纳金 late fees.

The order in which a payment is applied (documented in the README): by default the unit's
open bills, oldest first (先缴旧欠), then the late fees owed on them on the day received,
oldest bill first (``PaymentOrder.BILLS_FIRST``); or, when the service contract says so,
each bill with its late fee before the next bill (``PaymentOrder.BILL_BY_BILL``). What is left
is prepaid credit (预交). Either way, paying the balance a statement shows for a day clears
everything it shows.

Amounts are exact until the last step: a charge is a ``Fraction`` of fen, rounded once to a
whole fen, half up (``round_fen``), so the same inputs always give the same fen.
"""

from __future__ import annotations

import calendar
import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from uuid import UUID

from gongzhi.domain.errors import InvalidValue

ONE_DAY = timedelta(days=1)
PERIOD_PATTERN = re.compile(r"(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|Q(?P<quarter>[1-4])))?")


class PeriodKind(enum.Enum):
    """计费周期."""

    MONTH = "MONTH"  # 2026-10
    QUARTER = "QUARTER"  # 2026-Q4
    YEAR = "YEAR"  # 2026


@dataclass(frozen=True, order=True)
class Period:
    """A billing period: its first and last day (inclusive) and its key (2026-10, 2026-Q4, 2026)."""

    start: date
    end: date
    key: str
    kind: str

    def overlaps(self, other: Period) -> bool:
        return self.start <= other.end and other.start <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def parse_period(field: str, text: str) -> Period:
    """``2026-10`` (a month), ``2026-Q4`` (a quarter) or ``2026`` (a year)."""
    match = PERIOD_PATTERN.fullmatch((text or "").strip())
    if match is None:
        raise InvalidValue(field, "must be a month (2026-10), a quarter (2026-Q4) or a year (2026)")
    year = int(match["year"])
    if not 2000 <= year <= 2100:
        raise InvalidValue(field, "must be a year between 2000 and 2100")
    if match["month"] is not None:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise InvalidValue(field, "has no month " + match["month"])
        start = date(year, month, 1)
        return Period(start, _month_end(start), f"{year}-{month:02d}", PeriodKind.MONTH.value)
    if match["quarter"] is not None:
        quarter = int(match["quarter"])
        start = date(year, 3 * quarter - 2, 1)
        end = _month_end(date(year, 3 * quarter, 1))
        return Period(start, end, f"{year}-Q{quarter}", PeriodKind.QUARTER.value)
    return Period(date(year, 1, 1), date(year, 12, 31), str(year), PeriodKind.YEAR.value)


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def months_of_service(start: date, end: date) -> Fraction:
    """How many months the days ``start``..``end`` (inclusive) make: a whole calendar month
    counts 1, a part of a month its days over the month's days (按日折算)."""
    if end < start:
        return Fraction(0)
    total = Fraction(0)
    day = start
    while day <= end:
        month_end = _month_end(day)
        last = min(month_end, end)
        total += Fraction((last - day).days + 1, month_end.day)
        day = last + ONE_DAY
    return total


def round_fen(amount: Fraction | Decimal | int) -> int:
    """Exact fen, half up: the one rounding step of every fee (amounts are never negative)."""
    exact = Fraction(amount)
    whole = exact.numerator // exact.denominator
    return whole + (1 if exact - whole >= Fraction(1, 2) else 0)


def rounded_shares(exact: Sequence[Fraction]) -> list[int]:
    """Exact amounts (≥ 0) as whole fen that sum to their total rounded once, half up: each
    is its exact amount rounded down, and the fen left over go one each to the largest
    remainders (ties to the earlier), so each is within a fen of its exact amount."""
    fen = [amount.numerator // amount.denominator for amount in exact]
    left = round_fen(sum(exact, Fraction(0))) - sum(fen)
    by_remainder = sorted(range(len(exact)), key=lambda i: exact[i] - fen[i], reverse=True)
    for i in by_remainder[:left]:
        fen[i] += 1
    return fen


def charge(monthly_fen: Fraction | Decimal | int, start: date, end: date) -> Fraction:
    """The exact fen due for the days ``start``..``end`` at ``monthly_fen`` per month."""
    return Fraction(monthly_fen) * months_of_service(start, end)


def received_on_checked(field: str, on: date, today: date, registered_on: date) -> date:
    """The day money was received: not after today (Asia/Shanghai business date) and not
    before the community was registered with the platform."""
    if on > today:
        raise InvalidValue(field, f"must not be in the future (today is {today.isoformat()})")
    if on < registered_on:
        raise InvalidValue(
            field,
            f"must not be before the community was registered ({registered_on.isoformat()})",
        )
    return on


@dataclass(frozen=True)
class OpenBill:
    """A bill with money still owed: ``key`` orders bills oldest first."""

    bill_id: UUID
    key: tuple[date, date, str]  # BillFacts.key
    outstanding_fen: int


def allocate(amount_fen: int, bills: Iterable[OpenBill]) -> tuple[list[tuple[UUID, int]], int]:
    """Allocate a payment to the oldest open bill first (先缴旧欠); the rest is credit.

    Returns the (bill, fen) parts, oldest first, and the fen left over."""
    left = amount_fen
    parts: list[tuple[UUID, int]] = []
    for bill in sorted(bills, key=lambda b: b.key):
        if left == 0:
            break
        take = min(left, bill.outstanding_fen)
        if take > 0:
            parts.append((bill.bill_id, take))
            left -= take
    return parts, left


class PaymentOrder(enum.Enum):
    """The order a payment is applied in (the service contract may set one)."""

    BILLS_FIRST = "BILLS_FIRST"  # every open bill, oldest first; then their late fees
    BILL_BY_BILL = "BILL_BY_BILL"  # oldest bill, then its late fee; then the next bill


@dataclass(frozen=True)
class LateFeePolicy:
    """滞纳金 terms: a daily rate on the overdue principal from ``grace_days`` after the due
    date, simple (never on late fees), capped at ``cap`` of the overdue principal; and the
    order a payment pays bills and late fees in."""

    daily_rate: Decimal = Decimal("0.0003")
    grace_days: int = 0
    cap: Decimal = Decimal("0.30")
    payment_order: str = PaymentOrder.BILLS_FIRST.value


def late_fee(
    principal_fen: int,
    due_on: date,
    policy: LateFeePolicy,
    reductions: Sequence[tuple[date, int]],
    as_of: date,
) -> int:
    """The late fee owed on ``as_of`` for a bill of ``principal_fen`` due on ``due_on``.

    It accrues from the day after the grace date, each day at ``daily_rate`` of the amount
    overdue that day: what was paid (or written off) by the last day of grace is not overdue.
    The day of a payment counts (至实际缴纳之日): a payment or write-off dated ``d`` stops
    accruing on its part from the day after ``d``, so the late fee shown for a day never
    changes within that day, whatever is paid on it. Interest never earns interest. The
    total is capped at ``cap`` of the amount overdue (the most it reached, when a refund
    reopened part of the bill) and rounded once, half up."""
    first_late_day = due_on + timedelta(days=policy.grace_days + 1)
    if as_of < first_late_day or principal_fen <= 0:
        return 0
    rate = Fraction(policy.daily_rate)
    # (first day without the reduction's part, fen)
    steps = sorted((on + ONE_DAY, fen) for on, fen in reductions)
    owed = principal_fen - sum(fen for effective, fen in steps if effective <= first_late_day)
    overdue = max(owed, 0)
    accrued = Fraction(0)
    day = first_late_day
    for effective, fen in steps:
        if effective <= first_late_day:
            continue
        if effective > as_of:
            break
        accrued += rate * max(owed, 0) * (effective - day).days
        owed -= fen
        overdue = max(overdue, owed)
        day = effective
    accrued += rate * max(owed, 0) * ((as_of - day).days + 1)
    return round_fen(min(accrued, Fraction(policy.cap) * overdue))


def apply_payment(
    amount_fen: int, bills: Sequence[tuple[OpenBill, int]], order: str
) -> tuple[list[tuple[UUID, int]], list[tuple[UUID, int]], int]:
    """A payment applied to ``bills`` (each with the principal still owed as ``OpenBill``
    and the late fee owed on the day) in ``order`` (``PaymentOrder``); returns the (bill,
    fen) parts paid on principal, those paid on late fees, and the fen left over (credit)."""
    left = amount_fen
    principal: list[tuple[UUID, int]] = []
    late: list[tuple[UUID, int]] = []

    def take(parts: list[tuple[UUID, int]], bill_id: UUID, owed: int) -> None:
        nonlocal left
        fen = min(left, owed)
        if fen > 0:
            parts.append((bill_id, fen))
            left -= fen

    ordered = sorted(bills, key=lambda pair: pair[0].key)
    if order == PaymentOrder.BILL_BY_BILL.value:
        for bill, late_owed in ordered:
            take(principal, bill.bill_id, bill.outstanding_fen)
            take(late, bill.bill_id, late_owed)
    else:
        for bill, _ in ordered:
            take(principal, bill.bill_id, bill.outstanding_fen)
        for bill, late_owed in ordered:
            take(late, bill.bill_id, late_owed)
    return principal, late, left
