"""红色物业示范 titles: the scoring rule set against a reference form, and the title's life."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.domain.demonstration import (
    RED_PROPERTY_DEMONSTRATION_V1,
    Band,
    Criterion,
    DemonstrationTitle,
    Evidence,
    Measure,
    ScoringRuleSet,
    score,
    scoring_rule_set,
)
from gongzhi.domain.errors import InvalidValue, RuleViolated


def evidence(**overrides: object) -> Evidence:
    values: dict[str, object] = {
        "party_organisation_approved": True,
        "party_members_among_staff": 4,
        "secretary_on_committee": True,
        "cross_appointed": 3,
        "committee_members": 5,
        "deliberation_rule_adopted": True,
        **overrides,
    }
    return Evidence(**values)  # type: ignore[arg-type]


def reference(e: Evidence) -> int:
    """DOMAIN.md's scoring written out by hand."""
    n = e.party_members_among_staff
    members = 1 if n < 3 else 3 if n <= 5 else 5
    cross = e.committee_members > 0 and 2 * e.cross_appointed >= e.committee_members
    return (
        5 * e.party_organisation_approved
        + members
        + 3 * e.secretary_on_committee
        + 3 * cross
        + 3 * e.deliberation_rule_adopted
    )


@st.composite
def evidences(draw: st.DrawFn) -> Evidence:
    committee = draw(st.integers(0, 11))
    return Evidence(
        party_organisation_approved=draw(st.booleans()),
        party_members_among_staff=draw(st.integers(0, 40)),
        secretary_on_committee=draw(st.booleans()),
        cross_appointed=draw(st.integers(0, committee)),
        committee_members=committee,
        deliberation_rule_adopted=draw(st.booleans()),
    )


@given(evidences())
def test_the_shipped_rule_set_scores_as_the_reference(e: Evidence) -> None:
    result = score(e, RED_PROPERTY_DEMONSTRATION_V1)
    assert result.total == reference(e)
    assert all(0 <= item.points <= item.max_points for item in result.items)


@pytest.mark.parametrize(("members", "points"), [(0, 1), (2, 1), (3, 3), (5, 3), (6, 5), (40, 5)])
def test_party_members_among_staff_score_by_band(members: int, points: int) -> None:
    items = {
        i.key: i
        for i in score(
            evidence(party_members_among_staff=members), RED_PROPERTY_DEMONSTRATION_V1
        ).items
    }
    assert items["party_members"].points == points
    assert items["party_members"].value == str(members)


@pytest.mark.parametrize(
    ("cross", "committee", "points", "shown"),
    [(3, 6, 3, "1/2"), (2, 5, 0, "2/5"), (3, 5, 3, "3/5"), (0, 0, 0, "0/1"), (7, 7, 3, "1/1")],
)
def test_cross_appointment_scores_from_one_half_inclusive(
    cross: int, committee: int, points: int, shown: str
) -> None:
    e = evidence(cross_appointed=cross, committee_members=committee)
    item = next(
        i for i in score(e, RED_PROPERTY_DEMONSTRATION_V1).items if i.key == "cross_appointment"
    )
    assert (item.points, item.value) == (points, shown)


def test_full_evidence_scores_the_maximum_and_none_the_minimum() -> None:
    assert RED_PROPERTY_DEMONSTRATION_V1.max_total == 19
    best = evidence(party_members_among_staff=6, cross_appointed=5)
    assert score(best, RED_PROPERTY_DEMONSTRATION_V1).total == 19
    worst = evidence(
        party_organisation_approved=False,
        party_members_among_staff=0,
        secretary_on_committee=False,
        cross_appointed=0,
        deliberation_rule_adopted=False,
    )
    assert score(worst, RED_PROPERTY_DEMONSTRATION_V1).total == 1


def test_evidence_figures_out_of_range_are_refused() -> None:
    with pytest.raises(InvalidValue) as refused:
        evidence(cross_appointed=6, committee_members=5)
    assert refused.value.field == "evidence.crossAppointed"
    with pytest.raises(InvalidValue):
        evidence(party_members_among_staff=-1)


@given(evidences())
def test_a_rule_set_survives_its_record(e: Evidence) -> None:
    again = ScoringRuleSet.from_record(RED_PROPERTY_DEMONSTRATION_V1.to_record())
    assert again == RED_PROPERTY_DEMONSTRATION_V1
    assert score(e, again) == score(e, RED_PROPERTY_DEMONSTRATION_V1)
    assert Evidence.from_record(e.to_record()) == e


def test_rule_sets_are_found_by_name_and_version() -> None:
    assert scoring_rule_set(None, None) is RED_PROPERTY_DEMONSTRATION_V1
    assert scoring_rule_set("红色物业示范评分", 1) is RED_PROPERTY_DEMONSTRATION_V1
    with pytest.raises(InvalidValue) as refused:
        scoring_rule_set("红色物业示范评分", 9)
    assert refused.value.field == "ruleSetVersion"
    with pytest.raises(InvalidValue):
        scoring_rule_set("别的细则", None)


def test_a_malformed_rule_set_is_refused() -> None:
    with pytest.raises(InvalidValue):
        ScoringRuleSet("x", 1, (Criterion("a", "a", Measure.CROSS_APPOINTMENT_RATIO, 3),))
    with pytest.raises(InvalidValue):
        ScoringRuleSet(
            "x",
            1,
            (Criterion("a", "a", Measure.SECRETARY_ON_COMMITTEE, bands=(Band(0, None, 1),)),),
        )


def community_title() -> DemonstrationTitle:
    return DemonstrationTitle.apply_for(
        subject="COMMUNITY",
        community_id=uuid4(),
        district="红塔区",
        year=2024,
        applied_on=date(2024, 5, 1),
        evidence=evidence(),
    )


def test_a_title_is_applied_scored_awarded_and_revoked_in_that_order() -> None:
    # Given an application
    title = community_title()
    # Then it cannot be awarded or revoked before it is scored
    with pytest.raises(RuleViolated):
        title.award(date(2024, 6, 1))
    with pytest.raises(RuleViolated) as refused:
        title.revoke("弄虚作假", date(2024, 6, 1))
    assert refused.value.message == "only an awarded title can be revoked"
    # When scored, then the score records every criterion and the rule set
    result = title.score(RED_PROPERTY_DEMONSTRATION_V1, date(2024, 5, 20))
    assert result.total == 17
    scored = title.collect_events()[-1]
    assert scored.rule_set["name"] == "红色物业示范评分"  # type: ignore[attr-defined]
    assert [i["points"] for i in scored.items] == [5, 3, 3, 3, 3]  # type: ignore[attr-defined]
    # A scored title is not yet revocable; awarded, it is, once
    with pytest.raises(RuleViolated):
        title.revoke("弄虚作假", date(2024, 6, 1))
    title.award(date(2024, 6, 1))
    with pytest.raises(RuleViolated):
        title.score(RED_PROPERTY_DEMONSTRATION_V1, date(2024, 6, 2))
    title.revoke("发生重大安全责任事故", date(2024, 9, 1))
    assert title.status == "REVOKED"
    with pytest.raises(RuleViolated):
        title.revoke("again", date(2024, 9, 2))


def test_a_pass_mark_stops_the_award_of_a_low_score() -> None:
    strict = ScoringRuleSet("严格细则", 1, RED_PROPERTY_DEMONSTRATION_V1.criteria, pass_mark=18)
    title = community_title()
    title.score(strict, date(2024, 5, 20))
    with pytest.raises(RuleViolated) as refused:
        title.award(date(2024, 6, 1))
    assert "below the pass mark 18" in refused.value.message
    # Scoring again under the shipped set (no pass mark) lets the award through
    title.score(RED_PROPERTY_DEMONSTRATION_V1, date(2024, 5, 21))
    title.award(date(2024, 6, 1))


def test_a_title_names_its_subject_and_only_it() -> None:
    with pytest.raises(InvalidValue):
        DemonstrationTitle.apply_for(
            subject="COMPANY",
            community_id=uuid4(),
            district="红塔区",
            year=2024,
            applied_on=date(2024, 5, 1),
            evidence=evidence(),
        )
    company = uuid4()
    first = DemonstrationTitle.apply_for(
        subject="COMPANY",
        company_id=company,
        district="红塔区",
        year=2024,
        applied_on=date(2024, 5, 1),
        evidence=evidence(),
    )
    again = DemonstrationTitle.apply_for(
        subject="COMPANY",
        company_id=company,
        district="红塔区",
        year=2024,
        applied_on=date(2024, 5, 2),
        evidence=evidence(),
    )
    assert first.id == again.id  # one application per subject and year


def test_ratio_thresholds_are_exact_fractions() -> None:
    e = evidence(cross_appointed=5, committee_members=11)
    assert e.cross_appointment_ratio == Fraction(5, 11)
    assert score(e, RED_PROPERTY_DEMONSTRATION_V1).items[3].points == 0
