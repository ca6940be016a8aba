"""Changing 住宅专项维修资金: rule, deposits, top-ups, interest, notices, the steps of a use."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.base import Done, Meta
from gongzhi.domain.fund import MaintenanceFund as FundAggregate
from gongzhi.domain.fund_rules import Emergency, HousingKind, UseKind
from gongzhi.graphql.context import Context, community_target, parse_id
from gongzhi.graphql.fund.queries import fund_summary
from gongzhi.graphql.fund.types import (
    EmergencyType,
    FundPayload,
    FundResult,
    FundUseKindType,
    HousingKindType,
    use_from_row,
)
from gongzhi.graphql.money import Fen
from gongzhi.graphql.permissions import Action


@strawberry.input(description="交存标准: a new version of the community's deposit rule")
class SetFundDepositRuleInput:
    community_id: strawberry.ID
    commodity_rate: Decimal = strawberry.field(description="商品房 0.05-0.08 of building cost")
    building_cost_per_m2: Decimal = strawberry.field(description="元/m² 建安造价")
    reform_cost_price_per_m2: Decimal = strawberry.field(description="元/m² 房改成本价 (2 %)")
    reason: str


@strawberry.input(description="首次交存 of a unit, by the rule in force over its registered area")
class RecordFirstDepositInput:
    community_id: strawberry.ID
    unit_id: strawberry.ID
    housing_kind: HousingKindType  # type: ignore[valid-type]
    deposited_on: datetime.date
    reason: str


@strawberry.input(description="续筹 into a unit's sub-account")
class TopUpFundInput:
    community_id: strawberry.ID
    unit_id: strawberry.ID
    amount_fen: Fen
    on: datetime.date
    reason: str


@strawberry.input(description="利息 allocated over the sub-accounts by balance")
class AllocateFundInterestInput:
    community_id: strawberry.ID
    amount_fen: Fen
    on: datetime.date
    reason: str


@strawberry.input(description="续筹通知 to every unit below 30 %, once per round")
class SendTopUpNoticesInput:
    community_id: strawberry.ID
    round: str = strawberry.field(description="The notice round, e.g. 2026-Q1")
    reason: str


@strawberry.input(
    description="使用申请: ORDINARY on the owners' passed decision (USE_MAINTENANCE_FUND); "
    "EMERGENCY naming one of the six emergencies, no decision"
)
class ProposeFundUseInput:
    community_id: strawberry.ID
    kind: FundUseKindType  # type: ignore[valid-type]
    title: str
    contractor: str
    amount_fen: Fen
    unit_ids: list[strawberry.ID] = strawberry.field(description="The units that pay, by area")
    reason: str
    decision_id: strawberry.ID | None = None
    emergency: EmergencyType | None = None  # type: ignore[valid-type]


@strawberry.input(description="One step of a use: approve, review, confirm or pay")
class FundUseStepInput:
    community_id: strawberry.ID
    use_id: strawberry.ID
    reason: str


@strawberry.input(description="事后审计 of a paid emergency use")
class AuditEmergencyFundUseInput:
    community_id: strawberry.ID
    use_id: strawberry.ID
    findings: str
    reason: str


async def _run(
    info: Info[Context, None],
    action: Action,
    community_id: strawberry.ID,
    reason: str,
    command: Callable[[Meta, UUID], Done],
    sent: list[int] | None = None,
) -> FundResult:
    context = info.context

    async def reply(done: Done) -> FundPayload:
        fund_id = FundAggregate.id_for(parse_id(community_id, "communityId"))
        row = await context.pool.fetchrow("SELECT * FROM maintenance_funds WHERE id = $1", fund_id)
        use = None
        if done.part_id is not None:
            use_row = await context.pool.fetchrow(
                "SELECT * FROM fund_uses WHERE id = $1", done.part_id
            )
            use = use_from_row(use_row) if use_row else None
        return FundPayload(
            fund=await fund_summary(context, row) if row else None,
            use=use,
            notices_sent=sent[-1] if sent else None,
            position=str(done.position),
        )

    return await context.execute(  # type: ignore[return-value]
        action,
        community_target(context, community_id),
        lambda meta: command(meta, parse_id(community_id, "communityId")),
        reason,
        reply,
    )


@strawberry.type
class FundMutations:
    @strawberry.mutation(description="交存标准: set the fund's deposit rule (opens the fund)")
    async def set_fund_deposit_rule(
        self, info: Info[Context, None], input: SetFundDepositRuleInput
    ) -> FundResult:
        app = info.context.app
        return await _run(
            info,
            Action.SET_FUND_RULES,
            input.community_id,
            input.reason,
            lambda meta, cid: app.set_deposit_rule(
                meta,
                cid,
                commodity_rate=input.commodity_rate,
                building_cost_per_m2=input.building_cost_per_m2,
                reform_cost_price_per_m2=input.reform_cost_price_per_m2,
            ),
        )

    @strawberry.mutation(description="首次交存 of a unit")
    async def record_first_deposit(
        self, info: Info[Context, None], input: RecordFirstDepositInput
    ) -> FundResult:
        app = info.context.app
        return await _run(
            info,
            Action.RECORD_FUND_MONEY,
            input.community_id,
            input.reason,
            lambda meta, cid: app.record_first_deposit(
                meta,
                cid,
                unit_id=parse_id(input.unit_id, "unitId"),
                housing_kind=HousingKind(input.housing_kind).value,
                on=input.deposited_on,
            ),
        )

    @strawberry.mutation(description="续筹 into a unit's sub-account")
    async def top_up_fund(self, info: Info[Context, None], input: TopUpFundInput) -> FundResult:
        app = info.context.app
        return await _run(
            info,
            Action.RECORD_FUND_MONEY,
            input.community_id,
            input.reason,
            lambda meta, cid: app.top_up_fund(
                meta,
                cid,
                unit_id=parse_id(input.unit_id, "unitId"),
                amount_fen=input.amount_fen,
                on=input.on,
            ),
        )

    @strawberry.mutation(description="利息 allocated by balance")
    async def allocate_fund_interest(
        self, info: Info[Context, None], input: AllocateFundInterestInput
    ) -> FundResult:
        app = info.context.app
        return await _run(
            info,
            Action.RECORD_FUND_MONEY,
            input.community_id,
            input.reason,
            lambda meta, cid: app.allocate_fund_interest(
                meta,
                cid,
                amount_fen=input.amount_fen,
                on=input.on,
            ),
        )

    @strawberry.mutation(description="续筹通知 to units below 30 % (idempotent per round)")
    async def send_top_up_notices(
        self, info: Info[Context, None], input: SendTopUpNoticesInput
    ) -> FundResult:
        app = info.context.app
        sent: list[int] = []

        def command(meta: Meta, cid: UUID) -> Done:
            done, count = app.send_top_up_notices(meta, cid, input.round)
            sent.append(count)
            return done

        return await _run(
            info, Action.SEND_TOP_UP_NOTICES, input.community_id, input.reason, command, sent
        )

    @strawberry.mutation(description="使用申请 by the serving company")
    async def propose_fund_use(
        self, info: Info[Context, None], input: ProposeFundUseInput
    ) -> FundResult:
        app = info.context.app
        return await _run(
            info,
            Action.PROPOSE_FUND_USE,
            input.community_id,
            input.reason,
            lambda meta, cid: app.propose_fund_use(
                meta,
                cid,
                kind=UseKind(input.kind).value,
                emergency=Emergency(input.emergency).value if input.emergency else None,
                decision_id=parse_id(input.decision_id, "decisionId")
                if input.decision_id
                else None,
                title=input.title,
                contractor=input.contractor,
                amount_fen=input.amount_fen,
                unit_ids=[parse_id(u, f"unitIds.{i}") for i, u in enumerate(input.unit_ids)],
            ),
        )

    @strawberry.mutation(description="审批: the committee in office approves an ordinary use")
    async def approve_fund_use(
        self, info: Info[Context, None], input: FundUseStepInput
    ) -> FundResult:
        app = info.context.app
        return await _step(info, Action.APPROVE_FUND_USE, input, app.approve_fund_use)

    @strawberry.mutation(description="审核: the committee in office reviews an emergency use")
    async def review_emergency_fund_use(
        self, info: Info[Context, None], input: FundUseStepInput
    ) -> FundResult:
        app = info.context.app
        return await _step(info, Action.APPROVE_FUND_USE, input, app.review_emergency_use)

    @strawberry.mutation(description="确认: the street office confirms a reviewed emergency use")
    async def confirm_emergency_fund_use(
        self, info: Info[Context, None], input: FundUseStepInput
    ) -> FundResult:
        app = info.context.app
        return await _step(info, Action.CONFIRM_EMERGENCY_USE, input, app.confirm_emergency_use)

    @strawberry.mutation(description="支付: pay the contractor from the affected sub-accounts")
    async def pay_fund_use(self, info: Info[Context, None], input: FundUseStepInput) -> FundResult:
        app = info.context.app
        return await _step(info, Action.PAY_FUND_USE, input, app.pay_fund_use)

    @strawberry.mutation(description="事后审计 of a paid emergency use")
    async def audit_emergency_fund_use(
        self, info: Info[Context, None], input: AuditEmergencyFundUseInput
    ) -> FundResult:
        app = info.context.app
        return await _step(
            info,
            Action.PAY_FUND_USE,
            input,
            lambda meta, cid, use_id: app.audit_emergency_use(meta, cid, use_id, input.findings),
        )


async def _step(
    info: Info[Context, None],
    action: Action,
    input: FundUseStepInput | AuditEmergencyFundUseInput,
    command: Callable[[Meta, UUID, UUID], Done],
) -> FundResult:
    """A step on one use; the reply shows that use."""

    def run(meta: Meta, cid: UUID) -> Done:
        use_id = parse_id(input.use_id, "useId")
        done = command(meta, cid, use_id)
        return Done(done.id, done.position, use_id)

    return await _run(info, action, input.community_id, input.reason, run)
