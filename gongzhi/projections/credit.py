"""Read model of 信用评价: credit records, repairs, evaluations and objections.

A record's state is kept in separate columns (withdrawn_on, repaired_on) rather than one
status, because statements in a batch run by stage, not event order; each column has one
writer, so a batch gives the same rows as one event at a time. Asking for an evaluation, or
upholding an objection, queues the worker's job through the outbox.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from sqlalchemy import Boolean, Column, Date, DateTime, Index, Integer, String, Table, Text, Uuid
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import JSONB

from gongzhi.domain.credit_evaluation import CreditEvaluation, ObjectionDecision
from gongzhi.domain.credit_file import CreditFile, RepairDecision
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import (
    ADD,
    CHANGE,
    CREATE,
    QUEUE,
    TOUCH,
    Op,
    Statement,
    event_insert,
    event_update,
    insert_statement,
    plain,
    project_events,
    update_statement,
)

credit_records = Table(
    "credit_records",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("company_id", Uuid, nullable=False, index=True),
    Column("file_id", Uuid, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("level", String(20)),
    Column("veto_kind", String(40)),
    Column("recorded_on", Date, nullable=False),
    Column("valid_until", Date),
    Column("authority", Text, nullable=False),
    Column("document_number", Text, nullable=False),
    Column("note", Text, nullable=False),
    Column("entered_at", DateTime(timezone=True), nullable=False),
    Column("withdrawn_on", Date),
    Column("withdrawal_reason", Text),
    Column("repaired_on", Date),
)

credit_repairs = Table(
    "credit_repairs",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("record_id", Uuid, nullable=False, index=True),
    Column("company_id", Uuid, nullable=False),
    Column("grounds", Text, nullable=False),
    Column("requested_on", Date, nullable=False),
    Column("decision", String(20)),
    Column("decided_on", Date),
)

credit_evaluations = Table(
    "credit_evaluations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("company_id", Uuid, nullable=False, index=True),
    Column("period", String(10), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("rule_set_name", Text, nullable=False),
    Column("rule_set_version", Integer, nullable=False),
    Column("jurisdiction", Text, nullable=False),
    Column("districts", JSONB, nullable=False),
    Column("score", Integer, nullable=False),
    Column("grade", String(10), nullable=False),
    Column("vetoed", Boolean, nullable=False),
    Column("sections", JSONB, nullable=False),
    Column("contributions", JSONB, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("cause", String(20)),
    Column("evaluated_on", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("published_on", Date),
    Column("objection_deadline", Date),
    Column("correction_pending", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("credit_evaluations_period", "period", "score"),
)

credit_objections = Table(
    "credit_objections",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("evaluation_id", Uuid, nullable=False, index=True),
    Column("grounds", Text, nullable=False),
    Column("raised_on", Date, nullable=False),
    Column("decision", String(20)),
    Column("decided_on", Date),
    # UPHELD: what the decision found wrong, and what its correction changed.
    Column("corrections", JSONB),
    Column("score_before", Integer),
    Column("grade_before", String(10)),
    Column("score_after", Integer),
    Column("grade_after", String(10)),
    Column("corrected_revision", Integer),
)

CREDIT_TABLES = (credit_records, credit_repairs, credit_evaluations, credit_objections)

# Records, repairs and objections take their events' fields by name (``event_insert``/
# ``event_update``), each keyed by the part's id the event carries.
INSERT_RECORD = event_insert(
    "insert credit record",
    CREATE,
    credit_records,
    CreditFile.RecordEntered,
    id_from="record_id",
    renamed={"file_id": "originator_id", "entered_at": "timestamp"},
)
WITHDRAW_RECORD = event_update(
    "withdraw credit record",
    CHANGE,
    credit_records,
    CreditFile.RecordWithdrawn,
    key_from="record_id",
    renamed={"withdrawal_reason": "reason"},
)
REPAIR_RECORD = event_update(
    "repair credit record",
    CHANGE,
    credit_records,
    CreditFile.RepairDecided,
    key_from="record_id",
    renamed={"repaired_on": "decided_on"},
)
INSERT_REPAIR = event_insert(
    "insert credit repair", ADD, credit_repairs, CreditFile.RepairRequested, id_from="repair_id"
)
DECIDE_REPAIR = event_update(
    "decide credit repair",
    CHANGE,
    credit_repairs,
    CreditFile.RepairDecided,
    key_from="repair_id",
    ignore=("record_id",),
)
INSERT_EVALUATION = insert_statement("insert credit evaluation", CREATE, credit_evaluations)
REVISE_EVALUATION = update_statement(
    "revise credit evaluation",
    CHANGE,
    credit_evaluations,
    key=("id", "b_id"),
    assign={
        c: c
        for c in (
            "districts",
            "score",
            "grade",
            "vetoed",
            "sections",
            "contributions",
            "revision",
            "cause",
            "evaluated_on",
        )
    },
)
PUBLISH_EVALUATION = event_update(
    "publish credit evaluation",
    CHANGE,
    credit_evaluations,
    CreditEvaluation.Published,
    version_column=None,  # stamped by TOUCH_EVALUATION
    constants={"status": "PUBLISHED"},
)
# Every event of an evaluation says whether a correction is pending after it.
TOUCH_EVALUATION = update_statement(
    "touch credit evaluation",
    TOUCH,
    credit_evaluations,
    key=("id", "b_id"),
    assign={"version": "version", "updated_at": "at", "correction_pending": "pending"},
)
INSERT_OBJECTION = event_insert(
    "insert credit objection",
    ADD,
    credit_objections,
    CreditEvaluation.ObjectionRaised,
    id_from="objection_id",
    renamed={"evaluation_id": "originator_id"},
)
DECIDE_OBJECTION = event_update(
    "decide credit objection",
    CHANGE,
    credit_objections,
    CreditEvaluation.ObjectionDecided,
    key_from="objection_id",
)
CORRECT_OBJECTION = update_statement(
    "correct credit objection",
    CHANGE,
    credit_objections,
    key=("id", "b_id"),
    assign={
        c: c
        for c in (
            "score_before",
            "grade_before",
            "score_after",
            "grade_after",
            "corrected_revision",
        )
    },
    after=(DECIDE_OBJECTION,),
)
QUEUE_EVALUATION = Statement(
    "queue credit evaluation",
    QUEUE,
    sql_text(
        "INSERT INTO outbox (actor_name, args) VALUES ('evaluate_company', "
        "jsonb_build_array(CAST(:company_id AS text), CAST(:period AS text), "
        "CAST(:rule_set AS text))) "
        "ON CONFLICT (actor_name, args) DO UPDATE SET created_at = clock_timestamp()"
    ),
)


@singledispatch
def credit_ops(event: object) -> list[Op]:
    return []


project_events(credit_ops, INSERT_RECORD, WITHDRAW_RECORD, INSERT_REPAIR)


@credit_ops.register
def _(event: CreditFile.RepairDecided) -> list[Op]:
    ops = [DECIDE_REPAIR.op(event)]
    if event.decision == RepairDecision.GRANTED:
        ops.append(REPAIR_RECORD.op(event))
    return ops


@credit_ops.register
def _(event: CreditFile.EvaluationRequested) -> list[Op]:
    return [Op(QUEUE_EVALUATION, _job(event.company_id, event.period, event.rule_set))]


def _job(company_id: Any, period: str, rule_set: str) -> dict[str, Any]:
    return {"company_id": str(company_id), "period": period, "rule_set": rule_set}


def _touch(event: CreditEvaluation.Event, pending: bool = False) -> Op:
    params = {
        "b_id": event.originator_id,
        "version": event.originator_version,
        "at": event.timestamp,
        "pending": pending,
    }
    return Op(TOUCH_EVALUATION, params)


def _result(assessment: dict[str, Any]) -> dict[str, Any]:
    return {
        "score": assessment["score"],
        "grade": assessment["grade"],
        "vetoed": assessment["vetoed"],
        "sections": plain(assessment["sections"]),
        "contributions": plain(assessment["contributions"]),
    }


@credit_ops.register
def _(event: CreditEvaluation.Evaluated) -> list[Op]:
    row = {
        "id": event.originator_id,
        "company_id": event.company_id,
        "period": event.period,
        "period_start": event.period_start,
        "period_end": event.period_end,
        "rule_set_name": event.rule_set["name"],
        "rule_set_version": event.rule_set["version"],
        "jurisdiction": event.rule_set["jurisdiction"],
        "districts": plain(event.districts),
        **_result(event.assessment),
        "revision": 1,
        "cause": None,
        "evaluated_on": event.evaluated_on,
        "status": "EVALUATED",
        "correction_pending": False,
        "version": event.originator_version,
        "updated_at": event.timestamp,
    }
    return [Op(INSERT_EVALUATION, row)]


@credit_ops.register
def _(event: CreditEvaluation.Revised) -> list[Op]:
    params = {
        "b_id": event.originator_id,
        "districts": plain(event.districts),
        **_result(event.assessment),
        "revision": event.revision,
        "cause": event.cause,
        "evaluated_on": event.evaluated_on,
    }
    ops = [Op(REVISE_EVALUATION, params), _touch(event)]
    if event.corrects is not None and event.previous is not None:
        correction = {
            "b_id": event.corrects,
            "score_before": event.previous["score"],
            "grade_before": event.previous["grade"],
            "score_after": event.assessment["score"],
            "grade_after": event.assessment["grade"],
            "corrected_revision": event.revision,
        }
        ops.append(Op(CORRECT_OBJECTION, correction))
    return ops


@credit_ops.register
def _(event: CreditEvaluation.Published) -> list[Op]:
    return [PUBLISH_EVALUATION.op(event), _touch(event)]


@credit_ops.register
def _(event: CreditEvaluation.ObjectionRaised) -> list[Op]:
    return [INSERT_OBJECTION.op(event), _touch(event)]


@credit_ops.register
def _(event: CreditEvaluation.ObjectionDecided) -> list[Op]:
    upheld = event.decision == ObjectionDecision.UPHELD
    ops = [DECIDE_OBJECTION.op(event), _touch(event, pending=upheld)]
    # The worker corrects what needs figures recomputed (and decisions recorded before they
    # named anything); records alone were corrected with the decision.
    if upheld and (event.corrections is None or event.corrections["recompute_indicators"]):
        ops.append(Op(QUEUE_EVALUATION, _job(event.company_id, event.period, event.rule_set)))
    return ops
