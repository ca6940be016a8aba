"""物业费 rules: periods, proration by days, allocation oldest first, late fees."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.domain.errors import InvalidValue
from gongzhi.domain.fee_rules import (
    LateFeePolicy,
    OpenBill,
    allocate,
    charge,
    late_fee,
    months_of_service,
    parse_period,
    round_fen,
)

days = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))
monthly = st.integers(min_value=0, max_value=5_000_000)


def test_periods_are_months_quarters_or_years() -> None:
    assert (parse_period("p", "2026-10").start, parse_period("p", "2026-10").end) == (
        date(2026, 10, 1),
        date(2026, 10, 31),
    )
    quarter = parse_period("p", "2026-Q1")
    assert (quarter.start, quarter.end, quarter.kind) == (
        date(2026, 1, 1),
        date(2026, 3, 31),
        "QUARTER",
    )
    year = parse_period("p", "2026")
    assert (year.days, year.key) == (365, "2026")


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "26-10", "2026/10", "", "1999"])
def test_a_wrong_period_is_refused_with_its_field(text: str) -> None:
    with pytest.raises(InvalidValue) as error:
        parse_period("period", text)
    assert error.value.field == "period"


def test_a_partial_month_counts_its_days_over_the_month() -> None:
    # Given a unit delivered on 16 October (31 days) and billed to the month's end
    # Then it pays 16/31 of a month
    assert months_of_service(date(2026, 10, 16), date(2026, 10, 31)) == Fraction(16, 31)
    assert months_of_service(date(2026, 1, 1), date(2026, 12, 31)) == 12
    assert months_of_service(date(2026, 2, 15), date(2026, 3, 14)) == Fraction(14, 28) + Fraction(
        14, 31
    )


def test_rounding_is_half_up_to_the_fen() -> None:
    assert [round_fen(Fraction(n, 2)) for n in (1, 2, 3, 5)] == [1, 1, 2, 3]
    assert round_fen(Decimal("10.49")) == 10


@given(monthly, days, st.integers(0, 400), st.integers(0, 400))
def test_prorated_parts_add_up_to_the_whole_within_the_rounding(
    fee: int, start: date, split: int, length: int
) -> None:
    # Given a span cut in two at any day
    end = start + timedelta(days=length)
    cut = min(start + timedelta(days=split), end + timedelta(days=1))
    first, second = charge(fee, start, cut - timedelta(days=1)), charge(fee, cut, end)
    # Then the exact parts add up to the exact whole, and the rounded parts differ from the
    # rounded whole by at most one fen (each part is off by half a fen at most)
    assert first + second == charge(fee, start, end)
    assert abs(round_fen(first) + round_fen(second) - round_fen(charge(fee, start, end))) <= 1


bill_amounts = st.lists(st.integers(min_value=1, max_value=1_000_000), min_size=0, max_size=12)


@given(bill_amounts, st.integers(min_value=1, max_value=20_000_000))
def test_a_payment_goes_to_the_oldest_open_bill_first_and_sums_exactly(
    amounts: list[int], paid: int
) -> None:
    bills = [
        OpenBill(uuid4(), (date(2025, 1, 1) + timedelta(days=31 * i),) * 2 + ("",), amount)
        for i, amount in enumerate(amounts)
    ]
    parts, left = allocate(paid, reversed(bills))
    # Then every fen is either allocated or left over
    assert sum(fen for _, fen in parts) + left == paid
    # And the bills are covered in order: all earlier ones in full before a later one
    assert [bill_id for bill_id, _ in parts] == [b.bill_id for b in bills[: len(parts)]]
    for (_, fen), bill in zip(parts[:-1], bills, strict=False):
        assert fen == bill.outstanding_fen
    assert left == 0 or len(parts) == len(bills)


policy = LateFeePolicy(daily_rate=Decimal("0.0003"), grace_days=10, cap=Decimal("0.30"))


def test_the_late_fee_starts_after_the_grace_days() -> None:
    due = date(2026, 10, 31)
    assert late_fee(100_000, due, policy, [], due + timedelta(days=10)) == 0
    # One late day: 0.03 % of 1,000 元 is 0.30 元
    assert late_fee(100_000, due, policy, [], due + timedelta(days=11)) == 30


@given(
    st.integers(min_value=1, max_value=10_000_000),
    st.integers(min_value=0, max_value=5000),
    st.decimals(min_value=0, max_value=Decimal("0.01"), places=5),
    st.decimals(min_value=0, max_value=1, places=2),
)
def test_the_late_fee_is_simple_interest_and_never_above_its_cap(
    principal: int, late_days: int, rate: Decimal, cap: Decimal
) -> None:
    terms = LateFeePolicy(daily_rate=rate, grace_days=0, cap=cap)
    due = date(2026, 1, 31)
    fee = late_fee(principal, due, terms, [], due + timedelta(days=late_days))
    # Then it is the principal × rate × days (never interest on interest), capped
    simple = Fraction(principal) * Fraction(rate) * late_days
    assert fee == round_fen(min(simple, Fraction(cap) * principal))
    assert fee <= round_fen(Fraction(cap) * principal)


@given(st.integers(min_value=2, max_value=10_000_000), st.integers(1, 300), st.integers(1, 300))
def test_a_part_payment_stops_the_late_fee_on_that_part(
    principal: int, before: int, after: int
) -> None:
    terms = LateFeePolicy(daily_rate=Decimal("0.0005"), grace_days=0, cap=Decimal(1))
    due = date(2026, 1, 31)
    paid_on = due + timedelta(days=before + 1)
    half = principal // 2
    fee = late_fee(principal, due, terms, [(paid_on, half)], paid_on + timedelta(days=after - 1))
    rate = Fraction(5, 10_000)
    # The day of payment still runs on the whole principal (至实际缴纳之日, issue 15)
    assert fee == round_fen(rate * (principal * (before + 1) + (principal - half) * (after - 1)))
