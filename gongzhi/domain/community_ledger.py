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
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar
from uuid import UUID

from gongzhi.domain.errors import InvalidValue, RuleViolated, UnknownPart
from gongzhi.domain.money import fen_to_yuan
from gongzhi.domain.values import optional_text

SHARE_PLACES = Decimal("0.000001")
# Quzhou's line: collective economic organisations with operating income ≥ 300,000 元 a year.
INCOME_THRESHOLD_FEN = 30_000_000
MAX_BENEFICIARIES = 1_000_000


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


@dataclass
class Period:
    """A link, designation or line period from ``start`` to ``end`` (None: still running).

    A business line's end is its last day of business (entries on it are allowed); a link's
    or a pilot designation's end is the first day it no longer holds."""

    id: UUID
    start: date
    end: date | None = None


@dataclass(frozen=True)
class Entry:
    entry_id: UUID
    line: str
    kind: str
    amount_fen: int  # signed: a reversal carries the negated original
    on: date
    year: int
    reverses_id: UUID | None

    @classmethod
    def of(cls, e: Any) -> Entry:
        """From an ``EntryRecorded`` event."""
        return cls(e.entry_id, e.line, e.kind, e.amount_fen, e.on, e.year, e.reverses_id)


@dataclass(frozen=True)
class Allocation:
    allocation_id: UUID
    year: int
    service: str
    amount_fen: int  # signed, as entries
    reverses_id: UUID | None

    @classmethod
    def of(cls, e: Any) -> Allocation:
        """From a ``ReinvestmentAllocated`` event."""
        return cls(e.allocation_id, e.year, e.service, e.amount_fen, e.reverses_id)


R = TypeVar("R", Entry, Allocation)


def check_line_open(periods: list[Period], line: str, on: date) -> None:
    """Raised unless ``on`` falls in one of the line's periods of business."""
    if not periods:
        raise RuleViolated("line", f"{line} has never been opened")
    if not any(p.start <= on and (p.end is None or on <= p.end) for p in periods):
        last = periods[-1]
        state = f"closed on {last.end}" if last.end else f"open since {last.start}"
        raise RuleViolated("line", f"{line} was not open on {on} ({state})")


def reversible(field: str, original: R | None, reversed_: set[UUID]) -> R:
    """``original`` if it exists, is no reversal itself and is not reversed yet."""
    noun = "entry" if isinstance(original, Entry) or field == "entryId" else "allocation"
    if original is None:
        raise UnknownPart(field, f"no such {noun} in this company's ledger")
    if original.reverses_id is not None:
        raise RuleViolated(field, "is itself a reversal")
    original_id = original.entry_id if isinstance(original, Entry) else original.allocation_id
    if original_id in reversed_:
        raise RuleViolated(field, "is already reversed")
    return original


def checked_beneficiaries(count: int | None, description: str) -> tuple[int | None, str]:
    """受益对象 of a 反哺 allocation: a head count, a description, or both."""
    if count is not None and not 0 < count <= MAX_BENEFICIARIES:
        raise InvalidValue("beneficiaryCount", f"must be between 1 and {MAX_BENEFICIARIES}")
    described = optional_text("beneficiaries", description)
    if count is None and not described:
        raise InvalidValue(
            "beneficiaryCount", "give the beneficiaries: a count, a description or both"
        )
    return count, described


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
