"""The CommunityCompany aggregate (强社惠民公司): given events, when a command, then events or
an error; hypothesis for the ledger: sums, reversals, and 反哺 never above the surplus."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.demo import credit_code
from gongzhi.domain.community_company import CommunityCompany
from gongzhi.domain.community_ledger import OverAllocation, YearFigures, reinvested_share
from gongzhi.domain.errors import DomainError, InvalidValue, RuleViolated, UnknownPart

COMMUNITY = uuid4()
REGISTERED = date(2024, 6, 1)


def company() -> CommunityCompany:
    rng = random.Random(3)
    return CommunityCompany.register(
        name="幸福强社惠民有限公司",
        credit_code=credit_code(rng),
        owner_name="幸福社区股份经济合作社",
        owner_credit_code=credit_code(rng),
        community_id=COMMUNITY,
        district="红塔区",
        registered_on=REGISTERED,
    )


def with_canteen() -> CommunityCompany:
    c = company()
    c.open_business_line("CANTEEN", date(2024, 7, 1))
    return c


def event_names(c: CommunityCompany) -> list[str]:
    return [type(e).__name__ for e in c.collect_events()]


def allocate(c: CommunityCompany, amount_fen: int, year: int = 2025) -> UUID:
    return c.allocate_reinvestment(
        year=year,
        service="老年食堂补贴",
        beneficiary_count=80,
        beneficiaries="",
        amount_fen=amount_fen,
        allocated_on=date(year, 12, 1),
        note="",
    )


def test_registration_links_the_first_community_and_derives_the_id_from_the_code() -> None:
    # When a company is registered
    c = company()
    # Then it is linked to its first community from the registration day
    assert event_names(c) == ["Registered", "CommunityLinked"]
    assert c.links[COMMUNITY].start == REGISTERED
    # And its id is its credit code's: a second registration clashes in the store
    assert c.id == company().id


def test_the_owner_must_be_another_organisation() -> None:
    code = credit_code(random.Random(3))
    with pytest.raises(InvalidValue) as error:
        CommunityCompany.register(
            name="x",
            credit_code=code,
            owner_name="y",
            owner_credit_code=code,
            community_id=COMMUNITY,
            district="红塔区",
            registered_on=REGISTERED,
        )
    assert error.value.field == "ownerCreditCode"


def test_a_link_ends_after_it_starts_and_only_a_linked_community_can_be_unlinked() -> None:
    # Given a company linked to one community
    c = company()
    # Then unlinking on the linking day, or an unlinked community, is refused
    with pytest.raises(InvalidValue):
        c.unlink_community(COMMUNITY, REGISTERED)
    with pytest.raises(UnknownPart):
        c.unlink_community(uuid4(), date(2025, 1, 1))
    # When it is unlinked, it can be linked again later
    c.unlink_community(COMMUNITY, date(2025, 1, 1))
    c.link_community(COMMUNITY, date(2025, 3, 1))
    assert event_names(c)[-2:] == ["CommunityUnlinked", "CommunityLinked"]


def test_a_line_reopens_only_after_it_closed_and_closes_only_after_its_entries() -> None:
    # Given a canteen with an entry on 2025-03-15
    c = with_canteen()
    c.record_entry("CANTEEN", "REVENUE", 100, date(2025, 3, 15), "")
    # Then it cannot be opened twice, nor closed before its last entry
    with pytest.raises(RuleViolated):
        c.open_business_line("CANTEEN", date(2025, 1, 1))
    with pytest.raises(RuleViolated) as error:
        c.close_business_line("CANTEEN", date(2025, 3, 14))
    assert error.value.field == "closedOn"
    # When closed on its last entry's day, it reopens only after that day
    c.close_business_line("CANTEEN", date(2025, 3, 15))
    with pytest.raises(InvalidValue):
        c.open_business_line("CANTEEN", date(2025, 3, 15))
    c.open_business_line("CANTEEN", date(2025, 4, 1))
    # And an entry in the gap between the two periods is refused
    with pytest.raises(RuleViolated):
        c.record_entry("CANTEEN", "COST", 1, date(2025, 3, 20), "")


def test_an_unknown_line_or_kind_is_invalid_not_a_rule() -> None:
    c = with_canteen()
    with pytest.raises(InvalidValue) as line:
        c.record_entry("CASINO", "REVENUE", 1, date(2025, 1, 1), "")
    with pytest.raises(InvalidValue) as kind:
        c.record_entry("CANTEEN", "GIFT", 1, date(2025, 1, 1), "")
    assert (line.value.field, kind.value.field) == ("line", "kind")


def test_a_reversal_counts_in_the_original_year_even_if_posted_later() -> None:
    # Given revenue in 2025
    c = with_canteen()
    entry = c.record_entry("CANTEEN", "REVENUE", 10_000, date(2025, 12, 30), "")
    # When it is reversed in 2026
    reversal = c.reverse_entry(entry, date(2026, 1, 5), "录错")
    # Then 2025 nets to zero and 2026 is untouched
    assert c.years[2025].revenue_fen == 0
    assert 2026 not in c.years
    assert c.entries[reversal].amount_fen == -10_000
    # And it cannot be reversed twice, nor reversed before the original
    with pytest.raises(RuleViolated):
        c.reverse_entry(entry, date(2026, 1, 6), "")
    other = c.record_entry("CANTEEN", "COST", 5, date(2025, 5, 5), "")
    with pytest.raises(InvalidValue):
        c.reverse_entry(other, date(2025, 5, 4), "")


def test_a_correction_is_both_events_or_none() -> None:
    # Given an entry on a line closed since
    c = with_canteen()
    entry = c.record_entry("CANTEEN", "REVENUE", 100, date(2025, 3, 1), "")
    c.collect_events()
    # When a correction gives a bad amount, then nothing is recorded
    with pytest.raises(InvalidValue):
        c.correct_entry(entry, 0, date(2025, 4, 1), "")
    assert event_names(c) == []
    # When it gives a day the line was not open, then nothing is recorded either
    with pytest.raises(RuleViolated):
        c.correct_entry(entry, 200, date(2025, 4, 1), "", entry_on=date(2024, 1, 1))
    assert event_names(c) == []
    # When it is right, the reversal and the new entry are recorded together
    c.correct_entry(entry, 200, date(2025, 4, 1), "更正")
    assert event_names(c) == ["EntryRecorded", "EntryRecorded"]
    assert c.years[2025].revenue_fen == 200


def test_an_allocation_above_the_available_surplus_is_refused_with_what_is_left() -> None:
    # Given 2025: revenue 1,000.00 元, cost 400.00 元, 500.00 元 already reinvested
    c = with_canteen()
    c.record_entry("CANTEEN", "REVENUE", 100_000, date(2025, 2, 1), "")
    c.record_entry("CANTEEN", "COST", 40_000, date(2025, 2, 2), "")
    allocate(c, 50_000)
    # When 100.01 元 more is asked for, then it is refused: 100.00 元 is left
    with pytest.raises(OverAllocation) as error:
        allocate(c, 10_001)
    assert (error.value.field, error.value.available_fen) == ("amountFen", 10_000)
    assert "100.00 元" in error.value.message
    # And exactly what is left is accepted
    allocate(c, 10_000)
    assert c.years[2025].available_fen == 0


def test_a_late_cost_is_recorded_and_leaves_the_year_over_allocated() -> None:
    # Given a year fully reinvested
    c = with_canteen()
    c.record_entry("CANTEEN", "REVENUE", 1_000, date(2025, 2, 1), "")
    first = allocate(c, 1_000)
    # When a late cost arrives, it is a fact: recorded, the year now over-allocated
    c.record_entry("CANTEEN", "COST", 300, date(2025, 11, 1), "迟到的发票")
    assert c.years[2025].available_fen == -300
    with pytest.raises(OverAllocation):
        allocate(c, 1)
    # When the allocation is reversed, 700 fen are available again
    c.reverse_reinvestment(first, date(2025, 12, 5), "")
    assert c.years[2025].available_fen == 700
    with pytest.raises(RuleViolated):
        c.reverse_reinvestment(first, date(2025, 12, 6), "")


def test_allocation_needs_beneficiaries_a_year_in_range_and_a_service() -> None:
    c = with_canteen()
    c.record_entry("CANTEEN", "REVENUE", 1_000, date(2025, 2, 1), "")
    base = dict(
        year=2025,
        service="托育补贴",
        beneficiary_count=10,
        beneficiaries="",
        amount_fen=1,
        allocated_on=date(2025, 6, 1),
        note="",
    )
    for change, field in (
        ({"beneficiary_count": None}, "beneficiaryCount"),
        ({"beneficiary_count": 0}, "beneficiaryCount"),
        ({"year": 2026}, "year"),
        ({"year": 2023}, "year"),
        ({"service": " "}, "service"),
        ({"amount_fen": -5}, "amountFen"),
    ):
        with pytest.raises(DomainError) as error:
            c.allocate_reinvestment(**{**base, **change})  # type: ignore[arg-type]
        assert error.value.field == field, change


def test_pilot_designation_is_revocable_and_not_doubled() -> None:
    c = company()
    c.designate_pilot(date(2024, 8, 1), "区农业农村局")
    with pytest.raises(RuleViolated):
        c.designate_pilot(date(2024, 9, 1), "区农业农村局")
    with pytest.raises(InvalidValue):
        c.revoke_pilot(date(2024, 8, 1), "x")
    c.revoke_pilot(date(2025, 1, 1), "未达标")
    assert c.pilot is None
    with pytest.raises(RuleViolated):
        c.revoke_pilot(date(2025, 2, 1), "x")
    c.designate_pilot(date(2025, 3, 1), "市农业农村局")
    assert c.pilot is not None


# --- the ledger's invariants under any sequence of commands -----------------------------

DAY0 = date(2024, 7, 1)
command = st.one_of(
    st.tuples(
        st.just("entry"),
        st.sampled_from(["REVENUE", "COST"]),
        st.integers(min_value=-1_000, max_value=5_000_000),
        st.integers(min_value=0, max_value=900),
    ),
    st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=50)),
    st.tuples(
        st.just("allocate"),
        st.sampled_from([2024, 2025, 2026]),
        st.integers(min_value=-10, max_value=3_000_000),
    ),
    st.tuples(st.just("unallocate"), st.integers(min_value=0, max_value=50)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(command, max_size=40))
def test_the_ledger_sums_its_entries_and_never_reinvests_more_than_it_had(
    commands: list[tuple[Any, ...]],
) -> None:
    # Given a company with a canteen, and any sequence of entries, reversals and allocations
    c = with_canteen()
    entries: list[UUID] = []
    allocations: list[UUID] = []
    for step in commands:
        before = {year: YearFigures(**vars(figures)) for year, figures in c.years.items()}
        try:
            if step[0] == "entry":
                _, kind, amount, offset = step
                day = DAY0 + timedelta(days=int(offset))
                entries.append(c.record_entry("CANTEEN", str(kind), int(amount), day, ""))
            elif step[0] == "reverse" and entries:
                original = entries[int(step[1]) % len(entries)]
                c.reverse_entry(original, date(2027, 1, 1), "")
            elif step[0] == "allocate":
                _, year, amount = step
                available = c.figures(int(year)).available_fen
                try:
                    allocations.append(allocate(c, int(amount), int(year)))
                except OverAllocation:
                    # Then a refusal is exactly an amount above what was available
                    assert int(amount) > available
                    raise
                # Then an accepted allocation fitted, and leaves nothing negative
                assert 0 < int(amount) <= available
                assert c.figures(int(year)).available_fen >= 0
            elif step[0] == "unallocate" and allocations:
                original = allocations[int(step[1]) % len(allocations)]
                c.reverse_reinvestment(original, date(2027, 1, 1), "")
        except DomainError:
            # Then a refused command changed nothing
            assert {y: vars(f) for y, f in c.years.items() if vars(f) != vars(YearFigures())} == {
                y: vars(f) for y, f in before.items() if vars(f) != vars(YearFigures())
            }

    # Then every year's figures are the sums of its ledger rows
    for year, figures in c.years.items():
        rows = [e for e in c.entries.values() if e.year == year]
        assert figures.revenue_fen == sum(e.amount_fen for e in rows if e.kind == "REVENUE")
        assert figures.cost_fen == sum(e.amount_fen for e in rows if e.kind == "COST")
        spent = [a.amount_fen for a in c.allocations.values() if a.year == year]
        assert figures.reinvested_fen == sum(spent) >= 0
    # And a reversed entry and its reversal sum to zero, each pointing at the other
    for entry in c.entries.values():
        if entry.reverses_id is not None:
            assert c.entries[entry.reverses_id].amount_fen == -entry.amount_fen
            assert entry.reverses_id in c.reversed
    # And replaying the recorded events rebuilds the same figures
    replayed = None
    for event in c.collect_events():
        replayed = event.mutate(replayed)
    assert isinstance(replayed, CommunityCompany)
    assert {y: vars(f) for y, f in replayed.years.items()} == {
        y: vars(f) for y, f in c.years.items()
    }


@given(
    st.integers(min_value=0, max_value=10**12),
    st.integers(min_value=1, max_value=10**12),
)
def test_the_share_reinvested_is_the_exact_quotient_rounded_half_up(
    reinvested: int, surplus: int
) -> None:
    share = reinvested_share(reinvested, surplus)
    assert share is not None
    # Then it is within half a millionth of the exact quotient, never a float
    assert isinstance(share, Decimal)
    assert abs(share * surplus - reinvested) <= Decimal("0.0000005") * surplus
    assert share.as_tuple().exponent == -6


def test_there_is_no_share_without_a_surplus() -> None:
    assert reinvested_share(0, 0) is None
    assert reinvested_share(5, -100) is None
