"""公共收益 commands: record, correct, publish, and the rule that feeds a low fund.

Recording or correcting an entry that owes part of its net to the maintenance fund saves
the ledger and the fund together, so the transfer is in both ledgers or in neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from gongzhi.application.base import Done, GongzhiBase, Meta, business_today
from gongzhi.application.commands import Command, handles
from gongzhi.application.fields import (
    CommunityId,
    Doc,
    Fen,
    Kind,
    Name,
    Note,
    Period,
    Range,
    Ref,
)
from gongzhi.application.funds import FUND_CONFLICT, Changed, fund_or_none, maintenance_fund
from gongzhi.application.receipts import CommandId
from gongzhi.domain.common_income import CommonIncomeLedger, IncomeCategory
from gongzhi.domain.community import Community
from gongzhi.domain.errors import RuleViolated

Month = Annotated[Period, Doc("The month, YYYY-MM")]
EntryId = Annotated[UUID, Ref(Kind.COMMON_INCOME_ENTRY)]


@dataclass(frozen=True)
class SetCommonIncomeRule(Command):
    """The 50 % rule of common income for a low fund: the share of net common income that
    goes to a maintenance fund below 30 % of its first deposits (on at 0.5 by default; off
    where no local rule asks for it)"""

    community_id: CommunityId
    enabled: bool
    fund_share: Annotated[
        Decimal,
        Range(Decimal(0), Decimal(1), places=4, above_low=True),
        Doc("0.5 = 50 %"),
    ]


@dataclass(frozen=True)
class RecordCommonIncome(Command):
    """公共收益: record one entry of a month (the fund's part in the same save)"""

    community_id: CommunityId
    category: IncomeCategory
    period: Month
    gross_fen: Fen
    cost_fen: Annotated[Fen, Doc("合理成本; at most the gross")]
    counterparty: Name
    note: Note = ""
    command_id: CommandId | None = None


@dataclass(frozen=True)
class CorrectCommonIncome(Command):
    """更正 an entry of common income: recorded as a correction, the earlier figures stay"""

    community_id: CommunityId
    entry_id: EntryId
    gross_fen: Fen
    cost_fen: Fen
    counterparty: Name
    note: Note = ""


@dataclass(frozen=True)
class PublishCommonIncome(Command):
    """公示 a month's common income that has ended, with its allocation to the units (by the
    serving company)"""

    community_id: CommunityId
    period: Month


class CommonIncomeService(GongzhiBase):
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

    @handles(SetCommonIncomeRule)
    def set_common_income_rule(self, meta: Meta, command: SetCommonIncomeRule) -> Done:
        community_id, enabled, fund_share = (
            command.community_id,
            command.enabled,
            command.fund_share,
        )

        def build() -> Changed:
            ledger = self._ledger(community_id)
            ledger.change_fund_rule(enabled, fund_share)
            return (ledger,), None

        return self.save_together(meta, build, FUND_CONFLICT)

    @handles(RecordCommonIncome)
    def record_common_income(self, meta: Meta, command: RecordCommonIncome) -> Done:
        """One entry; its ``part_id`` is the entry's id."""
        community_id, category = command.community_id, IncomeCategory(command.category).value
        period, gross_fen, cost_fen = command.period, command.gross_fen, command.cost_fen
        counterparty, note = command.counterparty, command.note

        def build() -> Changed:
            ledger = self._ledger(community_id)
            fund = fund_or_none(self, community_id)
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

    @handles(CorrectCommonIncome)
    def correct_common_income(self, meta: Meta, command: CorrectCommonIncome) -> Done:
        """更正; the fund's part follows the corrected net (back out of the fund if smaller)."""
        community_id, entry_id = command.community_id, command.entry_id
        gross_fen, cost_fen = command.gross_fen, command.cost_fen
        counterparty, note = command.counterparty, command.note

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
            fund = maintenance_fund(self, community_id)
            fund.transfer_common_income(entry_id, ledger.entries[entry_id].period, delta)
            return (ledger, fund), entry_id

        return self.save_together(meta, build, FUND_CONFLICT)

    @handles(PublishCommonIncome)
    def publish_common_income(
        self, meta: Meta, command: PublishCommonIncome, *, today: date | None = None
    ) -> Done:
        """公示 of a period, allocated to the community's units by exclusive area."""
        community_id, period = command.community_id, command.period

        def build() -> Changed:
            community = self.load(Community, community_id, "communityId")
            ledger = self.common_income_ledger(community_id)
            if ledger is None:
                raise RuleViolated("period", "there is no common income recorded for this period")
            units = [(u.id, u.area) for u in community.unit_index.values() if not u.retired]
            ledger.publish(period, today or business_today(), units)
            return (ledger,), None

        return self.save_together(meta, build, FUND_CONFLICT)
