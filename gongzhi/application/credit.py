"""信用评价 credit commands: records on a company's credit file, evaluations, objections,
repairs. The worker computes the indicator values and calls ``evaluate_credit``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from gongzhi.application.base import (
    Changed,
    Done,
    GongzhiBase,
    Meta,
    NotFound,
    business_today,
)
from gongzhi.application.commands import Command, handles
from gongzhi.application.fields import Code, CompanyId, Doc, Items, Kind, Name, Ref, Text
from gongzhi.domain.company import PropertyCompany
from gongzhi.domain.credit_evaluation import CreditEvaluation, ObjectionDecision
from gongzhi.domain.credit_file import CreditFile, RepairDecision
from gongzhi.domain.credit_rule_sets import credit_rule_set, latest_rule_sets
from gongzhi.domain.credit_rules import (
    HonourLevel,
    IndicatorValue,
    Period,
    RecordKind,
    VetoKind,
    assess,
)
from gongzhi.domain.errors import DomainError, InvalidValue, RuleViolated, UnknownPart

CreditRecordId = Annotated[UUID, Ref(Kind.CREDIT_RECORD)]
CreditEvaluationId = Annotated[UUID, Ref(Kind.CREDIT_EVALUATION)]
CreditObjectionId = Annotated[UUID, Ref(Kind.CREDIT_OBJECTION)]
Grounds = Annotated[str, Text(2000)]


@dataclass(frozen=True)
class EnterCreditRecord(Command):
    """记录 enter a good or bad record about a company; an honour names its level, a veto its
    kind"""

    company_id: CompanyId
    kind: RecordKind
    recorded_on: date
    authority: Name
    document_number: Code
    level: HonourLevel | None = None
    veto_kind: VetoKind | None = None
    valid_until: Annotated[date, Doc("Last day it counts; one year if omitted")] | None = None
    note: Annotated[str, Text(500), Doc("证据说明 evidence note")] = ""


@dataclass(frozen=True)
class WithdrawCreditRecord(Command):
    """撤销 withdraw a credit record entered in error (it stays, no longer counts); the reason
    is kept"""

    company_id: CompanyId
    record_id: CreditRecordId


@dataclass(frozen=True)
class RequestCreditRepair(Command):
    """信用修复 申请: the company asks, after a clean period, to stop counting a fixed record"""

    company_id: CompanyId
    record_id: CreditRecordId
    grounds: Grounds


@dataclass(frozen=True)
class DecideCreditRepair(Command):
    """信用修复 decide a repair request"""

    company_id: CompanyId
    record_id: CreditRecordId
    decision: RepairDecision


@dataclass(frozen=True)
class RequestCreditEvaluation(Command):
    """Evaluate a company now: queues the worker's job (the worker records the result)"""

    company_id: CompanyId
    period: Annotated[str, Text(20), Doc("e.g. 2026Q3")]
    rule_set: (
        Annotated[
            str,
            Text(100, min_length=1),
            Doc(
                "The rule set of the company's province, by name (its latest version) or "
                "name/version: the regulator chooses (e.g. shandong-yantai-2022 for 烟台, "
                "lianyungang-base-90 for 连云港); see creditRuleSets. Required: no "
                "default, so a Yunnan company is never evaluated under 烟台's rules unasked"
            ),
        ]
        | None
    ) = None


@dataclass(frozen=True)
class PublishCreditEvaluation(Command):
    """公示 publish an evaluation; the objection period starts"""

    evaluation_id: CreditEvaluationId


@dataclass(frozen=True)
class ObjectToCreditEvaluation(Command):
    """异议 by the company within the objection period; partId: the objection"""

    evaluation_id: CreditEvaluationId
    grounds: Grounds


IndicatorName = Annotated[str, Text(60, min_length=1)]


@dataclass(frozen=True)
class DecideCreditObjection(Command):
    """复核 decide an objection. UPHELD names what is wrong: the records withdrawn by this
    decision (the evaluation is corrected at once) and the indicators to recompute (the
    worker corrects it); the corrected evaluation shows the score and grade before and after"""

    evaluation_id: CreditEvaluationId
    objection_id: CreditObjectionId
    decision: ObjectionDecision
    withdraw_record_ids: Annotated[
        list[CreditRecordId], Items(20), Doc("UPHELD: records entered in error, withdrawn")
    ] = field(default_factory=list)
    recompute_indicators: Annotated[
        list[IndicatorName], Items(20), Doc("UPHELD: indicators of the rule set to recompute")
    ] = field(default_factory=list)


class CreditService(GongzhiBase):
    # --- the credit file (信用档案) ------------------------------------------------------

    @handles(EnterCreditRecord)
    def enter_credit_record(self, meta: Meta, command: EnterCreditRecord) -> Done:
        """记录 a good or bad record about a registered company."""
        self.load(PropertyCompany, command.company_id, "companyId")
        return self._on_file(
            meta,
            command.company_id,
            lambda file: file.enter(
                kind=RecordKind(command.kind).value,
                recorded_on=command.recorded_on,
                authority=command.authority,
                document_number=command.document_number,
                entered_on=business_today(),
                level=HonourLevel(command.level).value if command.level else None,
                veto_kind=VetoKind(command.veto_kind).value if command.veto_kind else None,
                valid_until=command.valid_until,
                note=command.note,
            ),
        )

    @handles(WithdrawCreditRecord)
    def withdraw_credit_record(self, meta: Meta, command: WithdrawCreditRecord) -> Done:
        return self._on_file(
            meta,
            command.company_id,
            lambda f: f.withdraw(command.record_id, meta.reason, business_today()),
        )

    @handles(RequestCreditRepair)
    def request_credit_repair(self, meta: Meta, command: RequestCreditRepair) -> Done:
        return self.request_credit_repair_on(meta, command, business_today())

    def request_credit_repair_on(
        self, meta: Meta, command: RequestCreditRepair, requested_on: date
    ) -> Done:
        """信用修复 申请 as of ``requested_on`` (today through the API)."""
        return self._on_file(
            meta,
            command.company_id,
            lambda f: f.request_repair(command.record_id, command.grounds, requested_on),
        )

    @handles(DecideCreditRepair)
    def decide_credit_repair(self, meta: Meta, command: DecideCreditRepair) -> Done:
        decision = RepairDecision(command.decision).value
        return self._on_file(
            meta,
            command.company_id,
            lambda f: f.decide_repair(command.record_id, decision, business_today()),
        )

    @handles(RequestCreditEvaluation)
    def request_credit_evaluation(self, meta: Meta, command: RequestCreditEvaluation) -> Done:
        """Ask for the evaluation now: the event's projection queues the worker's job."""
        company_id = command.company_id
        self.load(PropertyCompany, company_id, "companyId")
        if command.rule_set is None:
            raise InvalidValue(
                "ruleSet",
                "name the rule set of the company's province: "
                + ", ".join(f"{r.name} ({r.jurisdiction})" for r in latest_rule_sets()),
            )
        rules = credit_rule_set(command.rule_set)
        parsed = Period.parse(command.period)
        if parsed.kind != rules.period_kind:
            raise InvalidValue(
                "period", f"{rules.name} evaluates periods like 2026{rules.period_kind}1"
            )
        return self._on_file(meta, company_id, lambda f: f.request_evaluation(parsed, rules.key))

    def credit_file(self, company_id: UUID) -> CreditFile | None:
        try:
            return self.load(CreditFile, CreditFile.id_for(company_id), "companyId")
        except NotFound:
            return None

    def credit_file_company(self, file_id: UUID) -> UUID:
        return self.load(CreditFile, file_id, "id").company_id

    def _on_file(self, meta: Meta, company_id: UUID, command: Callable[[CreditFile], Any]) -> Done:
        """Load the company's file (opened on first use), run one command, save; a lost race
        is retried on a fresh load (the command is validated again there)."""

        def attempt() -> Changed:
            file = self.credit_file(company_id) or CreditFile.open(company_id)
            result = command(file)
            return Changed((file,), result if isinstance(result, UUID) else None)

        return self.retrying(meta, attempt, what="the credit file")

    # --- evaluations (信用评价) ----------------------------------------------------------

    def evaluate_credit(
        self,
        meta: Meta,
        *,
        company_id: UUID,
        period: str,
        rule_set: str | None,
        indicators: Mapping[str, IndicatorValue],
        districts: list[str],
        evaluated_on: date,
    ) -> Done | None:
        """Score the company for the period; ``None`` when nothing new is recorded (same
        result as before, or a published one standing). Idempotent per (company, period,
        rule set version): the evaluation's id is derived from them."""
        self.load(PropertyCompany, company_id, "companyId")
        rules = credit_rule_set(rule_set)
        parsed = Period.parse(period)

        def attempt() -> Changed | None:
            file = self.credit_file(company_id)
            records = file.scored_records() if file is not None else []
            assessment = assess(rules, parsed, records, indicators)
            evaluation_id = CreditEvaluation.id_for(company_id, parsed, rules)
            try:
                evaluation = self.load(CreditEvaluation, evaluation_id, "evaluationId")
            except NotFound:
                evaluation = CreditEvaluation.evaluate(
                    company_id=company_id,
                    period=parsed,
                    rules=rules,
                    districts=districts,
                    assessment=assessment,
                    evaluated_on=evaluated_on,
                )
            else:
                if not evaluation.reassess(districts, assessment, evaluated_on):
                    return None
            return Changed((evaluation,))

        # A lost race is another delivery of the same job: the retry compares with its result.
        return self.retrying(meta, attempt, what="the credit evaluation")

    @handles(PublishCreditEvaluation)
    def publish_credit_evaluation(self, meta: Meta, command: PublishCreditEvaluation) -> Done:
        return self.change(
            meta,
            CreditEvaluation,
            command.evaluation_id,
            lambda e: e.publish(business_today()),
            field="evaluationId",
        )

    @handles(ObjectToCreditEvaluation)
    def object_to_credit_evaluation(self, meta: Meta, command: ObjectToCreditEvaluation) -> Done:
        on = business_today()
        return self.change(
            meta,
            CreditEvaluation,
            command.evaluation_id,
            lambda e: e.object(command.grounds, on),
            field="evaluationId",
        )

    @handles(DecideCreditObjection)
    def decide_credit_objection(self, meta: Meta, command: DecideCreditObjection) -> Done:
        """The decision, the records it withdraws and, when it names no indicator to
        recompute, the corrected evaluation, saved together: the correction cannot be lost
        between them, and it scores the file as the decision left it."""
        decision = ObjectionDecision(command.decision).value
        records, indicators = list(command.withdraw_record_ids), list(command.recompute_indicators)
        today = business_today()

        def attempt() -> Changed:
            evaluation = self.load(CreditEvaluation, command.evaluation_id, "evaluationId")
            rules = credit_rule_set(evaluation.rule_set_key)
            known = [rule.indicator for rule in rules.indicator_rules]
            for i, name in enumerate(indicators):
                if name not in known:
                    raise InvalidValue(
                        f"recomputeIndicators.{i}", f"must be one of {', '.join(known)}"
                    )
            file = self.credit_file(evaluation.company_id)
            for i, record_id in enumerate(records):
                if file is None or str(record_id) not in file.records:
                    raise UnknownPart(f"withdrawRecordIds.{i}", "no such record of this company")
                try:
                    file.withdraw(record_id, meta.reason, today)
                except DomainError as error:
                    raise RuleViolated(f"withdrawRecordIds.{i}", error.message) from None
            evaluation.decide_objection(command.objection_id, decision, today, records, indicators)
            if decision == ObjectionDecision.UPHELD and not indicators:
                scored = file.scored_records() if file is not None else []
                period = Period.parse(evaluation.period)
                corrected = assess(rules, period, scored, evaluation.evaluated_indicators())
                evaluation.reassess(evaluation.districts, corrected, today)
            touched = [evaluation] + ([file] if records and file is not None else [])
            return Changed(tuple(touched))

        return self.retrying(meta, attempt, what="the credit evaluation")
