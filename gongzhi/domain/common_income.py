"""公共收益 common income of a community: entries, corrections, publication (公示).

Common income from the common parts belongs to the owners once the reasonable cost is taken
off (Civil Code Art. 282) and is theirs by exclusive area (Art. 283). One ``CommonIncomeLedger``
per community (id derived from the community) holds every entry; a correction is an event of
its own, never an overwrite, so a committee sees each entry and each change to it. A
period's publication fixes what was published then (entries, totals, the allocation to units);
changes afterwards show as corrections after publication until the period is published again.

While the community's maintenance fund is below 30 % of its first deposits, at least half of
the net income goes into the fund (a configurable rule, on by default); the entry records the
amount and the fund records the same amount, both in one save.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.errors import InvalidValue, RuleViolated, UnknownPart
from gongzhi.domain.fund_rules import ceil_share, checked_share, shares_by
from gongzhi.domain.money import fen_amount
from gongzhi.domain.values import enum_value, optional_text, required_text

LEDGER_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongzhi.example/common-income")
PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
DEFAULT_FUND_SHARE = Decimal("0.5")


class IncomeCategory(enum.Enum):
    ADVERTISING = "ADVERTISING"  # 广告
    PARKING = "PARKING"  # 停车
    VENUE_RENT = "VENUE_RENT"  # 场地租金
    OTHER = "OTHER"  # 其他


@dataclass
class Entry:
    id: UUID
    category: str
    period: str
    gross_fen: int
    cost_fen: int
    to_fund_fen: int
    fund_share: Decimal | None  # the share sent to the fund, decided when it was recorded
    counterparty: str

    @property
    def net_fen(self) -> int:
        return self.gross_fen - self.cost_fen


class CommonIncomeLedger(Aggregate):
    """公共收益台账 of one community."""

    class Opened(Aggregate.Created):
        community_id: UUID
        fund_rule: dict[str, str]

    class FundRuleChanged(Aggregate.Event):
        fund_rule: dict[str, str]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, CommonIncomeLedger)
            aggregate.fund_rule = self.fund_rule

    class EntryRecorded(Aggregate.Event):
        entry_id: UUID
        category: str
        period: str
        gross_fen: int
        cost_fen: int
        net_fen: int
        to_fund_fen: int
        fund_share: Decimal | None
        counterparty: str
        note: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, CommonIncomeLedger)
            aggregate.entries[self.entry_id] = Entry(
                self.entry_id,
                self.category,
                self.period,
                self.gross_fen,
                self.cost_fen,
                self.to_fund_fen,
                self.fund_share,
                self.counterparty,
            )

    class EntryCorrected(Aggregate.Event):
        """更正: the new figures; the old ones stay in the earlier events."""

        entry_id: UUID
        period: str
        gross_fen: int
        cost_fen: int
        net_fen: int
        to_fund_fen: int
        counterparty: str
        note: str
        after_publication: bool

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, CommonIncomeLedger)
            entry = aggregate.entries[self.entry_id]
            entry.gross_fen, entry.cost_fen = self.gross_fen, self.cost_fen
            entry.to_fund_fen, entry.counterparty = self.to_fund_fen, self.counterparty

    class PeriodPublished(Aggregate.Event):
        """公示 of a period: the entries, totals and the allocation to units as published."""

        period: str
        round: int
        entries: list[dict[str, Any]]
        gross_fen: int
        cost_fen: int
        net_fen: int
        to_fund_fen: int
        allocation: list[dict[str, Any]]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, CommonIncomeLedger)
            aggregate.publications[self.period] = self.round

    def __init__(self, community_id: UUID, fund_rule: dict[str, str]) -> None:
        self.community_id = community_id
        self.fund_rule = fund_rule
        self.entries: dict[UUID, Entry] = {}
        self.publications: dict[str, int] = {}

    @staticmethod
    def id_for(community_id: UUID) -> UUID:
        return uuid5(LEDGER_NAMESPACE, str(community_id))

    @classmethod
    def open(cls, community_id: UUID) -> CommonIncomeLedger:
        rule = {"version": "1", "enabled": "true", "fund_share": str(DEFAULT_FUND_SHARE)}
        return cls._create(
            cls.Opened, id=cls.id_for(community_id), community_id=community_id, fund_rule=rule
        )

    def change_fund_rule(self, enabled: bool, fund_share: Decimal | str) -> None:
        """The share of net income that goes to a fund below 30 %; off where no local rule
        asks for it."""
        rule = {
            "version": str(int(self.fund_rule["version"]) + 1),
            "enabled": "true" if enabled else "false",
            "fund_share": str(checked_share("fundShare", fund_share)),
        }
        self.trigger_event(self.FundRuleChanged, fund_rule=rule)

    def fund_share_now(self, fund_below_threshold: bool) -> Decimal | None:
        """The share of net income owed to the fund today, or ``None``."""
        if self.fund_rule["enabled"] != "true" or not fund_below_threshold:
            return None
        return Decimal(self.fund_rule["fund_share"])

    def record_entry(
        self,
        *,
        category: str,
        period: str,
        gross_fen: int,
        cost_fen: int,
        counterparty: str,
        note: str,
        fund_share: Decimal | None,
    ) -> Entry:
        gross, cost = _amounts(gross_fen, cost_fen)
        entry_id = uuid4()
        self.trigger_event(
            self.EntryRecorded,
            entry_id=entry_id,
            category=enum_value("category", IncomeCategory, category),
            period=checked_period("period", period),
            gross_fen=gross,
            cost_fen=cost,
            net_fen=gross - cost,
            to_fund_fen=ceil_share(gross - cost, fund_share) if fund_share else 0,
            fund_share=fund_share,
            counterparty=required_text("counterparty", counterparty),
            note=optional_text("note", note, max_length=2000),
        )
        return self.entries[entry_id]

    def correct_entry(
        self, entry_id: UUID, *, gross_fen: int, cost_fen: int, counterparty: str, note: str
    ) -> int:
        """The change of the fund's part (new − old, may be negative), under the share the
        entry was recorded with."""
        entry = self.entries.get(entry_id)
        if entry is None:
            raise UnknownPart("entryId", "no such entry in this community's common income")
        gross, cost = _amounts(gross_fen, cost_fen)
        to_fund = ceil_share(gross - cost, entry.fund_share) if entry.fund_share else 0
        delta = to_fund - entry.to_fund_fen
        self.trigger_event(
            self.EntryCorrected,
            entry_id=entry_id,
            period=entry.period,
            gross_fen=gross,
            cost_fen=cost,
            net_fen=gross - cost,
            to_fund_fen=to_fund,
            counterparty=required_text("counterparty", counterparty),
            note=optional_text("note", note, max_length=2000),
            after_publication=entry.period in self.publications,
        )
        return delta

    def publish(self, period: str, today: date, units: list[tuple[UUID, Decimal]]) -> int:
        """公示 a period that has ended; its net is allocated to ``units`` by area."""
        month = checked_period("period", period)
        if period_end(month) >= today:
            raise RuleViolated("period", "a period is published once it has ended")
        entries = sorted(
            (e for e in self.entries.values() if e.period == month), key=lambda e: str(e.id)
        )
        if not entries:
            raise RuleViolated("period", "there is no common income recorded for this period")
        net = sum(e.net_fen for e in entries)
        allocation = shares_by(net, units) if units and net else []
        area_of = {str(u): a for u, a in units}
        round_number = self.publications.get(month, 0) + 1
        self.trigger_event(
            self.PeriodPublished,
            period=month,
            round=round_number,
            entries=[
                {
                    "entry_id": str(e.id),
                    "category": e.category,
                    "counterparty": e.counterparty,
                    "gross_fen": e.gross_fen,
                    "cost_fen": e.cost_fen,
                    "net_fen": e.net_fen,
                    "to_fund_fen": e.to_fund_fen,
                }
                for e in entries
            ],
            gross_fen=sum(e.gross_fen for e in entries),
            cost_fen=sum(e.cost_fen for e in entries),
            net_fen=net,
            to_fund_fen=sum(e.to_fund_fen for e in entries),
            allocation=[{**s, "area": str(area_of[s["unit_id"]])} for s in allocation],
        )
        return round_number


def checked_period(field: str, value: str) -> str:
    """A period is a calendar month, ``YYYY-MM``."""
    text = (value or "").strip()
    if not PERIOD.match(text):
        raise InvalidValue(field, "must be a month written YYYY-MM")
    return text


def period_end(period: str) -> date:
    """The last day of the month ``YYYY-MM``."""
    year, month = int(period[:4]), int(period[5:])
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return date.fromordinal(first_of_next.toordinal() - 1)


def _amounts(gross_fen: int, cost_fen: int) -> tuple[int, int]:
    gross = fen_amount("grossFen", gross_fen)
    cost = fen_amount("costFen", cost_fen, allow_zero=True)
    if cost > gross:
        raise InvalidValue("costFen", "must not exceed the gross income: the net is never negative")
    return gross, cost
