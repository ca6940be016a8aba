"""健康指数 scoring: components, weights, coverage, risk flags, configurations, assessments."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.domain.errors import InvalidValue
from gongzhi.domain.health import (
    DEFAULT_HEALTH_CONFIG,
    HEALTH_CONFIGS,
    HealthAssessment,
    HealthConfig,
    HealthInputs,
    assess_health,
    half_year,
    health_config,
    previous_half_year,
)

PERIOD = half_year("2026H2")


def scores(result: dict[str, object]) -> dict[str, str | None]:
    return {c["key"]: c["score"] for c in result["components"]}  # type: ignore[attr-defined,index]


def test_each_component_scores_its_inputs_as_documented() -> None:
    inputs = HealthInputs(
        facilities_in_use=10,
        facilities_faulty=1,
        facilities_past_life=2,  # 90 % working less half of 20 % aged: 80
        inspections_scheduled=8,
        inspections_overdue=2,  # 75
        defects_minor=1,
        defects_major=1,  # 100 - 5 - 15: 80
        sla_deadlines=3,
        sla_met=2,  # 66.7
        billed_fen=300,
        collected_fen=200,  # 66.7
        fund_balance_fen=200,
        fund_first_deposits_fen=1000,  # 20 % of a 30 % line: 66.7
        committee_in_office=True,
        party_organisation=True,  # 40 + 30: 70
        ratings=4,
        satisfied_ratings=3,  # 75
        complaints=1,
        households=40,  # 2.5 per 100 households: 100 - 50 = 50
    )
    result = assess_health(DEFAULT_HEALTH_CONFIG, inputs)
    assert scores(result) == {
        "facility_condition": "80.0",
        "inspections": "75.0",
        "open_defects": "80.0",
        "sla": "66.7",
        "fee_collection": "66.7",
        "fund_adequacy": "66.7",
        "governance": "70.0",
        "satisfaction": "75.0",
        "complaints": "50.0",
    }
    # Weighted by 15/10/10/15/10/10/15/10/5 of 100
    weighted = (
        Decimal("80.0") * 15
        + Decimal("75.0") * 10
        + Decimal("80.0") * 10
        + Decimal("66.7") * 15
        + Decimal("66.7") * 10
        + Decimal("66.7") * 10
        + Decimal("70.0") * 15
        + Decimal("75.0") * 10
        + Decimal("50.0") * 5
    ) / 100
    assert result["index"] == str(weighted.quantize(Decimal("0.1")))
    assert result["coverage"] == 100
    assert result["flags"] == ["FUND_BELOW_30", "NO_SERVICE"]


V1 = HEALTH_CONFIGS["gongzhi-health/1"]


def test_in_version_1_components_without_data_were_left_out_and_the_rest_reweighted() -> None:
    # Only governance has data (it always has): the index is its score, coverage 15
    result = assess_health(V1, HealthInputs(contract_in_force=True))
    assert result["index"] == "30.0"
    assert result["coverage"] == 15
    assert [k for k, s in scores(result).items() if s is not None] == ["governance"]


def test_missing_data_counts_at_the_penalty_and_never_raises_the_index() -> None:
    # Given only governance with data (30 of 100, weight 15)
    result = assess_health(DEFAULT_HEALTH_CONFIG, HealthInputs(contract_in_force=True))
    # Then the other components count at the configured 0: 30 × 15 / 100
    assert (result["index"], result["coverage"]) == ("4.5", 15)
    counted = {c["key"]: c["counted"] for c in result["components"]}
    assert counted["sla"] == "0" and counted["governance"] == "30.0"
    assert DEFAULT_HEALTH_CONFIG.min_coverage == 60


@given(
    sla_met=st.integers(0, 10),
    has_facilities=st.booleans(),
    faulty=st.integers(0, 5),
)
def test_adding_any_data_to_a_missing_component_never_lowers_the_index(
    sla_met: int, has_facilities: bool, faulty: int
) -> None:
    # Missing data must not raise a rank: with data, whatever it says, the index is as high
    base = HealthInputs(contract_in_force=True, sla_deadlines=10, sla_met=sla_met)
    more = replace(base, facilities_in_use=5 if has_facilities else 0, facilities_faulty=faulty)
    without = Decimal(assess_health(DEFAULT_HEALTH_CONFIG, base)["index"])
    with_data = Decimal(assess_health(DEFAULT_HEALTH_CONFIG, more)["index"])
    assert with_data >= without


def test_scores_are_clamped_to_0_and_100() -> None:
    many = HealthInputs(facilities_in_use=1, defects_critical=5, complaints=50, households=10)
    result = scores(assess_health(DEFAULT_HEALTH_CONFIG, many))
    assert (result["open_defects"], result["complaints"]) == ("0.0", "0.0")
    rich = HealthInputs(fund_balance_fen=5000, fund_first_deposits_fen=1000)
    assert scores(assess_health(DEFAULT_HEALTH_CONFIG, rich))["fund_adequacy"] == "100.0"


@pytest.mark.parametrize(
    ("inputs", "flag"),
    [
        (HealthInputs(fire_groups_required=3, fire_groups_covered=2), "FIRE_SAFETY_INCOMPLETE"),
        (HealthInputs(elevator_inspection_overdue=True), "ELEVATOR_INSPECTION_OVERDUE"),
        (HealthInputs(fund_balance_fen=299, fund_first_deposits_fen=1000), "FUND_BELOW_30"),
        (HealthInputs(committee_term_expired=True), "COMMITTEE_TERM_EXPIRED"),
        (HealthInputs(defects_critical=1), "CRITICAL_DEFECT_OPEN"),
    ],
)
def test_each_risk_flag_is_raised_by_its_condition(inputs: HealthInputs, flag: str) -> None:
    served = replace(inputs, contract_in_force=True)
    assert assess_health(DEFAULT_HEALTH_CONFIG, served)["flags"] == [flag]


def test_exactly_30_percent_is_not_below_the_line() -> None:
    at_line = HealthInputs(
        fund_balance_fen=300, fund_first_deposits_fen=1000, contract_in_force=True
    )
    result = assess_health(DEFAULT_HEALTH_CONFIG, at_line)
    assert result["flags"] == []
    assert scores(result)["fund_adequacy"] == "100.0"


def test_weights_must_name_known_components_and_sum_to_100() -> None:
    with pytest.raises(ValueError, match="sum to 100"):
        HealthConfig("bad", 1, {"sla": 50, "governance": 40})
    with pytest.raises(ValueError, match="known components"):
        HealthConfig("bad", 1, {"sla": 50, "beauty": 50})


def test_configurations_by_name_or_version_and_unknown_ones_refused() -> None:
    assert health_config(None) is DEFAULT_HEALTH_CONFIG
    assert health_config("gongzhi-health") is DEFAULT_HEALTH_CONFIG
    assert health_config("gongzhi-health/2") is DEFAULT_HEALTH_CONFIG
    assert health_config("gongzhi-health/1") is V1
    with pytest.raises(InvalidValue) as refused:
        health_config("gongzhi-health/9")
    assert refused.value.field == "config"


def test_periods_are_half_years() -> None:
    assert (PERIOD.start, PERIOD.end) == (date(2026, 7, 1), date(2026, 12, 31))
    assert previous_half_year(PERIOD).label == "2026H1"
    assert previous_half_year(half_year("2026H1")).label == "2025H2"
    for bad in ("2026Q3", "2026H3", "H1", ""):
        with pytest.raises(InvalidValue):
            half_year(bad)


def test_an_assessment_records_a_revision_only_when_the_result_changes() -> None:
    community = uuid4()
    first = assess_health(DEFAULT_HEALTH_CONFIG, HealthInputs(defects_critical=1))
    assessment = HealthAssessment.assess(
        community_id=community,
        district="红塔区",
        period=PERIOD,
        config=DEFAULT_HEALTH_CONFIG,
        as_of=date(2026, 11, 23),
        result=first,
    )
    assert assessment.id == HealthAssessment.id_for(community, PERIOD, DEFAULT_HEALTH_CONFIG)
    assert assessment.reassess(date(2026, 11, 24), dict(first)) is False
    later = assess_health(DEFAULT_HEALTH_CONFIG, HealthInputs())
    assert assessment.reassess(date(2026, 11, 24), later) is True
    assert (assessment.revision, assessment.result) == (2, later)
    assert [type(e).__name__ for e in assessment.collect_events()] == ["Assessed", "Revised"]


counts = st.integers(min_value=0, max_value=10_000)


@given(st.builds(HealthInputs, **{f.name: counts for f in fields(HealthInputs) if f.type == "int"}))
def test_the_index_is_always_between_0_and_100(inputs: HealthInputs) -> None:
    result = assess_health(DEFAULT_HEALTH_CONFIG, inputs)
    assert Decimal(0) <= Decimal(result["index"]) <= Decimal(100)
    assert 15 <= result["coverage"] <= 100
