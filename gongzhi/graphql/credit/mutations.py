"""Changing 信用评价: records, repairs, evaluation requests, publication, objections."""

from __future__ import annotations

import strawberry

from gongzhi.application.base import Done
from gongzhi.application.commands import Command
from gongzhi.application.credit import (
    DecideCreditObjection,
    DecideCreditRepair,
    EnterCreditRecord,
    ObjectToCreditEvaluation,
    PublishCreditEvaluation,
    RequestCreditEvaluation,
    RequestCreditRepair,
    WithdrawCreditRecord,
)
from gongzhi.domain.credit_evaluation import CreditEvaluation
from gongzhi.domain.credit_rule_sets import credit_rule_set
from gongzhi.domain.credit_rules import Period
from gongzhi.graphql.commands import mutation, mutations
from gongzhi.graphql.context import Context
from gongzhi.graphql.credit.queries import fetch_evaluation, fetch_record, sees_breakdown
from gongzhi.graphql.credit.types import (
    CreditEvaluationPayload,
    CreditEvaluationRequestPayload,
    CreditRecordPayload,
    evaluation_from_row,
    record_from_row,
)
from gongzhi.graphql.permissions import Action
from gongzhi.graphql.personal_data import opener_for


async def record_reply(context: Context, done: Done, command: Command) -> CreditRecordPayload:
    """The record entered (the ``Done``'s part) or named by the command."""
    record_id = done.part_id or getattr(command, "record_id", None)
    row = await fetch_record(context, record_id) if record_id is not None else None
    return CreditRecordPayload(
        record=record_from_row(row) if row is not None else None, position=str(done.position)
    )


async def evaluation_reply(context: Context, done: Done, _: Command) -> CreditEvaluationPayload:
    row = await fetch_evaluation(context, done.id)
    breakdown = sees_breakdown(context.principal)
    evaluation = (
        evaluation_from_row(row, await opener_for(context, row), breakdown=breakdown)
        if row is not None
        else None
    )
    return CreditEvaluationPayload(
        evaluation=evaluation,
        part_id=strawberry.ID(str(done.part_id)) if done.part_id else None,
        position=str(done.position),
    )


async def request_reply(
    context: Context, done: Done, command: RequestCreditEvaluation
) -> CreditEvaluationRequestPayload:
    rules = credit_rule_set(command.rule_set)
    period = Period.parse(command.period)
    evaluation_id = CreditEvaluation.id_for(command.company_id, period, rules)
    return CreditEvaluationRequestPayload(
        company_id=strawberry.ID(str(command.company_id)),
        period=period.label,
        rule_set=rules.key,
        evaluation_id=strawberry.ID(str(evaluation_id)),
        position=str(done.position),
    )


# A credit file, its records and its evaluations belong to the company: the target is it.
CreditMutations = mutations(
    "CreditMutations",
    mutation(EnterCreditRecord, Action.RECORD_CREDIT, reply=record_reply, target="company_id"),
    mutation(WithdrawCreditRecord, Action.RECORD_CREDIT, reply=record_reply, target="company_id"),
    mutation(
        RequestCreditRepair,
        Action.RAISE_CREDIT_OBJECTION,
        reply=record_reply,
        target="company_id",
    ),
    mutation(DecideCreditRepair, Action.RECORD_CREDIT, reply=record_reply, target="company_id"),
    mutation(
        RequestCreditEvaluation, Action.RECORD_CREDIT, reply=request_reply, target="company_id"
    ),
    mutation(
        PublishCreditEvaluation,
        Action.RECORD_CREDIT,
        reply=evaluation_reply,
        target="evaluation_id",
    ),
    mutation(
        ObjectToCreditEvaluation,
        Action.RAISE_CREDIT_OBJECTION,
        reply=evaluation_reply,
        target="evaluation_id",
    ),
    mutation(
        DecideCreditObjection,
        Action.RECORD_CREDIT,
        reply=evaluation_reply,
        target="evaluation_id",
    ),
)
