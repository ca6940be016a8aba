"""Owners' decisions: propose, vote, close with the tally, recount, share elevator costs."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.base import Done, Meta
from gongzhi.domain.decision import Channel, Scope
from gongzhi.domain.errors import InvalidValue
from gongzhi.domain.tally import Matter
from gongzhi.graphql.context import Context, community_target, execute_on, facts_target, parse_id
from gongzhi.graphql.decisions.queries import fetch_decision, shares_of
from gongzhi.graphql.decisions.types import (
    ChannelType,
    DecisionPayload,
    DecisionResult,
    MatterType,
    ScopeType,
    decision_from_row,
)
from gongzhi.graphql.permissions import Action, Target


@strawberry.input(description="提出表决事项: put a matter to the owners of a scope")
class ProposeDecisionInput:
    community_id: strawberry.ID
    scope: ScopeType  # type: ignore[valid-type]
    matter: MatterType  # type: ignore[valid-type]
    title: str
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    reason: str
    scope_id: strawberry.ID | None = strawberry.field(
        default=None, description="The building or entrance; omit for the whole community"
    )
    description: str = ""
    options: list[str] | None = strawberry.field(
        default=None, description="Defaults to APPROVE and OPPOSE"
    )
    party_deliberation_id: strawberry.ID | None = None


@strawberry.input(description="投票: one ballot per owner; a later one replaces the earlier")
class CastBallotInput:
    decision_id: strawberry.ID
    unit_id: strawberry.ID
    person_id: strawberry.ID
    choice: str = strawberry.field(description="One of the options, or ABSTAIN")
    channel: ChannelType  # type: ignore[valid-type]
    reason: str
    proxy_authorisation: str = strawberry.field(
        default="", description="委托书 reference when a proxy votes for the owner"
    )


@strawberry.input
class DecisionStepInput:
    decision_id: strawberry.ID
    reason: str


@strawberry.input(description="加装电梯 cost in fen, shared by floor coefficients")
class ShareElevatorCostInput:
    decision_id: strawberry.ID
    total_fen: int
    reason: str
    coefficients: list[FloorCoefficientInput] | None = strawberry.field(
        default=None, description="The building's coefficients; the common scheme if omitted"
    )


@strawberry.input
class FloorCoefficientInput:
    floor: int
    coefficient: Decimal


def _decision_target(context: Context, decision_id: strawberry.ID) -> Callable[[], Target]:
    def target() -> Target:
        community_id = context.app.decision_community(parse_id(decision_id, "decisionId"))
        return facts_target(context.app.community_facts(community_id))

    return target


async def _reply(context: Context, done: Done) -> DecisionPayload:
    row = await fetch_decision(context, done.id)
    shares = await shares_of(context, [done.id])
    return DecisionPayload(
        decision=decision_from_row(row, shares[done.id]) if row else None,
        position=str(done.position),
    )


async def _step(
    info: Info[Context, None],
    input: DecisionStepInput,
    command: Callable[[Meta, UUID], Done],
) -> DecisionResult:
    context = info.context
    return await execute_on(  # type: ignore[return-value]
        context,
        Action.CONDUCT_DECISION,
        _decision_target(context, input.decision_id),
        input.decision_id,
        "decisionId",
        command,
        input.reason,
        lambda done: _reply(context, done),
    )


@strawberry.type
class DecisionMutations:
    @strawberry.mutation(description="提出表决事项 put a matter to the owners")
    async def propose_decision(
        self, info: Info[Context, None], input: ProposeDecisionInput
    ) -> DecisionResult:
        context = info.context

        return await context.execute(  # type: ignore[return-value]
            Action.PROPOSE_DECISION,
            community_target(context, input.community_id),
            lambda meta: context.app.propose_decision(
                meta,
                community_id=parse_id(input.community_id, "communityId"),
                scope=Scope(input.scope).value,
                scope_id=parse_id(input.scope_id, "scopeId") if input.scope_id else None,
                matter=Matter(input.matter).value,
                title=input.title,
                description=input.description,
                options=input.options if input.options is not None else ("APPROVE", "OPPOSE"),
                opens_at=input.opens_at,
                closes_at=input.closes_at,
                party_deliberation_id=(
                    parse_id(input.party_deliberation_id, "partyDeliberationId")
                    if input.party_deliberation_id
                    else None
                ),
            ),
            input.reason,
            lambda done: _reply(context, done),
        )

    @strawberry.mutation(description="投票 cast (or change) the ballot of a unit's owner")
    async def cast_ballot(
        self, info: Info[Context, None], input: CastBallotInput
    ) -> DecisionResult:
        context = info.context
        decision_target = _decision_target(context, input.decision_id)

        def target() -> Target:
            found = decision_target()
            return Target(
                district=found.district,
                community_id=found.community_id,
                serving_company_id=found.serving_company_id,
                unit_id=parse_id(input.unit_id, "unitId"),
            )

        return await context.execute(  # type: ignore[return-value]
            Action.CAST_BALLOT,
            target,
            lambda meta: context.app.cast_ballot(
                meta,
                parse_id(input.decision_id, "decisionId"),
                unit_id=parse_id(input.unit_id, "unitId"),
                person_id=parse_id(input.person_id, "personId"),
                choice=input.choice,
                channel=Channel(input.channel).value,
                proxy_authorisation=input.proxy_authorisation,
            ),
            input.reason,
            lambda done: _reply(context, done),
        )

    @strawberry.mutation(description="截止计票 close the voting and tally it (Art. 278)")
    async def close_decision(
        self, info: Info[Context, None], input: DecisionStepInput
    ) -> DecisionResult:
        return await _step(info, input, info.context.app.close_decision)

    @strawberry.mutation(description="复核 recount from the recorded ballots; must agree")
    async def recount_decision(
        self, info: Info[Context, None], input: DecisionStepInput
    ) -> DecisionResult:
        return await _step(info, input, info.context.app.recount_decision)

    @strawberry.mutation(description="加装电梯 share the cost over the entrance's units")
    async def share_elevator_cost(
        self, info: Info[Context, None], input: ShareElevatorCostInput
    ) -> DecisionResult:
        context = info.context

        def share(meta: Meta, decision_id: UUID) -> Done:
            given = input.coefficients or []
            coefficients = {c.floor: c.coefficient for c in given}
            if len(coefficients) != len(given):
                raise InvalidValue("coefficients", "must name each floor once")
            return context.app.share_elevator_cost(
                meta, decision_id, input.total_fen, coefficients or None
            )

        return await _step(
            info, DecisionStepInput(decision_id=input.decision_id, reason=input.reason), share
        )
