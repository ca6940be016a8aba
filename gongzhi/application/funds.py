"""住宅专项维修资金 commands: deposit rule, deposits, top-ups, interest, notices, uses.

The fund is one aggregate per community; the service looks up what the fund cannot know
itself (a unit's registered area, the owners' decision, the committee in office) and hands
it over as plain facts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from gongzhi.application.base import (
    Done,
    GongzhiBase,
    Meta,
    NotFound,
    business_today,
)
from gongzhi.domain.committee import Committee
from gongzhi.domain.community import Community
from gongzhi.domain.decision import Decision
from gongzhi.domain.errors import RuleViolated, UnknownPart
from gongzhi.domain.fund import MaintenanceFund
from gongzhi.domain.tally import Matter

# What a multi-aggregate command changed (the first is the one it is about) and its part id.
Changed = tuple[Sequence[Aggregate], UUID | None]


FUND_CONFLICT = "the fund or the ledger"


class FundService(GongzhiBase):
    def fund(self, community_id: UUID) -> MaintenanceFund:
        try:
            aggregate: Aggregate = self.repository.get(MaintenanceFund.id_for(community_id))
        except AggregateNotFoundError:
            self.load(Community, community_id, "communityId")
            raise NotFound(
                "communityId", "the community has no maintenance fund yet (no deposit rule set)"
            ) from None
        assert isinstance(aggregate, MaintenanceFund)
        return aggregate

    def fund_or_none(self, community_id: UUID) -> MaintenanceFund | None:
        try:
            aggregate: Aggregate = self.repository.get(MaintenanceFund.id_for(community_id))
        except AggregateNotFoundError:
            return None
        assert isinstance(aggregate, MaintenanceFund)
        return aggregate

    def set_deposit_rule(
        self,
        meta: Meta,
        community_id: UUID,
        *,
        commodity_rate: Decimal | str,
        building_cost_per_m2: Decimal | str,
        reform_cost_price_per_m2: Decimal | str,
    ) -> Done:
        """交存标准: the first rule opens the fund; later ones are new versions."""
        self.load(Community, community_id, "communityId")
        prices = (commodity_rate, building_cost_per_m2, reform_cost_price_per_m2)

        def build() -> Changed:
            fund = self.fund_or_none(community_id)
            if fund is None:
                return (MaintenanceFund.open(community_id, *prices),), None
            fund.change_rule(*prices)
            return (fund,), None

        return self.save_together(meta, build, FUND_CONFLICT)

    def record_first_deposit(
        self, meta: Meta, community_id: UUID, *, unit_id: UUID, housing_kind: str, on: date
    ) -> Done:
        """首次交存 by the rule in force over the unit's registered exclusive area."""
        community = self.load(Community, community_id, "communityId")
        unit = community.unit_index.get(unit_id)
        if unit is None:
            raise UnknownPart("unitId", "no such unit in this community")
        if unit.retired:
            raise RuleViolated("unitId", "the unit is retired")
        return self._on_fund(
            meta, community_id, lambda f: f.deposit_first(unit_id, housing_kind, unit.area, on)
        )

    def top_up_fund(
        self, meta: Meta, community_id: UUID, *, unit_id: UUID, amount_fen: int, on: date
    ) -> Done:
        """续筹 into one unit's sub-account."""
        return self._on_fund(meta, community_id, lambda f: f.top_up(unit_id, amount_fen, on))

    def allocate_fund_interest(
        self, meta: Meta, community_id: UUID, *, amount_fen: int, on: date
    ) -> Done:
        return self._on_fund(meta, community_id, lambda f: f.allocate_interest(amount_fen, on))

    def send_top_up_notices(
        self, meta: Meta, community_id: UUID, round_name: str
    ) -> tuple[Done, int]:
        """续筹通知 and how many were sent now: none when the round was sent already."""
        sent: list[int] = []
        done = self._on_fund(
            meta, community_id, lambda f: sent.append(f.send_top_up_notices(round_name))
        )
        return done, sent[-1]

    def propose_fund_use(
        self,
        meta: Meta,
        community_id: UUID,
        *,
        kind: str,
        emergency: str | None,
        decision_id: UUID | None,
        title: str,
        contractor: str,
        amount_fen: int,
        unit_ids: list[UUID],
        on: date | None = None,
    ) -> Done:
        """The company's plan; an ordinary use names the owners' passed decision."""
        if decision_id is not None:
            _check_decision(self.load(Decision, decision_id, "decisionId"), community_id)
        day = on or business_today()
        return self._on_fund(
            meta,
            community_id,
            lambda f: f.propose_use(
                kind=kind,
                emergency=emergency,
                decision_id=decision_id,
                title=title,
                contractor=contractor,
                amount_fen=amount_fen,
                unit_ids=unit_ids,
                on=day,
            ),
        )

    def approve_fund_use(self, meta: Meta, community_id: UUID, use_id: UUID) -> Done:
        committee_id, today = self.committee_in_office(community_id), business_today()
        return self._on_fund(
            meta, community_id, lambda f: f.approve_use(use_id, committee_id, today)
        )

    def review_emergency_use(self, meta: Meta, community_id: UUID, use_id: UUID) -> Done:
        committee_id, today = self.committee_in_office(community_id), business_today()
        return self._on_fund(
            meta, community_id, lambda f: f.review_emergency(use_id, committee_id, today)
        )

    def confirm_emergency_use(self, meta: Meta, community_id: UUID, use_id: UUID) -> Done:
        today = business_today()
        return self._on_fund(meta, community_id, lambda f: f.confirm_emergency(use_id, today))

    def pay_fund_use(
        self, meta: Meta, community_id: UUID, use_id: UUID, on: date | None = None
    ) -> Done:
        day = on or business_today()
        return self._on_fund(meta, community_id, lambda f: f.pay_use(use_id, day))

    def audit_emergency_use(
        self, meta: Meta, community_id: UUID, use_id: UUID, findings: str
    ) -> Done:
        today = business_today()
        return self._on_fund(
            meta, community_id, lambda f: f.audit_emergency(use_id, findings, today)
        )

    def committee_in_office(self, community_id: UUID) -> UUID:
        """The community's committee in office today (业委会 or 物管会)."""
        today = business_today()
        number = 1
        while True:
            try:
                aggregate: Aggregate = self.repository.get(Committee.id_for(community_id, number))
            except AggregateNotFoundError:
                raise RuleViolated(
                    "communityId", "the community has no committee in office to approve this"
                ) from None
            assert isinstance(aggregate, Committee)
            if aggregate.in_office_on(today):
                return aggregate.id
            number += 1

    def _on_fund(
        self, meta: Meta, community_id: UUID, command: Callable[[MaintenanceFund], Any]
    ) -> Done:
        def build() -> Changed:
            fund = self.fund(community_id)
            result = command(fund)
            return (fund,), result if isinstance(result, UUID) else None

        return self.save_together(meta, build, FUND_CONFLICT)


def _check_decision(decision: Decision, community_id: UUID) -> None:
    """维修资金使用: a closed, passed owners' decision of this community on using the fund."""
    if decision.community_id != community_id:
        raise RuleViolated("decisionId", "the decision belongs to another community")
    if decision.matter != Matter.USE_MAINTENANCE_FUND.value:
        raise RuleViolated(
            "decisionId", "must be a decision on using the fund (USE_MAINTENANCE_FUND)"
        )
    if not decision.closed:
        raise RuleViolated("decisionId", "the voting on this decision has not closed")
    if not decision.passed():
        raise RuleViolated("decisionId", "the owners did not pass this decision")
