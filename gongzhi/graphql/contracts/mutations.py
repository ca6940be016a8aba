"""Changing service contracts: award, start, notices of dismissal and non-renewal, hand-over."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.base import Done, Meta
from gongzhi.domain.contract import PricingModel
from gongzhi.domain.values import ManagementMode
from gongzhi.graphql.communities.types import ManagementModeType
from gongzhi.graphql.context import Context, execute_on, parse_id
from gongzhi.graphql.contracts.queries import fetch_contract
from gongzhi.graphql.contracts.types import (
    ContractResult,
    PricingModelType,
    ServiceContractPayload,
    contract_from_row,
)
from gongzhi.graphql.permissions import Action, Target


@strawberry.input(
    description="选聘/托管: award a community's contract to a company on the owners' decision "
    "(PROFESSIONAL), or arrange 社区托管 (COMMUNITY_CUSTODY, no company, no decision). With a "
    "contract in place, the new one is its successor: name it in predecessorId."
)
class AwardContractInput:
    community_id: strawberry.ID
    mode: ManagementModeType  # type: ignore[valid-type]
    term_start: datetime.date
    fee_per_m2_month: Decimal = strawberry.field(description="元/m²/月, up to 4 decimal places")
    pricing: PricingModelType  # type: ignore[valid-type]
    signed_on: datetime.date
    reason: str
    company_id: strawberry.ID | None = None
    decision_id: strawberry.ID | None = strawberry.field(
        default=None, description="The passed owners' decision (matter PROPERTY_COMPANY)"
    )
    predecessor_id: strawberry.ID | None = None
    term_end: datetime.date | None = strawberry.field(
        default=None, description="Last day of the term; required for a company"
    )
    commission_rate: Decimal | None = strawberry.field(
        default=None, description="酬金制 only: fraction of the fees, 0.1 = 10 %"
    )


@strawberry.input(description="生效: the community's first contract comes into force")
class StartContractInput:
    contract_id: strawberry.ID
    reason: str
    started_on: datetime.date | None = strawberry.field(
        default=None, description="The term's start if omitted"
    )


@strawberry.input(
    description="解聘通知: the owners dismiss the company on their passed decision, at least 60 "
    "days ahead"
)
class GiveDismissalNoticeInput:
    contract_id: strawberry.ID
    decision_id: strawberry.ID
    effective_on: datetime.date = strawberry.field(
        description="First day the contract no longer binds: 60 days after givenOn at the earliest"
    )
    reason: str
    given_on: datetime.date | None = strawberry.field(default=None, description="Today if omitted")


@strawberry.input(
    description="不续聘通知: the company declines a new term, at least 90 days before the term "
    "ends; after the term (不定期) it ends the contract with 60 days' notice"
)
class GiveNonRenewalNoticeInput:
    contract_id: strawberry.ID
    reason: str
    given_on: datetime.date | None = strawberry.field(default=None, description="Today if omitted")
    effective_on: datetime.date | None = strawberry.field(
        default=None,
        description="Only after the term: 60 days after givenOn at the earliest (the default)",
    )


@strawberry.input(
    description="交接: the contract's successor takes over on `on`; the community is managed "
    "under the successor from that day"
)
class HandOverContractInput:
    contract_id: strawberry.ID
    on: datetime.date
    reason: str


def _contract_target(context: Context, contract_id: strawberry.ID) -> Callable[[], Target]:
    def target() -> Target:
        facts = context.app.contract_facts(parse_id(contract_id, "contractId"))
        return Target(
            district=facts.district,
            community_id=facts.community_id,
            serving_company_id=facts.serving_company_id,
            company_id=facts.company_id,
        )

    return target


async def _reply(context: Context, done: Done) -> ServiceContractPayload:
    row = await fetch_contract(context, done.id)
    successor = await fetch_contract(context, done.part_id) if done.part_id else None
    return ServiceContractPayload(
        contract=contract_from_row(row) if row else None,
        successor=contract_from_row(successor) if successor else None,
        position=str(done.position),
    )


async def _change(
    info: Info[Context, None],
    action: Action,
    contract_id: strawberry.ID,
    reason: str,
    command: Callable[[Meta, UUID], Done],
) -> ContractResult:
    context = info.context
    return await execute_on(  # type: ignore[return-value]
        context,
        action,
        _contract_target(context, contract_id),
        contract_id,
        "contractId",
        command,
        reason,
        lambda done: _reply(context, done),
    )


@strawberry.type
class ContractMutations:
    @strawberry.mutation(description="选聘/托管: award a community's service contract")
    async def award_contract(
        self, info: Info[Context, None], input: AwardContractInput
    ) -> ContractResult:
        context = info.context

        def target() -> Target:
            facts = context.app.community_facts(parse_id(input.community_id, "communityId"))
            return Target(
                district=facts.district,
                community_id=facts.id,
                serving_company_id=facts.serving_company_id,
            )

        return await context.execute(  # type: ignore[return-value]
            Action.MANAGE_CONTRACT,
            target,
            lambda meta: context.app.award_contract(
                meta,
                community_id=parse_id(input.community_id, "communityId"),
                mode=ManagementMode(input.mode).value,
                company_id=_optional_id(input.company_id, "companyId"),
                decision_id=_optional_id(input.decision_id, "decisionId"),
                predecessor_id=_optional_id(input.predecessor_id, "predecessorId"),
                term_start=input.term_start,
                term_end=input.term_end,
                fee_per_m2_month=input.fee_per_m2_month,
                pricing=PricingModel(input.pricing).value,
                commission_rate=input.commission_rate,
                signed_on=input.signed_on,
            ),
            input.reason,
            lambda done: _reply(context, done),
        )

    @strawberry.mutation(description="生效: start a community's first contract")
    async def start_contract(
        self, info: Info[Context, None], input: StartContractInput
    ) -> ContractResult:
        app = info.context.app
        return await _change(
            info,
            Action.MANAGE_CONTRACT,
            input.contract_id,
            input.reason,
            lambda meta, cid: app.start_contract(meta, cid, input.started_on),
        )

    @strawberry.mutation(description="解聘通知 by the owners' committee, on the owners' decision")
    async def give_dismissal_notice(
        self, info: Info[Context, None], input: GiveDismissalNoticeInput
    ) -> ContractResult:
        app = info.context.app
        return await _change(
            info,
            Action.GIVE_DISMISSAL_NOTICE,
            input.contract_id,
            input.reason,
            lambda meta, cid: app.give_dismissal_notice(
                meta,
                cid,
                decision_id=parse_id(input.decision_id, "decisionId"),
                effective_on=input.effective_on,
                given_on=input.given_on,
            ),
        )

    @strawberry.mutation(description="不续聘通知 by the contracted company")
    async def give_non_renewal_notice(
        self, info: Info[Context, None], input: GiveNonRenewalNoticeInput
    ) -> ContractResult:
        app = info.context.app
        return await _change(
            info,
            Action.GIVE_NON_RENEWAL_NOTICE,
            input.contract_id,
            input.reason,
            lambda meta, cid: app.give_non_renewal_notice(
                meta,
                cid,
                given_on=input.given_on,
                effective_on=input.effective_on,
            ),
        )

    @strawberry.mutation(description="交接: hand the contract over to its successor")
    async def hand_over_contract(
        self, info: Info[Context, None], input: HandOverContractInput
    ) -> ContractResult:
        app = info.context.app
        return await _change(
            info,
            Action.MANAGE_CONTRACT,
            input.contract_id,
            input.reason,
            lambda meta, cid: app.hand_over_contract(meta, cid, input.on),
        )


def _optional_id(value: strawberry.ID | None, field: str) -> UUID | None:
    return parse_id(value, field) if value else None
