"""物业费 aggregates: a unit's account (payments, credit, refunds, write-offs, waivers) and
the billing plan of a period (pieces, payers, vacancy), given events, when a command."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.domain.bill import BillFacts
from gongzhi.domain.billing import PeriodPlan, UnitFacts, served_spans
from gongzhi.domain.community import ModePeriod
from gongzhi.domain.errors import DomainError, RuleViolated
from gongzhi.domain.fee_account import FeeAccount
from gongzhi.domain.fee_rules import LateFeePolicy, parse_period, round_fen, rounded_shares
from gongzhi.domain.fee_schedule import FeeSchedule

OCT, NOV = parse_period("p", "2026-10"), parse_period("p", "2026-11")
NO_LATE_FEES = LateFeePolicy(Decimal(0))


def facts(period: str, start: date, amount: int) -> BillFacts:
    return BillFacts(uuid4(), period, start, start.replace(day=28), amount)


def account() -> FeeAccount:
    return FeeAccount.open(uuid4(), uuid4())


def receive(a: FeeAccount, amount: int, bills: list[BillFacts], limit: int = 0) -> None:
    a.receive(
        payment_id=uuid4(),
        channel="CASH",
        transaction_id="t",
        amount_fen=amount,
        received_on=date(2026, 11, 5),
        bills=bills,
        policy=NO_LATE_FEES,
        credit_limit_fen=limit,
    )


def test_a_payment_settles_the_oldest_bill_first_and_keeps_the_rest_as_credit() -> None:
    # Given a unit owing for October and November
    october, november = facts("2026-10", OCT.start, 10_000), facts("2026-11", NOV.start, 10_000)
    a = account()
    # When it pays 150 元, with room for 5000 fen of credit
    receive(a, 25_000, [november, october], limit=5_000)
    # Then October is settled, November too, and 50 元 are prepaid
    assert (a.outstanding(october), a.outstanding(november), a.credit_fen) == (0, 0, 5_000)


def test_paying_further_ahead_than_allowed_is_refused_and_records_nothing() -> None:
    a = account()
    with pytest.raises(RuleViolated) as error:
        receive(a, 5_001, [], limit=5_000)
    assert error.value.field == "amountFen"
    assert a.pending_events[1:] == []


def test_credit_goes_to_bills_issued_later() -> None:
    a = account()
    receive(a, 5_000, [], limit=5_000)
    november = facts("2026-11", NOV.start, 3_000)
    assert a.apply_credit([november], date(2026, 11, 1)) == 3_000
    assert (a.outstanding(november), a.credit_fen) == (0, 2_000)


def test_a_refund_takes_unused_credit_first_then_reopens_the_newest_bill() -> None:
    october, november = facts("2026-10", OCT.start, 10_000), facts("2026-11", NOV.start, 10_000)
    a = account()
    payment = uuid4()
    a.receive(
        payment_id=payment,
        channel="WECHAT",
        transaction_id="wx",
        amount_fen=21_000,
        received_on=date(2026, 11, 5),
        bills=[october, november],
        policy=NO_LATE_FEES,
        credit_limit_fen=1_000,
    )
    a.refund(payment, 4_000, date(2026, 11, 6))
    assert (a.credit_fen, a.outstanding(october), a.outstanding(november)) == (0, 0, 3_000)
    with pytest.raises(RuleViolated):
        a.refund(payment, 17_001, date(2026, 11, 6))


def test_a_write_off_needs_another_approver_and_at_most_what_is_owed() -> None:
    october = facts("2026-10", OCT.start, 10_000)
    a = account()
    with pytest.raises(DomainError) as same:
        a.write_off(october, 100, "staff-1", "staff-1", date(2026, 12, 1))
    assert same.value.field == "approvedBy"
    with pytest.raises(RuleViolated):
        a.write_off(october, 10_001, "王经理", "staff-1", date(2026, 12, 1))
    a.write_off(october, 10_000, "王经理", "staff-1", date(2026, 12, 1))
    assert a.outstanding(october) == 0


def test_a_late_fee_waiver_is_at_most_what_has_accrued() -> None:
    october = BillFacts(uuid4(), "2026-10", OCT.start, date(2026, 10, 31), 10_000)
    a = account()
    policy = LateFeePolicy(Decimal("0.001"), 0, Decimal("0.3"))
    assert a.late_fee(october, policy, date(2026, 11, 10)) == 100
    with pytest.raises(DomainError):
        a.waive_late_fee(october, 101, policy, date(2026, 11, 10))
    assert a.waive_late_fee(october, None, policy, date(2026, 11, 10)) == 100


def pay_late_fee(a: FeeAccount, bill: BillFacts, amount: int, policy: LateFeePolicy) -> UUID:
    payment = uuid4()
    a.pay_late_fee(
        bill=bill,
        policy=policy,
        payment_id=payment,
        channel="WECHAT",
        transaction_id="wx-late",
        amount_fen=amount,
        received_on=date(2026, 11, 10),
    )
    return payment


def test_a_late_fee_is_paid_apart_from_the_bill_and_never_more_than_is_owed() -> None:
    # Given October's bill of 100 元 unpaid ten days after its due date (1 元 of late fee)
    october = BillFacts(uuid4(), "2026-10", OCT.start, date(2026, 10, 31), 10_000)
    a = account()
    policy = LateFeePolicy(Decimal("0.001"), 0, Decimal("0.3"))
    # When 0.60 元 of it is paid and 0.40 元 waived
    pay_late_fee(a, october, 60, policy)
    a.waive_late_fee(october, None, policy, date(2026, 11, 10))
    # Then nothing more is owed, the bill itself is still owed in full, and paying more fails
    assert a.late_fee_owed(october, policy, date(2026, 11, 10)) == 0
    assert a.outstanding(october) == 10_000
    assert a.bill(october.id).waived_fen == 40
    with pytest.raises(RuleViolated) as error:
        pay_late_fee(a, october, 1, policy)
    assert error.value.field == "billId"


def test_paying_more_late_fee_than_owed_is_refused_and_records_nothing() -> None:
    october = BillFacts(uuid4(), "2026-10", OCT.start, date(2026, 10, 31), 10_000)
    a = account()
    policy = LateFeePolicy(Decimal("0.001"), 0, Decimal("0.3"))
    version = a.version
    with pytest.raises(DomainError) as error:
        pay_late_fee(a, october, 101, policy)
    assert error.value.field == "amountFen"
    assert (a.version, a.bill(october.id).late_paid_fen) == (version, 0)


def test_a_refunded_late_fee_is_owed_again_and_refunds_stop_at_the_payment() -> None:
    # Given a late fee of 1 元 paid in full
    october = BillFacts(uuid4(), "2026-10", OCT.start, date(2026, 10, 31), 10_000)
    a = account()
    policy = LateFeePolicy(Decimal("0.001"), 0, Decimal("0.3"))
    payment = pay_late_fee(a, october, 100, policy)
    # When 0.30 元 of it is given back
    a.refund(payment, 30, date(2026, 11, 11))
    # Then 0.30 元 are owed again, no prepaid credit appears, and at most 0.70 元 more go back
    assert a.late_fee_owed(october, policy, date(2026, 11, 10)) == 30
    assert a.credit_fen == 0
    with pytest.raises(RuleViolated):
        a.refund(payment, 71, date(2026, 11, 11))


def schedule_with(price: str, change: tuple[str, date] | None = None) -> FeeSchedule:
    s = FeeSchedule.open(uuid4())
    s.set_standard("RESIDENTIAL", price, "LUMP_SUM", date(2026, 1, 1))
    if change:
        s.set_standard("RESIDENTIAL", change[0], "LUMP_SUM", change[1])
    return s


@given(
    st.decimals(min_value=Decimal("0.5"), max_value=5, places=2),
    st.decimals(min_value=Decimal("0.5"), max_value=5, places=2),
    st.integers(min_value=2, max_value=31),
    st.decimals(min_value=20, max_value=300, places=2),
)
def test_a_standard_changing_mid_month_prorates_the_two_prices_to_the_fen(
    before: Decimal, after: Decimal, day: int, area: Decimal
) -> None:
    # Given a standard changing on any day of October
    s = schedule_with(str(before), (str(after), date(2026, 10, day)))
    plan = PeriodPlan(s, OCT, [(OCT.start, OCT.end)])
    lines = plan.lines(UnitFacts(uuid4(), "101", area, False, None))
    # Then the bill is the month's exact fee rounded once, half up (issue 15), and each
    # price's line is its own days' exact charge to within a fen (largest remainder)
    monthly_before, monthly_after = Fraction(before * area * 100), Fraction(after * area * 100)
    exact = [monthly_before * Fraction(day - 1, 31), monthly_after * Fraction(32 - day, 31)]
    amounts = [line["amount_fen"] for line in lines]
    assert sum(amounts) == round_fen(sum(exact))
    assert all(abs(fen - share) < 1 for fen, share in zip(amounts, exact, strict=True))


def test_a_unit_delivered_mid_month_is_the_developers_until_then() -> None:
    s = schedule_with("2.00")
    plan = PeriodPlan(s, OCT, [(OCT.start, OCT.end)])
    lines = plan.lines(UnitFacts(uuid4(), "101", Decimal(100), False, date(2026, 10, 11)))
    assert [(line["payer"], line["amount_fen"]) for line in lines] == [
        ("DEVELOPER", 6452),  # 20000 × 10/31
        ("OWNER", 13548),  # 20000 × 21/31
    ]


def test_only_days_under_a_service_provider_are_billed() -> None:
    # Given a community under professional management from 16 October only
    modes = [
        ModePeriod("NONE", None, date(2020, 1, 1)),
        ModePeriod("PROFESSIONAL", uuid4(), date(2026, 10, 16)),
    ]
    spans = served_spans(modes, OCT)
    assert spans == [(date(2026, 10, 16), date(2026, 10, 31))]
    plan = PeriodPlan(schedule_with("2.00"), OCT, spans)
    lines = plan.lines(UnitFacts(uuid4(), "101", Decimal(100), False, None))
    assert [line["amount_fen"] for line in lines] == [10323]  # 20000 × 16/31


def test_a_month_inside_a_billed_quarter_is_refused() -> None:
    s = schedule_with("2.00")
    s.start_billing(parse_period("p", "2026-Q4"))
    with pytest.raises(RuleViolated) as error:
        s.start_billing(OCT)
    assert error.value.field == "period"
    with pytest.raises(RuleViolated):
        s.set_standard("RESIDENTIAL", "3", "LUMP_SUM", date(2026, 12, 1))


_OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["pay", "late_fee", "refund", "waive", "write_off"]),
        st.integers(min_value=0, max_value=1),  # which bill (or payment, for refunds)
        st.integers(min_value=1, max_value=12_000),
        st.integers(min_value=0, max_value=20),  # days after the previous operation
    ),
    max_size=25,
)


@given(_OPERATIONS)
def test_every_fen_received_is_in_a_bill_the_credit_or_a_late_fee(
    operations: list[tuple[str, int, int, int]],
) -> None:
    # Given two overdue bills and any sequence of payments, late-fee payments, refunds,
    # waivers and write-offs, each refused whole or recorded
    policy = LateFeePolicy(Decimal("0.001"), 0, Decimal("0.3"))
    bills = [
        BillFacts(uuid4(), "2026-09", date(2026, 9, 1), date(2026, 9, 30), 10_000),
        BillFacts(uuid4(), "2026-10", OCT.start, date(2026, 10, 31), 8_000),
    ]
    a = account()
    payments: list[UUID] = []
    day = date(2026, 11, 1)
    for kind, which, amount, days in operations:
        day = date.fromordinal(day.toordinal() + days)
        bill = bills[which]
        version = a.version
        try:
            if kind == "pay":
                payment = uuid4()
                a.receive(
                    payment_id=payment,
                    channel="CASH",
                    transaction_id=str(payment),
                    amount_fen=amount,
                    received_on=day,
                    bills=bills,
                    policy=policy,
                    credit_limit_fen=5_000,
                )
                payments.append(payment)
            elif kind == "late_fee":
                payment = uuid4()
                a.pay_late_fee(
                    bill=bill,
                    policy=policy,
                    payment_id=payment,
                    channel="CASH",
                    transaction_id=str(payment),
                    amount_fen=amount,
                    received_on=day,
                )
                payments.append(payment)
            elif kind == "refund" and payments:
                a.refund(payments[which % len(payments)], amount, day)
            elif kind == "waive":
                a.waive_late_fee(bill, amount, policy, day)
            elif kind == "write_off":
                a.write_off(bill, amount, "王经理", "staff-1", day)
        except DomainError:
            assert a.version == version  # refused whole: nothing recorded

        # Then what was received less what went back is exactly in the bills, the prepaid
        # credit and the late fees paid; no bill is paid beyond its amount, no late fee below 0
        received = sum(p.amount_fen - p.refunded_fen for p in a.payments.values())
        states = [a.bill(b.id) for b in bills]
        assert received == a.credit_fen + sum(s.paid_fen + s.late_paid_fen for s in states)
        for b, s in zip(bills, states, strict=True):
            assert 0 <= s.paid_fen + s.written_off_fen <= b.amount_fen
            assert s.late_paid_fen >= 0 and a.credit_fen >= 0


def test_a_payment_pays_the_bills_then_their_late_fees_and_a_refund_undoes_them_in_reverse() -> (
    None
):
    # Given October (10000 fen, due 28 October) 8 days late on 5 November: 24 fen late fee
    policy = LateFeePolicy(Decimal("0.0003"), 0, Decimal("0.3"))
    october = facts("2026-10", OCT.start, 10_000)
    a = account()
    assert a.late_fee_owed(october, policy, date(2026, 11, 5)) == 24
    payment = uuid4()
    # When 10030 fen are paid that day
    a.receive(
        payment_id=payment,
        channel="CASH",
        transaction_id="t",
        amount_fen=10_030,
        received_on=date(2026, 11, 5),
        bills=[october],
        policy=policy,
        credit_limit_fen=1_000,
    )
    # Then the bill, then its late fee are paid, and 6 fen are credit
    assert (a.outstanding(october), a.late_fee_owed(october, policy, date(2026, 11, 5))) == (0, 0)
    assert a.credit_fen == 6
    # When 20 fen are refunded: the credit first, then the late fee
    a.refund(payment, 20, date(2026, 11, 6), "CASH", "退-1")
    assert (a.credit_fen, a.bill(october.id).late_paid_fen, a.outstanding(october)) == (0, 10, 0)
    # And the rest of the late fee, then the bill, are undone by a larger refund
    a.refund(payment, 110, date(2026, 11, 6), "CASH", "退-2")
    assert (a.bill(october.id).late_paid_fen, a.outstanding(october)) == (0, 100)


@given(
    st.lists(
        st.fractions(min_value=0, max_value=100_000, max_denominator=3100),
        min_size=1,
        max_size=6,
    )
)
def test_a_bills_lines_are_largest_remainder_shares_of_its_rounded_exact_fee(
    exact: list[Fraction],
) -> None:
    shares = rounded_shares(exact)
    # The total is the exact fee rounded once, half up
    assert sum(shares) == round_fen(sum(exact, Fraction(0)))
    # And each line is its exact amount rounded down, or up for the largest remainders
    floors = [e.numerator // e.denominator for e in exact]
    assert all(fen - low in (0, 1) for fen, low in zip(shares, floors, strict=True))
    up = [e - low for e, low, fen in zip(exact, floors, shares, strict=True) if fen > low]
    down = [e - low for e, low, fen in zip(exact, floors, shares, strict=True) if fen == low]
    assert not up or not down or min(up) >= max(down)
