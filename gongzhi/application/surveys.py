"""满意度调查 survey commands: create, answer (one response per household), close early.

Answering earns the household its SURVEY_ANSWERED point in the same save.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from gongzhi.application.base import BUSINESS_TZ, Conflict, Done, GongzhiBase, Meta
from gongzhi.application.commands import Command, handles
from gongzhi.application.complaints import now
from gongzhi.application.fields import (
    CommunityId,
    CompanyId,
    Items,
    Name,
    Range,
    SurveyId,
    Text,
    UnitId,
)
from gongzhi.application.points import points_earning, record_together
from gongzhi.domain.community import Community
from gongzhi.domain.company import PropertyCompany
from gongzhi.domain.errors import RuleViolated, UnknownPart
from gongzhi.domain.points import PointsRule
from gongzhi.domain.survey import (
    MAX_QUESTIONS,
    Answer,
    Question,
    QuestionKind,
    Survey,
    SurveyResponse,
    response_id,
)


@dataclass(frozen=True)
class SurveyQuestion:
    """A question: options only for SINGLE_CHOICE"""

    text: Name
    kind: QuestionKind
    options: Annotated[list[Name], Items(20)] = field(default_factory=list)


@dataclass(frozen=True)
class CreateSurvey(Command):
    """发起满意度调查 of one community, or of a company across communities it serves"""

    title: Name
    community_ids: Annotated[list[CommunityId], Items(500)]
    questions: Annotated[list[SurveyQuestion], Items(MAX_QUESTIONS)]
    opens_at: datetime
    closes_at: datetime
    company_id: CompanyId | None = None


@dataclass(frozen=True)
class SurveyAnswer:
    """An answer to question number `question` (from 0)"""

    question: Annotated[int, Range(0, MAX_QUESTIONS - 1)]
    rating: Annotated[int, Range(1, 5)] | None = None
    choice: Name | None = None
    text: Annotated[str, Text(2000)] | None = None


@dataclass(frozen=True)
class AnswerSurvey(Command):
    """答卷: a household answers a survey (+1 积分); one response per household, a second one
    is a Conflict"""

    survey_id: SurveyId
    unit_id: UnitId
    answers: Annotated[list[SurveyAnswer], Items(MAX_QUESTIONS)]


@dataclass(frozen=True)
class CloseSurvey(Command):
    """提前截止 a survey"""

    survey_id: SurveyId


class SurveyService(GongzhiBase):
    @handles(CreateSurvey)
    def create_survey(self, meta: Meta, command: CreateSurvey) -> Done:
        """A community's survey, or a company's across communities it serves when it opens."""
        title, community_ids, company_id = command.title, command.community_ids, command.company_id
        opens_at, closes_at = command.opens_at, command.closes_at
        questions = [Question(q.text, q.kind.value, tuple(q.options)) for q in command.questions]
        if company_id is not None:
            self.load(PropertyCompany, company_id, "companyId")
        for i, community_id in enumerate(community_ids):
            community = self.load(Community, community_id, f"communityIds.{i}")
            if company_id is None:
                continue
            day = opens_at.astimezone(BUSINESS_TZ).date() if opens_at.tzinfo else now().date()
            if community.serving_company(day) != company_id:
                raise RuleViolated(
                    f"communityIds.{i}",
                    "the company does not serve this community when the survey opens",
                )
        survey = Survey.create(
            title=title,
            community_ids=community_ids,
            company_id=company_id,
            questions=questions,
            opens_at=opens_at,
            closes_at=closes_at,
        )
        return self.create(meta, survey, "the survey exists already")

    @handles(AnswerSurvey)
    def answer_survey(self, meta: Meta, command: AnswerSurvey) -> Done:
        """One response per household: a second one is a Conflict, whoever sends it."""
        survey_id, unit_id = command.survey_id, command.unit_id
        answers = [Answer(a.question, a.rating, a.choice, a.text) for a in command.answers]
        survey = self.load(Survey, survey_id, "surveyId")
        community_id = self._community_of(survey, unit_id)
        when = now()

        def build() -> Sequence[Aggregate]:
            if self._answered(survey_id, unit_id):
                raise Conflict("the household has answered this survey already")
            # Reloaded on a retry: the survey may have closed meanwhile.
            current = self.survey(survey_id)
            response = SurveyResponse.submit(
                current, community_id=community_id, unit_id=unit_id, answers=answers, at=when
            )
            account = points_earning(
                self,
                community_id=community_id,
                unit_id=unit_id,
                rule=PointsRule.SURVEY_ANSWERED,
                source_ref=f"survey:{survey_id}",
                at=when,
            )
            return (response, account) if account else (response,)

        done = record_together(self, meta, build, "the survey response")
        assert done is not None
        return Done(survey_id, done.position, done.id)

    @handles(CloseSurvey)
    def close_survey(self, meta: Meta, command: CloseSurvey) -> Done:
        at = now()
        return self.change(meta, Survey, command.survey_id, lambda s: s.close(at), field="surveyId")

    def survey(self, survey_id: UUID) -> Survey:
        return self.load(Survey, survey_id, "surveyId")

    def _answered(self, survey_id: UUID, unit_id: UUID) -> bool:
        try:
            self.repository.get(response_id(survey_id, unit_id))
        except AggregateNotFoundError:
            return False
        return True

    def _community_of(self, survey: Survey, unit_id: UUID) -> UUID:
        for community_id in survey.community_ids:
            if unit_id in self.load(Community, community_id, "surveyId").unit_index:
                return community_id
        raise UnknownPart("unitId", "the unit is not in a community the survey covers")
