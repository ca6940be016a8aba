"""满意度调查 satisfaction survey: a questionnaire with an answering window, and one
response per household (户).

A household answers once: its response is an aggregate whose id is derived from the survey
and the unit, so the event store itself refuses a second one (the service turns that into a
Conflict). Answers are not changed afterwards: the +1 participation point is earned once,
and a result published mid-window does not move under its readers.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.complaint import aware
from gongzhi.domain.errors import InvalidValue, RuleViolated
from gongzhi.domain.values import enum_value, optional_text, required_text

RESPONSE_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongzhi.example/survey-response")
MAX_QUESTIONS = 50
SATISFIED_FROM = 4  # a rating of 4 or 5 counts as satisfied (满意)
HUNDREDTH = Decimal("0.01")


class QuestionKind(enum.Enum):
    RATING = "RATING"  # 1–5 评分
    SINGLE_CHOICE = "SINGLE_CHOICE"  # 单选
    FREE_TEXT = "FREE_TEXT"  # 意见建议


@dataclass(frozen=True)
class Question:
    text: str
    kind: str
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer:
    """An answer to question number ``question`` (0-based): the field of its kind is set."""

    question: int
    rating: int | None = None
    choice: str | None = None
    text: str | None = None


def checked_questions(questions: list[Question]) -> list[dict[str, Any]]:
    if not questions:
        raise InvalidValue("questions", "a survey asks at least one question")
    if len(questions) > MAX_QUESTIONS:
        raise InvalidValue("questions", f"a survey asks at most {MAX_QUESTIONS} questions")
    checked = []
    for i, q in enumerate(questions):
        kind = enum_value(f"questions.{i}.kind", QuestionKind, q.kind)
        options = [required_text(f"questions.{i}.options.{j}", o) for j, o in enumerate(q.options)]
        if kind == QuestionKind.SINGLE_CHOICE.value:
            if len(options) < 2:
                raise InvalidValue(f"questions.{i}.options", "a single choice offers two options")
            if len(set(options)) != len(options):
                raise InvalidValue(f"questions.{i}.options", "options must differ")
        elif options:
            raise InvalidValue(f"questions.{i}.options", "only a single choice has options")
        checked.append(
            {"text": required_text(f"questions.{i}.text", q.text), "kind": kind, "options": options}
        )
    return checked


def checked_answers(questions: list[dict[str, Any]], answers: list[Answer]) -> list[dict[str, Any]]:
    """Every rating and choice question answered once; free text may be left out."""
    by_question: dict[int, dict[str, Any]] = {}
    for i, a in enumerate(answers):
        field = f"answers.{i}"
        if not 0 <= a.question < len(questions):
            raise InvalidValue(f"{field}.question", "no such question in the survey")
        if a.question in by_question:
            raise InvalidValue(f"{field}.question", "the question is answered twice")
        q = questions[a.question]
        given = [
            k
            for k, v in (("rating", a.rating), ("choice", a.choice), ("text", a.text))
            if v is not None
        ]
        expected = {"RATING": "rating", "SINGLE_CHOICE": "choice", "FREE_TEXT": "text"}[q["kind"]]
        if given != [expected]:
            raise InvalidValue(field, f"question {a.question} takes a {expected} and nothing else")
        if a.rating is not None and not 1 <= a.rating <= 5:
            raise InvalidValue(f"{field}.rating", "must be between 1 and 5")
        if a.choice is not None and a.choice not in q["options"]:
            raise InvalidValue(f"{field}.choice", "is not one of the question's options")
        text = (
            optional_text(f"{field}.text", a.text, max_length=2000) if a.text is not None else None
        )
        by_question[a.question] = {
            "question": a.question,
            "rating": a.rating,
            "choice": a.choice,
            "text": text,
        }
    for n, q in enumerate(questions):
        if n not in by_question and q["kind"] != QuestionKind.FREE_TEXT.value:
            raise InvalidValue("answers", f"question {n} must be answered")
    return [by_question[n] for n in sorted(by_question)]


class Survey(Aggregate):
    """满意度调查 of one community, or of a company across the communities it serves."""

    class Created(Aggregate.Created):
        title: str
        community_ids: list[UUID]
        company_id: UUID | None
        questions: list[dict[str, Any]]
        opens_at: datetime
        closes_at: datetime

    class ClosedEarly(Aggregate.Event):
        closed_at: datetime

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Survey)
            aggregate.closes_at = self.closed_at

    def __init__(
        self,
        title: str,
        community_ids: list[UUID],
        company_id: UUID | None,
        questions: list[dict[str, Any]],
        opens_at: datetime,
        closes_at: datetime,
    ) -> None:
        self.title = title
        self.community_ids = community_ids
        self.company_id = company_id
        self.questions = questions
        self.opens_at = opens_at
        self.closes_at = closes_at

    @classmethod
    def create(
        cls,
        *,
        title: str,
        community_ids: list[UUID],
        company_id: UUID | None,
        questions: list[Question],
        opens_at: datetime,
        closes_at: datetime,
    ) -> Survey:
        if not community_ids:
            raise InvalidValue("communityIds", "a survey covers at least one community")
        if len(set(community_ids)) != len(community_ids):
            raise InvalidValue("communityIds", "a community is listed twice")
        if company_id is None and len(community_ids) != 1:
            raise InvalidValue("communityIds", "a survey of several communities names its company")
        if aware("closesAt", closes_at) <= aware("opensAt", opens_at):
            raise InvalidValue("closesAt", "must be after the survey opens")
        return cls._create(
            cls.Created,
            title=required_text("title", title),
            community_ids=list(community_ids),
            company_id=company_id,
            questions=checked_questions(questions),
            opens_at=opens_at,
            closes_at=closes_at,
        )

    def is_open(self, at: datetime) -> bool:
        return self.opens_at <= at < self.closes_at

    def close(self, at: datetime) -> None:
        """截止 before the planned end."""
        if aware("closedAt", at) >= self.closes_at:
            raise RuleViolated("surveyId", "the survey is closed already")
        self.trigger_event(self.ClosedEarly, closed_at=max(at, self.opens_at))


def response_id(survey_id: UUID, unit_id: UUID) -> UUID:
    """One response per household: the store refuses a second aggregate with this id."""
    return uuid5(RESPONSE_NAMESPACE, f"{survey_id}/{unit_id}")


class SurveyResponse(Aggregate):
    """One household's (户) answers to a survey."""

    class Submitted(Aggregate.Created):
        survey_id: UUID
        community_id: UUID
        unit_id: UUID
        answers: list[dict[str, Any]]
        submitted_at: datetime

    def __init__(
        self,
        survey_id: UUID,
        community_id: UUID,
        unit_id: UUID,
        answers: list[dict[str, Any]],
        submitted_at: datetime,
    ) -> None:
        self.survey_id = survey_id
        self.community_id = community_id
        self.unit_id = unit_id
        self.answers = answers
        self.submitted_at = submitted_at

    @classmethod
    def submit(
        cls,
        survey: Survey,
        *,
        community_id: UUID,
        unit_id: UUID,
        answers: list[Answer],
        at: datetime,
    ) -> SurveyResponse:
        if community_id not in survey.community_ids:
            raise RuleViolated("unitId", "the unit is not in a community the survey covers")
        if not survey.is_open(aware("submittedAt", at)):
            raise RuleViolated("surveyId", "the survey is not open for answers now")
        return cls._create(
            cls.Submitted,
            id=response_id(survey.id, unit_id),
            survey_id=survey.id,
            community_id=community_id,
            unit_id=unit_id,
            answers=checked_answers(survey.questions, answers),
            submitted_at=at,
        )


def percentage(part: int, whole: int) -> Decimal | None:
    """part ÷ whole × 100 to the hundredth, half up; None when there is no whole."""
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(HUNDREDTH, ROUND_HALF_UP)


@dataclass(frozen=True)
class RatingTally:
    """The ratings of one question: how many, their sum, how many were 4 or 5."""

    count: int = 0
    total: int = 0
    satisfied: int = 0

    def __add__(self, other: RatingTally) -> RatingTally:
        return RatingTally(
            self.count + other.count, self.total + other.total, self.satisfied + other.satisfied
        )

    @property
    def mean(self) -> Decimal | None:
        if not self.count:
            return None
        return (Decimal(self.total) / Decimal(self.count)).quantize(HUNDREDTH, ROUND_HALF_UP)

    @property
    def satisfaction_percentage(self) -> Decimal | None:
        return percentage(self.satisfied, self.count)
