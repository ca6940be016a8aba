"""加装电梯 cost sharing: each unit's share of an added elevator, by floor coefficients.

share(unit) = coefficient(floor) × area / Σ(coefficient × area) × total cost. Money is whole fen
(分). The exact shares are fractions of a fen; the largest-remainder method rounds them so they
sum to the total exactly and no share is a fen or more away from its exact value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Final

from gongzhi.domain.errors import DomainError, InvalidValue
from gongzhi.domain.money import split_fen

# The common informal scheme: the two lowest floors gain nothing from an elevator and pay
# nothing; from the third floor up, 0.7 and then 0.1 more per floor.
_FREE_FLOORS: Final = 2
_FIRST_PAYING: Final = Decimal("0.7")
_STEP: Final = Decimal("0.1")


@dataclass(frozen=True)
class FloorCoefficients:
    """楼层系数 a building's versioned floor → coefficient scheme for sharing elevator costs."""

    name: str
    version: int
    coefficients: Mapping[int, Decimal]

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidValue("name", "must not be empty")
        if self.version < 1:
            raise InvalidValue("version", "must be 1 or more")
        for floor, coefficient in self.coefficients.items():
            if not coefficient.is_finite() or coefficient < 0:
                raise InvalidValue("coefficients", f"floor {floor}: must be zero or more")
        # A private read-only copy in floor order, so the scheme cannot change under a sharing.
        ordered = dict(sorted(self.coefficients.items()))
        object.__setattr__(self, "coefficients", MappingProxyType(ordered))

    def __hash__(self) -> int:
        return hash((self.name, self.version, tuple(self.coefficients.items())))

    def coefficient(self, floor: int) -> Decimal:
        try:
            return self.coefficients[floor]
        except KeyError:
            raise MissingCoefficient(
                "floor", f"floor {floor} has no coefficient in {self.name} v{self.version}"
            ) from None

    @classmethod
    def common_scheme(
        cls, floors: int, *, name: str = "COMMON_0.7_STEP_0.1", version: int = 1
    ) -> FloorCoefficients:
        """Floors 1-2 pay 0, then 0.7, 0.8, 0.9, 1.0, 1.1 … one step per floor up to ``floors``."""
        if floors < 1:
            raise InvalidValue("floors", "must be 1 or more")
        return cls(
            name,
            version,
            {
                floor: Decimal(0)
                if floor <= _FREE_FLOORS
                else _FIRST_PAYING + _STEP * (floor - _FREE_FLOORS - 1)
                for floor in range(1, floors + 1)
            },
        )


@dataclass(frozen=True)
class PayingUnit:
    """户 a unit of the entrance that shares the cost: its floor and exclusive area (m²)."""

    unit_id: str
    floor: int
    area: Decimal

    def __post_init__(self) -> None:
        if not self.unit_id:
            raise InvalidValue("units", "every unit needs a unit id")
        if not self.area.is_finite() or self.area <= 0:
            raise InvalidValue("units", f"unit {self.unit_id}: area must be above zero")


@dataclass(frozen=True)
class CostShare:
    """分摊 one unit's share, with the figures behind it so owners can check it."""

    unit_id: str
    floor: int
    coefficient: Decimal
    area: Decimal
    weight: Fraction  # coefficient × area
    exact_fen: Fraction  # weight / Σ weight × total, before rounding
    fen: int  # what the unit pays


@dataclass(frozen=True)
class CostSharing:
    """加装电梯费用分摊 the whole sharing: scheme, total, and one share per unit by unit id."""

    scheme: str
    scheme_version: int
    total_fen: int
    total_weight: Fraction
    shares: tuple[CostShare, ...]

    def fen_by_unit(self) -> dict[str, int]:
        return {share.unit_id: share.fen for share in self.shares}


def share_cost(
    total_fen: int, units: Iterable[PayingUnit], coefficients: FloorCoefficients
) -> CostSharing:
    """Split ``total_fen`` over ``units`` by coefficient × area, to the fen, summing exactly."""
    if isinstance(total_fen, bool) or not isinstance(total_fen, int) or total_fen < 0:
        raise InvalidValue("totalFen", "must be a whole number of fen, zero or more")
    ordered = sorted(units, key=lambda unit: unit.unit_id)
    if len({unit.unit_id for unit in ordered}) != len(ordered):
        raise InvalidValue("units", "a unit is listed twice")
    # Fractions keep coefficient × area exact whatever the digits of either.
    weighed = [
        (unit, coefficient, Fraction(coefficient) * Fraction(unit.area))
        for unit, coefficient in ((unit, coefficients.coefficient(unit.floor)) for unit in ordered)
    ]
    total_weight = sum((weight for _, _, weight in weighed), Fraction(0))
    if total_weight == 0:
        raise NoPayer("units", "no unit has a positive coefficient and area to share the cost")
    exact = [weight * total_fen / total_weight for _, _, weight in weighed]
    fen = split_fen(total_fen, [weight for _, _, weight in weighed])
    return CostSharing(
        scheme=coefficients.name,
        scheme_version=coefficients.version,
        total_fen=total_fen,
        total_weight=total_weight,
        shares=tuple(
            CostShare(unit.unit_id, unit.floor, coefficient, unit.area, weight, exact[i], fen[i])
            for i, (unit, coefficient, weight) in enumerate(weighed)
        ),
    )


class MissingCoefficient(DomainError):
    """Raised when a unit's floor has no coefficient in the building's scheme."""


class NoPayer(DomainError):
    """Raised when no unit has a positive coefficient and area to carry the cost."""
