"""公共收益 commands: record, correct, publish, and the rule that feeds a low fund.

Recording or correcting an entry that owes part of its net to the maintenance fund saves
the ledger and the fund together, so the transfer is in both ledgers or in neither.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from gongzhi.application.base import Done, Meta, business_today
from gongzhi.application.funds import FUND_CONFLICT, Changed, FundService
from gongzhi.domain.common_income import CommonIncomeLedger
from gongzhi.domain.community import Community
from gongzhi.domain.errors import RuleViolated


class CommonIncomeService(FundService):
    def common_income_ledger(self, community_id: UUID) -> CommonIncomeLedger | None:
        try:
            aggregate: Aggregate = self.repository.get(CommonIncomeLedger.id_for(community_id))
        except AggregateNotFoundError:
            return None
        assert isinstance(aggregate, CommonIncomeLedger)
        return aggregate

    def _ledger(self, community_id: UUID) -> CommonIncomeLedger:
        """The community's ledger, opened on first use."""
        self.load(Community, community_id, "communityId")
        ledger = self.common_income_ledger(community_id)
        return ledger if ledger is not None else CommonIncomeLedger.open(community_id)

    def set_common_income_rule(
        self, meta: Meta, community_id: UUID, *, enabled: bool, fund_share: Decimal | str
    ) -> Done:
        def build() -> Changed:
            ledger = self._ledger(community_id)
            ledger.change_fund_rule(enabled, fund_share)
            return (ledger,), None

        return self.save_together(meta, build, FUND_CONFLICT)

    def record_common_income(
        self,
        meta: Meta,
        community_id: UUID,
        *,
        category: str,
        period: str,
        gross_fen: int,
        cost_fen: int,
        counterparty: str,
        note: str = "",
    ) -> Done:
        """One entry; its ``part_id`` is the entry's id."""

        def build() -> Changed:
            ledger = self._ledger(community_id)
            fund = self.fund_or_none(community_id)
            share = ledger.fund_share_now(fund is not None and fund.below_threshold())
            entry = ledger.record_entry(
                category=category,
                period=period,
                gross_fen=gross_fen,
                cost_fen=cost_fen,
                counterparty=counterparty,
                note=note,
                fund_share=share,
            )
            if fund is None or entry.to_fund_fen == 0:
                return (ledger,), entry.id
            fund.transfer_common_income(entry.id, entry.period, entry.to_fund_fen)
            return (ledger, fund), entry.id

        return self.save_together(meta, build, FUND_CONFLICT)

    def correct_common_income(
        self,
        meta: Meta,
        community_id: UUID,
        entry_id: UUID,
        *,
        gross_fen: int,
        cost_fen: int,
        counterparty: str,
        note: str = "",
    ) -> Done:
        """更正; the fund's part follows the corrected net (back out of the fund if smaller)."""

        def build() -> Changed:
            ledger = self._ledger(community_id)
            delta = ledger.correct_entry(
                entry_id,
                gross_fen=gross_fen,
                cost_fen=cost_fen,
                counterparty=counterparty,
                note=note,
            )
            if delta == 0:
                return (ledger,), entry_id
            fund = self.fund(community_id)
            fund.transfer_common_income(entry_id, ledger.entries[entry_id].period, delta)
            return (ledger, fund), entry_id

        return self.save_together(meta, build, FUND_CONFLICT)

    def publish_common_income(
        self, meta: Meta, community_id: UUID, period: str, today: date | None = None
    ) -> Done:
        """公示 of a period, allocated to the community's units by exclusive area."""

        def build() -> Changed:
            community = self.load(Community, community_id, "communityId")
            ledger = self.common_income_ledger(community_id)
            if ledger is None:
                raise RuleViolated("period", "there is no common income recorded for this period")
            units = [(u.id, u.area) for u in community.unit_index.values() if not u.retired]
            ledger.publish(period, today or business_today(), units)
            return (ledger,), None

        return self.save_together(meta, build, FUND_CONFLICT)
