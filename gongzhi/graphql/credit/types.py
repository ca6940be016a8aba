"""GraphQL types of 信用评价: records, repairs, evaluations with their breakdown, objections."""

from __future__ import annotations

import datetime
import json
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from gongzhi.domain.credit_evaluation import EvaluationStatus
from gongzhi.domain.credit_rules import CreditRuleSet, HonourLevel, RecordKind, VetoKind
from gongzhi.graphql.errors import Forbidden, NotFound, ValidationError
from gongzhi.graphql.pagination import PageInfo
from gongzhi.graphql.personal_data import Opener


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


@strawberry.type(description="信用修复 a request to stop counting a fixed bad record")
class CreditRepair:
    id: strawberry.ID
    grounds: str
    requested_on: datetime.date
    decision: str | None = strawberry.field(description="GRANTED / REFUSED; none: pending")
    decided_on: datetime.date | None


@strawberry.type(description="信用记录 a good or bad record a regulator entered")
class CreditRecord:
    id: strawberry.ID
    company_id: strawberry.ID
    kind: RecordKind
    level: HonourLevel | None
    veto_kind: VetoKind | None
    recorded_on: datetime.date = strawberry.field(description="The date of the fact or document")
    valid_until: datetime.date | None = strawberry.field(
        description="Last day it counts; none: one year from recordedOn"
    )
    authority: str = strawberry.field(description="发文机关 issuing authority")
    document_number: str = strawberry.field(description="文号")
    note: str = strawberry.field(description="证据说明 evidence note")
    withdrawn_on: datetime.date | None
    withdrawal_reason: str | None
    repaired_on: datetime.date | None = strawberry.field(
        description="信用修复 granted: stops counting from the period this falls in"
    )
    repairs: list[CreditRepair]


@strawberry.type(description="One line of an evaluation: points from a record or an indicator")
class CreditContribution:
    section: str = strawberry.field(description="BASIC 基础信息 / GOOD 良好信息 / BAD 不良信息")
    source: str = strawberry.field(description="RECORD or INDICATOR")
    key: str = strawberry.field(description="The record's id or the indicator's name")
    label: str
    points: int
    value: str | None = strawberry.field(
        description="The indicator's value or the record's date; none: no value yet"
    )
    veto: bool
    evidence: JSON = strawberry.field(description="Rows the indicator was computed from")


@strawberry.type(description="A section's points: raw sum, cap, and what counted")
class CreditSection:
    section: str
    raw: int
    cap: int | None
    counted: int


@strawberry.type(description="What an upheld objection's correction changed")
class CreditCorrection:
    revision: int = strawberry.field(description="The evaluation's corrected revision")
    score_before: int
    grade_before: str
    score_after: int
    grade_after: str


@strawberry.type(description="异议 by the company against a published evaluation")
class CreditObjection:
    id: strawberry.ID
    grounds: str
    raised_on: datetime.date
    decision: str | None = strawberry.field(description="UPHELD / REJECTED; none: pending")
    decided_on: datetime.date | None
    withdrawn_record_ids: list[strawberry.ID] = strawberry.field(
        description="UPHELD: the records the decision found wrong and withdrew"
    )
    recompute_indicators: list[str] = strawberry.field(
        description="UPHELD: the indicators the decision had recomputed"
    )
    correction: CreditCorrection | None = strawberry.field(
        description="UPHELD: score and grade before and after the correction; none: pending"
    )


@strawberry.type(description="一票否决 a record that sent the grade to the rule set's veto grade")
class CreditVeto:
    record_id: strawberry.ID
    label: str


@strawberry.type(description="信用评价 a company's score and grade for a period under a rule set")
class CreditEvaluation:
    id: strawberry.ID
    company_id: strawberry.ID
    company_name: str
    period: str
    period_start: datetime.date
    period_end: datetime.date
    rule_set: str = strawberry.field(description="name/version of the rule set")
    jurisdiction: str
    districts: list[str] = strawberry.field(description="Districts served in the period")
    score: int
    grade: str
    vetoed: bool = strawberry.field(
        description="一票否决: a veto item counted, so the grade is the rule set's veto grade "
        "whatever the score"
    )
    vetoed_by: list[CreditVeto] = strawberry.field(description="The veto records that counted")
    rank: int | None = strawberry.field(description="Place by score in a listing")
    revision: int
    cause: str | None = strawberry.field(description="RE_EVALUATED / CORRECTED for revisions")
    evaluated_on: datetime.date
    status: EvaluationStatus
    published_on: datetime.date | None
    objection_deadline: datetime.date | None = strawberry.field(description="异议期 last day")
    correction_pending: bool
    sections: list[CreditSection] | None = strawberry.field(
        description="Breakdown: regulators and the company only"
    )
    contributions: list[CreditContribution] | None = strawberry.field(
        description="Breakdown: regulators and the company only"
    )
    objections: list[CreditObjection] | None


@strawberry.type
class CreditEvaluationEdge:
    cursor: str
    node: CreditEvaluation


@strawberry.type
class CreditEvaluationConnection:
    edges: list[CreditEvaluationEdge]
    page_info: PageInfo


@strawberry.type
class CreditRecordList:
    records: list[CreditRecord]


@strawberry.type(description="The record after the change, as the views show it")
class CreditRecordPayload:
    record: CreditRecord | None
    position: str


@strawberry.type(description="The evaluation after the change; partId: the objection raised")
class CreditEvaluationPayload:
    evaluation: CreditEvaluation | None
    part_id: strawberry.ID | None
    position: str


@strawberry.type(description="The evaluation job is queued; the evaluation appears when done")
class CreditEvaluationRequestPayload:
    company_id: strawberry.ID
    period: str
    rule_set: str
    evaluation_id: strawberry.ID = strawberry.field(description="The id it will have")
    position: str


def record_from_row(row: Any) -> CreditRecord:
    return CreditRecord(
        id=strawberry.ID(str(row["id"])),
        company_id=strawberry.ID(str(row["company_id"])),
        kind=RecordKind(row["kind"]),
        level=HonourLevel(row["level"]) if row["level"] else None,
        veto_kind=VetoKind(row["veto_kind"]) if row["veto_kind"] else None,
        recorded_on=row["recorded_on"],
        valid_until=row["valid_until"],
        authority=row["authority"],
        document_number=row["document_number"],
        note=row["note"],
        withdrawn_on=row["withdrawn_on"],
        withdrawal_reason=row["withdrawal_reason"],
        repaired_on=row["repaired_on"],
        repairs=[
            CreditRepair(
                id=strawberry.ID(r["id"]),
                grounds=r["grounds"],
                requested_on=datetime.date.fromisoformat(r["requested_on"]),
                decision=r["decision"],
                decided_on=datetime.date.fromisoformat(r["decided_on"])
                if r["decided_on"]
                else None,
            )
            for r in _json(row["repairs"])
        ],
    )


def evaluation_from_row(row: Any, opened: Opener, *, breakdown: bool) -> CreditEvaluation:
    """``breakdown``: the caller may see the contributions (regulators, the company), whose
    evidence rows show the names of persons (party members, 红管家) opened."""
    sections = _json(row["sections"])
    lines = _json(row["contributions"])
    return CreditEvaluation(
        id=strawberry.ID(str(row["id"])),
        company_id=strawberry.ID(str(row["company_id"])),
        company_name=row["company_name"],
        period=row["period"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        rule_set=f"{row['rule_set_name']}/{row['rule_set_version']}",
        jurisdiction=row["jurisdiction"],
        districts=list(_json(row["districts"])),
        score=row["score"],
        grade=row["grade"],
        vetoed=row["vetoed"],
        vetoed_by=[
            CreditVeto(record_id=strawberry.ID(c["key"]), label=c["label"])
            for c in lines
            if c["veto"]
        ],
        rank=row.get("rank"),
        revision=row["revision"],
        cause=row["cause"],
        evaluated_on=row["evaluated_on"],
        status=EvaluationStatus(row["status"]),
        published_on=row["published_on"],
        objection_deadline=row["objection_deadline"],
        correction_pending=row["correction_pending"],
        sections=[
            CreditSection(section=name, raw=s["raw"], cap=s["cap"], counted=s["counted"])
            for name, s in sections.items()
        ]
        if breakdown
        else None,
        contributions=[
            CreditContribution(
                section=c["section"],
                source=c["source"],
                key=c["key"],
                label=c["label"],
                points=c["points"],
                value=c["value"],
                veto=c["veto"],
                evidence=opened.within(c["evidence"]),
            )
            for c in lines
        ]
        if breakdown
        else None,
        objections=[
            CreditObjection(
                id=strawberry.ID(o["id"]),
                grounds=o["grounds"],
                raised_on=datetime.date.fromisoformat(o["raised_on"]),
                decision=o["decision"],
                decided_on=datetime.date.fromisoformat(o["decided_on"])
                if o["decided_on"]
                else None,
                withdrawn_record_ids=[
                    strawberry.ID(r) for r in (o["corrections"] or {}).get("withdrawn_records", [])
                ],
                recompute_indicators=list((o["corrections"] or {}).get("recompute_indicators", [])),
                correction=CreditCorrection(
                    revision=o["corrected_revision"],
                    score_before=o["score_before"],
                    grade_before=o["grade_before"],
                    score_after=o["score_after"],
                    grade_after=o["grade_after"],
                )
                if o["corrected_revision"] is not None
                else None,
            )
            for o in _json(row["objections"])
        ]
        if breakdown
        else None,
    )


CreditEvaluationLookup = Annotated[
    CreditEvaluation | NotFound | ValidationError, strawberry.union("CreditEvaluationLookup")
]
CreditEvaluationsResult = Annotated[
    CreditEvaluationConnection | ValidationError, strawberry.union("CreditEvaluationsResult")
]
CreditRecordsResult = Annotated[
    CreditRecordList | NotFound | ValidationError | Forbidden,
    strawberry.union("CreditRecordsResult"),
]


@strawberry.type(description="Points for an indicator value in [minimum, maximum] (exact)")
class CreditBand:
    minimum: str
    maximum: str | None
    points: int


@strawberry.type(description="An indicator's points in a rule set")
class CreditIndicatorRule:
    indicator: str
    label: str
    section: str
    bands: list[CreditBand]


@strawberry.type(description="A record kind's points in a rule set; veto: the veto grade")
class CreditRecordRule:
    kind: str
    level: str | None = strawberry.field(description="Honour level or veto kind; none: any")
    label: str
    points: int
    veto: bool


@strawberry.type
class CreditGradeBand:
    grade: str
    minimum: int | None = strawberry.field(description="Lowest score; none: the lowest grade")


@strawberry.type(description="信用评价办法 a jurisdiction's versioned rule set, as data")
class CreditRuleSetType:
    key: str
    name: str
    version: int
    jurisdiction: str
    base: int
    basic_cap: int | None
    good_cap: int | None
    clean_floor: str | None = strawberry.field(description="Worst grade with no bad record")
    veto_grade: str = strawberry.field(
        description="The grade a veto item gives whatever the score (below every band, or the "
        "lowest)"
    )
    default_validity_months: int
    period_kind: str = strawberry.field(description="Q quarter / H half-year")
    objection_days: int
    grades: list[CreditGradeBand]
    record_rules: list[CreditRecordRule]
    indicator_rules: list[CreditIndicatorRule]


def rule_set_type(rules: CreditRuleSet) -> CreditRuleSetType:
    return CreditRuleSetType(
        key=rules.key,
        name=rules.name,
        version=rules.version,
        jurisdiction=rules.jurisdiction,
        base=rules.base,
        basic_cap=rules.basic_cap,
        good_cap=rules.good_cap,
        clean_floor=rules.clean_floor,
        veto_grade=rules.vetoed_grade,
        default_validity_months=rules.default_validity_months,
        period_kind=rules.period_kind,
        objection_days=rules.objection_days,
        grades=[CreditGradeBand(grade=g, minimum=m) for g, m in rules.grades],
        record_rules=[
            CreditRecordRule(
                kind=r.kind, level=r.level, label=r.label, points=r.points, veto=r.veto
            )
            for r in rules.record_rules
        ],
        indicator_rules=[
            CreditIndicatorRule(
                indicator=i.indicator,
                label=i.label,
                section=i.section,
                bands=[
                    CreditBand(
                        minimum=str(b.minimum),
                        maximum=None if b.maximum is None else str(b.maximum),
                        points=b.points,
                    )
                    for b in i.bands
                ],
            )
            for i in rules.indicator_rules
        ],
    )
