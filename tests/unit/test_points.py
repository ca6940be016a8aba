"""积分 points accounts, rewards and survey rules: earning is idempotent per source, a
balance never goes negative, one response per household, results as exact decimals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.domain.errors import InvalidValue, RuleViolated
from gongzhi.domain.points import InsufficientPoints, PointsAccount, rule_set
from gongzhi.domain.reward import OutOfStock, Reward
from gongzhi.domain.survey import (
    Answer,
    Question,
    RatingTally,
    Survey,
    SurveyResponse,
    percentage,
    response_id,
)

NOW = datetime(2026, 5, 1, 8, tzinfo=UTC)
COMMUNITY = uuid4()


def account() -> PointsAccount:
    return PointsAccount.open(unit_id=uuid4(), community_id=COMMUNITY)


def test_the_same_source_never_earns_twice() -> None:
    a = account()
    assert a.earn("VOTED", "decision:1", NOW) is True
    assert a.earn("VOTED", "decision:1", NOW) is False
    assert a.earn("PAID_ON_TIME", "decision:1", NOW) is True  # another rule, another source
    assert a.balance == 5 + 2
    assert [type(e).__name__ for e in a.collect_events()] == ["Opened", "Earned", "Earned"]


def test_earnings_record_the_rule_set_version_they_used() -> None:
    a = account()
    a.earn("VOLUNTEERED", "v:1", NOW, quantity=3)
    earned = a.collect_events()[-1]
    assert (earned.points, earned.rules_version) == (30, rule_set().version)  # type: ignore[attr-defined]


OPERATIONS = st.lists(
    st.one_of(
        st.tuples(
            st.just("earn"),
            st.sampled_from(["VOTED", "VOLUNTEERED", "PAID_ON_TIME", "SURVEY_ANSWERED"]),
            st.integers(0, 5),
            st.integers(1, 4),
        ),
        st.tuples(st.just("spend"), st.just(""), st.integers(0, 5), st.integers(1, 60)),
    ),
    max_size=40,
)


@given(OPERATIONS)
def test_a_balance_never_goes_negative_and_equals_its_ledger(
    ops: list[tuple[str, str, int, int]],
) -> None:
    # Given any interleaving of earnings (with repeated sources) and spends
    a = account()
    reference, sources = 0, set()
    for kind, rule, source, amount in ops:
        if kind == "earn":
            fresh = (rule, f"s{source}") not in sources
            assert a.earn(rule, f"s{source}", NOW, quantity=amount) is fresh
            if fresh:
                sources.add((rule, f"s{source}"))
                reference += rule_set().points[rule] * amount
        else:
            try:
                a.spend(reward_id=uuid4(), reward_name="r", quantity=1, points=amount, at=NOW)
                reference -= amount
            except InsufficientPoints:
                assert amount > a.balance
        # Then the balance is never below zero and always what a plain sum gives
        assert a.balance == reference >= 0
    events = a.collect_events()
    ledger = sum(
        getattr(e, "points", 0) * (-1 if type(e).__name__ == "Spent" else 1) for e in events
    )
    assert ledger == a.balance


def test_a_redemption_takes_stock_and_points_together_or_nothing() -> None:
    a = account()
    a.earn("VOLUNTEERED", "v", NOW, quantity=2)
    reward = Reward.add(community_id=COMMUNITY, name="米", price_points=8, stock=2)
    reward.redeem(a, 2, NOW)
    assert (a.balance, reward.stock) == (4, 0)
    with pytest.raises(OutOfStock):
        reward.redeem(a, 1, NOW)
    reward.restock(5)
    dear = Reward.add(community_id=COMMUNITY, name="油", price_points=5, stock=1)
    with pytest.raises(InsufficientPoints):
        dear.redeem(a, 1, NOW)
    assert (a.balance, dear.stock) == (4, 1)
    elsewhere = Reward.add(community_id=uuid4(), name="面", price_points=1, stock=1)
    with pytest.raises(RuleViolated):
        elsewhere.redeem(a, 1, NOW)


def survey() -> Survey:
    return Survey.create(
        title="满意度",
        community_ids=[COMMUNITY],
        company_id=None,
        questions=[
            Question("总体", "RATING"),
            Question("续聘", "SINGLE_CHOICE", ("是", "否")),
            Question("建议", "FREE_TEXT"),
        ],
        opens_at=NOW,
        closes_at=NOW + timedelta(days=7),
    )


def test_one_response_per_household_has_one_id() -> None:
    s, unit = survey(), uuid4()
    answers = [Answer(0, rating=5), Answer(1, choice="是")]
    first = SurveyResponse.submit(
        s, community_id=COMMUNITY, unit_id=unit, answers=answers, at=NOW + timedelta(hours=1)
    )
    second = SurveyResponse.submit(
        s, community_id=COMMUNITY, unit_id=unit, answers=answers, at=NOW + timedelta(hours=2)
    )
    # The store refuses the second: it would be a second aggregate with the same id
    assert first.id == second.id == response_id(s.id, unit)


def test_answers_fit_their_questions_and_the_window() -> None:
    s = survey()
    submit = lambda answers, at=NOW: SurveyResponse.submit(
        s, community_id=COMMUNITY, unit_id=uuid4(), answers=answers, at=at
    )
    with pytest.raises(InvalidValue) as caught:
        submit([Answer(0, rating=5)])
    assert caught.value.field == "answers"
    with pytest.raises(InvalidValue) as caught:
        submit([Answer(0, choice="是"), Answer(1, choice="是")])
    assert caught.value.field == "answers.0"
    with pytest.raises(RuleViolated):
        submit([Answer(0, rating=5), Answer(1, choice="是")], NOW + timedelta(days=8))
    s.close(NOW + timedelta(days=1))
    with pytest.raises(RuleViolated):
        submit([Answer(0, rating=5), Answer(1, choice="是")], NOW + timedelta(days=2))


@given(st.lists(st.integers(1, 5), min_size=1, max_size=300))
def test_rating_figures_are_exact_to_the_hundredth(ratings: list[int]) -> None:
    tally = sum((RatingTally(1, r, int(r >= 4)) for r in ratings), RatingTally())
    satisfied = sum(r >= 4 for r in ratings)
    # Compared with a reference in exact fractions, rounded half up once
    assert tally.mean == (Decimal(sum(ratings)) / len(ratings)).quantize(
        Decimal("0.01"), "ROUND_HALF_UP"
    )
    assert tally.satisfaction_percentage == percentage(satisfied, len(ratings))
    assert Decimal(0) <= tally.satisfaction_percentage <= Decimal(100)  # type: ignore[operator]


def test_percentages_round_half_up_and_need_a_whole() -> None:
    assert percentage(2, 3) == Decimal("66.67")
    assert percentage(1, 8) == Decimal("12.50")
    assert percentage(1, 0) is None
