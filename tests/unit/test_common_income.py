"""公共收益 as an aggregate: net never negative, corrections as events, publication with an
exact allocation by area, and the share owed to a fund below 30 %."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.domain.common_income import CommonIncomeLedger, period_end
from gongzhi.domain.errors import InvalidValue, RuleViolated, UnknownPart

TODAY = date(2026, 4, 10)


def record(
    ledger: CommonIncomeLedger, gross: int, cost: int = 0, share: Decimal | None = None
) -> UUID:
    return ledger.record_entry(
        category="PARKING",
        period="2026-03",
        gross_fen=gross,
        cost_fen=cost,
        counterparty="停车管理公司",
        note="",
        fund_share=share,
    ).id


def test_net_is_gross_less_cost_and_never_negative() -> None:
    ledger = CommonIncomeLedger.open(uuid4())
    entry = ledger.entries[record(ledger, 100_000, 20_000)]
    assert entry.net_fen == 80_000
    with pytest.raises(InvalidValue) as refused:
        record(ledger, 100, 101)
    assert refused.value.field == "costFen"
    with pytest.raises(InvalidValue) as refused:
        ledger.record_entry(
            category="LOTTERY",
            period="2026-03",
            gross_fen=1,
            cost_fen=0,
            counterparty="x",
            note="",
            fund_share=None,
        )
    assert refused.value.field == "category"
    with pytest.raises(InvalidValue):
        ledger.record_entry(
            category="OTHER",
            period="2026-13",
            gross_fen=1,
            cost_fen=0,
            counterparty="x",
            note="",
            fund_share=None,
        )


def test_the_fund_gets_at_least_half_while_it_is_below_thirty_percent() -> None:
    # Given the default rule (on, 50 %)
    ledger = CommonIncomeLedger.open(uuid4())
    assert ledger.fund_share_now(fund_below_threshold=False) is None
    share = ledger.fund_share_now(fund_below_threshold=True)
    assert share == Decimal("0.5")
    # When an odd net is recorded, the fund's half is rounded up
    entry = ledger.entries[record(ledger, 10_001, 0, share)]
    assert entry.to_fund_fen == 5_001
    # And a rule switched off sends nothing
    ledger.change_fund_rule(False, "0.5")
    assert ledger.fund_share_now(fund_below_threshold=True) is None


def test_a_correction_is_an_event_and_moves_the_funds_part_by_the_difference() -> None:
    ledger = CommonIncomeLedger.open(uuid4())
    entry_id = record(ledger, 10_000, 0, Decimal("0.5"))
    delta = ledger.correct_entry(
        entry_id, gross_fen=6_000, cost_fen=1_000, counterparty="停车管理公司", note="少记成本"
    )
    assert delta == 2_500 - 5_000
    events = ledger.collect_events()
    assert [type(e).__name__ for e in events[-2:]] == ["EntryRecorded", "EntryCorrected"]
    with pytest.raises(UnknownPart):
        ledger.correct_entry(uuid4(), gross_fen=1, cost_fen=0, counterparty="x", note="")


def test_a_period_is_published_after_it_ends_and_corrections_after_show_as_such() -> None:
    ledger = CommonIncomeLedger.open(uuid4())
    entry_id = record(ledger, 30_000, 0)
    units = [(uuid4(), Decimal("80.00")), (uuid4(), Decimal("40.00"))]
    with pytest.raises(RuleViolated):
        ledger.publish("2026-04", TODAY, units)
    assert ledger.publish("2026-03", TODAY, units) == 1
    published = ledger.collect_events()[-1]
    assert isinstance(published, CommonIncomeLedger.PeriodPublished)
    assert sorted(s["fen"] for s in published.allocation) == [10_000, 20_000]
    ledger.correct_entry(entry_id, gross_fen=31_000, cost_fen=0, counterparty="x", note="补记")
    corrected = ledger.collect_events()[-1]
    assert isinstance(corrected, CommonIncomeLedger.EntryCorrected)
    assert corrected.after_publication
    assert ledger.publish("2026-03", TODAY, units) == 2


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.decimals(min_value=Decimal("10.00"), max_value=Decimal("300.00"), places=2),
        min_size=1,
        max_size=15,
    ),
    st.lists(st.integers(min_value=1, max_value=10**8), min_size=1, max_size=5),
)
def test_a_periods_net_is_allocated_by_area_to_the_fen(
    areas: list[Decimal], grosses: list[int]
) -> None:
    ledger = CommonIncomeLedger.open(uuid4())
    for gross in grosses:
        record(ledger, gross, gross // 10)
    units = [(uuid4(), area) for area in areas]
    ledger.publish("2026-03", TODAY, units)
    event = ledger.collect_events()[-1]
    assert isinstance(event, CommonIncomeLedger.PeriodPublished)
    assert sum(s["fen"] for s in event.allocation) == event.net_fen
    total_area = sum(areas)
    area_of = {str(u): a for u, a in units}
    for share in event.allocation:
        exact = Decimal(event.net_fen) * area_of[share["unit_id"]] / total_area
        assert abs(share["fen"] - exact) < 1


def test_period_end_is_the_last_day_of_the_month() -> None:
    assert period_end("2026-02") == date(2026, 2, 28)
    assert period_end("2026-12") == date(2026, 12, 31)


@settings(max_examples=80, deadline=None)
@given(
    st.integers(min_value=1, max_value=10**10),
    st.integers(min_value=0, max_value=10**10),
    st.booleans(),
    st.decimals(min_value=Decimal("0.5"), max_value=Decimal(1), places=2),
)
def test_while_the_fund_is_low_at_least_the_share_of_the_net_goes_to_it(
    gross: int, cost: int, fund_low: bool, share: Decimal
) -> None:
    # Given a ledger whose rule sends ``share`` of the net to a low fund
    ledger = CommonIncomeLedger.open(uuid4())
    ledger.change_fund_rule(True, share)
    cost = min(cost, gross)
    # When an entry is recorded
    entry = ledger.entries[record(ledger, gross, cost, ledger.fund_share_now(fund_low))]
    # Then a low fund gets at least the share (never more than the net), a healthy one nothing
    if fund_low:
        assert share * entry.net_fen <= entry.to_fund_fen <= entry.net_fen
    else:
        assert entry.to_fund_fen == 0
