"""Changing surveys (满意度调查), points (积分) and rewards (积分兑换): each through
``Context.execute`` (authorise, run, read your write)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import replace
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.base import Done
from gongzhi.domain.survey import Answer, Question, QuestionKind
from gongzhi.graphql.context import Context, community_target, facts_target, parse_id
from gongzhi.graphql.participation.queries import fetch_points_account, fetch_survey
from gongzhi.graphql.participation.types import (
    PointsPayload,
    PointsResult,
    PointsRuleType,
    QuestionKindType,
    RewardPayload,
    RewardResult,
    SurveyPayload,
    SurveyResult,
    reward_from_row,
    survey_from_row,
)
from gongzhi.graphql.permissions import Action, Target


@strawberry.input(description="A question: options only for SINGLE_CHOICE")
class SurveyQuestionInput:
    text: str
    kind: QuestionKindType  # type: ignore[valid-type]
    options: list[str] = strawberry.field(default_factory=list)


@strawberry.input(
    description="发起满意度调查 of one community, or of a company across communities it serves"
)
class CreateSurveyInput:
    title: str
    community_ids: list[strawberry.ID]
    questions: list[SurveyQuestionInput]
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    reason: str
    company_id: strawberry.ID | None = None


@strawberry.input(description="An answer to question number `question` (from 0)")
class SurveyAnswerInput:
    question: int
    rating: int | None = None
    choice: str | None = None
    text: str | None = None


@strawberry.input(description="答卷: one per household; a second one is a Conflict")
class AnswerSurveyInput:
    survey_id: strawberry.ID
    unit_id: strawberry.ID
    answers: list[SurveyAnswerInput]
    reason: str


@strawberry.input(description="提前截止 a survey")
class CloseSurveyInput:
    survey_id: strawberry.ID
    reason: str


@strawberry.input(description="积分奖励 for one source event; repeating it earns nothing")
class AwardPointsInput:
    community_id: strawberry.ID
    unit_id: strawberry.ID
    rule: PointsRuleType  # type: ignore[valid-type]
    source_ref: str = strawberry.field(description="e.g. volunteer:2026-05-01:清扫楼道")
    reason: str
    quantity: int = strawberry.field(default=1, description="Hours for VOLUNTEERED")


@strawberry.input(description="上架 a reward in the community's catalogue")
class AddRewardInput:
    community_id: strawberry.ID
    name: str
    price_points: int
    stock: int
    reason: str


@strawberry.input(description="补货 a reward")
class RestockRewardInput:
    reward_id: strawberry.ID
    quantity: int
    reason: str


@strawberry.input(description="积分兑换: a household spends points on a reward")
class RedeemRewardInput:
    reward_id: strawberry.ID
    unit_id: strawberry.ID
    reason: str
    quantity: int = 1


def _survey_target(context: Context, community_ids: list[strawberry.ID]) -> Target:
    """A single community's target; for several, their district when they share one."""
    facts = [
        context.app.community_facts(parse_id(c, f"communityIds.{i}"))
        for i, c in enumerate(community_ids)
    ]
    if len(facts) == 1:
        return facts_target(facts[0])
    districts = {f.district for f in facts}
    return Target(district=districts.pop() if len(districts) == 1 else None)


async def _survey_reply(context: Context, survey_id: UUID, position: int) -> SurveyPayload:
    row = await fetch_survey(context, survey_id)
    return SurveyPayload(survey=survey_from_row(row) if row else None, position=str(position))


async def _reward_reply(context: Context, done: Done, unit: UUID | None) -> RewardPayload:
    row = await context.pool.fetchrow("SELECT * FROM rewards WHERE id = $1", done.id)
    account = await fetch_points_account(context, unit) if unit else None
    return RewardPayload(
        reward=reward_from_row(row) if row else None, account=account, position=str(done.position)
    )


def _reward_target(context: Context, reward_id: str, unit_id: str | None = None) -> Target:
    community = context.app.reward_community(parse_id(reward_id, "rewardId"))
    unit = parse_id(unit_id, "unitId") if unit_id else None
    return facts_target(context.app.community_facts(community), unit_id=unit)


@strawberry.type
class ParticipationMutations:
    @strawberry.mutation(description="发起满意度调查")
    async def create_survey(
        self, info: Info[Context, None], input: CreateSurveyInput
    ) -> SurveyResult:
        context, app = info.context, info.context.app
        return await context.execute(  # type: ignore[return-value]
            Action.RUN_SURVEY,
            lambda: _survey_target(context, input.community_ids),
            lambda meta: app.create_survey(
                meta,
                title=input.title,
                community_ids=[
                    parse_id(c, f"communityIds.{i}") for i, c in enumerate(input.community_ids)
                ],
                company_id=parse_id(input.company_id, "companyId") if input.company_id else None,
                questions=[
                    Question(q.text, QuestionKind(q.kind).value, tuple(q.options))
                    for q in input.questions
                ],
                opens_at=input.opens_at,
                closes_at=input.closes_at,
            ),
            input.reason,
            lambda done: _survey_reply(context, done.id, done.position),
        )

    @strawberry.mutation(description="提前截止 a survey")
    async def close_survey(
        self, info: Info[Context, None], input: CloseSurveyInput
    ) -> SurveyResult:
        context, app = info.context, info.context.app

        def target() -> Target:
            survey = app.survey(parse_id(input.survey_id, "surveyId"))
            return _survey_target(context, [strawberry.ID(str(c)) for c in survey.community_ids])

        return await context.execute(  # type: ignore[return-value]
            Action.RUN_SURVEY,
            target,
            lambda meta: app.close_survey(meta, parse_id(input.survey_id, "surveyId")),
            input.reason,
            lambda done: _survey_reply(context, done.id, done.position),
        )

    @strawberry.mutation(description="答卷: a household answers a survey (+1 积分)")
    async def answer_survey(
        self, info: Info[Context, None], input: AnswerSurveyInput
    ) -> SurveyResult:
        context, app = info.context, info.context.app

        def target() -> Target:
            unit = parse_id(input.unit_id, "unitId")
            community = app.survey_unit_community(parse_id(input.survey_id, "surveyId"), unit)
            return facts_target(app.community_facts(community), unit_id=unit)

        return await context.execute(  # type: ignore[return-value]
            Action.ANSWER_SURVEY,
            target,
            lambda meta: app.answer_survey(
                meta,
                parse_id(input.survey_id, "surveyId"),
                unit_id=parse_id(input.unit_id, "unitId"),
                answers=[Answer(a.question, a.rating, a.choice, a.text) for a in input.answers],
            ),
            input.reason,
            lambda done: _survey_reply(context, done.id, done.position),
        )

    @strawberry.mutation(description="积分奖励 for a source event (e.g. volunteering hours)")
    async def award_points(
        self, info: Info[Context, None], input: AwardPointsInput
    ) -> PointsResult:
        context, app = info.context, info.context.app
        base = community_target(context, input.community_id)

        def target() -> Target:
            return replace(base(), unit_id=parse_id(input.unit_id, "unitId"))

        async def reply(done: Done) -> PointsPayload:
            account = await fetch_points_account(context, parse_id(input.unit_id, "unitId"))
            return PointsPayload(
                account=account, awarded=done.position > 0, position=str(done.position)
            )

        return await context.execute(  # type: ignore[return-value]
            Action.AWARD_POINTS,
            target,
            lambda meta: app.award_points(
                meta,
                community_id=parse_id(input.community_id, "communityId"),
                unit_id=parse_id(input.unit_id, "unitId"),
                rule=input.rule,
                source_ref=input.source_ref,
                quantity=input.quantity,
            ),
            input.reason,
            reply,
        )

    @strawberry.mutation(description="上架 a reward in a community's catalogue")
    async def add_reward(self, info: Info[Context, None], input: AddRewardInput) -> RewardResult:
        context, app = info.context, info.context.app
        return await context.execute(  # type: ignore[return-value]
            Action.MANAGE_REWARDS,
            community_target(context, input.community_id),
            lambda meta: app.add_reward(
                meta,
                community_id=parse_id(input.community_id, "communityId"),
                name=input.name,
                price_points=input.price_points,
                stock=input.stock,
            ),
            input.reason,
            lambda done: _reward_reply(context, done, None),
        )

    @strawberry.mutation(description="补货 a reward")
    async def restock_reward(
        self, info: Info[Context, None], input: RestockRewardInput
    ) -> RewardResult:
        context, app = info.context, info.context.app
        return await context.execute(  # type: ignore[return-value]
            Action.MANAGE_REWARDS,
            lambda: _reward_target(context, input.reward_id),
            lambda meta: app.restock_reward(
                meta, parse_id(input.reward_id, "rewardId"), input.quantity
            ),
            input.reason,
            lambda done: _reward_reply(context, done, None),
        )

    @strawberry.mutation(description="积分兑换: never below a zero balance")
    async def redeem_reward(
        self, info: Info[Context, None], input: RedeemRewardInput
    ) -> RewardResult:
        context, app = info.context, info.context.app
        unit: Callable[[], UUID] = lambda: parse_id(input.unit_id, "unitId")  # noqa: E731
        return await context.execute(  # type: ignore[return-value]
            Action.REDEEM_REWARD,
            lambda: _reward_target(context, input.reward_id, input.unit_id),
            lambda meta: app.redeem_reward(
                meta,
                parse_id(input.reward_id, "rewardId"),
                unit_id=unit(),
                quantity=input.quantity,
            ),
            input.reason,
            lambda done: _reward_reply(context, done, unit()),
        )
