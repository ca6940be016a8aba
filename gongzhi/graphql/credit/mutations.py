"""Changing 信用评价: records, repairs, evaluation requests, publication, objections."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.base import Done, Meta
from gongzhi.domain.credit_evaluation import CreditEvaluation
from gongzhi.domain.credit_rule_sets import credit_rule_set
from gongzhi.domain.credit_rules import HonourLevel, Period, RecordKind, VetoKind
from gongzhi.graphql.context import Context, parse_id
from gongzhi.graphql.credit.queries import fetch_evaluation, fetch_record, sees_breakdown
from gongzhi.graphql.credit.types import (
    CreditEvaluationPayload,
    CreditEvaluationRequestPayload,
    CreditEvaluationRequestResult,
    CreditEvaluationResult,
    CreditRecordKindType,
    CreditRecordPayload,
    CreditRecordResult,
    HonourLevelType,
    ObjectionDecisionType,
    RepairDecisionType,
    VetoKindType,
    evaluation_from_row,
    record_from_row,
)
from gongzhi.graphql.permissions import Action, Target


@strawberry.input(
    description="记录 a good or bad record; an honour names its level, a veto its kind"
)
class EnterCreditRecordInput:
    company_id: strawberry.ID
    kind: CreditRecordKindType  # type: ignore[valid-type]
    recorded_on: datetime.date
    authority: str
    document_number: str
    reason: str
    level: HonourLevelType | None = None  # type: ignore[valid-type]
    veto_kind: VetoKindType | None = None  # type: ignore[valid-type]
    valid_until: datetime.date | None = strawberry.field(
        default=None, description="Last day it counts; one year if omitted"
    )
    note: str = strawberry.field(default="", description="证据说明 evidence note")


@strawberry.input(description="撤销 a record entered in error; the reason is kept")
class WithdrawCreditRecordInput:
    company_id: strawberry.ID
    record_id: strawberry.ID
    reason: str


@strawberry.input(description="信用修复 申请 by the company after a clean period")
class RequestCreditRepairInput:
    company_id: strawberry.ID
    record_id: strawberry.ID
    grounds: str
    reason: str


@strawberry.input
class DecideCreditRepairInput:
    company_id: strawberry.ID
    record_id: strawberry.ID
    decision: RepairDecisionType
    reason: str


@strawberry.input(description="Evaluate now (the worker records the result)")
class RequestCreditEvaluationInput:
    company_id: strawberry.ID
    period: str = strawberry.field(description="e.g. 2026Q3")
    reason: str
    rule_set: str | None = strawberry.field(default=None, description="Default: Yantai 2022")


@strawberry.input(description="公示 an evaluation; the objection period starts")
class PublishCreditEvaluationInput:
    evaluation_id: strawberry.ID
    reason: str


@strawberry.input(description="异议 by the company within the objection period")
class ObjectToCreditEvaluationInput:
    evaluation_id: strawberry.ID
    grounds: str
    reason: str


@strawberry.input(description="复核: UPHELD has the worker record a corrected evaluation")
class DecideCreditObjectionInput:
    evaluation_id: strawberry.ID
    objection_id: strawberry.ID
    decision: ObjectionDecisionType
    reason: str


def _company_target(company_id: str) -> Callable[[], Target]:
    return lambda: Target(company_id=parse_id(company_id, "companyId"))


async def _record_reply(
    context: Context, done: Done, record_id: UUID | None
) -> CreditRecordPayload:
    row = await fetch_record(context, record_id) if record_id is not None else None
    return CreditRecordPayload(
        record=record_from_row(row) if row is not None else None, position=str(done.position)
    )


async def _on_record(
    info: Info[Context, None],
    action: Action,
    company_id: str,
    record_id: str | None,
    reason: str,
    command: Callable[[Meta, UUID], Done],
) -> CreditRecordResult:
    context = info.context

    async def reply(done: Done) -> CreditRecordPayload:
        made = done.part_id or (parse_id(record_id, "recordId") if record_id else None)
        return await _record_reply(context, done, made)

    return await context.execute(  # type: ignore[return-value]
        action,
        _company_target(company_id),
        lambda meta: command(meta, parse_id(company_id, "companyId")),
        reason,
        reply,
    )


async def _on_evaluation(
    info: Info[Context, None],
    action: Action,
    evaluation_id: str,
    reason: str,
    command: Callable[[Meta, UUID], Done],
) -> CreditEvaluationResult:
    context = info.context

    def target() -> Target:
        facts = context.app.evaluation_facts(parse_id(evaluation_id, "evaluationId"))
        return Target(company_id=facts.company_id)

    async def reply(done: Done) -> CreditEvaluationPayload:
        row = await fetch_evaluation(context, done.id)
        breakdown = sees_breakdown(context.principal)
        return CreditEvaluationPayload(
            evaluation=evaluation_from_row(row, breakdown=breakdown) if row is not None else None,
            part_id=strawberry.ID(str(done.part_id)) if done.part_id else None,
            position=str(done.position),
        )

    return await context.execute(  # type: ignore[return-value]
        action,
        target,
        lambda meta: command(meta, parse_id(evaluation_id, "evaluationId")),
        reason,
        reply,
    )


@strawberry.type
class CreditMutations:
    @strawberry.mutation(description="记录 enter a credit record about a company")
    async def enter_credit_record(
        self, info: Info[Context, None], input: EnterCreditRecordInput
    ) -> CreditRecordResult:
        return await _on_record(
            info,
            Action.RECORD_CREDIT,
            input.company_id,
            None,
            input.reason,
            lambda meta, company: info.context.app.enter_credit_record(
                meta,
                company_id=company,
                kind=RecordKind(input.kind).value,
                level=HonourLevel(input.level).value if input.level else None,
                veto_kind=VetoKind(input.veto_kind).value if input.veto_kind else None,
                recorded_on=input.recorded_on,
                valid_until=input.valid_until,
                authority=input.authority,
                document_number=input.document_number,
                note=input.note,
            ),
        )

    @strawberry.mutation(description="撤销 withdraw a credit record (it stays, no longer counts)")
    async def withdraw_credit_record(
        self, info: Info[Context, None], input: WithdrawCreditRecordInput
    ) -> CreditRecordResult:
        return await _on_record(
            info,
            Action.RECORD_CREDIT,
            input.company_id,
            input.record_id,
            input.reason,
            lambda meta, company: info.context.app.withdraw_credit_record(
                meta, company, parse_id(input.record_id, "recordId")
            ),
        )

    @strawberry.mutation(description="信用修复 the company asks to stop counting a fixed record")
    async def request_credit_repair(
        self, info: Info[Context, None], input: RequestCreditRepairInput
    ) -> CreditRecordResult:
        return await _on_record(
            info,
            Action.RAISE_CREDIT_OBJECTION,
            input.company_id,
            input.record_id,
            input.reason,
            lambda meta, company: info.context.app.request_credit_repair(
                meta, company, parse_id(input.record_id, "recordId"), input.grounds
            ),
        )

    @strawberry.mutation(description="信用修复 decide a repair request")
    async def decide_credit_repair(
        self, info: Info[Context, None], input: DecideCreditRepairInput
    ) -> CreditRecordResult:
        return await _on_record(
            info,
            Action.RECORD_CREDIT,
            input.company_id,
            input.record_id,
            input.reason,
            lambda meta, company: info.context.app.decide_credit_repair(
                meta, company, parse_id(input.record_id, "recordId"), input.decision.value
            ),
        )

    @strawberry.mutation(description="Evaluate a company now: queues the worker's job")
    async def request_credit_evaluation(
        self, info: Info[Context, None], input: RequestCreditEvaluationInput
    ) -> CreditEvaluationRequestResult:
        context = info.context

        async def reply(done: Done) -> CreditEvaluationRequestPayload:
            company = parse_id(input.company_id, "companyId")
            rules = credit_rule_set(input.rule_set)
            period = Period.parse(input.period)
            return CreditEvaluationRequestPayload(
                company_id=strawberry.ID(str(company)),
                period=period.label,
                rule_set=rules.key,
                evaluation_id=strawberry.ID(str(CreditEvaluation.id_for(company, period, rules))),
                position=str(done.position),
            )

        return await context.execute(  # type: ignore[return-value]
            Action.RECORD_CREDIT,
            _company_target(input.company_id),
            lambda meta: context.app.request_credit_evaluation(
                meta,
                parse_id(input.company_id, "companyId"),
                input.period,
                input.rule_set,
            ),
            input.reason,
            reply,
        )

    @strawberry.mutation(description="公示 publish an evaluation")
    async def publish_credit_evaluation(
        self, info: Info[Context, None], input: PublishCreditEvaluationInput
    ) -> CreditEvaluationResult:
        return await _on_evaluation(
            info,
            Action.RECORD_CREDIT,
            input.evaluation_id,
            input.reason,
            info.context.app.publish_credit_evaluation,
        )

    @strawberry.mutation(description="异议 object to a published evaluation; partId: the objection")
    async def object_to_credit_evaluation(
        self, info: Info[Context, None], input: ObjectToCreditEvaluationInput
    ) -> CreditEvaluationResult:
        return await _on_evaluation(
            info,
            Action.RAISE_CREDIT_OBJECTION,
            input.evaluation_id,
            input.reason,
            lambda meta, eid: info.context.app.object_to_credit_evaluation(
                meta, eid, input.grounds
            ),
        )

    @strawberry.mutation(description="复核 decide an objection")
    async def decide_credit_objection(
        self, info: Info[Context, None], input: DecideCreditObjectionInput
    ) -> CreditEvaluationResult:
        return await _on_evaluation(
            info,
            Action.RECORD_CREDIT,
            input.evaluation_id,
            input.reason,
            lambda meta, eid: info.context.app.decide_credit_objection(
                meta, eid, parse_id(input.objection_id, "objectionId"), input.decision.value
            ),
        )
