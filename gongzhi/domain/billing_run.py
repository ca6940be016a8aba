"""计费批次 a billing run of one community for one period, saved batch by batch.

Each batch of bills is saved together with the run's ``BatchIssued`` event in one
transaction, so after a crash the run knows exactly which units have their bill: a re-run
bills only the others, and a completed run creates nothing new.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.errors import RuleViolated
from gongzhi.domain.fee_rules import Period

RUN_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongzhi.example/billing-run")


def run_id(community_id: UUID, period_key: str) -> UUID:
    return uuid5(RUN_NAMESPACE, f"{community_id}/{period_key}")


class BillingRun(Aggregate):
    """计费批次 of a community for a period (2026-10, 2026-Q4, 2026)."""

    class Started(Aggregate.Created):
        community_id: UUID
        period: str
        units: int

    class BatchIssued(Aggregate.Event):
        """Units covered by this batch (billed, or owing nothing), and its bills."""

        unit_ids: list[str]
        bills: int
        amount_fen: int

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, BillingRun)
            aggregate.covered.update(self.unit_ids)
            aggregate.bills += self.bills
            aggregate.amount_fen += self.amount_fen

    class Completed(Aggregate.Event):
        bills: int
        amount_fen: int
        credits_applied: int

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, BillingRun)
            aggregate.completed = True

    def __init__(self, community_id: UUID, period: str, units: int) -> None:
        self.community_id = community_id
        self.period = period
        self.units = units
        self.covered: set[str] = set()
        self.bills = 0
        self.amount_fen = 0
        self.completed = False

    @classmethod
    def start(cls, community_id: UUID, period: Period, units: int) -> BillingRun:
        return cls._create(
            cls.Started,
            id=run_id(community_id, period.key),
            community_id=community_id,
            period=period.key,
            units=units,
        )

    def record_batch(self, unit_ids: Sequence[UUID], bills: int, amount_fen: int) -> None:
        if self.completed:
            raise RuleViolated("period", "the run is complete")
        self.trigger_event(
            self.BatchIssued,
            unit_ids=[str(unit) for unit in unit_ids],
            bills=bills,
            amount_fen=amount_fen,
        )

    def complete(self, credits_applied: int) -> None:
        self.trigger_event(
            self.Completed,
            bills=self.bills,
            amount_fen=self.amount_fen,
            credits_applied=credits_applied,
        )
