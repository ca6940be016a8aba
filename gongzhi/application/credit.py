"""信用评价 credit commands: records on a company's credit file, evaluations, objections,
repairs. The worker computes the indicator values and calls ``evaluate_credit``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from gongzhi.application.base import (
    Changed,
    Done,
    GongzhiBase,
    Meta,
    NotFound,
    business_today,
)
from gongzhi.domain.company import PropertyCompany
from gongzhi.domain.credit_evaluation import CreditEvaluation
from gongzhi.domain.credit_file import CreditFile
from gongzhi.domain.credit_rule_sets import credit_rule_set
from gongzhi.domain.credit_rules import IndicatorValue, Period, assess
from gongzhi.domain.errors import InvalidValue


@dataclass(frozen=True)
class EvaluationFacts:
    """What access decisions need about an evaluation."""

    id: UUID
    company_id: UUID


class CreditService(GongzhiBase):
    # --- the credit file (信用档案) ------------------------------------------------------

    def enter_credit_record(
        self,
        meta: Meta,
        *,
        company_id: UUID,
        kind: str,
        recorded_on: date,
        authority: str,
        document_number: str,
        level: str | None = None,
        veto_kind: str | None = None,
        valid_until: date | None = None,
        note: str = "",
    ) -> Done:
        """记录 a good or bad record about a registered company."""
        self.load(PropertyCompany, company_id, "companyId")
        return self._on_file(
            meta,
            company_id,
            lambda file: file.enter(
                kind=kind,
                recorded_on=recorded_on,
                authority=authority,
                document_number=document_number,
                entered_on=business_today(),
                level=level,
                veto_kind=veto_kind,
                valid_until=valid_until,
                note=note,
            ),
        )

    def withdraw_credit_record(self, meta: Meta, company_id: UUID, record_id: UUID) -> Done:
        return self._on_file(
            meta, company_id, lambda f: f.withdraw(record_id, meta.reason, business_today())
        )

    def request_credit_repair(
        self,
        meta: Meta,
        company_id: UUID,
        record_id: UUID,
        grounds: str,
        requested_on: date | None = None,
    ) -> Done:
        on = requested_on or business_today()
        return self._on_file(meta, company_id, lambda f: f.request_repair(record_id, grounds, on))

    def decide_credit_repair(
        self, meta: Meta, company_id: UUID, record_id: UUID, decision: str
    ) -> Done:
        return self._on_file(
            meta, company_id, lambda f: f.decide_repair(record_id, decision, business_today())
        )

    def request_credit_evaluation(
        self, meta: Meta, company_id: UUID, period: str, rule_set: str | None = None
    ) -> Done:
        """Ask for the evaluation now: the event's projection queues the worker's job."""
        self.load(PropertyCompany, company_id, "companyId")
        rules = credit_rule_set(rule_set)
        parsed = Period.parse(period)
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

    def publish_credit_evaluation(self, meta: Meta, evaluation_id: UUID) -> Done:
        return self.change(
            meta,
            CreditEvaluation,
            evaluation_id,
            lambda e: e.publish(business_today()),
            field="evaluationId",
        )

    def object_to_credit_evaluation(
        self, meta: Meta, evaluation_id: UUID, grounds: str, raised_on: date | None = None
    ) -> Done:
        on = raised_on or business_today()
        return self.change(
            meta,
            CreditEvaluation,
            evaluation_id,
            lambda e: e.object(grounds, on),
            field="evaluationId",
        )

    def decide_credit_objection(
        self, meta: Meta, evaluation_id: UUID, objection_id: UUID, decision: str
    ) -> Done:
        return self.change(
            meta,
            CreditEvaluation,
            evaluation_id,
            lambda e: e.decide_objection(objection_id, decision, business_today()),
            field="evaluationId",
        )

    def evaluation_facts(self, evaluation_id: UUID) -> EvaluationFacts:
        evaluation = self.load(CreditEvaluation, evaluation_id, "evaluationId")
        return EvaluationFacts(evaluation.id, evaluation.company_id)
