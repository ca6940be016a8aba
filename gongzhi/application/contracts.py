"""物业服务合同 service contract commands: award, start, notices, hand-over.

Starting and handing over change the community's 管理模式 in the same save as the
contracts, so the management mode always follows the contracts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from gongzhi.application.base import (
    Done,
    GongzhiBase,
    Meta,
    business_today,
)
from gongzhi.application.commands import Command, handles
from gongzhi.application.fields import CommunityId, CompanyId, DecisionId, Doc, Kind, Range, Ref
from gongzhi.domain.community import Community
from gongzhi.domain.company import PropertyCompany
from gongzhi.domain.contract import MAX_FEE, PricingModel, ServiceContract, contract_id
from gongzhi.domain.decision import Decision
from gongzhi.domain.errors import DomainError, RuleViolated
from gongzhi.domain.values import ManagementMode

# The aggregates a command changed (the first is the one it is about) and the part it names.
Changed = tuple[Sequence[Aggregate], UUID | None]


ContractId = Annotated[UUID, Ref(Kind.CONTRACT)]
TodayIfOmitted = Annotated[date, Doc("Today if omitted")]


@dataclass(frozen=True)
class AwardContract(Command):
    """选聘/托管: award a community's contract to a company on the owners' decision
    (PROFESSIONAL), or arrange 社区托管 (COMMUNITY_CUSTODY, no company, no decision). With a
    contract in place, the new one is its successor: name it in predecessorId."""

    community_id: CommunityId
    mode: ManagementMode
    term_start: date
    fee_per_m2_month: Annotated[
        Decimal, Range(Decimal(0), MAX_FEE, places=4), Doc("元/m²/月, up to 4 decimal places")
    ]
    pricing: PricingModel
    signed_on: date
    company_id: CompanyId | None = None
    decision_id: (
        Annotated[DecisionId, Doc("The passed owners' decision (matter PROPERTY_COMPANY)")] | None
    ) = None
    predecessor_id: ContractId | None = None
    term_end: Annotated[date, Doc("Last day of the term; required for a company")] | None = None
    commission_rate: (
        Annotated[
            Decimal,
            Range(Decimal(0), Decimal(1), places=4),
            Doc("酬金制 only: fraction of the fees, 0.1 = 10 %"),
        ]
        | None
    ) = None


@dataclass(frozen=True)
class StartContract(Command):
    """生效: the community's first contract comes into force"""

    contract_id: ContractId
    started_on: Annotated[date, Doc("The term's start if omitted")] | None = None


@dataclass(frozen=True)
class GiveDismissalNotice(Command):
    """解聘通知: the owners dismiss the company on their passed decision, at least 60 days
    ahead"""

    contract_id: ContractId
    decision_id: DecisionId
    effective_on: Annotated[
        date,
        Doc("First day the contract no longer binds: 60 days after givenOn at the earliest"),
    ]
    given_on: TodayIfOmitted | None = None


@dataclass(frozen=True)
class GiveNonRenewalNotice(Command):
    """不续聘通知: the company declines a new term, at least 90 days before the term ends;
    after the term (不定期) it ends the contract with 60 days' notice"""

    contract_id: ContractId
    given_on: TodayIfOmitted | None = None
    effective_on: (
        Annotated[
            date,
            Doc("Only after the term: 60 days after givenOn at the earliest (the default)"),
        ]
        | None
    ) = None


@dataclass(frozen=True)
class HandOverContract(Command):
    """交接: the contract's successor takes over on `on`; the community is managed under the
    successor from that day"""

    contract_id: ContractId
    on: date


CONTRACT_CONFLICT = "the contract or its community"


def contracts_of(app: GongzhiBase, community_id: UUID) -> list[ServiceContract]:
    """The community's contracts in award order (a community has a handful at most)."""
    chain: list[ServiceContract] = []
    while True:
        try:
            aggregate: Aggregate = app.repository.get(contract_id(community_id, len(chain) + 1))
        except AggregateNotFoundError:
            return chain
        assert isinstance(aggregate, ServiceContract)
        chain.append(aggregate)


class ContractService(GongzhiBase):
    @handles(AwardContract)
    def award_contract(self, meta: Meta, command: AwardContract) -> Done:
        """选聘 / 社区托管: the community's next contract; with a contract in place already,
        only as that contract's successor (named in ``predecessor_id``)."""
        community_id, company_id = command.community_id, command.company_id
        decision_id, predecessor_id = command.decision_id, command.predecessor_id
        self.load(Community, community_id, "communityId")
        if company_id is not None:
            self.load(PropertyCompany, company_id, "companyId")
        decision = self.load(Decision, decision_id, "decisionId") if decision_id else None

        def build() -> Changed:
            chain = contracts_of(self, community_id)
            latest = chain[-1] if chain else None
            if latest is None and predecessor_id is not None:
                raise RuleViolated("predecessorId", "the community has no contract yet")
            if latest is not None and predecessor_id != latest.id:
                raise RuleViolated(
                    "predecessorId",
                    f"the community already has contract no. {latest.number} ({latest.id}); "
                    "a new contract can only be awarded as its successor",
                )
            contract = ServiceContract.award(
                community_id=community_id,
                number=len(chain) + 1,
                mode=ManagementMode(command.mode).value,
                company_id=company_id,
                decision=decision,
                decisions_used=frozenset(c.decision_id for c in chain if c.decision_id),
                predecessor_id=predecessor_id,
                term_start=command.term_start,
                term_end=command.term_end,
                fee_per_m2_month=command.fee_per_m2_month,
                pricing=PricingModel(command.pricing).value,
                commission_rate=command.commission_rate,
                signed_on=command.signed_on,
            )
            if latest is None:
                return (contract,), None
            latest.accept_successor(contract)
            return (contract, latest), None

        return self.save_together(meta, build, CONTRACT_CONFLICT)

    def contract(self, contract_id: UUID) -> ServiceContract:
        return self.load(ServiceContract, contract_id, "contractId")

    @handles(StartContract)
    def start_contract(self, meta: Meta, command: StartContract) -> Done:
        """生效: the first contract of a community comes into force; the community is managed
        under it from that day."""

        def build() -> Changed:
            contract = self.contract(command.contract_id)
            community = self.load(Community, contract.community_id, "contractId")
            day = command.started_on or contract.term_start
            contract.start(day)
            _follow(community, contract, day, "startedOn")
            return (contract, community), None

        return self.save_together(meta, build, CONTRACT_CONFLICT)

    @handles(GiveDismissalNotice)
    def give_dismissal_notice(self, meta: Meta, command: GiveDismissalNotice) -> Done:
        """解聘通知 by the owners on their decision, 60 days ahead at least."""
        decision = self.load(Decision, command.decision_id, "decisionId")
        today = business_today()
        given_on, effective_on = command.given_on or today, command.effective_on
        return self.change(
            meta,
            ServiceContract,
            command.contract_id,
            lambda c: c.give_dismissal_notice(decision, given_on, effective_on, today),
            field="contractId",
        )

    @handles(GiveNonRenewalNotice)
    def give_non_renewal_notice(self, meta: Meta, command: GiveNonRenewalNotice) -> Done:
        """不续聘通知 by the company, 90 days before the term ends at least."""
        today = business_today()
        given_on, effective_on = command.given_on or today, command.effective_on
        return self.change(
            meta,
            ServiceContract,
            command.contract_id,
            lambda c: c.give_non_renewal_notice(given_on, today, effective_on),
            field="contractId",
        )

    @handles(HandOverContract)
    def hand_over_contract(self, meta: Meta, command: HandOverContract) -> Done:
        """交接: the contract's successor takes over on ``on``; the community follows it.

        The ``Done`` names the handed-over contract, its ``part_id`` the successor."""

        on = command.on

        def build() -> Changed:
            old = self.contract(command.contract_id)
            if old.successor_id is None:
                raise RuleViolated("contractId", "no successor has been awarded for this contract")
            successor = self.contract(old.successor_id)
            community = self.load(Community, old.community_id, "contractId")
            old.hand_over(successor, on)
            successor.take_over(old, on)
            _follow(community, successor, on, "on")
            return (old, successor, community), successor.id

        return self.save_together(meta, build, CONTRACT_CONFLICT)


def _follow(community: Community, contract: ServiceContract, on: date, field: str) -> None:
    """The community's 管理模式 follows the contract from ``on``."""
    latest = community.modes[-1] if community.modes else None
    if latest is not None and (latest.mode, latest.company_id) == (
        contract.mode,
        contract.company_id,
    ):
        return  # already so managed (a renewal with the same company, or recorded by hand)
    try:
        community.change_management_mode(contract.mode, contract.company_id, on)
    except DomainError as error:
        raise RuleViolated(field, error.message) from None
