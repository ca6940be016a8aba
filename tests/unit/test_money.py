"""Exact money: splits add up to the fen and follow the weights."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.domain.errors import InvalidValue
from gongzhi.domain.money import fen_to_yuan, split_fen, yuan_to_fen


@given(
    st.integers(min_value=0, max_value=10**12),
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=50).filter(any),
)
def test_a_split_sums_to_the_total_and_each_part_is_within_one_fen_of_its_share(
    total: int, weights: list[int]
) -> None:
    parts = split_fen(total, weights)
    assert sum(parts) == total
    whole = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = Fraction(weight * total, whole)
        assert exact - 1 < part < exact + 1


def test_left_over_fen_go_to_the_largest_remainders_ties_to_the_earlier_weight() -> None:
    # Given 100 fen over three equal weights, when split, then the first gets the odd fen.
    assert split_fen(100, [1, 1, 1]) == [34, 33, 33]
    # A zero weight gets nothing.
    assert split_fen(10, [Decimal("0"), Decimal("2.5"), Decimal("7.5")]) == [0, 3, 7]


def test_a_split_with_no_positive_weight_is_refused() -> None:
    with pytest.raises(ValueError):
        split_fen(10, [0, 0])


def test_yuan_convert_to_fen_exactly_and_finer_amounts_are_refused() -> None:
    assert yuan_to_fen("amount", "12.34") == 1234
    assert fen_to_yuan(1234) == Decimal("12.34")
    with pytest.raises(InvalidValue) as refused:
        yuan_to_fen("amount", "0.001")
    assert refused.value.field == "amount"
