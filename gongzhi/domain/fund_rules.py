"""住宅专项维修资金 maintenance fund rules as data: deposit rates, the 30 % line, emergencies.

Deposit rules differ by city (建设部/财政部令第165号 sets the frame, local rules the figures),
so they are versioned data recorded on the fund, never constants in code:

* commodity housing (商品房): ``commodity_rate`` (5-8 %) × local building cost per m² × area;
* sold public housing (房改房): ``reform_rate`` (2 %) × reform cost price per m² × area.

A sub-account below ``top_up_threshold`` (30 %) of its first deposit must be topped up (续筹).
Every split of money here goes through ``split_fen`` so the parts add up to the fen.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any
from uuid import UUID

from gongzhi.domain.errors import InvalidValue, RuleViolated
from gongzhi.domain.money import FEN_PER_YUAN, split_fen

MIN_COMMODITY_RATE = Decimal("0.05")
MAX_COMMODITY_RATE = Decimal("0.08")
REFORM_RATE = Decimal("0.02")
TOP_UP_THRESHOLD = Decimal("0.30")
MAX_PRICE_PER_M2 = Decimal("100000")


class HousingKind(enum.Enum):
    """房屋性质 for the first deposit."""

    COMMODITY = "COMMODITY"  # 商品房
    REFORM = "REFORM"  # 房改房 sold public housing


class UseKind(enum.Enum):
    ORDINARY = "ORDINARY"  # 一般使用: owners' decision + committee approval
    EMERGENCY = "EMERGENCY"  # 应急使用: committee review + street office confirmation


class FundLedgerKind(enum.Enum):
    """A movement of the fund's money, as its ledger (台账) shows it."""

    FIRST_DEPOSIT = "FIRST_DEPOSIT"  # 首期交存
    TOP_UP = "TOP_UP"  # 续交
    INTEREST = "INTEREST"  # 利息
    PAYOUT = "PAYOUT"  # 使用支出
    COMMON_INCOME_TRANSFER = "COMMON_INCOME_TRANSFER"  # 公共收益转入


class Emergency(enum.Enum):
    """The six emergencies that may use the fund without a vote."""

    ELEVATOR_FAILURE = "ELEVATOR_FAILURE"  # 电梯故障
    FIRE_EQUIPMENT_BROKEN = "FIRE_EQUIPMENT_BROKEN"  # 消防设施损坏
    FACADE_HAZARD = "FACADE_HAZARD"  # 外墙墙面脱落危险
    WALL_OR_ROAD_COLLAPSE = "WALL_OR_ROAD_COLLAPSE"  # 围墙或道路塌陷
    ROOF_OR_WALL_LEAK = "ROOF_OR_WALL_LEAK"  # 屋面、外墙渗漏
    DRAINAGE_BLOCKED = "DRAINAGE_BLOCKED"  # 排水设施堵塞


@dataclass(frozen=True)
class DepositRule:
    """交存标准, version ``version`` of a community's fund."""

    version: int
    commodity_rate: Decimal
    building_cost_per_m2: Decimal
    reform_cost_price_per_m2: Decimal
    reform_rate: Decimal = REFORM_RATE
    top_up_threshold: Decimal = TOP_UP_THRESHOLD

    @classmethod
    def checked(
        cls,
        version: int,
        commodity_rate: Decimal | str,
        building_cost_per_m2: Decimal | str,
        reform_cost_price_per_m2: Decimal | str,
    ) -> DepositRule:
        rate = _decimal("commodityRate", commodity_rate)
        if not MIN_COMMODITY_RATE <= rate <= MAX_COMMODITY_RATE:
            raise InvalidValue("commodityRate", "must be between 0.05 and 0.08 (5 % to 8 %)")
        return cls(
            version=version,
            commodity_rate=rate,
            building_cost_per_m2=_price("buildingCostPerM2", building_cost_per_m2),
            reform_cost_price_per_m2=_price("reformCostPricePerM2", reform_cost_price_per_m2),
        )

    def first_deposit_fen(self, kind: str, area: Decimal) -> tuple[Decimal, Decimal, int]:
        """(rate, price per m², amount in fen) of a unit's first deposit; half a fen rounds up."""
        if kind == HousingKind.COMMODITY.value:
            rate, price = self.commodity_rate, self.building_cost_per_m2
        else:
            rate, price = self.reform_rate, self.reform_cost_price_per_m2
        fen = (rate * price * area * FEN_PER_YUAN).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return rate, price, int(fen)

    def to_record(self) -> dict[str, str]:
        return {
            "version": str(self.version),
            "commodity_rate": str(self.commodity_rate),
            "building_cost_per_m2": str(self.building_cost_per_m2),
            "reform_cost_price_per_m2": str(self.reform_cost_price_per_m2),
            "reform_rate": str(self.reform_rate),
            "top_up_threshold": str(self.top_up_threshold),
        }

    @classmethod
    def from_record(cls, record: Mapping[str, str]) -> DepositRule:
        return cls(
            version=int(record["version"]),
            commodity_rate=Decimal(record["commodity_rate"]),
            building_cost_per_m2=Decimal(record["building_cost_per_m2"]),
            reform_cost_price_per_m2=Decimal(record["reform_cost_price_per_m2"]),
            reform_rate=Decimal(record["reform_rate"]),
            top_up_threshold=Decimal(record["top_up_threshold"]),
        )


def below_threshold(balance_fen: int, first_deposit_fen: int, threshold: Decimal) -> bool:
    """Below 30 % (``threshold``) of the first deposit; nothing deposited is never below."""
    return first_deposit_fen > 0 and Decimal(balance_fen) < threshold * first_deposit_fen


def shares_by(
    total_fen: int, weights: Sequence[tuple[UUID, Decimal | int]]
) -> list[dict[str, Any]]:
    """``total_fen`` (may be negative: a reversal) split over units by weight, as event data.

    Units are taken in id order so the split is the same however the caller lists them."""
    ordered = sorted(weights, key=lambda w: str(w[0]))
    sign = -1 if total_fen < 0 else 1
    parts = split_fen(abs(total_fen), [Fraction(w) for _, w in ordered])
    return [
        {"unit_id": str(unit_id), "fen": sign * fen}
        for (unit_id, _), fen in zip(ordered, parts, strict=True)
    ]


def ceil_share(net_fen: int, share: Decimal) -> int:
    """At least ``share`` of ``net_fen``, in whole fen (rounded up, so never below the share)."""
    exact = Fraction(share) * net_fen
    return -((-exact.numerator) // exact.denominator)


def checked_share(field: str, value: Decimal | str) -> Decimal:
    share = _decimal(field, value)
    if not Decimal(0) < share <= Decimal(1):
        raise InvalidValue(field, "must be a fraction above 0 and at most 1 (0.5 = 50 %)")
    return share


def checked_emergency(kind: str, emergency: str | None, decision_given: bool) -> str | None:
    """Which emergency an EMERGENCY use is, or ``None`` for an ORDINARY one."""
    if kind == UseKind.EMERGENCY.value:
        allowed = [e.value for e in Emergency]
        if emergency not in allowed:
            raise InvalidValue(
                "emergency", f"an emergency use must name one of {', '.join(allowed)}"
            )
        if decision_given:
            raise InvalidValue("decisionId", "an emergency use needs no owners' decision")
        return emergency
    if emergency is not None:
        raise InvalidValue("emergency", "is only for an EMERGENCY use")
    if not decision_given:
        raise RuleViolated("decisionId", "an ordinary use needs the owners' passed decision")
    return None


def _decimal(field: str, value: Decimal | str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidValue(field, "must be a number") from None
    if not number.is_finite():
        raise InvalidValue(field, "must be a number")
    return number


def _price(field: str, value: Decimal | str) -> Decimal:
    price = _decimal(field, value)
    if not Decimal(0) < price < MAX_PRICE_PER_M2:
        raise InvalidValue(field, f"must be more than 0 and less than {MAX_PRICE_PER_M2} 元/m²")
    if price != price.quantize(Decimal("0.01")):
        raise InvalidValue(field, "must have at most two decimal places")
    return price
