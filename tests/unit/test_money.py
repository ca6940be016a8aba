"""Exact money: splits add up to the fen and follow the weights."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.domain.errors import InvalidValue
from gongzhi.domain.money import fen_in_capitals, fen_to_yuan, split_fen, yuan_to_fen


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


@pytest.mark.parametrize(
    ("fen", "capitals"),
    [
        (0, "零元整"),
        (5, "伍分"),
        (50, "伍角整"),
        (1_05, "壹元零伍分"),
        (10_00, "壹拾元整"),
        (500_00, "伍佰元整"),
        (1005_60, "壹仟零伍元陆角整"),
        (10001_00, "壹万零壹元整"),
        (100000_00, "壹拾万元整"),
        (10500000_00, "壹仟零伍拾万元整"),
        (100000001_00, "壹亿零壹元整"),
        (12345_67, "壹万贰仟叁佰肆拾伍元陆角柒分"),
    ],
)
def test_amounts_in_capitals_follow_the_banks_rules(fen: int, capitals: str) -> None:
    assert fen_in_capitals(fen) == capitals


@given(st.integers(min_value=0, max_value=10**14))
def test_capitals_never_double_or_end_with_a_zero_and_read_back(fen: int) -> None:
    text = fen_in_capitals(fen)
    assert "零零" not in text and not text.rstrip("整").endswith("零")
    assert text.endswith(("整", "分"))
    # read back: every digit written is a digit of the amount, in order, zeros aside
    digits = "".join(
        str("零壹贰叁肆伍陆柒捌玖".index(c)) for c in text if c in "壹贰叁肆伍陆柒捌玖"
    )
    assert digits == str(fen).replace("0", "")
