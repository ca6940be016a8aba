"""住宅专项维修资金 as an aggregate: deposits by rule, interest and payouts split exactly,
the 30 % rule and its notices, and the steps of ordinary and emergency use."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.domain.errors import InvalidValue, RuleViolated, UnknownPart
from gongzhi.domain.fund import MaintenanceFund
from gongzhi.domain.fund_rules import DepositRule, ceil_share

ON = date(2026, 3, 1)
COMMITTEE = uuid4()


def fund(*areas: str, kind: str = "COMMODITY") -> tuple[MaintenanceFund, list[UUID]]:
    """A fund at 6 % of 2,000 元/m² (商品房) and 2 % of 1,500 元/m² (房改房)."""
    f = MaintenanceFund.open(uuid4(), "0.06", "2000", "1500")
    units = [uuid4() for _ in areas]
    for unit, area in zip(units, areas, strict=True):
        f.deposit_first(unit, kind, Decimal(area), ON)
    return f, units


def assert_balanced(f: MaintenanceFund) -> None:
    assert f.balance_fen == sum(a.balance_fen for a in f.accounts.values())
    assert all(a.balance_fen >= 0 for a in f.accounts.values())


def test_first_deposits_follow_the_rule_for_commodity_and_reform_housing() -> None:
    # Given a fund at 6 % of 2,000 元/m² and 2 % of 1,500 元/m²
    f, (a,) = fund("80.00")
    b = uuid4()
    # When a 房改房 of 60.5 m² deposits
    fen = f.deposit_first(b, "REFORM", Decimal("60.50"), ON)
    # Then 商品房 80 m² pays 9,600 元 and 房改房 60.5 m² pays 1,815 元
    assert f.accounts[a].first_deposit_fen == 960_000
    assert fen == 181_500
    assert f.first_deposits_fen == 1_141_500
    # And the event keeps the rule version, rate and price it was made under
    event = f.collect_events()[-1]
    assert isinstance(event, MaintenanceFund.FirstDeposited)
    assert (event.rule_version, event.rate, event.price_per_m2) == (
        1,
        Decimal("0.02"),
        Decimal(1500),
    )


def test_a_rule_outside_five_to_eight_percent_or_a_second_first_deposit_is_refused() -> None:
    with pytest.raises(InvalidValue) as error:
        MaintenanceFund.open(uuid4(), "0.09", "2000", "1500")
    assert error.value.field == "commodityRate"
    f, (a,) = fund("80")
    with pytest.raises(RuleViolated):
        f.deposit_first(a, "COMMODITY", Decimal(80), ON)
    with pytest.raises(InvalidValue) as error:
        f.deposit_first(uuid4(), "VILLA", Decimal(80), ON)
    assert error.value.field == "housingKind"
    # And a changed rule is a new version, used by later deposits only
    f.change_rule("0.08", "2000", "1500")
    assert f.rule.version == 2
    assert f.accounts[a].first_deposit_fen == 960_000


areas = st.lists(
    st.decimals(min_value=Decimal("10.00"), max_value=Decimal("300.00"), places=2),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(areas, st.integers(min_value=1, max_value=10**9))
def test_interest_is_split_by_balance_to_the_fen(unit_areas: list[Decimal], interest: int) -> None:
    # Given sub-accounts of various areas
    f, _ = fund(*map(str, unit_areas))
    before = {u: a.balance_fen for u, a in f.accounts.items()}
    # When interest is allocated
    f.allocate_interest(interest, ON)
    # Then it is shared exactly, each share within one fen of its proportional part
    gained = {u: f.accounts[u].balance_fen - before[u] for u in before}
    assert sum(gained.values()) == interest
    total = sum(before.values())
    for unit, share in gained.items():
        assert abs(Decimal(share) - Decimal(interest) * before[unit] / total) < 1
    assert_balanced(f)


@settings(max_examples=60, deadline=None)
@given(areas, st.data())
def test_a_payout_is_split_by_area_exactly_or_refused_whole(
    unit_areas: list[Decimal], data: st.DataObject
) -> None:
    # Given an approved ordinary use over some of the units
    f, units = fund(*map(str, unit_areas))
    affected = data.draw(st.lists(st.sampled_from(units), min_size=1, unique=True))
    amount = data.draw(st.integers(min_value=1, max_value=f.balance_fen * 2))
    before = {u: a.balance_fen for u, a in f.accounts.items()}
    # When it is proposed, approved and paid
    try:
        use = f.propose_use(
            kind="ORDINARY",
            emergency=None,
            decision_id=uuid4(),
            title="屋面防水",
            contractor="某建筑公司",
            amount_fen=amount,
            unit_ids=affected,
            on=ON,
        )
        f.approve_use(use, COMMITTEE, ON)
        f.pay_use(use, ON)
    except RuleViolated as refused:
        # Then an overdraft is refused from the proposal on and changes nothing
        assert "overdraft" in refused.message
        assert {u: a.balance_fen for u, a in f.accounts.items()} == before
        assert all(u.status != "PAID" for u in f.uses.values())
        return
    # Then the affected units pay the whole amount between them, the others nothing
    paid = {u: before[u] - f.accounts[u].balance_fen for u in before}
    assert sum(paid.values()) == amount
    assert all(paid[u] == 0 for u in units if u not in affected)
    assert_balanced(f)


@settings(max_examples=40, deadline=None)
@given(
    areas,
    st.lists(
        st.tuples(st.sampled_from(["top_up", "interest", "income", "pay"]), st.integers(1, 10**7)),
        max_size=15,
    ),
)
def test_the_balance_is_the_sum_of_sub_accounts_after_every_step(
    unit_areas: list[Decimal], steps: list[tuple[str, int]]
) -> None:
    f, units = fund(*map(str, unit_areas))
    for step, amount in steps:
        try:
            if step == "top_up":
                f.top_up(units[amount % len(units)], amount, ON)
            elif step == "interest":
                f.allocate_interest(amount, ON)
            elif step == "income":
                f.transfer_common_income(uuid4(), "2026-02", amount if amount % 3 else -amount)
            else:
                use = f.propose_use(
                    kind="EMERGENCY",
                    emergency="ELEVATOR_FAILURE",
                    decision_id=None,
                    title="电梯抢修",
                    contractor="电梯公司",
                    amount_fen=amount,
                    unit_ids=units[: 1 + amount % len(units)],
                    on=ON,
                )
                f.review_emergency(use, COMMITTEE, ON)
                f.confirm_emergency(use, ON)
                f.pay_use(use, ON)
        except RuleViolated:
            pass
        assert_balanced(f)


def test_units_below_thirty_percent_get_one_notice_per_round() -> None:
    # Given two units, one spent down below 30 % of its first deposit
    f, (a, _) = fund("100", "100")
    use = f.propose_use(
        kind="EMERGENCY",
        emergency="ROOF_OR_WALL_LEAK",
        decision_id=None,
        title="屋面渗漏",
        contractor="防水公司",
        amount_fen=900_000,
        unit_ids=[a],
        on=ON,
    )
    f.review_emergency(use, COMMITTEE, ON)
    f.confirm_emergency(use, ON)
    f.pay_use(use, ON)
    assert [x.unit_id for x in f.units_below_threshold()] == [a]
    assert not f.below_threshold()
    # When notices of round 2026-Q1 are sent twice
    assert f.send_top_up_notices("2026-Q1") == 1
    assert f.send_top_up_notices("2026-Q1") == 0
    # Then a new round notices the unit again; a top-up lifts it above the line
    assert f.send_top_up_notices("2026-Q2") == 1
    f.top_up(a, 400_000, ON)
    assert f.units_below_threshold() == []
    # And the audit of the paid emergency is still owed until recorded
    assert [u.id for u in f.unaudited_emergencies()] == [use]
    f.audit_emergency(use, "票据齐全，金额属实", ON)
    assert f.unaudited_emergencies() == []


def test_use_steps_are_checked() -> None:
    f, (a,) = fund("100")
    propose = dict(title="外墙", contractor="某公司", amount_fen=100, unit_ids=[a], on=ON)
    # An ordinary use needs a decision; an emergency must be one of the six
    with pytest.raises(RuleViolated) as refused:
        f.propose_use(kind="ORDINARY", emergency=None, decision_id=None, **propose)  # type: ignore[arg-type]
    assert refused.value.field == "decisionId"
    with pytest.raises(InvalidValue) as invalid:
        f.propose_use(kind="EMERGENCY", emergency="FLOOD", decision_id=None, **propose)  # type: ignore[arg-type]
    assert invalid.value.field == "emergency"
    with pytest.raises(UnknownPart) as unknown:
        f.propose_use(
            kind="EMERGENCY",
            emergency="FACADE_HAZARD",
            decision_id=None,
            **{**propose, "unit_ids": [a, uuid4()]},  # type: ignore[arg-type]
        )
    assert unknown.value.field == "unitIds.1"
    # An emergency is not paid before the street office confirms it
    use = f.propose_use(kind="EMERGENCY", emergency="FACADE_HAZARD", decision_id=None, **propose)  # type: ignore[arg-type]
    with pytest.raises(RuleViolated):
        f.confirm_emergency(use, ON)
    f.review_emergency(use, COMMITTEE, ON)
    with pytest.raises(RuleViolated):
        f.pay_use(use, ON)
    with pytest.raises(RuleViolated):
        f.approve_use(use, COMMITTEE, ON)
    # One decision backs one use
    decision = uuid4()
    f.propose_use(kind="ORDINARY", emergency=None, decision_id=decision, **propose)  # type: ignore[arg-type]
    with pytest.raises(RuleViolated):
        f.propose_use(kind="ORDINARY", emergency=None, decision_id=decision, **propose)  # type: ignore[arg-type]


@given(
    st.integers(min_value=0, max_value=10**12), st.decimals(Decimal("0.01"), Decimal(1), places=2)
)
def test_the_funds_share_of_net_income_is_never_below_the_share(net: int, share: Decimal) -> None:
    part = ceil_share(net, share)
    assert Decimal(net) * share <= part < Decimal(net) * share + 1


def test_deposit_rules_round_half_a_fen_up() -> None:
    rule = DepositRule.checked(1, "0.05", "1000.01", "1000")
    # 0.05 × 1000.01 × 0.01 m² = 0.5000050 元 → 50.0005 fen → 50 fen
    assert rule.first_deposit_fen("COMMODITY", Decimal("0.01"))[2] == 50
    # 0.02 × 1000 × 0.25 m² = 5 元 exactly
    assert rule.first_deposit_fen("REFORM", Decimal("0.25"))[2] == 500
