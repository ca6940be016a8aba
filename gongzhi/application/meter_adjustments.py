"""更正读数 and, for a billed reading, its bill adjustment: 调账 credit or 补收单.

A reading of a round not billed yet is corrected on the meter book alone. A billed one
(``MeterBook.correct_billed``), found too high or too low, is corrected together with what
it changes on each unit's meter lines of that billing (its METERED line, its 公摊 shares
re-split by the same rule; ``domain/meter_correction.py``), netted per unit:

- a unit charged too much is credited (调账, ``FeeAccount.adjust``, the ledger's
  ADJUSTMENT), the credit applied at once to its open bills as prepaid credit is;
- a unit charged too little gets a supplementary bill (补收单: a ``Bill`` of the same
  period, ``supplementary``, its lines the meter lines that changed), due ``dueDays`` of the
  fee terms after the day it is issued, so late fees run from then and never from the
  period's own due date; it is listed with the unit's bills (``FeeSchedule.supplements``),
  so a payment, an online payment order and a 催缴 take it as any bill. Prepaid credit the
  unit holds pays it at once, as a billing run's credit does.

All of it is saved in one transaction with the actor and reason: the correction, its credits
and its 补收单 are recorded together or not at all. The same correction again is refused
(the reading is recorded already), so nothing is credited or charged twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from gongzhi.application.base import Conflict, Done, GongzhiBase, Meta, business_today
from gongzhi.application.billing import bills_by_unit
from gongzhi.application.commands import handles
from gongzhi.application.fee_schedules import (
    fee_aggregate,
    fee_schedule,
    read_only,
    unit_accounts,
)
from gongzhi.application.meters import CorrectReading, meter_book
from gongzhi.domain.bill import Bill, bill_id
from gongzhi.domain.billing_run import BillingRun, run_id
from gongzhi.domain.community import Community, Unit
from gongzhi.domain.errors import RuleViolated, UnknownPart
from gongzhi.domain.fee_rules import parse_period
from gongzhi.domain.fee_schedule import FeeSchedule
from gongzhi.domain.meter import METERED, SHARED, MeterBook, book_id, month_of
from gongzhi.domain.meter_correction import BilledCorrection


class MeterAdjustmentService(GongzhiBase):
    @handles(CorrectReading)
    def correct_reading(self, meta: Meta, command: CorrectReading) -> Done:
        month = month_of("period", command.period)
        book = meter_book(self, command.community_id)
        if book is None:
            raise UnknownPart("communityId", "the community has no meters yet")
        found = book.rounds.get(month)
        if found is None or found.billed_in is None:
            return self.change(
                meta,
                MeterBook,
                book.id,
                lambda b: b.correct(month, command.meter_id, command.reading),
                field="communityId",
            )
        return self._correct_billed(meta, command, month, found.billed_in)

    def _correct_billed(self, meta: Meta, command: CorrectReading, month: str, period: str) -> Done:
        community_id = command.community_id
        run = fee_aggregate(self, BillingRun, run_id(community_id, period), copy=False)
        schedule = fee_schedule(self, community_id)
        if run is None or not run.completed or schedule is None:
            raise RuleViolated(
                "period",
                f"the billing run of {period} is not complete: run it to the end, then correct",
            )
        community = read_only(self, Community, community_id, "communityId")
        # The units as a billing run takes them (their areas weigh AREA shares).
        units = {u.id: u for u in community.unit_index.values() if not u.retired}
        areas = {unit_id: unit.area for unit_id, unit in units.items()}
        with self._held(MeterBook, book_id(community_id), "communityId") as book:
            try:
                adjusted = {u: book.adjusted_fen(period, u) for u in units}
                correction = book.correct_billed(month, command.meter_id, command.reading, areas)
                booked = self._booked(
                    correction, schedule, units, month, f"{book.id}/{book.version}", adjusted
                )
                position = self.record(meta, book, schedule, *booked)
            except IntegrityError:
                self._evict(book.id)
                raise Conflict(
                    "the meter book or the unit's account changed at the same time; try again"
                ) from None
            except BaseException:
                self._evict(book.id)  # never leave a changed book behind
                raise
        return Done(book.id, position)

    def _booked(
        self,
        correction: BilledCorrection,
        schedule: FeeSchedule,
        units: Mapping[UUID, Unit],
        month: str,
        correction_key: str,
        adjusted: dict[UUID, int],
    ) -> list[Aggregate]:
        """Each unit's difference booked: 调账 on the accounts of the units charged too
        much, a 补收单 for each unit charged too little (its prepaid credit applied to it);
        the aggregates to save with the correction and the schedule."""
        period, today = correction.period, business_today()
        affected = list(correction.billed)
        bills = bills_by_unit(self, schedule, affected)
        accounts = unit_accounts(
            self,
            schedule.community_id,
            [u for u in affected if u in correction.credits or u in schedule.prepaid_units],
        )
        booked: list[Aggregate] = []
        for unit_id, credit in correction.credits.items():
            billed = self._billed(unit_id, period, bills[unit_id], correction.billed, adjusted)
            assert billed is not None  # a unit credited was charged: it has its bill
            account = accounts[unit_id]
            facts = [b.facts for b in bills[unit_id]]
            account.adjust(billed.facts, credit, today, f"抄表 {month} 更正", facts)
            schedule.note_prepayment(unit_id, account.credit_fen > 0)
            booked.append(account)
        issued: dict[UUID, UUID] = {}
        for unit_id, lines in correction.supplement.items():
            self._billed(unit_id, period, bills[unit_id], correction.billed, adjusted)
            supplement = Bill.issue(
                community_id=schedule.community_id,
                unit_id=unit_id,
                unit_number=units[unit_id].number,
                period=parse_period("period", period),
                due_on=today + timedelta(days=schedule.terms.due_days),
                lines=lines,
                supplement_of=correction_key,
            )
            issued[unit_id] = supplement.id
            booked.append(supplement)
            if unit_id in schedule.prepaid_units:  # its credit pays it, as in a billing run
                account = accounts[unit_id]
                account.apply_credit([*(b.facts for b in bills[unit_id]), supplement.facts], today)
                schedule.note_prepayment(unit_id, account.credit_fen > 0)
                booked.append(account)
        schedule.note_supplements(issued)
        return booked

    @staticmethod
    def _billed(
        unit_id: UUID,
        period: str,
        bills: list[Bill],
        billed_lines: Mapping[UUID, list[dict[str, Any]]],
        adjusted: dict[UUID, int],
    ) -> Bill | None:
        """The unit's bill of ``period`` (of its ``bills``), refused unless it shows the
        meter lines the correction is the difference from (or, after earlier corrections of
        the period, their total less what those credited and plus what they charged,
        ``adjusted``); a unit whose meter lines were nothing may have no bill."""
        lines = billed_lines[unit_id]
        bill = next((b for b in bills if b.id == bill_id(unit_id, period)), None)
        billed = _meter_lines(bill.lines) if bill is not None else []
        earlier = adjusted.get(unit_id, 0)
        shown = (
            billed == _meter_lines(lines)
            if not earlier
            else sum(fen for *_, fen in billed) + earlier
            == sum(fen for *_, fen in _meter_lines(lines))
        )
        if not shown:
            number = bill.unit_number if bill is not None else str(unit_id)
            raise RuleViolated(
                "reading",
                f"the bill of {period} of unit {number} does not show the meter charges the "
                "readings make now (a unit's area changed since billing?): the difference "
                "cannot be worked out from it",
            )
        return bill


def _meter_lines(lines: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    return [
        (line["kind"], line["label"], int(line["amount_fen"]))
        for line in lines
        if line["kind"] in (METERED, SHARED)
    ]
