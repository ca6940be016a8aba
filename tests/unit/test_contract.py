"""Service contracts as aggregates: award on a decision, notice periods, indefinite terms,
hand-over to the successor."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.domain.community import Community
from gongzhi.domain.contract import (
    ContractStatus,
    ServiceContract,
    commission,
    contract_id,
    fee_standard,
)
from gongzhi.domain.decision import Decision
from gongzhi.domain.errors import InvalidValue, RuleViolated
from gongzhi.domain.tally import VotingUnit

ANJU, HONGTA = uuid4(), uuid4()
TODAY = date(2030, 1, 1)  # commands are checked against this "today"


def community() -> Community:
    c = Community.register(
        name="幸福里", district="红塔区", street="玉兴街道", registered_on=date(2020, 1, 1)
    )
    c.add_building("1栋", 3, False, ["1单元"])
    entrance = next(iter(c.entrance_index))
    for floor in (1, 2, 3):
        # No owner recorded (owners are each unit's holding): each unit votes as itself,
        # three heads as three owners would be
        c.add_unit(entrance, f"{floor}01", floor, "90", "REGISTER")
    return c


def decision(
    c: Community,
    *,
    matter: str = "PROPERTY_COMPANY",
    approve: bool = True,
    closes: date = date(2024, 5, 15),
    community_id: UUID | None = None,
) -> Decision:
    """An owners' decision of the whole community, voted by every owner and closed."""
    closes_at = datetime(closes.year, closes.month, closes.day, tzinfo=UTC)
    d = Decision.propose(
        community_id=community_id or c.id,
        scope="COMMUNITY",
        scope_id=c.id,
        matter=matter,
        title="选聘安居物业",
        opens_at=closes_at - timedelta(days=14),
        closes_at=closes_at,
    )
    units = c.units_in("COMMUNITY", c.id)
    voters = [u.voter for u in units]
    # Ballots are aggregates of their own (issue 13): the close is given them.
    ballots = [
        d.cast_ballot(
            voter=u.voter,
            eligible_voters=voters,
            choice="APPROVE" if approve else "OPPOSE",
            channel="PAPER",
            cast_by=uuid4(),
            at=closes_at - timedelta(days=1),
        )
        for u in units
    ]
    d.close([VotingUnit(str(u.id), u.area, u.voter) for u in units], closes_at, ballots)
    return d


def award(
    c: Community,
    d: Decision | None,
    *,
    number: int = 1,
    company: UUID | None = ANJU,
    predecessor: UUID | None = None,
    term: tuple[date, date | None] = (date(2024, 7, 1), date(2027, 6, 30)),
    signed_on: date = date(2024, 6, 1),
    pricing: str = "LUMP_SUM",
    rate: str | None = None,
) -> ServiceContract:
    return ServiceContract.award(
        community_id=c.id,
        number=number,
        mode="PROFESSIONAL" if company else "COMMUNITY_CUSTODY",
        company_id=company,
        decision=d,
        predecessor_id=predecessor,
        term_start=term[0],
        term_end=term[1],
        fee_per_m2_month="1.35",
        pricing=pricing,
        commission_rate=rate,
        signed_on=signed_on,
    )


def started(c: Community) -> ServiceContract:
    contract = award(c, decision(c))
    contract.start(date(2024, 7, 1))
    return contract


def test_a_contract_is_awarded_on_the_owners_passed_decision_to_hire() -> None:
    # Given a passed decision of the community's owners on hiring a company
    c = community()
    d = decision(c)

    # When the contract is awarded on it
    contract = award(c, d, pricing="COMMISSION", rate="0.1")

    # Then it is the community's first contract, awarded but not in force yet
    assert contract.id == contract_id(c.id, 1)
    assert contract.decision_id == d.id
    assert contract.fee_per_m2_month == Decimal("1.3500")
    assert contract.commission_rate == Decimal("0.1000")
    assert contract.status_on(date(2024, 7, 1)) is ContractStatus.AWARDED


def test_only_a_passed_decision_on_a_company_of_the_same_community_backs_a_contract() -> None:
    c = community()
    with pytest.raises(RuleViolated, match="did not pass"):
        award(c, decision(c, approve=False))
    with pytest.raises(RuleViolated, match="PROPERTY_COMPANY"):
        award(c, decision(c, matter="COMMITTEE"))
    with pytest.raises(RuleViolated, match="another community"):
        award(c, decision(c, community_id=uuid4()))
    with pytest.raises(RuleViolated, match="later than this"):
        award(c, decision(c, closes=date(2024, 6, 2)))
    with pytest.raises(InvalidValue, match="owners' decision"):
        award(c, None)
    d = decision(c)
    with pytest.raises(RuleViolated, match="already backs"):
        ServiceContract.award(
            community_id=c.id,
            number=2,
            mode="PROFESSIONAL",
            company_id=ANJU,
            decision=d,
            decisions_used=frozenset({d.id}),
            predecessor_id=contract_id(c.id, 1),
            term_start=date(2025, 1, 1),
            term_end=date(2026, 1, 1),
            fee_per_m2_month="1",
            pricing="LUMP_SUM",
            commission_rate=None,
            signed_on=date(2024, 12, 1),
        )


def test_community_custody_needs_neither_company_nor_decision_nor_end() -> None:
    c = community()
    custody = award(
        c, None, company=None, term=(date(2024, 1, 1), None), signed_on=date(2024, 1, 1)
    )
    custody.start(date(2024, 1, 1))
    assert custody.status_on(date(2099, 1, 1)) is ContractStatus.IN_FORCE
    with pytest.raises(InvalidValue, match="no company"):
        ServiceContract.award(
            community_id=c.id,
            number=1,
            mode="COMMUNITY_CUSTODY",
            company_id=ANJU,
            decision=None,
            predecessor_id=None,
            term_start=date(2024, 1, 1),
            term_end=None,
            fee_per_m2_month="0",
            pricing="LUMP_SUM",
            commission_rate=None,
            signed_on=date(2024, 1, 1),
        )


def test_the_fee_standard_and_commission_are_exact() -> None:
    assert fee_standard("f", "0.855") == Decimal("0.8550")
    with pytest.raises(InvalidValue, match="four decimal places"):
        fee_standard("f", "1.23456")
    with pytest.raises(InvalidValue, match="greater than zero"):
        fee_standard("f", "0")
    with pytest.raises(InvalidValue, match="amount"):
        fee_standard("f", "NaN")
    with pytest.raises(InvalidValue, match="between 0 and 1"):
        commission("r", "1")
    c = community()
    with pytest.raises(InvalidValue, match="required for 酬金制"):
        award(c, decision(c), pricing="COMMISSION")
    with pytest.raises(InvalidValue, match="only for 酬金制"):
        award(c, decision(c), rate="0.1")


def test_dismissal_needs_sixty_days_notice_to_the_day() -> None:
    # Given a contract in force and the owners' later decision to dismiss the company
    c = community()
    hire = decision(c)
    contract = award(c, hire)
    contract.start(date(2024, 7, 1))
    dismiss = decision(c, closes=date(2025, 3, 1))
    given_on = date(2025, 3, 2)

    # When the notice would take effect on the 59th day, it is refused
    with pytest.raises(RuleViolated, match="60 days' notice"):
        contract.give_dismissal_notice(dismiss, given_on, given_on + timedelta(days=59), TODAY)
    # And the decision that hired the company cannot dismiss it
    with pytest.raises(RuleViolated, match="hired the company"):
        contract.give_dismissal_notice(hire, given_on, given_on + timedelta(days=60), TODAY)
    # And on the 60th day it is accepted
    contract.give_dismissal_notice(dismiss, given_on, given_on + timedelta(days=60), TODAY)

    # Then the contract is ending, still served until a successor takes over
    assert contract.status_on(date(2025, 3, 3)) is ContractStatus.ENDING
    assert contract.status_on(date(2026, 1, 1)) is ContractStatus.ENDING
    assert contract.earliest_hand_over() == date(2025, 5, 1)


def test_non_renewal_needs_ninety_days_before_the_term_ends() -> None:
    # Given a contract whose term ends on 2027-06-30
    c = community()
    contract = started(c)
    last_day = date(2027, 6, 30) - timedelta(days=90)

    # When the company declines one day too late, it is refused
    with pytest.raises(RuleViolated, match="90 days' notice"):
        contract.give_non_renewal_notice(last_day + timedelta(days=1), TODAY)
    # And on the last day it is accepted, ending with the term
    assert contract.give_non_renewal_notice(last_day, TODAY) == date(2027, 7, 1)
    assert contract.status_on(last_day) is ContractStatus.ENDING
    # And a second notice is refused
    with pytest.raises(RuleViolated, match="already given"):
        contract.give_non_renewal_notice(last_day, TODAY)


def test_after_its_term_without_a_decision_the_contract_runs_on_indefinitely() -> None:
    c = community()
    contract = started(c)
    assert contract.status_on(date(2027, 6, 30)) is ContractStatus.IN_FORCE
    assert contract.status_on(date(2027, 7, 1)) is ContractStatus.RUNNING_ON_INDEFINITELY
    assert contract.status_on(date(2035, 1, 1)) is ContractStatus.RUNNING_ON_INDEFINITELY
    # And then the company may end it with 60 days' notice (art. 948)
    with pytest.raises(RuleViolated, match="60 days' notice"):
        contract.give_non_renewal_notice(date(2028, 1, 1), TODAY, date(2028, 2, 29))
    assert contract.give_non_renewal_notice(date(2028, 1, 1), TODAY) == date(2028, 3, 1)


def test_notices_are_not_given_in_the_future_or_before_the_start() -> None:
    c = community()
    contract = award(c, decision(c))
    with pytest.raises(RuleViolated, match="not started"):
        contract.give_non_renewal_notice(date(2024, 6, 2), TODAY)
    contract.start(date(2024, 7, 1))
    with pytest.raises(InvalidValue, match="future"):
        contract.give_non_renewal_notice(TODAY + timedelta(days=1), TODAY)
    with pytest.raises(RuleViolated, match="already started"):
        contract.start(date(2024, 7, 2))


def successor_of(c: Community, old: ServiceContract, signed_on: date) -> ServiceContract:
    new = award(
        c,
        decision(c, closes=signed_on - timedelta(days=10)),
        number=2,
        company=HONGTA,
        predecessor=old.id,
        term=(signed_on + timedelta(days=30), signed_on + timedelta(days=3 * 365)),
        signed_on=signed_on,
    )
    old.accept_successor(new)
    return new


def test_the_old_company_serves_until_the_successor_takes_over() -> None:
    # Given a contract and a successor awarded within its term
    c = community()
    old = started(c)
    new = successor_of(c, old, date(2027, 3, 1))
    assert old.status_on(date(2027, 3, 1)) is ContractStatus.ENDING
    with pytest.raises(RuleViolated, match="already has a successor"):
        old.accept_successor(new)

    # When the hand-over is asked for before the term is over, it is refused
    with pytest.raises(RuleViolated, match="2027-07-01 at the earliest"):
        old.hand_over(new, date(2027, 6, 30))
    # And the successor cannot be started on its own
    with pytest.raises(RuleViolated, match="by the hand-over"):
        new.start(date(2027, 4, 1))

    # When it is handed over a month after the term ended
    old.hand_over(new, date(2027, 8, 1))
    new.take_over(old, date(2027, 8, 1))

    # Then the old contract served until the day before, the new one from that day
    assert old.status_on(date(2027, 7, 31)) is ContractStatus.ENDING
    assert old.status_on(date(2027, 8, 1)) is ContractStatus.HANDED_OVER
    assert new.status_on(date(2027, 7, 31)) is ContractStatus.AWARDED
    assert new.status_on(date(2027, 8, 1)) is ContractStatus.IN_FORCE
    with pytest.raises(RuleViolated, match="already handed over"):
        old.hand_over(new, date(2027, 8, 2))


def test_a_contract_running_on_indefinitely_is_handed_over_only_after_notice() -> None:
    # Given a contract past its term, and a successor decided on after the term
    c = community()
    old = started(c)
    new = successor_of(c, old, date(2028, 1, 10))

    # When the hand-over is asked for without notice, it is refused
    with pytest.raises(RuleViolated, match="give 60 days' notice"):
        old.hand_over(new, date(2028, 6, 1))

    # When the owners give notice, the hand-over is possible 60 days later
    old.give_dismissal_notice(
        decision(c, closes=date(2028, 1, 5)), date(2028, 1, 10), date(2028, 3, 10), TODAY
    )
    old.hand_over(new, date(2028, 3, 10))
    new.take_over(old, date(2028, 3, 10))
    assert new.started_on == date(2028, 3, 10)


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    length=st.integers(min_value=1, max_value=3000),
    day_offset=st.integers(min_value=-400, max_value=5000),
)
def test_the_status_follows_the_dates(start: date, length: int, day_offset: int) -> None:
    # Reference: before the start awarded, then in force through the last day of the term,
    # then running on indefinitely; never anything else without notice or successor.
    c = community()
    end = start + timedelta(days=length)
    contract = award(c, None, company=None, term=(start, end), signed_on=start, pricing="LUMP_SUM")
    contract.start(start)
    day = start + timedelta(days=day_offset)
    expected = (
        ContractStatus.AWARDED
        if day < start
        else ContractStatus.IN_FORCE
        if day <= end
        else ContractStatus.RUNNING_ON_INDEFINITELY
    )
    assert contract.status_on(day) is expected
