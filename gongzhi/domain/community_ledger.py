"""强社惠民 community company ledger rules: business lines, the year's surplus and 反哺.

Pure rules, no aggregate: the CommunityCompany aggregate and the read side both use them,
so the surplus a command checks is the surplus a report shows.

- A year's *surplus* (盈余) is its revenue minus its costs; corrections are reversing
  entries carrying the year of the entry they reverse, so a late correction changes the
  year it corrects, never the year it was posted in.
- *Available* for 反哺 is the surplus minus what was already reinvested from that year.
  An allocation may not exceed it. Costs and revenue reversals are facts and are always
  recorded, even when they leave a year over-allocated (available < 0): the ledger says
  so, and the company reverses an allocation; refusing a true cost would falsify the books.
- The share reinvested is reinvested ÷ surplus as a Decimal rounded half-up to
  ``SHARE_PLACES`` places (1/3 has no exact decimal form); the fen figures behind it are
  always shown beside it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from gongzhi.domain.errors import RuleViolated
from gongzhi.domain.money import fen_to_yuan

SHARE_PLACES = Decimal("0.000001")
# Quzhou's line: collective economic organisations with operating income ≥ 300,000 元 a year.
INCOME_THRESHOLD_FEN = 30_000_000


class BusinessLine(enum.Enum):
    """强社惠民 business lines."""

    CANTEEN = "CANTEEN"  # 社区食堂
    CHILDCARE = "CHILDCARE"  # 托育
    HOME_ELDERLY_CARE = "HOME_ELDERLY_CARE"  # 居家养老
    PROCESSING_WORK = "PROCESSING_WORK"  # 来料加工
    LIVESTREAM_ECOMMERCE = "LIVESTREAM_ECOMMERCE"  # 电商直播
    PARKING = "PARKING"  # 停车
    GREENING = "GREENING"  # 绿化
    CLEANING = "CLEANING"  # 保洁
    REPAIRS = "REPAIRS"  # 维修
    ASSET_RENTAL = "ASSET_RENTAL"  # 资产租赁


class EntryKind(enum.Enum):
    REVENUE = "REVENUE"  # 收入
    COST = "COST"  # 成本


@dataclass
class YearFigures:
    """One year of a company's ledger, in fen, net of reversals."""

    revenue_fen: int = 0
    cost_fen: int = 0
    reinvested_fen: int = 0

    @property
    def surplus_fen(self) -> int:
        return self.revenue_fen - self.cost_fen

    @property
    def available_fen(self) -> int:
        """What 反哺 may still take from this year's surplus (negative: over-allocated)."""
        return self.surplus_fen - self.reinvested_fen

    def post(self, kind: str, amount_fen: int) -> None:
        """Add a (signed) ledger amount: a reversal posts the negated original."""
        if kind == EntryKind.REVENUE.value:
            self.revenue_fen += amount_fen
        else:
            self.cost_fen += amount_fen

    def check_allocation(self, year: int, amount_fen: int, field: str = "amountFen") -> None:
        """Raised when ``amount_fen`` exceeds what this year's surplus has left."""
        if amount_fen > self.available_fen:
            left = fen_to_yuan(max(self.available_fen, 0))
            raise OverAllocation(
                field,
                f"exceeds the surplus available for {year}: {left}"
                f" 元 (revenue {fen_to_yuan(self.revenue_fen)} − costs {fen_to_yuan(self.cost_fen)}"
                f" − already reinvested {fen_to_yuan(self.reinvested_fen)})",
                available_fen=self.available_fen,
            )


def reinvested_share(reinvested_fen: int, surplus_fen: int) -> Decimal | None:
    """反哺比例 reinvested ÷ surplus; None when there is no surplus to share."""
    if surplus_fen <= 0:
        return None
    return (Decimal(reinvested_fen) / Decimal(surplus_fen)).quantize(
        SHARE_PLACES, rounding=ROUND_HALF_UP
    )


class OverAllocation(RuleViolated):
    """Raised when a 反哺 allocation exceeds the surplus left in its year."""

    def __init__(self, field: str, message: str, *, available_fen: int) -> None:
        super().__init__(field, message)
        self.available_fen = available_fen
