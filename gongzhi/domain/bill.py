"""物业费账单 one unit's bill for one period: its lines and amount, issued once.

The id is derived from the unit and the period, so the event store itself refuses a second
bill of a unit for a period, whatever a re-run or a concurrent run attempts. A bill is one
event: what is paid, written off or waived is recorded on the unit's ``FeeAccount``.

A supplementary bill (补收单, ``supplementary``) charges what a billed meter reading's
correction found the period's bill charged too little (``meter_correction``); its id is
derived from the correction (``supplement_id``), its due date from the day it is issued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.fee_rules import Period

BILL_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongzhi.example/fee-bill")
BILL_TOPIC = "gongzhi.domain.bill:Bill"


def bill_id(unit_id: UUID, period_key: str) -> UUID:
    return uuid5(BILL_NAMESPACE, f"{unit_id}/{period_key}")


def supplement_id(unit_id: UUID, period_key: str, correction: str) -> UUID:
    """补收单 of a unit for a period, for one correction (the meter book's event)."""
    return uuid5(BILL_NAMESPACE, f"{unit_id}/{period_key}/补收/{correction}")


@dataclass(frozen=True)
class BillFacts:
    """A bill as the account's rules need it; ``key`` orders bills oldest first."""

    id: UUID
    period: str
    period_start: date
    due_on: date
    amount_fen: int

    @property
    def key(self) -> tuple[date, date, str]:
        # A 补收单 comes after its period's bill: same period, a later due date.
        return (self.period_start, self.due_on, str(self.id))


class Bill(Aggregate):
    """物业费账单: property fee, parking and other fixed fees of one unit for one period."""

    class Issued(Aggregate.Created):
        community_id: UUID
        unit_id: UUID
        unit_number: str
        period: str
        period_start: date
        period_end: date
        due_on: date
        lines: list[dict[str, Any]]
        amount_fen: int
        supplementary: bool = False  # 补收单

        def mutate(self, aggregate: Aggregate | None) -> Aggregate | None:  # type: ignore[override]
            """The bill, built directly: a run creates 100,000 of them, and the library's
            generic path (resolving the topic, matching fields to ``__init__`` by signature
            on every call) costs more than pricing the bill."""
            bill = Bill.__new__(Bill)
            bill.__base_init__(self.originator_id, self.originator_version, self.timestamp)
            bill.__init__(  # type: ignore[misc]
                self.community_id,
                self.unit_id,
                self.unit_number,
                self.period,
                self.period_start,
                self.period_end,
                self.due_on,
                self.lines,
                self.amount_fen,
                self.supplementary,
            )
            return bill

    def __init__(
        self,
        community_id: UUID,
        unit_id: UUID,
        unit_number: str,
        period: str,
        period_start: date,
        period_end: date,
        due_on: date,
        lines: list[dict[str, Any]],
        amount_fen: int,
        supplementary: bool = False,
    ) -> None:
        self.community_id = community_id
        self.unit_id = unit_id
        self.unit_number = unit_number
        self.period = period
        self.period_start = period_start
        self.period_end = period_end
        self.due_on = due_on
        self.lines = lines
        self.amount_fen = amount_fen
        self.supplementary = supplementary

    @classmethod
    def issue(
        cls,
        *,
        community_id: UUID,
        unit_id: UUID,
        unit_number: str,
        period: Period,
        due_on: date,
        lines: list[dict[str, Any]],
        supplement_of: str = "",
    ) -> Bill:
        """The period's bill; with ``supplement_of`` (a correction), a 补收单 of it."""
        issued = cls.Issued(  # type: ignore[call-arg]
            originator_topic=BILL_TOPIC,
            originator_id=(
                supplement_id(unit_id, period.key, supplement_of)
                if supplement_of
                else bill_id(unit_id, period.key)
            ),
            originator_version=cls.INITIAL_VERSION,
            timestamp=cls.Issued.create_timestamp(),
            community_id=community_id,
            unit_id=unit_id,
            unit_number=unit_number,
            period=period.key,
            period_start=period.start,
            period_end=period.end,
            due_on=due_on,
            lines=lines,
            amount_fen=sum(line["amount_fen"] for line in lines),
            supplementary=bool(supplement_of),
        )
        bill = issued.mutate(None)
        assert isinstance(bill, Bill)
        bill.pending_events.append(issued)
        return bill

    @property
    def facts(self) -> BillFacts:
        return BillFacts(self.id, self.period, self.period_start, self.due_on, self.amount_fen)
