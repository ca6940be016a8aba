"""信用评价: rule sets, grades, caps, validity windows, vetoes, the file and its repairs."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.domain.credit_evaluation import CreditEvaluation
from gongzhi.domain.credit_file import CreditFile
from gongzhi.domain.credit_rule_sets import (
    DEFAULT_RULE_SET,
    LIANYUNGANG_BASE_90,
    LIANYUNGANG_BASE_90_V2,
    SHANDONG_YANTAI_2022,
    SHANDONG_YANTAI_2022_V2,
    SHANDONG_YANTAI_2022_V3,
    credit_rule_set,
)
from gongzhi.domain.credit_rules import CreditRuleSet, IndicatorValue, Period, ScoredRecord, assess
from gongzhi.domain.errors import InvalidValue, RuleViolated, UnknownPart

YANTAI, LYG = SHANDONG_YANTAI_2022, LIANYUNGANG_BASE_90
YANTAI_2, LYG_2 = SHANDONG_YANTAI_2022_V2, LIANYUNGANG_BASE_90_V2
YANTAI_3 = SHANDONG_YANTAI_2022_V3
Q3 = Period.parse("2026Q3")


def record(kind: str, on: date, **extra: object) -> ScoredRecord:
    return ScoredRecord(id=uuid4(), kind=kind, recorded_on=on, **extra)  # type: ignore[arg-type]


def values(**figures: int) -> dict[str, IndicatorValue]:
    return {name: IndicatorValue(Decimal(v)) for name, v in figures.items()}


# --- periods ---------------------------------------------------------------------------------


def test_a_quarter_and_a_half_year_span_their_months() -> None:
    assert (Q3.start, Q3.end) == (date(2026, 7, 1), date(2026, 9, 30))
    assert Period.parse("2026h1").end == date(2026, 6, 30)
    assert Period.parse("2026Q4").next().label == "2027Q1"


@pytest.mark.parametrize("text", ["2026Q5", "2026H3", "26Q1", "2026-Q1", ""])
def test_a_period_that_is_not_a_quarter_or_half_year_is_refused(text: str) -> None:
    with pytest.raises(InvalidValue) as error:
        Period.parse(text)
    assert error.value.field == "period"


# --- Yantai 2022: capped sections, grades, the clean floor ---------------------------------


def test_yantai_scores_basic_information_plus_good_records_minus_bad_ones() -> None:
    # Given 5 communities served, an approved party organisation, 4 party members, a
    # cross-appointment and 3 red stewards; a provincial honour and one court loss
    indicators = values(
        management_scale=5,
        party_organisation=1,
        party_members_among_staff=4,
        cross_appointments=1,
        red_stewards=3,
    )
    honour = record("HONOUR", date(2026, 5, 1), level="PROVINCIAL")
    loss = record("COURT_LOSS", date(2026, 8, 1))

    # When assessed for 2026Q3
    result = assess(YANTAI, Q3, [honour, loss], indicators)

    # Then basic = 40 + 10 + 6 + 6 + 6 = 68, good 15, bad -5: 78 → A
    assert result.sections["BASIC"] == {"raw": 68, "cap": 80, "counted": 68}
    assert result.score == 78
    assert result.grade == "A"
    lines = {c.key: c for c in result.contributions}
    assert lines[str(honour.id)].points == 15
    assert lines[str(loss.id)].points == -5
    assert lines["management_scale"].value == "5"


@pytest.mark.parametrize(
    ("score", "grade"),
    [(100, "AAA"), (85, "AAA"), (84, "AA"), (80, "AA"), (79, "A"), (70, "A"), (69, "B"), (60, "B")],
)
def test_yantai_grade_boundaries(score: int, grade: str) -> None:
    assert YANTAI.grade_for(score, vetoed=False, bad_record=True) == grade


def test_below_sixty_is_c_with_a_bad_record_and_b_without() -> None:
    assert YANTAI.grade_for(59, vetoed=False, bad_record=True) == "C"
    assert YANTAI.grade_for(59, vetoed=False, bad_record=False) == "B"
    assert YANTAI.grade_for(0, vetoed=False, bad_record=False) == "B"


@given(
    scale=st.integers(0, 30),
    members=st.integers(0, 20),
    honours=st.lists(st.sampled_from(["NATIONAL", "PROVINCIAL", "CITY", "DISTRICT", "STREET"])),
    losses=st.integers(0, 12),
)
def test_yantai_caps_basic_at_80_and_good_at_40_and_never_caps_bad(
    scale: int, members: int, honours: list[str], losses: int
) -> None:
    indicators = values(
        management_scale=scale,
        party_organisation=1,
        party_members_among_staff=members,
        cross_appointments=1,
        red_stewards=3,
    )
    on = date(2026, 7, 15)
    records = [record("HONOUR", on, level=level) for level in honours]
    records += [record("ARBITRATION_LOSS", on) for _ in range(losses)]
    result = assess(YANTAI, Q3, records, indicators)
    basic, good, bad = (result.sections[s] for s in ("BASIC", "GOOD", "BAD"))
    assert basic["counted"] == min(basic["raw"] or 0, 80)
    assert good["counted"] == min(good["raw"] or 0, 40)
    assert bad["counted"] == -5 * losses
    assert result.score == basic["counted"] + good["counted"] - 5 * losses  # type: ignore[operator]
    expected = next(g for g, m in YANTAI.grades if m is None or result.score >= m)
    if expected == "C" and losses == 0:
        expected = "B"
    assert result.grade == expected


# --- validity windows -----------------------------------------------------------------------


@given(
    on=st.dates(date(2024, 1, 1), date(2027, 12, 31)),
    days=st.one_of(st.none(), st.integers(0, 800)),
)
def test_a_record_counts_in_a_period_exactly_while_in_force(on: date, days: int | None) -> None:
    valid_until = None if days is None else on + timedelta(days=days)
    loss = record("PENALTY", on, valid_until=valid_until)
    # One year: up to the day before the anniversary (29 February's is the 28th)
    anniversary = date(on.year + 1, on.month, 28 if (on.month, on.day) == (2, 29) else on.day)
    last = valid_until or anniversary - timedelta(days=1)
    counted = bool(assess(YANTAI, Q3, [loss], {}).sections["BAD"]["counted"])
    assert counted == (on <= Q3.end and last >= Q3.start)


def test_without_a_validity_a_record_counts_for_one_year() -> None:
    loss = record("COURT_LOSS", date(2025, 7, 1))
    assert loss.counts_in(Period.parse("2026Q2"), 12)
    assert not loss.counts_in(Q3, 12)  # expired on 2026-06-30


def test_a_withdrawn_record_never_counts_and_a_repaired_one_stops_at_its_repair() -> None:
    assert not record("PENALTY", date(2026, 7, 2), withdrawn=True).counts_in(Q3, 12)
    repaired = record("PENALTY", date(2026, 1, 2), repaired_on=date(2026, 8, 1))
    assert repaired.counts_in(Period.parse("2026Q2"), 12)
    assert not repaired.counts_in(Q3, 12)


# --- Lianyungang: base 90, vetoes -------------------------------------------------------------


def test_lianyungang_starts_at_90_and_adds_honours_by_level() -> None:
    records = [
        record("HONOUR", date(2026, 7, 1), level=level)
        for level in ("NATIONAL", "PROVINCIAL", "CITY", "DISTRICT", "STREET")
    ]
    records.append(record("UNAUTHORISED_PRICE_CHANGE", date(2026, 7, 3)))
    result = assess(LYG, Q3, records, {})
    assert result.score == 90 + 15 - 5
    assert result.grade == "AA"


@given(extra=st.integers(-90, 200))
def test_a_veto_item_gives_the_lowest_grade_whatever_the_score(extra: int) -> None:
    assert LYG.grade_for(90 + extra, vetoed=True, bad_record=True) == "B"


def test_a_veto_record_is_shown_and_vetoes() -> None:
    veto = record("VETO", date(2026, 7, 1), veto_kind="MAINTENANCE_FUND_MISUSED")
    honours = [record("HONOUR", date(2026, 7, 1), level="NATIONAL") for _ in range(12)]
    result = assess(LYG, Q3, [veto, *honours], {})
    assert result.score == 150
    assert (result.vetoed, result.grade) == (True, "B")


def test_in_yantai_a_serious_breach_is_a_veto_to_the_blacklist_below_c_whatever_the_score() -> None:
    # Given a company whose figures and honours reach 92, and a record of 严重失信 (misusing
    # the maintenance fund) in the quarter
    figures = values(
        management_scale=10,
        party_organisation=1,
        party_members_among_staff=6,
        cross_appointments=1,
        red_stewards=3,
        sla_on_time_rate=98,
    )
    honours = [record("HONOUR", date(2026, 7, 1), level="NATIONAL") for _ in range(2)]
    veto = record("VETO", date(2026, 7, 2), veto_kind="MAINTENANCE_FUND_MISUSED")

    # When it is assessed under Yantai 2022 version 3
    result = assess(YANTAI_3, Q3, [veto, *honours], figures)

    # Then its score still shows the 20 points, but the grade is 黑名单, below C, and the
    # veto names the record
    assert result.score == 52 + 40 - 20
    assert (result.vetoed, result.grade) == (True, "黑名单")
    assert [c.key for c in result.contributions if c.veto] == [str(veto.id)]
    # And whatever the score, a veto gives 黑名单; without one, the bands as before
    assert YANTAI_3.grade_for(200, vetoed=True, bad_record=True) == "黑名单"
    assert YANTAI_3.grade_for(40, vetoed=False, bad_record=True) == "C"
    # And version 2 stays as published: the same record only cost 20 points (A)
    assert assess(YANTAI_2, Q3, [veto, *honours], figures).grade == "A"


def test_a_veto_grade_among_the_bands_is_refused() -> None:
    with pytest.raises(InvalidValue):
        dataclasses.replace(YANTAI_3, veto_grade="C")


@pytest.mark.parametrize(
    ("score", "grade"), [(140, "AAAA"), (139, "AAA"), (100, "AA"), (85, "A"), (84, "B")]
)
def test_lianyungang_grade_boundaries(score: int, grade: str) -> None:
    assert LYG.grade_for(score, vetoed=False, bad_record=False) == grade


def test_an_indicator_nobody_provides_yet_earns_nothing_and_says_so() -> None:
    result = assess(YANTAI, Q3, [], {})
    assert all(c.points == 0 and c.value is None for c in result.contributions)
    assert result.grade == "B"  # no bad record


def test_rule_sets_are_found_by_key_or_name_and_unknown_ones_refused() -> None:
    assert credit_rule_set(None) is YANTAI_3 is DEFAULT_RULE_SET
    assert credit_rule_set("shandong-yantai-2022") is YANTAI_3
    assert credit_rule_set("shandong-yantai-2022/2") is YANTAI_2
    assert credit_rule_set("shandong-yantai-2022/1") is YANTAI
    assert credit_rule_set("lianyungang-base-90") is LYG_2
    assert credit_rule_set("lianyungang-base-90/1") is LYG
    with pytest.raises(InvalidValue):
        credit_rule_set("beijing-2026")
    with pytest.raises(InvalidValue):
        assess(YANTAI, Period.parse("2026H1"), [], {})


# --- version 2: service quality from the platform's events ------------------------------------


def points(rules: CreditRuleSet, indicator: str, value: str) -> int:
    rule = next(r for r in rules.indicator_rules if r.indicator == indicator)
    return rule.points_for(Decimal(value))


def test_version_1_of_each_rule_set_is_left_as_it_was() -> None:
    # Earlier evaluations name version 1 and must come out the same when reproduced
    for v1 in (YANTAI, LYG):
        assert {r.indicator for r in v1.indicator_rules} == {
            "management_scale",
            "party_organisation",
            "party_members_among_staff",
            "cross_appointments",
            "red_stewards",
        }
    assert points(YANTAI, "management_scale", "10") == 50
    assert points(YANTAI, "party_organisation", "1") == 10


@pytest.mark.parametrize(
    ("indicator", "value", "yantai", "lianyungang"),
    [
        ("sla_on_time_rate", "79.99", 0, 0),
        ("sla_on_time_rate", "80", 3, 0),
        ("sla_on_time_rate", "89.99", 3, 0),
        ("sla_on_time_rate", "90", 6, 1),
        ("sla_on_time_rate", "95", 9, 2),
        ("sla_on_time_rate", "97.99", 9, 2),
        ("sla_on_time_rate", "98", 12, 3),
        ("sla_on_time_rate", "100", 12, 3),
        ("fee_collection_rate", "69.99", 0, 0),
        ("fee_collection_rate", "70", 3, 0),
        ("fee_collection_rate", "80", 6, 1),
        ("fee_collection_rate", "94.99", 10, 2),
        ("fee_collection_rate", "95", 14, 3),
        ("satisfaction", "70", 3, 0),
        ("satisfaction", "89.99", 6, 1),
        ("satisfaction", "96.99", 10, 2),
        ("satisfaction", "97", 14, 3),
        ("sla_breaches_per_100_orders", "0", 0, 0),
        ("sla_breaches_per_100_orders", "0.01", -1, -1),
        ("sla_breaches_per_100_orders", "5", -1, -1),
        ("sla_breaches_per_100_orders", "5.01", -3, -3),
        ("sla_breaches_per_100_orders", "10", -3, -3),
        ("sla_breaches_per_100_orders", "10.01", -6, -6),
        ("sla_breaches_per_100_orders", "250", -6, -6),
        ("complaint_rate", "0", 0, 0),
        ("complaint_rate", "1", -1, -1),
        ("complaint_rate", "1.01", -3, -3),
        ("complaint_rate", "3", -3, -3),
        ("complaint_rate", "3.01", -6, -6),
    ],
)
def test_service_quality_bands_meet_at_the_hundredth(
    indicator: str, value: str, yantai: int, lianyungang: int
) -> None:
    assert (points(YANTAI_2, indicator, value), points(LYG_2, indicator, value)) == (
        yantai,
        lianyungang,
    )


@given(
    value=st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False),
    indicator=st.sampled_from(
        ["sla_on_time_rate", "fee_collection_rate", "satisfaction", "complaint_rate"]
    ),
)
def test_every_value_to_the_hundredth_falls_in_at_most_one_band(
    value: Decimal, indicator: str
) -> None:
    for rules in (YANTAI_2, LYG_2):
        rule = next(r for r in rules.indicator_rules if r.indicator == indicator)
        inside = [
            b
            for b in rule.bands
            if value >= b.minimum and (b.maximum is None or value <= b.maximum)
        ]
        assert len(inside) <= 1


def top_marks(**overrides: str) -> dict[str, IndicatorValue]:
    figures = {
        "management_scale": "10",
        "party_organisation": "1",
        "party_members_among_staff": "6",
        "cross_appointments": "1",
        "red_stewards": "3",
        "sla_on_time_rate": "100",
        "fee_collection_rate": "98.5",
        "satisfaction": "97.2",
        **overrides,
    }
    return {name: IndicatorValue(Decimal(v)) for name, v in figures.items()}


def test_yantai_v2_basic_information_reaches_80_only_with_top_service_quality() -> None:
    # Given a large red-property company with top service figures
    best = assess(YANTAI_2, Q3, [], top_marks())
    # Then scale 24 + red property 16 + service quality 12 + 14 + 14 is exactly the cap
    assert best.sections["BASIC"] == {"raw": 80, "cap": 80, "counted": 80}
    assert best.grade == "AA"
    # When its collection rate falls to 85 % and satisfaction to 75 %
    worse = assess(YANTAI_2, Q3, [], top_marks(fee_collection_rate="85", satisfaction="75"))
    # Then it loses 8 and 11 points: service quality still tells companies apart
    assert worse.sections["BASIC"]["counted"] == 80 - 8 - 11
    assert worse.grade == "B"


def test_event_deductions_are_never_capped_and_are_not_bad_records() -> None:
    # Given top marks but 12 breaches per 100 orders and 4 substantiated complaints per 100
    # households
    indicators = top_marks(sla_breaches_per_100_orders="12", complaint_rate="4")
    result = assess(YANTAI_2, Q3, [], indicators)
    # Then both take 6 from the score, in the bad section
    assert result.sections["BAD"] == {"raw": -12, "cap": None, "counted": -12}
    assert result.score == 68
    lines = {c.key: c for c in result.contributions}
    assert (lines["complaint_rate"].section, lines["complaint_rate"].points) == ("BAD", -6)
    # And they are figures, not 不良记录: below 60 a company without a record stays B
    low = assess(YANTAI_2, Q3, [], {"complaint_rate": IndicatorValue(Decimal(5))})
    assert (low.score, low.grade) == (-6, "B")


def test_lianyungang_v2_adds_service_quality_to_its_base_of_90() -> None:
    indicators = top_marks(sla_breaches_per_100_orders="3")
    result = assess(LYG_2, Q3, [], indicators)
    # 90 + scale 5 + red property 16 + service 3 + 3 + 3 - breaches 1 = 119: AA
    assert (result.score, result.grade) == (119, "AA")


def test_a_service_figure_with_nothing_to_measure_earns_nothing_and_says_so() -> None:
    # Given no orders, bills, ratings or households: the providers give no value
    result = assess(YANTAI_2, Q3, [], values(management_scale=1))
    lines = {c.key: c for c in result.contributions}
    for name in ("sla_on_time_rate", "fee_collection_rate", "satisfaction", "complaint_rate"):
        assert (lines[name].points, lines[name].value) == (0, None)
    assert result.score == 10


# --- the credit file --------------------------------------------------------------------------


def file_with(*entries: tuple[str, date]) -> tuple[CreditFile, list[object]]:
    file = CreditFile.open(uuid4())
    ids = [
        file.enter(
            kind=kind,
            recorded_on=on,
            authority="烟台市住建局",
            document_number=f"烟住建罚〔2026〕{i}号",
            entered_on=date(2027, 1, 1),
        )
        for i, (kind, on) in enumerate(entries)
    ]
    return file, ids


def test_an_honour_needs_its_level_and_a_veto_its_kind() -> None:
    file = CreditFile.open(uuid4())
    common = dict(authority="市住建局", document_number="1号", entered_on=date(2026, 7, 1))
    with pytest.raises(InvalidValue) as error:
        file.enter(kind="HONOUR", recorded_on=date(2026, 7, 1), **common)  # type: ignore[arg-type]
    assert error.value.field == "level"
    with pytest.raises(InvalidValue) as error:
        file.enter(kind="VETO", recorded_on=date(2026, 7, 1), **common)  # type: ignore[arg-type]
    assert error.value.field == "vetoKind"
    with pytest.raises(InvalidValue) as error:
        file.enter(kind="PENALTY", recorded_on=date(2026, 7, 2), **common)  # type: ignore[arg-type]
    assert error.value.field == "recordedOn"


def test_a_withdrawn_record_stays_in_the_file_but_no_longer_counts() -> None:
    file, (penalty,) = file_with(("PENALTY", date(2026, 7, 1)))
    file.withdraw(penalty, "录入错误", date(2026, 7, 5))  # type: ignore[arg-type]
    assert file.scored_records()[0].withdrawn
    with pytest.raises(RuleViolated):
        file.withdraw(penalty, "再次", date(2026, 7, 6))  # type: ignore[arg-type]
    with pytest.raises(UnknownPart):
        file.withdraw(uuid4(), "无此记录", date(2026, 7, 6))


def test_repair_needs_a_full_clean_quarter_after_the_record() -> None:
    # Given a penalty on 10 February (2026Q1): the clean quarter is 2026Q2
    file, (penalty,) = file_with(("PENALTY", date(2026, 2, 10)))
    # When the company asks during Q2, it is too early
    with pytest.raises(RuleViolated) as error:
        file.request_repair(penalty, "已整改", date(2026, 6, 30))  # type: ignore[arg-type]
    assert error.value.field == "requestedOn"
    # When it asks after Q2 and the regulator grants it
    file.request_repair(penalty, "已整改", date(2026, 7, 1))  # type: ignore[arg-type]
    file.decide_repair(penalty, "GRANTED", date(2026, 7, 3))  # type: ignore[arg-type]
    # Then the record stops counting from the period its repair falls in
    scored = file.scored_records()[0]
    assert scored.counts_in(Period.parse("2026Q2"), 12)
    assert not scored.counts_in(Q3, 12)


def test_a_new_bad_record_spoils_the_clean_cycle_and_vetoes_are_never_repaired() -> None:
    # Given a penalty in Q1, a court loss in Q2 and a veto item
    file, (first, _second, veto) = _veto_file()
    # Then neither the penalty (no clean quarter) nor the veto item can be repaired
    with pytest.raises(RuleViolated):
        file.request_repair(first, "已整改", date(2026, 8, 1))  # type: ignore[arg-type]
    with pytest.raises(RuleViolated):
        file.request_repair(veto, "已整改", date(2026, 8, 1))  # type: ignore[arg-type]


def _veto_file() -> tuple[CreditFile, list[object]]:
    file, ids = file_with(("PENALTY", date(2026, 2, 10)), ("COURT_LOSS", date(2026, 5, 1)))
    veto = file.enter(
        kind="VETO",
        veto_kind="REFUSED_TO_LEAVE",
        recorded_on=date(2026, 1, 1),
        authority="区住建局",
        document_number="1号",
        entered_on=date(2026, 1, 2),
    )
    return file, [*ids, veto]


# --- the evaluation ---------------------------------------------------------------------------


def evaluation(score_records: list[ScoredRecord]) -> CreditEvaluation:
    company = uuid4()
    return CreditEvaluation.evaluate(
        company_id=company,
        period=Q3,
        rules=YANTAI,
        districts=["芝罘区"],
        assessment=assess(YANTAI, Q3, score_records, {}),
        evaluated_on=date(2026, 10, 1),
    )


def test_the_same_result_again_records_nothing_and_a_different_one_a_revision() -> None:
    subject = evaluation([])
    same = assess(YANTAI, Q3, [], {})
    assert not subject.reassess(["芝罘区"], same, date(2026, 10, 2))
    changed = assess(YANTAI, Q3, [record("PENALTY", date(2026, 8, 1))], {})
    assert subject.reassess(["芝罘区"], changed, date(2026, 10, 2))
    assert subject.revision == 2
    assert subject.id == CreditEvaluation.id_for(subject.company_id, Q3, YANTAI)


def test_objections_are_taken_within_15_days_of_publication_only() -> None:
    subject = evaluation([])
    with pytest.raises(RuleViolated):
        subject.object("评分有误", date(2026, 10, 2))
    subject.publish(date(2026, 10, 10))
    with pytest.raises(RuleViolated) as error:
        subject.object("评分有误", date(2026, 10, 26))
    assert "ended on 2026-10-25" in error.value.message
    objection = subject.object("评分有误", date(2026, 10, 25))
    with pytest.raises(RuleViolated):
        subject.object("再议", date(2026, 10, 25))
    # An upheld objection names what is wrong
    with pytest.raises(InvalidValue):
        subject.decide_objection(objection, "UPHELD", date(2026, 10, 28))
    subject.decide_objection(
        objection, "UPHELD", date(2026, 10, 28), recompute_indicators=["management_scale"]
    )
    # And lets the next run correct the published result, same figures or not, naming the
    # objection and what it replaced
    assert subject.reassess(["芝罘区"], assess(YANTAI, Q3, [], {}), date(2026, 10, 29))
    corrected = subject.collect_events()[-1]
    assert isinstance(corrected, CreditEvaluation.Revised)
    assert corrected.corrects == objection and corrected.previous is not None
    assert not subject.reassess(["芝罘区"], assess(YANTAI, Q3, [], {}), date(2026, 10, 30))


def test_bad_records_of_the_same_day_do_not_spoil_each_others_clean_cycle() -> None:
    # Given two penalties from one inspection, then a clean quarter
    file, (first, second) = file_with(
        ("PENALTY", date(2026, 2, 10)), ("PENALTY", date(2026, 2, 10))
    )
    # Then each can be repaired
    file.request_repair(first, "已整改", date(2026, 7, 1))  # type: ignore[arg-type]
    file.request_repair(second, "已整改", date(2026, 7, 1))  # type: ignore[arg-type]
