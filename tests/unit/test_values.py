"""Pure rules: credit codes (GB 32100), exclusive areas, names."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.domain.errors import InvalidValue
from gongzhi.domain.values import (
    CREDIT_CODE_ALPHABET,
    credit_code_check_character,
    exclusive_area,
    required_text,
    unified_credit_code,
)

bodies = st.builds(
    lambda head, division, tail: head + division + tail,
    st.text(CREDIT_CODE_ALPHABET, min_size=2, max_size=2),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(CREDIT_CODE_ALPHABET, min_size=9, max_size=9),
)


def test_a_published_code_is_accepted() -> None:
    # A sample code printed in GB 32100 explanations.
    assert unified_credit_code("creditCode", " 91350100m000100y43 ") == "91350100M000100Y43"


@given(bodies)
def test_every_body_with_its_check_character_is_accepted(body: str) -> None:
    code = body + credit_code_check_character(body)
    assert unified_credit_code("creditCode", code) == code


@given(bodies, st.sampled_from(CREDIT_CODE_ALPHABET))
def test_any_other_check_character_is_refused(body: str, wrong: str) -> None:
    right = credit_code_check_character(body)
    if wrong == right:
        return
    with pytest.raises(InvalidValue) as refused:
        unified_credit_code("creditCode", body + wrong)
    assert refused.value.field == "creditCode"
    assert "check character" in refused.value.message


@given(bodies, st.integers(0, 16), st.sampled_from(CREDIT_CODE_ALPHABET))
def test_a_single_changed_character_is_caught(body: str, position: int, char: str) -> None:
    code = body + credit_code_check_character(body)
    altered = code[:position] + char + code[position + 1 :]
    if altered == code or not altered[2:8].isdigit():
        return
    # Weights are distinct and coprime with 31, so one substitution always changes the check.
    with pytest.raises(InvalidValue):
        unified_credit_code("creditCode", altered)


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2))
def test_positive_areas_to_the_hundredth_are_kept_exactly(area: Decimal) -> None:
    assert exclusive_area("area", str(area)) == area


@pytest.mark.parametrize("bad", ["0", "-1", "1.001", "NaN", "Infinity", "abc", "100000"])
def test_bad_areas_are_refused(bad: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        exclusive_area("area", bad)
    assert refused.value.field == "area"


def test_names_are_trimmed_and_must_not_be_empty() -> None:
    assert required_text("name", "  幸福里 ") == "幸福里"
    with pytest.raises(InvalidValue, match="must not be empty"):
        required_text("name", " \t ")
