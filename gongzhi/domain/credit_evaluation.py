"""信用评价 one company's evaluation for one period under one rule set version.

The id is derived from (company, period, rule set name and version), so a job delivered twice
finds the evaluation it made and records nothing new. A later run that computes a different
result (new records, a withdrawal, a repair) records an explicit ``Revised`` event with the
next revision number, keeping every earlier result in the history. Once published, the
result stands until an objection (异议) is upheld. The decision to uphold names what is wrong
(records to withdraw, indicators to recompute): records alone are corrected in the same
command, an indicator by the worker's next run; either way the correction names the
objection and the score and grade before it, so the regulator sees what it changed.
"""

from __future__ import annotations

import enum
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.credit_rules import Assessment, CreditRuleSet, IndicatorValue, Period
from gongzhi.domain.errors import InvalidValue, RuleViolated, UnknownPart
from gongzhi.domain.values import required_text

CREDIT_EVALUATION_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongzhi.example/credit-evaluation")


class EvaluationStatus(enum.StrEnum):
    EVALUATED = "EVALUATED"  # 已评价, not yet published
    PUBLISHED = "PUBLISHED"  # 已公示


class ObjectionDecision(enum.StrEnum):
    UPHELD = "UPHELD"  # 异议成立: the evaluation is corrected
    REJECTED = "REJECTED"  # 异议不成立


class Cause:
    RE_EVALUATED = "RE_EVALUATED"  # the data changed before publication
    CORRECTED = "CORRECTED"  # after an upheld objection


class CreditEvaluation(Aggregate):
    """信用评价结果 of a 物业服务企业 for a period."""

    class Evaluated(Aggregate.Created):
        company_id: UUID
        period: str
        period_start: date
        period_end: date
        rule_set: dict[str, Any]
        districts: list[str]
        assessment: dict[str, Any]
        evaluated_on: date

    class Revised(Aggregate.Event):
        revision: int
        cause: str
        districts: list[str]
        assessment: dict[str, Any]
        evaluated_on: date
        # A correction: the upheld objection, and the score, grade and veto it replaced.
        corrects: UUID | None = None
        previous: dict[str, Any] | None = None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, CreditEvaluation)
            aggregate.revision = self.revision
            aggregate.assessment = self.assessment
            aggregate.districts = list(self.districts)
            aggregate.correction_pending = False

    class Published(Aggregate.Event):
        published_on: date
        objection_deadline: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, CreditEvaluation)
            aggregate.status = EvaluationStatus.PUBLISHED
            aggregate.objection_deadline = self.objection_deadline

    class ObjectionRaised(Aggregate.Event):
        objection_id: UUID
        grounds: str
        raised_on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, CreditEvaluation)
            aggregate.open_objection = self.objection_id

    class ObjectionDecided(Aggregate.Event):
        objection_id: UUID
        decision: str
        decided_on: date
        company_id: UUID
        period: str
        rule_set: str
        # UPHELD: what is wrong, {"withdrawn_records": [ids], "recompute_indicators": [names]}
        # (none on decisions recorded before corrections were named).
        corrections: dict[str, Any] | None = None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, CreditEvaluation)
            aggregate.open_objection = None
            upheld = self.decision == ObjectionDecision.UPHELD
            aggregate.correction_pending = upheld
            if upheld:
                aggregate.upheld_objection = self.objection_id

    def __init__(
        self,
        company_id: UUID,
        period: str,
        period_start: date,
        period_end: date,
        rule_set: dict[str, Any],
        districts: list[str],
        assessment: dict[str, Any],
        evaluated_on: date,
    ) -> None:
        self.company_id = company_id
        self.period = period
        self.rule_set = rule_set
        self.districts = list(districts)
        self.assessment = assessment
        self.revision = 1
        self.status = EvaluationStatus.EVALUATED
        self.objection_deadline: date | None = None
        self.open_objection: UUID | None = None
        self.upheld_objection: UUID | None = None
        self.correction_pending = False

    @staticmethod
    def id_for(company_id: UUID, period: Period, rules: CreditRuleSet) -> UUID:
        return uuid5(
            CREDIT_EVALUATION_NAMESPACE, f"{company_id}:{period.label}:{rules.name}:{rules.version}"
        )

    @property
    def rule_set_key(self) -> str:
        return f"{self.rule_set['name']}/{self.rule_set['version']}"

    @classmethod
    def evaluate(
        cls,
        *,
        company_id: UUID,
        period: Period,
        rules: CreditRuleSet,
        districts: list[str],
        assessment: Assessment,
        evaluated_on: date,
    ) -> CreditEvaluation:
        return cls._create(
            cls.Evaluated,
            id=cls.id_for(company_id, period, rules),
            company_id=company_id,
            period=period.label,
            period_start=period.start,
            period_end=period.end,
            rule_set={**rules.summary(), "objection_days": rules.objection_days},
            districts=sorted(districts),
            assessment=assessment.to_record(),
            evaluated_on=evaluated_on,
        )

    def reassess(self, districts: list[str], assessment: Assessment, evaluated_on: date) -> bool:
        """Record a different result as the next revision; ``False`` when nothing is recorded:
        the same result (a redelivered job), or a published one with no upheld objection."""
        result = assessment.to_record()
        if self.status == EvaluationStatus.PUBLISHED and not self.correction_pending:
            return False
        if result == self.assessment and not self.correction_pending:
            return False
        correcting = self.correction_pending
        self.trigger_event(
            self.Revised,
            revision=self.revision + 1,
            cause=Cause.CORRECTED if correcting else Cause.RE_EVALUATED,
            districts=sorted(districts),
            assessment=result,
            evaluated_on=evaluated_on,
            corrects=self.upheld_objection if correcting else None,
            previous={k: self.assessment[k] for k in ("score", "grade", "vetoed")}
            if correcting
            else None,
        )
        return True

    def publish(self, published_on: date) -> None:
        """公示: the company may object until the deadline (the rule set's days after)."""
        if self.status == EvaluationStatus.PUBLISHED:
            raise RuleViolated("evaluationId", "the evaluation is already published")
        days = int(self.rule_set.get("objection_days", 15))
        self.trigger_event(
            self.Published,
            published_on=published_on,
            objection_deadline=published_on + timedelta(days=days),
        )

    def object(self, grounds: str, raised_on: date) -> UUID:
        """异议: by the company, within the window after publication, one at a time."""
        if self.status != EvaluationStatus.PUBLISHED or self.objection_deadline is None:
            raise RuleViolated("evaluationId", "only a published evaluation can be objected to")
        if raised_on > self.objection_deadline:
            raise RuleViolated(
                "evaluationId",
                f"the objection period ended on {self.objection_deadline.isoformat()}",
            )
        if self.open_objection is not None:
            raise RuleViolated("evaluationId", "an objection is already waiting for a decision")
        if self.correction_pending:
            raise RuleViolated("evaluationId", "a correction is already on its way")
        objection_id = uuid4()
        self.trigger_event(
            self.ObjectionRaised,
            objection_id=objection_id,
            grounds=required_text("grounds", grounds, max_length=2000),
            raised_on=raised_on,
        )
        return objection_id

    def decide_objection(
        self,
        objection_id: UUID,
        decision: str,
        decided_on: date,
        withdrawn_records: list[UUID] | None = None,
        recompute_indicators: list[str] | None = None,
    ) -> None:
        """复核: UPHELD names what is wrong (records withdrawn, indicators to recompute) and
        has the evaluation corrected; REJECTED names nothing."""
        if self.open_objection != objection_id:
            raise UnknownPart("objectionId", "no such objection is waiting for a decision")
        if decision not in (ObjectionDecision.UPHELD, ObjectionDecision.REJECTED):
            raise InvalidValue("decision", "must be UPHELD or REJECTED")
        records, indicators = list(withdrawn_records or []), list(recompute_indicators or [])
        named = bool(records or indicators)
        if decision == ObjectionDecision.UPHELD and not named:
            raise InvalidValue(
                "withdrawRecordIds",
                "an upheld objection names what is wrong: records to withdraw or indicators "
                "to recompute",
            )
        if decision == ObjectionDecision.REJECTED and named:
            raise InvalidValue("withdrawRecordIds", "a rejected objection corrects nothing")
        corrections = (
            {
                "withdrawn_records": [str(r) for r in records],
                "recompute_indicators": indicators,
            }
            if named
            else None
        )
        self.trigger_event(
            self.ObjectionDecided,
            objection_id=objection_id,
            decision=decision,
            decided_on=decided_on,
            company_id=self.company_id,
            period=self.period,
            rule_set=self.rule_set_key,
            corrections=corrections,
        )

    def evaluated_indicators(self) -> dict[str, IndicatorValue]:
        """The indicator values this evaluation was scored with (for a correction that
        changes records only: the figures stay as evaluated)."""
        return {
            c["key"]: IndicatorValue(Decimal(c["value"]), tuple(c["evidence"]))
            for c in self.assessment["contributions"]
            if c["source"] == "INDICATOR" and c["value"] is not None
        }
