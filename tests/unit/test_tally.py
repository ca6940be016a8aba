"""The tally of owners' decisions (Civil Code Art. 278): worked examples and a reference count."""

from __future__ import annotations

import json
import random
import time
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.domain.errors import DomainError, InvalidValue
from gongzhi.domain.tally import (
    ABSTAIN,
    APPROVE,
    CIVIL_CODE_RULES,
    OPPOSE,
    YES_NO,
    Matter,
    MatterNotCovered,
    RuleSet,
    TallyResult,
    Threshold,
    UnknownVoter,
    VotingUnit,
    tally,
)

# The law as the test reads it, written independently of the rule set under test.
QUORUM = (Fraction(2, 3), True)
SPECIAL = {Matter.RAISE_MAINTENANCE_FUND, Matter.REBUILD, Matter.CHANGE_COMMON_USE}
LAW = {matter: (Fraction(1, 2), False) for matter in Matter}  # 过半数: more than half
LAW.update(dict.fromkeys(SPECIAL, (Fraction(3, 4), True)))  # 四分之三以上: at least 3/4
LAW[Matter.ELEVATOR_ADDITION] = (Fraction(2, 3), True)  # the default's reading of local rules
COMPANIES = ("公司甲", "公司乙", "公司丙")
Vote = tuple[tuple[str, ...], list[VotingUnit], dict[str, str]]  # options, electorate, ballots


def owners(*holdings: tuple[str, str]) -> list[VotingUnit]:
    """One unit per (voter key, area), numbered in order."""
    return [
        VotingUnit(f"unit-{i}", Decimal(area), voter) for i, (voter, area) in enumerate(holdings)
    ]


def equal_owners(count: int) -> list[VotingUnit]:
    return owners(*((f"owner-{i}", "1.00") for i in range(count)))


def reference(
    options: tuple[str, ...],
    units: list[VotingUnit],
    ballots: dict[str, str],
    quorum: tuple[Fraction, bool],
    approval: tuple[Fraction, bool],
) -> dict[str, object]:
    """A plain count with loops and Fractions, to hold the real tally against."""

    def reaches(share: Fraction, threshold: tuple[Fraction, bool]) -> bool:
        fraction, inclusive = threshold
        return share >= fraction if inclusive else share > fraction

    area_of: dict[str, Fraction] = {}
    for unit in units:
        area_of[unit.voter] = area_of.get(unit.voter, Fraction(0)) + Fraction(unit.area)
    total_area = sum(area_of.values(), Fraction(0))
    taking_part = [voter for voter in area_of if voter in ballots]
    part_area = sum((area_of[voter] for voter in taking_part), Fraction(0))
    part_heads = len(taking_part)
    quorum_shares = (part_area / total_area, Fraction(part_heads, len(area_of)))
    quorum_met = reaches(quorum_shares[0], quorum) and reaches(quorum_shares[1], quorum)

    def chosen(choice: str) -> tuple[Fraction, int]:
        voters = [voter for voter in taking_part if ballots[voter] == choice]
        return sum((area_of[voter] for voter in voters), Fraction(0)), len(voters)

    counted = {}
    for option in options:
        area, heads = chosen(option)
        area_share = area / part_area if part_heads else Fraction(0)
        heads_share = Fraction(heads, part_heads) if part_heads else Fraction(0)
        passed = quorum_met and reaches(area_share, approval) and reaches(heads_share, approval)
        counted[option] = (area, heads, area_share, heads_share, passed)
    return {
        "total": (total_area, len(area_of)),
        "participating": (part_area, part_heads),
        "abstaining": chosen(ABSTAIN),
        "quorum": (*quorum_shares, quorum_met),
        "options": counted,
    }


def figures(result: TallyResult) -> dict[str, object]:
    """The same figures read off a real result, Decimals made Fractions to compare exactly."""
    return {
        "total": (Fraction(result.total_area), result.total_headcount),
        "participating": (Fraction(result.participating_area), result.participating_headcount),
        "abstaining": (Fraction(result.abstaining_area), result.abstaining_headcount),
        "quorum": (result.quorum_area_share, result.quorum_headcount_share, result.quorum_met),
        "options": {
            o.option: (Fraction(o.area), o.headcount, o.area_share, o.headcount_share, o.passed)
            for o in result.options
        },
    }


@st.composite
def votes(draw: st.DrawFn) -> Vote:
    """Random electorates with multi-unit owners and developer-held units, and random ballots."""
    count = draw(st.integers(1, 25))
    # Equal areas put many tallies right on a threshold, where strict and inclusive differ.
    areas = (
        st.just(Decimal("1.00"))
        if draw(st.booleans())
        else st.decimals(Decimal("0.01"), Decimal("500.00"), places=2)
    )
    units = []
    for i in range(count):
        area = draw(areas)
        voter = draw(st.sampled_from([f"owner-{i}", f"owner-{i}", "王", "李", "developer"]))
        units.append(VotingUnit(f"unit-{i}", area, voter))
    options = draw(st.sampled_from([YES_NO, COMPANIES, (APPROVE,)]))
    ballots = {}
    for voter in sorted({unit.voter for unit in units}):
        choice = draw(st.sampled_from([*options, ABSTAIN, None, None]))
        if choice is not None:
            ballots[voter] = choice
    return options, units, ballots


thresholds = st.tuples(st.fractions(min_value=0, max_value=1, max_denominator=12), st.booleans())


# Worked examples


def test_quorum_fails_on_headcount_even_when_the_area_is_enough() -> None:
    # Given one large unit holding 2/3 of the area and two small ones
    units = owners(("big", "200.00"), ("small-1", "50.00"), ("small-2", "50.00"))
    # When only the large unit's owner votes, and approves
    result = tally(Matter.COMMITTEE, YES_NO, units, {"big": APPROVE})
    # Then the area takes part enough (2/3) but the headcount does not (1/3)
    assert result.quorum_area_share == Fraction(2, 3)
    assert result.quorum_headcount_share == Fraction(1, 3)
    assert not result.quorum_met
    assert result.passed_options == ()


@pytest.mark.parametrize(
    ("approving", "matter", "passes"),
    [
        pytest.param(150, Matter.COMMITTEE, False, id="exactly half is not more than half"),
        pytest.param(151, Matter.COMMITTEE, True, id="more than half carries"),
        pytest.param(222, Matter.RAISE_MAINTENANCE_FUND, False, id="74% fails a special matter"),
        pytest.param(222, Matter.USE_MAINTENANCE_FUND, True, id="74% carries an ordinary one"),
        pytest.param(225, Matter.RAISE_MAINTENANCE_FUND, True, id="exactly 3/4 raises the fund"),
        pytest.param(225, Matter.REBUILD, True, id="exactly 3/4 rebuilds"),
        pytest.param(225, Matter.CHANGE_COMMON_USE, True, id="exactly 3/4 changes a use"),
        pytest.param(199, Matter.ELEVATOR_ADDITION, False, id="under 2/3 adds no elevator"),
        pytest.param(200, Matter.ELEVATOR_ADDITION, True, id="exactly 2/3 adds an elevator"),
    ],
)
def test_each_matter_passes_exactly_where_the_law_draws_the_line(
    approving: int, matter: Matter, passes: bool
) -> None:
    # Given 300 owners of equal units (or one entrance's) who all vote, so the quorum is met
    units = equal_owners(300)
    ballots = {u.voter: APPROVE if i < approving else OPPOSE for i, u in enumerate(units)}
    # When the matter is tallied
    result = tally(matter, YES_NO, units, ballots)
    # Then the approving share of area and heads decides, on the law's side of the line
    assert result.quorum_met
    assert result.option(APPROVE).area_share == Fraction(approving, 300)
    assert result.option(APPROVE).headcount_share == Fraction(approving, 300)
    assert result.option(APPROVE).passed is passes


def test_abstentions_make_the_quorum_but_do_not_approve() -> None:
    # Given six equal owners; three approve, one abstains, two stay away
    units = equal_owners(6)
    ballots = {"owner-0": APPROVE, "owner-1": APPROVE, "owner-2": APPROVE, "owner-3": ABSTAIN}
    # When tallied
    result = tally(Matter.OTHER_MAJOR, YES_NO, units, ballots)
    # Then the abstainer brings the participation to 4/6 and the approval is 3 of 4
    assert (result.participating_headcount, result.abstaining_headcount) == (4, 1)
    assert result.quorum_met
    assert result.option(APPROVE).headcount_share == Fraction(3, 4)
    assert result.passed_options == (APPROVE,)
    # And without the abstainer the quorum fails: staying away is not abstaining
    del ballots["owner-3"]
    assert not tally(Matter.OTHER_MAJOR, YES_NO, units, ballots).quorum_met
    # And with two more abstainers the quorum holds but 3 of 6 is not a majority
    ballots.update({"owner-3": ABSTAIN, "owner-4": ABSTAIN, "owner-5": ABSTAIN})
    assert tally(Matter.OTHER_MAJOR, YES_NO, units, ballots).passed_options == ()


def test_an_owner_of_several_units_counts_once_with_all_the_area() -> None:
    # Given 王 owns three units and 李 and 张 one each
    units = owners(
        ("王", "60.00"), ("王", "70.00"), ("王", "80.50"), ("李", "90.00"), ("张", "90.00")
    )
    # When 王 and 李 approve
    result = tally(Matter.PROPERTY_COMPANY, YES_NO, units, {"王": APPROVE, "李": APPROVE})
    # Then there are three heads, and 王's ballot carries 210.50 m²
    assert (result.total_headcount, result.total_area) == (3, Decimal("390.50"))
    assert result.option(APPROVE).area == Decimal("300.50")
    assert result.option(APPROVE).headcount == 2
    assert result.passed_options == (APPROVE,)


def test_the_developers_unsold_units_count_once_together() -> None:
    # Given the developer still holds four units and two owners hold one each
    units = owners(*[("developer", "100.00")] * 4, ("甲", "100.00"), ("乙", "100.00"))
    # When the developer opposes and both owners approve
    ballots = {"developer": OPPOSE, "甲": APPROVE, "乙": APPROVE}
    result = tally(Matter.MEETING_RULES, YES_NO, units, ballots)
    # Then the headcount is three; the owners win the heads (2/3) but lose the area (1/3),
    # and a decision needs both
    assert result.total_headcount == 3
    assert result.option(APPROVE).headcount_share == Fraction(2, 3)
    assert result.option(APPROVE).area_share == Fraction(1, 3)
    assert not result.option(APPROVE).passed


def test_candidates_each_get_their_own_count() -> None:
    # Given five owners choosing among three companies
    units = equal_owners(5)
    ballots = {"owner-0": "公司甲", "owner-1": "公司甲", "owner-2": "公司甲", "owner-3": "公司乙"}
    # When tallied
    result = tally(Matter.PROPERTY_COMPANY, COMPANIES, units, ballots)
    # Then every candidate is listed, in code-point order, and only the majority's carried
    counts = [(o.option, o.headcount) for o in result.options]
    assert counts == [("公司丙", 0), ("公司乙", 1), ("公司甲", 3)]
    assert result.passed_options == ("公司甲",)


@pytest.mark.parametrize(
    ("options", "units", "ballots", "error", "field"),
    [
        (YES_NO, equal_owners(2), {"stranger": APPROVE}, UnknownVoter, "ballots"),
        (YES_NO, equal_owners(2), {"owner-0": "MAYBE"}, InvalidValue, "ballots"),
        ((APPROVE, ABSTAIN), equal_owners(2), {}, InvalidValue, "options"),
        ((APPROVE, APPROVE), equal_owners(2), {}, InvalidValue, "options"),
        ((), equal_owners(2), {}, InvalidValue, "options"),
        (YES_NO, [], {}, InvalidValue, "electorate"),
        (YES_NO, equal_owners(1) * 2, {}, InvalidValue, "electorate"),
    ],
)
def test_malformed_tallies_are_refused_with_the_field_at_fault(
    options: tuple[str, ...],
    units: list[VotingUnit],
    ballots: dict[str, str],
    error: type[DomainError],
    field: str,
) -> None:
    with pytest.raises(error) as refused:
        tally(Matter.COMMITTEE, options, units, ballots)
    assert refused.value.field == field


def test_units_need_a_positive_area_and_thresholds_a_fraction_up_to_one() -> None:
    with pytest.raises(InvalidValue) as refused:
        VotingUnit("unit-1", Decimal(0), "owner")
    assert refused.value.field == "electorate"
    with pytest.raises(InvalidValue):
        Threshold(Fraction(3, 2), inclusive=True)


def test_a_rule_set_without_the_matter_is_refused() -> None:
    # Given a city's rule set that covers elevators only
    elevators_only = RuleSet(
        "CITY_ELEVATOR",
        1,
        Threshold(Fraction(2, 3), inclusive=True),
        {Matter.ELEVATOR_ADDITION: Threshold(Fraction(3, 4), inclusive=True)},
    )
    # When another matter is tallied under it, then it is refused
    with pytest.raises(MatterNotCovered) as refused:
        tally(Matter.REBUILD, YES_NO, equal_owners(3), {}, elevators_only)
    assert refused.value.field == "matter"


def test_the_default_rule_set_reads_as_the_law_and_survives_its_record() -> None:
    assert (CIVIL_CODE_RULES.name, CIVIL_CODE_RULES.version) == ("CIVIL_CODE_ART_278", 1)
    assert str(CIVIL_CODE_RULES.quorum) == "≥ 2/3"
    assert {m: (t.fraction, t.inclusive) for m, t in CIVIL_CODE_RULES.approvals.items()} == LAW
    record = json.loads(json.dumps(CIVIL_CODE_RULES.to_record()))
    assert record["approvals"]["REBUILD"] == {"fraction": "3/4", "inclusive": True}
    assert RuleSet.from_record(record) == CIVIL_CODE_RULES
    assert hash(RuleSet.from_record(record)) == hash(CIVIL_CODE_RULES)


def test_a_result_is_plain_data_and_back() -> None:
    # Given a tally
    units = owners(("王", "88.50"), ("王", "60.25"), ("李", "70.00"), ("developer", "99.99"))
    result = tally(
        Matter.REBUILD, YES_NO, units, {"王": APPROVE, "李": ABSTAIN, "developer": OPPOSE}
    )
    # When it is written as JSON and read back
    record = json.loads(json.dumps(result.to_record()))
    # Then the figures read as strings and the result is equal
    assert record["approval"] == {"fraction": "3/4", "inclusive": True}
    assert record["total_area"] == "318.74"
    assert record["options"][0]["area_share"] == "14875/31874"
    assert TallyResult.from_record(record) == result
    # And a damaged record is refused with the field at fault
    with pytest.raises(InvalidValue) as refused:
        TallyResult.from_record({**record, "quorum_area_share": "2/zero"})
    assert refused.value.field == "quorum_area_share"
    with pytest.raises(InvalidValue) as refused:
        TallyResult.from_record({**record, "total_headcount": True})
    assert refused.value.field == "total_headcount"


def test_five_thousand_units_and_ballots_are_tallied_quickly() -> None:
    # Given 5,000 units of different areas, every one of them voting
    units = [
        VotingUnit(f"unit-{i}", Decimal("60.00") + Decimal(i % 97) / 4, f"owner-{i}")
        for i in range(5000)
    ]
    ballots = {unit.voter: (APPROVE, OPPOSE, ABSTAIN)[i % 3] for i, unit in enumerate(units)}
    # When tallied (timed loosely here; bench/ is the place for the real figure)
    started = time.perf_counter()
    result = tally(Matter.USE_MAINTENANCE_FUND, YES_NO, units, ballots)
    elapsed = time.perf_counter() - started
    # Then it finishes well within a second and counts every ballot
    assert elapsed < 1.0
    assert result.participating_headcount == 5000
    assert result.option(APPROVE).headcount == 1667


# Properties against the reference count


@pytest.mark.parametrize("matter", list(Matter))
@given(vote=votes())
def test_the_tally_agrees_with_the_reference_figure_for_figure(matter: Matter, vote: Vote) -> None:
    options, units, ballots = vote
    result = tally(matter, options, units, ballots)
    assert figures(result) == reference(options, units, ballots, QUORUM, LAW[matter])
    assert (result.quorum, result.approval) == (Threshold(*QUORUM), Threshold(*LAW[matter]))


@given(vote=votes(), quorum=thresholds, approval=thresholds)
def test_any_rule_set_is_applied_as_written(
    vote: Vote,
    quorum: tuple[Fraction, bool],
    approval: tuple[Fraction, bool],
) -> None:
    options, units, ballots = vote
    rules = RuleSet("CITY", 7, Threshold(*quorum), {Matter.ELEVATOR_ADDITION: Threshold(*approval)})
    result = tally(Matter.ELEVATOR_ADDITION, options, units, ballots, rules)
    assert figures(result) == reference(options, units, ballots, quorum, approval)
    assert (result.rule_set, result.rule_set_version) == ("CITY", 7)


@given(vote=votes(), matter=st.sampled_from(Matter), seed=st.integers(0, 2**32))
def test_a_recount_in_any_order_is_equal(vote: Vote, matter: Matter, seed: int) -> None:
    # Given a tally, and the same units and ballots in another order
    options, units, ballots = vote
    first = tally(matter, options, units, ballots)
    shuffle = random.Random(seed).shuffle
    units_again, ballot_items, options_again = list(units), list(ballots.items()), list(options)
    for items in (units_again, ballot_items, options_again):
        shuffle(items)
    # When recounted, and when read back from its record
    again = tally(matter, options_again, units_again, dict(ballot_items))
    # Then everything is equal
    assert again == first
    assert TallyResult.from_record(json.loads(json.dumps(first.to_record()))) == first


@given(
    vote=votes(),
    matter=st.sampled_from(Matter),
    area=st.decimals(Decimal("0.01"), Decimal("500.00"), places=2),
    fresh=st.booleans(),
)
def test_a_unit_that_does_not_vote_never_turns_a_fail_into_a_pass(
    vote: Vote,
    matter: Matter,
    area: Decimal,
    fresh: bool,
) -> None:
    # Given a tally, and a unit added for a new voter or for one who did not vote
    options, units, ballots = vote
    before = tally(matter, options, units, ballots)
    absent = sorted({u.voter for u in units} - set(ballots))
    voter = absent[0] if absent and not fresh else "newcomer"
    # When the unit is added and the same ballots recounted
    after = tally(matter, options, [*units, VotingUnit("unit-new", area, voter)], ballots)
    # Then no option's approval grows and nothing newly passes
    assert after.quorum_met <= before.quorum_met
    for old, new in zip(before.options, after.options, strict=True):
        assert (new.area, new.headcount) == (old.area, old.headcount)
        assert new.passed <= old.passed
