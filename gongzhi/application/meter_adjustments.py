"""更正读数 and, for a billed reading found too high, its bill adjustment (调账).

A reading of a round not billed yet is corrected on the meter book alone. A billed one
(``MeterBook.correct_billed``) is corrected together with a credit, on each unit's fee
account, of what its lines of that billing charged too much (its METERED line, its 公摊
shares re-split by the same rule; ``FeeAccount.adjust``, the ledger's ADJUSTMENT, applied at
once to the open bills as prepaid credit is), all saved in one transaction with the actor and
reason: the correction and its credits are recorded together or not at all, and the same
correction again is refused (the reading is recorded already), so nothing is credited twice.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from gongzhi.application.base import Conflict, Done, GongzhiBase, Meta, business_today
from gongzhi.application.billing import bills_of
from gongzhi.application.commands import handles
from gongzhi.application.fee_schedules import fee_aggregate, fee_schedule, read_only
from gongzhi.application.meters import CorrectReading, meter_book
from gongzhi.domain.bill import Bill, bill_id
from gongzhi.domain.billing_run import BillingRun, run_id
from gongzhi.domain.community import Community
from gongzhi.domain.errors import RuleViolated, UnknownPart
from gongzhi.domain.fee_account import FeeAccount, account_id
from gongzhi.domain.fee_schedule import FeeSchedule
from gongzhi.domain.meter import METERED, SHARED, MeterBook, book_id, month_of


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
        if run is None or not run.completed:
            raise RuleViolated(
                "period",
                f"the billing run of {period} is not complete: run it to the end, then correct",
            )
        community = read_only(self, Community, community_id, "communityId")
        # The units as a billing run takes them (their areas weigh AREA shares).
        areas = {u.id: u.area for u in community.unit_index.values() if not u.retired}
        with self._held(MeterBook, book_id(community_id), "communityId") as book:
            try:
                _, credits, billed = book.correct_billed(
                    month, command.meter_id, command.reading, areas
                )
                changed: list[Aggregate] = [book]
                schedule = fee_schedule(self, community_id)
                for unit_id, credit in credits.items():
                    changed.append(
                        self._credit(schedule, unit_id, period, month, credit, billed[unit_id])
                    )
                if credits and schedule is not None:
                    changed.append(schedule)
                position = self.record(meta, *changed)
            except IntegrityError:
                self._evict(book.id)
                raise Conflict(
                    "the meter book or the unit's account changed at the same time; try again"
                ) from None
            except BaseException:
                self._evict(book.id)  # never leave a changed book behind
                raise
        return Done(book.id, position)

    def _credit(
        self,
        schedule: FeeSchedule | None,
        unit_id: UUID,
        period: str,
        month: str,
        credit: int,
        billed: list[dict[str, Any]],
    ) -> FeeAccount:
        """调账 on the unit's account: the credit, applied to its open bills at once; only
        when its bill shows the meter lines the credit is the difference from."""
        bill = fee_aggregate(self, Bill, bill_id(unit_id, period), copy=False)
        if bill is None or _meter_lines(bill.lines) != _meter_lines(billed):
            number = bill.unit_number if bill is not None else str(unit_id)
            raise RuleViolated(
                "reading",
                f"the bill of {period} of unit {number} does not show the meter charges the "
                "readings make now (a unit's area changed since billing?): the difference "
                "cannot be worked out from it",
            )
        account = fee_aggregate(self, FeeAccount, account_id(unit_id))
        if not isinstance(account, FeeAccount):
            assert schedule is not None  # a bill exists only after its community was billed
            account = FeeAccount.open(schedule.community_id, unit_id)
        account.adjust(
            bill.facts,
            credit,
            business_today(),
            f"抄表 {month} 更正",
            bills_of(self, schedule, unit_id),
        )
        if schedule is not None:
            schedule.note_prepayment(unit_id, account.credit_fen > 0)
        return account


def _meter_lines(lines: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    return [
        (line["kind"], line["label"], int(line["amount_fen"]))
        for line in lines
        if line["kind"] in (METERED, SHARED)
    ]
