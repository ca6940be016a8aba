"""住宅专项维修资金 commands: deposit rule, deposits, top-ups, interest, notices, uses.

The fund is one aggregate per community; the service looks up what the fund cannot know
itself (a unit's registered area, the owners' decision, the committee in office) and hands
it over as plain facts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, ClassVar
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
from gongzhi.application.commands import Command, handles
from gongzhi.application.fields import (
    CommunityId,
    DecisionId,
    Description,
    Doc,
    Fen,
    Items,
    Kind,
    Name,
    Price,
    Rate,
    Ref,
    Text,
    UnitId,
)
from gongzhi.application.receipts import CommandId
from gongzhi.domain.committee import Committee
from gongzhi.domain.community import Community
from gongzhi.domain.decision import Decision
from gongzhi.domain.errors import RuleViolated, UnknownPart
from gongzhi.domain.fund import MAX_UNITS_PER_USE, MaintenanceFund
from gongzhi.domain.fund_rules import Emergency, HousingKind, UseKind
from gongzhi.domain.tally import Matter

# What a multi-aggregate command changed (the first is the one it is about) and its part id.
Changed = tuple[Sequence[Aggregate], UUID | None]


FUND_CONFLICT = "the fund or the ledger"


FundUseId = Annotated[UUID, Ref(Kind.FUND_USE)]


@dataclass(frozen=True)
class FundCommand(Command):
    """A command on one community's fund (not a mutation itself)."""

    community_id: CommunityId


@dataclass(frozen=True)
class SetFundDepositRule(FundCommand):
    """交存标准: set the fund's deposit rule (opens the fund); a new version of the
    community's deposit rule"""

    commodity_rate: Annotated[Rate, Doc("商品房 0.05-0.08 of building cost")]
    building_cost_per_m2: Annotated[Price, Doc("元/m² 建安造价")]
    reform_cost_price_per_m2: Annotated[Price, Doc("元/m² 房改成本价 (2 %)")]


@dataclass(frozen=True)
class RecordFirstDeposit(FundCommand):
    """首次交存 of a unit, by the rule in force over its registered area"""

    unit_id: UnitId
    housing_kind: HousingKind
    deposited_on: date


@dataclass(frozen=True)
class TopUpFund(FundCommand):
    """续筹 into a unit's sub-account"""

    unit_id: UnitId
    amount_fen: Fen
    on: date
    command_id: CommandId | None = None


@dataclass(frozen=True)
class AllocateFundInterest(FundCommand):
    """利息 allocated over the sub-accounts by balance"""

    amount_fen: Fen
    on: date
    command_id: CommandId | None = None


@dataclass(frozen=True)
class SendTopUpNotices(FundCommand):
    """续筹通知 to every unit below 30 %, once per round (idempotent per round)"""

    round: Annotated[str, Text(40, min_length=1), Doc("The notice round, e.g. 2026-Q1")]


@dataclass(frozen=True)
class ProposeFundUse(FundCommand):
    """使用申请 by the serving company: ORDINARY on the owners' passed decision
    (USE_MAINTENANCE_FUND); EMERGENCY naming one of the six emergencies, no decision"""

    kind: UseKind
    title: Name
    contractor: Name
    amount_fen: Fen
    unit_ids: Annotated[list[UnitId], Items(MAX_UNITS_PER_USE), Doc("The units that pay, by area")]
    decision_id: DecisionId | None = None
    emergency: Emergency | None = None
    command_id: CommandId | None = None


@dataclass(frozen=True)
class ApproveFundUse(FundCommand):
    """审批: the committee in office approves an ordinary use"""

    # One input for every step of a use: approve, review, confirm or pay.
    input_name: ClassVar[str | None] = "FundUseStepInput"
    use_id: FundUseId


@dataclass(frozen=True)
class ReviewEmergencyFundUse(ApproveFundUse):
    """审核: the committee in office reviews an emergency use"""


@dataclass(frozen=True)
class ConfirmEmergencyFundUse(ApproveFundUse):
    """确认: the street office confirms a reviewed emergency use"""


@dataclass(frozen=True)
class PayFundUse(ApproveFundUse):
    """支付: pay the contractor from the affected sub-accounts"""


@dataclass(frozen=True)
class RejectFundUse(ApproveFundUse):
    """驳回: the committee in office rejects a proposed use (ordinary or emergency)"""


@dataclass(frozen=True)
class RejectEmergencyFundUse(ApproveFundUse):
    """驳回: the street office rejects an emergency use the committee reviewed"""


@dataclass(frozen=True)
class WithdrawFundUse(ApproveFundUse):
    """撤回: the proposing company withdraws a use before it is paid"""


@dataclass(frozen=True)
class AuditEmergencyFundUse(FundCommand):
    """事后审计 of a paid emergency use"""

    use_id: FundUseId
    findings: Description


@dataclass(frozen=True)
class NoticesSent(Done):
    """What sending top-up notices did: the notices sent now (0: the round was sent)."""

    sent: int = 0


def maintenance_fund(app: GongzhiBase, community_id: UUID) -> MaintenanceFund:
    try:
        aggregate: Aggregate = app.repository.get(MaintenanceFund.id_for(community_id))
    except AggregateNotFoundError:
        app.load(Community, community_id, "communityId")
        raise NotFound(
            "communityId", "the community has no maintenance fund yet (no deposit rule set)"
        ) from None
    assert isinstance(aggregate, MaintenanceFund)
    return aggregate


def fund_or_none(app: GongzhiBase, community_id: UUID) -> MaintenanceFund | None:
    try:
        aggregate: Aggregate = app.repository.get(MaintenanceFund.id_for(community_id))
    except AggregateNotFoundError:
        return None
    assert isinstance(aggregate, MaintenanceFund)
    return aggregate


class FundService(GongzhiBase):
    @handles(SetFundDepositRule)
    def set_deposit_rule(self, meta: Meta, command: SetFundDepositRule) -> Done:
        """交存标准: the first rule opens the fund; later ones are new versions."""
        community_id = command.community_id
        self.load(Community, community_id, "communityId")
        prices = (
            command.commodity_rate,
            command.building_cost_per_m2,
            command.reform_cost_price_per_m2,
        )

        def build() -> Changed:
            fund = fund_or_none(self, community_id)
            if fund is None:
                return (MaintenanceFund.open(community_id, *prices),), None
            fund.change_rule(*prices)
            return (fund,), None

        return self.save_together(meta, build, FUND_CONFLICT)

    @handles(RecordFirstDeposit)
    def record_first_deposit(self, meta: Meta, command: RecordFirstDeposit) -> Done:
        """首次交存 by the rule in force over the unit's registered exclusive area."""
        community = self.load(Community, command.community_id, "communityId")
        unit_id, kind = command.unit_id, HousingKind(command.housing_kind).value
        unit = community.unit_index.get(unit_id)
        if unit is None:
            raise UnknownPart("unitId", "no such unit in this community")
        if unit.retired:
            raise RuleViolated("unitId", "the unit is retired")
        return self._on_fund(
            meta,
            command.community_id,
            lambda f: f.deposit_first(unit_id, kind, unit.area, command.deposited_on),
        )

    @handles(TopUpFund)
    def top_up_fund(self, meta: Meta, command: TopUpFund) -> Done:
        """续筹 into one unit's sub-account."""
        return self._on_fund(
            meta,
            command.community_id,
            lambda f: f.top_up(command.unit_id, command.amount_fen, command.on),
        )

    @handles(AllocateFundInterest)
    def allocate_fund_interest(self, meta: Meta, command: AllocateFundInterest) -> Done:
        return self._on_fund(
            meta,
            command.community_id,
            lambda f: f.allocate_interest(command.amount_fen, command.on),
        )

    @handles(SendTopUpNotices)
    def send_top_up_notices(self, meta: Meta, command: SendTopUpNotices) -> NoticesSent:
        """续筹通知 and how many were sent now: none when the round was sent already."""
        sent: list[int] = []
        done = self._on_fund(
            meta,
            command.community_id,
            lambda f: sent.append(f.send_top_up_notices(command.round)),
        )
        return NoticesSent(done.id, done.position, done.part_id, sent=sent[-1])

    @handles(ProposeFundUse)
    def propose_fund_use(self, meta: Meta, command: ProposeFundUse) -> Done:
        """The company's plan; an ordinary use names the owners' passed decision. The part
        id is the use."""
        community_id, decision_id = command.community_id, command.decision_id
        if decision_id is not None:
            _check_decision(self.load(Decision, decision_id, "decisionId"), community_id)
        estate = self.peek(Community, community_id, "communityId", _estate)
        if command.emergency is not None:
            _check_emergency(Emergency(command.emergency), list(command.unit_ids), estate)
        day = business_today()
        return self._on_fund(
            meta,
            community_id,
            lambda f: f.propose_use(
                kind=UseKind(command.kind).value,
                emergency=Emergency(command.emergency).value if command.emergency else None,
                decision_id=decision_id,
                title=command.title,
                contractor=command.contractor,
                amount_fen=command.amount_fen,
                unit_ids=list(command.unit_ids),
                on=day,
                labels=estate.labels,
            ),
        )

    @handles(ApproveFundUse)
    def approve_fund_use(self, meta: Meta, command: ApproveFundUse) -> Done:
        committee_id, today = self.committee_in_office(command.community_id), business_today()
        labels = self.unit_labels(command.community_id)
        return self._on_use(
            meta, command, lambda f: f.approve_use(command.use_id, committee_id, today, labels)
        )

    @handles(ReviewEmergencyFundUse)
    def review_emergency_use(self, meta: Meta, command: ReviewEmergencyFundUse) -> Done:
        committee_id, today = self.committee_in_office(command.community_id), business_today()
        labels = self.unit_labels(command.community_id)
        return self._on_use(
            meta,
            command,
            lambda f: f.review_emergency(command.use_id, committee_id, today, labels),
        )

    @handles(ConfirmEmergencyFundUse)
    def confirm_emergency_use(self, meta: Meta, command: ConfirmEmergencyFundUse) -> Done:
        today, labels = business_today(), self.unit_labels(command.community_id)
        return self._on_use(
            meta, command, lambda f: f.confirm_emergency(command.use_id, today, labels)
        )

    @handles(RejectFundUse)
    def reject_fund_use(self, meta: Meta, command: RejectFundUse) -> Done:
        self.committee_in_office(command.community_id)  # only a committee in office rejects
        today = business_today()
        return self._on_use(
            meta, command, lambda f: f.reject_use(command.use_id, "COMMITTEE", today)
        )

    @handles(RejectEmergencyFundUse)
    def reject_emergency_use(self, meta: Meta, command: RejectEmergencyFundUse) -> Done:
        today = business_today()
        return self._on_use(
            meta, command, lambda f: f.reject_use(command.use_id, "STREET_OFFICE", today)
        )

    @handles(WithdrawFundUse)
    def withdraw_fund_use(self, meta: Meta, command: WithdrawFundUse) -> Done:
        today = business_today()
        return self._on_use(meta, command, lambda f: f.withdraw_use(command.use_id, today))

    @handles(PayFundUse)
    def pay_fund_use(self, meta: Meta, command: PayFundUse) -> Done:
        today, labels = business_today(), self.unit_labels(command.community_id)
        return self._on_use(meta, command, lambda f: f.pay_use(command.use_id, today, labels))

    def unit_labels(self, community_id: UUID) -> dict[UUID, str]:
        return self.peek(Community, community_id, "communityId", _estate).labels

    @handles(AuditEmergencyFundUse)
    def audit_emergency_use(self, meta: Meta, command: AuditEmergencyFundUse) -> Done:
        today = business_today()
        return self._on_use(
            meta,
            command,
            lambda f: f.audit_emergency(command.use_id, command.findings, today),
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
            fund = maintenance_fund(self, community_id)
            result = command(fund)
            return (fund,), result if isinstance(result, UUID) else None

        return self.save_together(meta, build, FUND_CONFLICT)

    def _on_use(
        self,
        meta: Meta,
        command: ApproveFundUse | AuditEmergencyFundUse,
        step: Callable[[MaintenanceFund], Any],
    ) -> Done:
        """A step on one use: the part id is that use."""
        done = self._on_fund(meta, command.community_id, step)
        return Done(done.id, done.position, command.use_id)


@dataclass(frozen=True)
class _Estate:
    """What a use's checks need of the community: each unit's label (楼栋-单元-房号) and
    whether its building has an elevator."""

    labels: dict[UUID, str]
    elevator: dict[UUID, bool]


def _estate(community: Community) -> _Estate:
    labels, elevator = {}, {}
    for building in community.buildings.values():
        for entrance in building.entrances.values():
            for unit in entrance.units.values():
                labels[unit.id] = f"{building.number}-{entrance.number}-{unit.number}"
                elevator[unit.id] = building.has_elevator
    return _Estate(labels, elevator)


def _check_emergency(emergency: Emergency, unit_ids: list[UUID], estate: _Estate) -> None:
    """电梯故障 is an emergency of a building with an elevator: its owners pay for it."""
    if emergency is not Emergency.ELEVATOR_FAILURE:
        return
    for i, unit_id in enumerate(unit_ids):
        if not estate.elevator.get(unit_id, True):
            raise RuleViolated(
                f"unitIds.{i}",
                f"unit {estate.labels[unit_id]} is in a building without an elevator: "
                "an elevator failure is paid by the units of buildings with one",
            )


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
