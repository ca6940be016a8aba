"""Elevator cost sharing (加装电梯) by floor coefficients, rounded to the fen."""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from gongzhi.domain.elevator import (
    FloorCoefficients,
    MissingCoefficient,
    NoPayer,
    PayingUnit,
    share_cost,
)
from gongzhi.domain.errors import InvalidValue


def entrance(floors: int, *areas: str) -> list[PayingUnit]:
    """Units numbered 101, 102, … 201, … with the given areas on every floor."""
    return [
        PayingUnit(f"{floor}{side:02d}", floor, Decimal(area))
        for floor in range(1, floors + 1)
        for side, area in enumerate(areas, start=1)
    ]


@st.composite
def sharings(draw: st.DrawFn) -> tuple[int, list[PayingUnit], FloorCoefficients]:
    """A total in fen, an entrance's units, and either the common scheme or a random one."""
    floors = draw(st.integers(1, 33))
    if draw(st.booleans()):
        scheme = FloorCoefficients.common_scheme(floors)
    else:
        coefficient = st.decimals(Decimal("0.00"), Decimal("3.00"), places=2)
        scheme = FloorCoefficients(
            "RANDOM", 1, {f: draw(coefficient) for f in range(1, floors + 1)}
        )
    units = [
        PayingUnit(
            f"unit-{i:03d}",
            draw(st.integers(1, floors)),
            draw(st.decimals(Decimal("0.01"), Decimal("300.00"), places=2)),
        )
        for i in range(draw(st.integers(1, 30)))
    ]
    assume(any(scheme.coefficient(unit.floor) > 0 for unit in units))
    total = draw(st.integers(0, 10**10))
    return total, units, scheme


def exact_shares(
    total: int, units: list[PayingUnit], scheme: FloorCoefficients
) -> dict[str, Fraction]:
    weight = {u.unit_id: Fraction(scheme.coefficient(u.floor)) * Fraction(u.area) for u in units}
    all_weight = sum(weight.values(), Fraction(0))
    return {unit_id: w / all_weight * total for unit_id, w in weight.items()}


def test_the_common_scheme_frees_the_two_lowest_floors() -> None:
    # Given a seven-storey building, when the common scheme is drawn up
    scheme = FloorCoefficients.common_scheme(7)
    # Then floors 1-2 pay nothing and each floor above pays 0.1 more
    assert list(scheme.coefficients.values()) == [
        Decimal(x) for x in ["0", "0", "0.7", "0.8", "0.9", "1.0", "1.1"]
    ]
    assert (scheme.name, scheme.version) == ("COMMON_0.7_STEP_0.1", 1)


def test_a_six_storey_entrance_shares_ten_thousand_yuan() -> None:
    # Given one 100 m² unit per floor and the common scheme: weights 0, 0, 70, 80, 90, 100
    units = entrance(6, "100.00")
    # When 10,000 yuan (1,000,000 fen) is shared
    sharing = share_cost(1_000_000, units, FloorCoefficients.common_scheme(6))
    # Then the exact shares 205882.35, 235294.12, 264705.88, 294117.65 round by remainder:
    # the two fen left after flooring go to .88 and .65
    assert sharing.fen_by_unit() == {
        "101": 0,
        "201": 0,
        "301": 205_882,
        "401": 235_294,
        "501": 264_706,
        "601": 294_118,
    }
    assert sharing.total_weight == 340
    assert sharing.shares[2].exact_fen == Fraction(70, 340) * 1_000_000


def test_ties_go_to_the_lower_unit_id() -> None:
    # Given three equal units on one floor, when 100 fen is shared
    units = [PayingUnit(unit_id, 3, Decimal("50.00")) for unit_id in ["302", "303", "301"]]
    sharing = share_cost(100, units, FloorCoefficients.common_scheme(3))
    # Then the odd fen goes to the first unit id, and shares are listed by unit id
    assert sharing.fen_by_unit() == {"301": 34, "302": 33, "303": 33}
    assert [s.unit_id for s in sharing.shares] == ["301", "302", "303"]


@given(sharing=sharings())
def test_the_shares_always_sum_to_the_total(
    sharing: tuple[int, list[PayingUnit], FloorCoefficients],
) -> None:
    total, units, scheme = sharing
    assert sum(share_cost(total, units, scheme).fen_by_unit().values()) == total


@given(sharing=sharings())
def test_every_share_is_within_one_fen_of_the_exact_share(
    sharing: tuple[int, list[PayingUnit], FloorCoefficients],
) -> None:
    total, units, scheme = sharing
    exact = exact_shares(total, units, scheme)
    for share in share_cost(total, units, scheme).shares:
        assert share.exact_fen == exact[share.unit_id]
        assert abs(share.fen - exact[share.unit_id]) < 1


@given(sharing=sharings())
def test_floors_with_coefficient_zero_pay_nothing(
    sharing: tuple[int, list[PayingUnit], FloorCoefficients],
) -> None:
    total, units, scheme = sharing
    for share in share_cost(total, units, scheme).shares:
        assert share.fen >= 0
        if share.coefficient == 0:
            assert share.fen == 0


@given(sharing=sharings(), seed=st.integers(0, 2**32))
def test_the_order_of_the_units_does_not_matter(
    sharing: tuple[int, list[PayingUnit], FloorCoefficients], seed: int
) -> None:
    total, units, scheme = sharing
    shuffled = list(units)
    random.Random(seed).shuffle(shuffled)
    assert share_cost(total, shuffled, scheme) == share_cost(total, units, scheme)


def test_a_negative_total_is_refused() -> None:
    with pytest.raises(InvalidValue) as refused:
        share_cost(-1, entrance(3, "80.00"), FloorCoefficients.common_scheme(3))
    assert refused.value.field == "totalFen"


def test_an_entrance_with_nobody_to_pay_is_refused() -> None:
    # Given a two-storey entrance where both floors pay nothing
    with pytest.raises(NoPayer) as refused:
        share_cost(100, entrance(2, "80.00"), FloorCoefficients.common_scheme(2))
    assert refused.value.field == "units"


def test_a_floor_without_a_coefficient_is_refused() -> None:
    # Given a unit on the seventh floor of a six-floor scheme
    units = [*entrance(6, "80.00"), PayingUnit("701", 7, Decimal("80.00"))]
    with pytest.raises(MissingCoefficient) as refused:
        share_cost(100, units, FloorCoefficients.common_scheme(6))
    assert refused.value.field == "floor"


def test_negative_coefficients_are_refused() -> None:
    with pytest.raises(InvalidValue) as refused:
        FloorCoefficients("BAD", 1, {1: Decimal("-0.1"), 2: Decimal("1")})
    assert refused.value.field == "coefficients"


def test_a_unit_listed_twice_is_refused() -> None:
    unit = PayingUnit("301", 3, Decimal("80.00"))
    with pytest.raises(InvalidValue) as refused:
        share_cost(100, [unit, unit], FloorCoefficients.common_scheme(3))
    assert refused.value.field == "units"


def test_a_scheme_is_frozen_and_hashable() -> None:
    # Given coefficients from a mutable dict
    source = {1: Decimal("0"), 2: Decimal("1.0")}
    scheme = FloorCoefficients("B1", 2, source)
    # When the dict changes afterwards
    source[2] = Decimal("9")
    # Then the scheme does not, and equal schemes hash equal
    assert scheme.coefficient(2) == Decimal("1.0")
    assert hash(scheme) == hash(FloorCoefficients("B1", 2, {2: Decimal("1.0"), 1: Decimal("0")}))
