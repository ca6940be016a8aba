"""物业服务合同 service contract commands: award, start, notices, hand-over.

Starting and handing over change the community's 管理模式 in the same save as the
contracts, so the management mode always follows the contracts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from gongzhi.application.base import (
    Done,
    GongzhiBase,
    Meta,
    business_today,
)
from gongzhi.domain.community import Community
from gongzhi.domain.company import PropertyCompany
from gongzhi.domain.contract import ServiceContract, contract_id
from gongzhi.domain.decision import Decision
from gongzhi.domain.errors import DomainError, RuleViolated

# The aggregates a command changed (the first is the one it is about) and the part it names.
Changed = tuple[Sequence[Aggregate], UUID | None]


@dataclass(frozen=True)
class ContractFacts:
    """What access decisions need to know about a contract, as plain data."""

    id: UUID
    community_id: UUID
    district: str
    serving_company_id: UUID | None
    company_id: UUID | None


CONTRACT_CONFLICT = "the contract or its community"


class ContractService(GongzhiBase):
    def award_contract(
        self,
        meta: Meta,
        *,
        community_id: UUID,
        mode: str,
        company_id: UUID | None,
        decision_id: UUID | None,
        predecessor_id: UUID | None,
        term_start: date,
        term_end: date | None,
        fee_per_m2_month: Decimal | str,
        pricing: str,
        commission_rate: Decimal | str | None,
        signed_on: date,
    ) -> Done:
        """选聘 / 社区托管: the community's next contract; with a contract in place already,
        only as that contract's successor (named in ``predecessor_id``)."""
        self.load(Community, community_id, "communityId")
        if company_id is not None:
            self.load(PropertyCompany, company_id, "companyId")
        decision = self.load(Decision, decision_id, "decisionId") if decision_id else None

        def build() -> Changed:
            chain = self.contracts_of(community_id)
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
                mode=mode,
                company_id=company_id,
                decision=decision,
                decisions_used=frozenset(c.decision_id for c in chain if c.decision_id),
                predecessor_id=predecessor_id,
                term_start=term_start,
                term_end=term_end,
                fee_per_m2_month=fee_per_m2_month,
                pricing=pricing,
                commission_rate=commission_rate,
                signed_on=signed_on,
            )
            if latest is None:
                return (contract,), None
            latest.accept_successor(contract)
            return (contract, latest), None

        return self.save_together(meta, build, CONTRACT_CONFLICT)

    def contracts_of(self, community_id: UUID) -> list[ServiceContract]:
        """The community's contracts in award order (a community has a handful at most)."""
        chain: list[ServiceContract] = []
        while True:
            try:
                aggregate: Aggregate = self.repository.get(
                    contract_id(community_id, len(chain) + 1)
                )
            except AggregateNotFoundError:
                return chain
            assert isinstance(aggregate, ServiceContract)
            chain.append(aggregate)

    def contract(self, contract_id: UUID) -> ServiceContract:
        return self.load(ServiceContract, contract_id, "contractId")

    def contract_facts(self, contract_id: UUID) -> ContractFacts:
        contract = self.contract(contract_id)
        community = self.load(Community, contract.community_id, "contractId")
        return ContractFacts(
            id=contract.id,
            community_id=community.id,
            district=community.district,
            serving_company_id=community.serving_company(business_today()),
            company_id=contract.company_id,
        )

    def start_contract(self, meta: Meta, contract_id: UUID, on: date | None = None) -> Done:
        """生效: the first contract of a community comes into force; the community is managed
        under it from that day."""

        def build() -> Changed:
            contract = self.contract(contract_id)
            community = self.load(Community, contract.community_id, "contractId")
            day = on or contract.term_start
            contract.start(day)
            _follow(community, contract, day, "startedOn")
            return (contract, community), None

        return self.save_together(meta, build, CONTRACT_CONFLICT)

    def give_dismissal_notice(
        self,
        meta: Meta,
        contract_id: UUID,
        *,
        decision_id: UUID,
        effective_on: date,
        given_on: date | None = None,
    ) -> Done:
        """解聘通知 by the owners on their decision, 60 days ahead at least."""
        decision = self.load(Decision, decision_id, "decisionId")
        today = business_today()
        return self.change(
            meta,
            ServiceContract,
            contract_id,
            lambda c: c.give_dismissal_notice(decision, given_on or today, effective_on, today),
            field="contractId",
        )

    def give_non_renewal_notice(
        self,
        meta: Meta,
        contract_id: UUID,
        *,
        given_on: date | None = None,
        effective_on: date | None = None,
    ) -> Done:
        """不续聘通知 by the company, 90 days before the term ends at least."""
        today = business_today()
        return self.change(
            meta,
            ServiceContract,
            contract_id,
            lambda c: c.give_non_renewal_notice(given_on or today, today, effective_on),
            field="contractId",
        )

    def hand_over_contract(self, meta: Meta, contract_id: UUID, on: date) -> Done:
        """交接: the contract's successor takes over on ``on``; the community follows it.

        The ``Done`` names the handed-over contract, its ``part_id`` the successor."""

        def build() -> Changed:
            old = self.contract(contract_id)
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
