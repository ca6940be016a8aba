"""The mutation budget: a token bucket per sender that refills evenly over a minute."""

from __future__ import annotations

from gongzhi.graphql.rate_limit import MAX_REMEMBERED, MutationBudget, RateLimited


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_of_a_minutes_worth_then_one_mutation_per_refill() -> None:
    clock = Clock()
    budget = MutationBudget(60, clock)
    # A minute's worth at once
    assert all(budget.take("a") is None for _ in range(60))
    refused = budget.take("a")
    assert isinstance(refused, RateLimited)
    assert refused.retry_after_seconds == 1
    # One second later, one more
    clock.now += 1
    assert budget.take("a") is None
    assert budget.take("a") is not None
    # Another sender is not affected
    assert budget.take("b") is None


def test_the_wait_is_how_long_the_next_token_takes() -> None:
    clock = Clock()
    budget = MutationBudget(2, clock)  # one token every 30 s
    assert budget.take("a") is None
    assert budget.take("a") is None
    clock.now += 10
    refused = budget.take("a")
    assert refused is not None and refused.retry_after_seconds == 20


def test_senders_with_full_buckets_are_forgotten_when_too_many_are_remembered() -> None:
    clock = Clock()
    budget = MutationBudget(600, clock)
    for index in range(MAX_REMEMBERED):
        budget.take(f"s{index}")
    clock.now += 60  # every bucket has refilled
    budget.take("new")
    assert set(budget.buckets) == {"new"}
