"""满意度调查 survey commands: create, answer (one response per household), close early.

Answering earns the household its SURVEY_ANSWERED point in the same save.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from gongzhi.application.base import BUSINESS_TZ, Conflict, Done, GongzhiBase, Meta
from gongzhi.application.complaints import now
from gongzhi.application.points import PointsService
from gongzhi.domain.community import Community
from gongzhi.domain.company import PropertyCompany
from gongzhi.domain.errors import RuleViolated, UnknownPart
from gongzhi.domain.points import PointsRule
from gongzhi.domain.survey import Answer, Question, Survey, SurveyResponse, response_id


class SurveyService(PointsService, GongzhiBase):
    def create_survey(
        self,
        meta: Meta,
        *,
        title: str,
        community_ids: list[UUID],
        company_id: UUID | None,
        questions: list[Question],
        opens_at: datetime,
        closes_at: datetime,
    ) -> Done:
        """A community's survey, or a company's across communities it serves when it opens."""
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

    def answer_survey(
        self,
        meta: Meta,
        survey_id: UUID,
        *,
        unit_id: UUID,
        answers: list[Answer],
        at: datetime | None = None,
    ) -> Done:
        """One response per household: a second one is a Conflict, whoever sends it."""
        survey = self.load(Survey, survey_id, "surveyId")
        community_id = self._community_of(survey, unit_id)
        when = at or now()

        def build() -> Sequence[Aggregate]:
            if self._answered(survey_id, unit_id):
                raise Conflict("the household has answered this survey already")
            # Reloaded on a retry: the survey may have closed meanwhile.
            current = self.survey(survey_id)
            response = SurveyResponse.submit(
                current, community_id=community_id, unit_id=unit_id, answers=answers, at=when
            )
            account = self.points_earning(
                community_id=community_id,
                unit_id=unit_id,
                rule=PointsRule.SURVEY_ANSWERED,
                source_ref=f"survey:{survey_id}",
                at=when,
            )
            return (response, account) if account else (response,)

        done = self.record_together(meta, build, "the survey response")
        assert done is not None
        return Done(survey_id, done.position, done.id)

    def close_survey(self, meta: Meta, survey_id: UUID, at: datetime | None = None) -> Done:
        return self.change(
            meta, Survey, survey_id, lambda s: s.close(at or now()), field="surveyId"
        )

    def survey(self, survey_id: UUID) -> Survey:
        return self.load(Survey, survey_id, "surveyId")

    def _answered(self, survey_id: UUID, unit_id: UUID) -> bool:
        try:
            self.repository.get(response_id(survey_id, unit_id))
        except AggregateNotFoundError:
            return False
        return True

    def survey_unit_community(self, survey_id: UUID, unit_id: UUID) -> UUID:
        """The community, among the survey's, that the unit belongs to."""
        return self._community_of(self.survey(survey_id), unit_id)

    def _community_of(self, survey: Survey, unit_id: UUID) -> UUID:
        for community_id in survey.community_ids:
            if unit_id in self.load(Community, community_id, "surveyId").unit_index:
                return community_id
        raise UnknownPart("unitId", "the unit is not in a community the survey covers")
