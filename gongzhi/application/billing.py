"""计费 billing runs: one bill per unit for a period, in large atomic batches.

A run over 100,000 units builds its bills in memory from the community, its fee schedule
and its management timeline (no query per unit), and saves them in batches of thousands
together with the run's progress event. A killed run leaves whole batches only; running it
again bills the units the run has not covered yet, and a completed run creates nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from gongzhi.application.base import Conflict, Done, GongzhiBase, Meta, bulk_work, business_today
from gongzhi.application.commands import Command, handles
from gongzhi.application.estate import Vacancy, estate_read, vacancy_map
from gongzhi.application.fee_schedules import (
    fee_aggregate,
    fee_schedule,
    read_only,
)
from gongzhi.application.fields import CommunityId, Period
from gongzhi.application.meters import meter_book
from gongzhi.domain.bill import Bill, BillFacts
from gongzhi.domain.billing import PeriodPlan, UnitFacts, served_spans
from gongzhi.domain.billing_run import BillingRun, run_id
from gongzhi.domain.community import Community, Unit
from gongzhi.domain.errors import RuleViolated
from gongzhi.domain.fee_account import FeeAccount, account_id
from gongzhi.domain.fee_rules import parse_period
from gongzhi.domain.fee_schedule import FeeSchedule
from gongzhi.domain.meter import MeterBook, book_id

BATCH_SIZE = 5000
Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class RunBilling(Command):
    """计费: bill every unit of a community for a period (2026-10, 2026-Q4, 2026); idempotent
    and resumable"""

    community_id: CommunityId
    period: Period


@dataclass(frozen=True, kw_only=True)
class BillingReport(Done):
    """What a run did (``id`` is the run's): ``nothing_new`` when the period was billed
    completely before."""

    community_id: UUID
    period: str
    units: int
    bills_created: int
    bills_total: int
    amount_fen: int
    units_already_covered: int
    nothing_new: bool
    credits_applied: int

    @property
    def run_id(self) -> UUID:
        return self.id


def unit_facts(unit: Unit, vacancy: Vacancy) -> UnitFacts:
    """What billing needs of a unit: its structure and, from its holding, ``vacancy``."""
    return UnitFacts(unit.id, unit.number, unit.area, *vacancy)


def bills_of(app: GongzhiBase, schedule: FeeSchedule | None, unit_id: UUID) -> list[BillFacts]:
    """The unit's bills, oldest first: one look-up per period the community billed, and
    one per 补收单 of the unit."""
    bills = []
    for found in schedule.bill_ids(unit_id) if schedule else ():
        bill = fee_aggregate(app, Bill, found, copy=False)
        if bill is not None:
            bills.append(bill.facts)
    return sorted(bills, key=lambda b: b.key)


def bills_by_unit(
    app: GongzhiBase, schedule: FeeSchedule, unit_ids: Sequence[UUID]
) -> dict[UUID, list[Bill]]:
    """``bills_of`` for many units, the bills themselves, read in one query (a common
    meter's correction touches every unit: one look-up each was most of its time)."""
    found: dict[UUID, list[Bill]] = {unit_id: [] for unit_id in unit_ids}
    wanted = [bill for unit_id in unit_ids for bill in schedule.bill_ids(unit_id)]
    for bill in app.load_many(Bill, wanted):
        found[bill.unit_id].append(bill)
    for bills in found.values():
        bills.sort(key=lambda b: b.facts.key)
    return found


class BillingService(GongzhiBase):
    @handles(RunBilling)
    def run_billing(
        self,
        meta: Meta,
        command: RunBilling,
        *,
        batch_size: int = BATCH_SIZE,
        progress: Progress | None = None,
    ) -> BillingReport:
        """计费: bill every unit of the community for the period (idempotent, resumable)."""
        with bulk_work():
            return self._run_billing(
                meta, command.community_id, command.period, batch_size, progress
            )

    def _run_billing(
        self,
        meta: Meta,
        community_id: UUID,
        period_text: str,
        batch_size: int,
        progress: Progress | None,
    ) -> BillingReport:
        period = parse_period("period", period_text)
        community = read_only(self, Community, community_id, "communityId")
        schedule = fee_schedule(self, community_id)
        if schedule is None or not schedule.standards:
            raise RuleViolated("communityId", "the community has no fee standard yet")
        units = sorted(
            (u for u in community.unit_index.values() if not u.retired), key=lambda u: str(u.id)
        )
        vacancies = estate_read(self, community_id, "communityId", lambda _, e: vacancy_map(e))
        run = fee_aggregate(self, BillingRun, run_id(community_id, period.key))
        position = 0
        if run is None:
            run = BillingRun.start(community_id, period, len(units))
            schedule.start_billing(period)
            position = self._start_run(meta, community_id, period.key, run, schedule)
        elif run.completed:
            return self._report(run, len(units), 0, len(run.covered), True, 0, position)
        covered_before = len(run.covered)
        plan = PeriodPlan(schedule, period, served_spans(community.modes, period))
        todo = [u for u in units if str(u.id) not in run.covered]
        metered = self._metered(community_id, period.key, units)
        created = 0
        for start in range(0, len(todo), batch_size):
            chunk = todo[start : start + batch_size]
            bills = self._issue_bills(plan, community_id, chunk, vacancies, metered)
            run.record_batch([u.id for u in chunk], len(bills), sum(b.amount_fen for b in bills))
            position = self._save_billing(meta, run, *bills)
            created += len(bills)
            if progress is not None:
                progress("billed", covered_before + start + len(chunk))
        credits, accounts, schedule = self._apply_credits(community_id)
        run.complete(credits)
        position = self._save_billing(meta, run, *accounts, *([schedule] if schedule else []))
        return self._report(run, len(units), created, covered_before, False, credits, position)

    @staticmethod
    def _issue_bills(
        plan: PeriodPlan,
        community_id: UUID,
        units: Sequence[Unit],
        vacancies: Mapping[UUID, Vacancy],
        metered: Mapping[UUID, list[dict[str, Any]]],
    ) -> list[Bill]:
        bills = []
        for unit in units:
            lines = plan.lines(unit_facts(unit, vacancies[unit.id])) + metered.get(unit.id, [])
            if lines:
                bills.append(
                    Bill.issue(
                        community_id=community_id,
                        unit_id=unit.id,
                        unit_number=unit.number,
                        period=plan.period,
                        due_on=plan.due_on,
                        lines=lines,
                    )
                )
        return bills

    def _start_run(
        self,
        meta: Meta,
        community_id: UUID,
        period_key: str,
        run: BillingRun,
        schedule: FeeSchedule,
    ) -> int:
        """Save the run's start; with meters, the run takes the period's reading rounds,
        closing them, in the same save (on the book itself, held and changed in place)."""
        if meter_book(self, community_id) is None:
            return self._save_billing(meta, run, schedule)
        with self._held(MeterBook, book_id(community_id), "communityId") as book:
            try:
                book.bill_rounds(period_key)
                return self._save_billing(meta, run, schedule, book)
            except BaseException:
                self._evict(book.id)  # never leave a changed book behind
                raise

    def _metered(
        self, community_id: UUID, period_key: str, units: Sequence[Unit]
    ) -> dict[UUID, list[dict[str, Any]]]:
        """Each unit's metered and 公摊 lines from the rounds this period's run closed: the
        same on every batch and every re-run, since a closed round's readings are final."""
        book = meter_book(self, community_id)
        if book is None:
            return {}
        return book.charges(period_key, {u.id: u.area for u in units})

    def _apply_credits(
        self, community_id: UUID
    ) -> tuple[int, list[FeeAccount], FeeSchedule | None]:
        """预交: prepaid credit goes to the bills just issued, oldest open bill first."""
        schedule = fee_schedule(self, community_id)
        if schedule is None or not schedule.prepaid_units:
            return 0, [], None
        applied, accounts = 0, []
        today = business_today()
        for unit_id in sorted(schedule.prepaid_units, key=str):
            account = fee_aggregate(self, FeeAccount, account_id(unit_id))
            if account is None:
                continue
            applied += account.apply_credit(bills_of(self, schedule, unit_id), today)
            schedule.note_prepayment(unit_id, account.credit_fen > 0)
            accounts.append(account)
        return applied, accounts, schedule

    def _save_billing(self, meta: Meta, *aggregates: Aggregate) -> int:
        try:
            return self.record(meta, *aggregates)
        except IntegrityError:
            raise Conflict(
                "another billing run of this community for this period, or another change of "
                "its fees, happened at the same time; run it again to complete it"
            ) from None

    @staticmethod
    def _report(
        run: BillingRun,
        units: int,
        created: int,
        covered_before: int,
        nothing_new: bool,
        credits: int,
        position: int,
    ) -> BillingReport:
        return BillingReport(
            id=run.id,
            community_id=run.community_id,
            period=run.period,
            units=units,
            bills_created=created,
            bills_total=run.bills,
            amount_fen=run.amount_fen,
            units_already_covered=covered_before,
            nothing_new=nothing_new,
            credits_applied=credits,
            position=position,
        )

    def billing_runs(
        self,
        meta: Meta,
        community_ids: Sequence[UUID],
        period_text: str,
        *,
        batch_size: int = BATCH_SIZE,
        progress: Progress | None = None,
    ) -> list[BillingReport]:
        """A district-wide run: each community in turn, each its own resumable run."""
        parse_period("period", period_text)
        return [
            self.run_billing(
                meta, RunBilling(c, period_text), batch_size=batch_size, progress=progress
            )
            for c in community_ids
        ]
