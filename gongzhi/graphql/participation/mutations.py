"""Changing surveys (满意度调查), points (积分) and rewards (积分兑换)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from gongzhi.application.base import Done
from gongzhi.application.commands import Command
from gongzhi.application.points import AddReward, AwardPoints, RedeemReward, RestockReward
from gongzhi.application.surveys import AnswerSurvey, CloseSurvey, CreateSurvey
from gongzhi.graphql.commands import mutation, mutations
from gongzhi.graphql.context import Context
from gongzhi.graphql.participation.queries import fetch_points_account, fetch_survey
from gongzhi.graphql.participation.types import (
    PointsPayload,
    RewardPayload,
    SurveyPayload,
    reward_from_row,
    survey_from_row,
)
from gongzhi.graphql.permissions import Action, Target
from gongzhi.graphql.references import Found, Place


async def survey_reply(context: Context, done: Done, _: Command) -> SurveyPayload:
    row = await fetch_survey(context, done.id)
    return SurveyPayload(survey=survey_from_row(row) if row else None, position=str(done.position))


async def points_reply(context: Context, done: Done, command: AwardPoints) -> PointsPayload:
    account = await fetch_points_account(context, command.unit_id)
    return PointsPayload(account=account, awarded=done.position > 0, position=str(done.position))


async def reward_reply(context: Context, done: Done, command: Command) -> RewardPayload:
    """The reward and, after a redemption, the household's account."""
    row = await context.pool.fetchrow("SELECT * FROM rewards WHERE id = $1", done.id)
    unit = command.unit_id if isinstance(command, RedeemReward) else None
    account = await fetch_points_account(context, unit) if unit else None
    return RewardPayload(
        reward=reward_from_row(row) if row else None, account=account, position=str(done.position)
    )


def _communities(places: Sequence[Place]) -> Target:
    """A single community's target; for several, their district when they share one."""
    if len(places) == 1:
        place = places[0]
        return Target(
            district=place.district,
            community_id=place.community_id,
            serving_company_id=place.serving_company_id,
        )
    districts = {place.district for place in places}
    return Target(district=districts.pop() if len(districts) == 1 else None)


def _new_survey(_: Context, command: CreateSurvey, found: dict[str, Found]) -> Target:
    return _communities(
        [
            place
            for i in range(len(command.community_ids))
            for place in found[f"input.communityIds.{i}"].places
        ]
    )


def _survey(_: Context, __: CloseSurvey, found: dict[str, Found]) -> Target:
    return _communities(found["input.surveyId"].places)


def _unit_in_community(_: Context, command: AwardPoints, found: dict[str, Found]) -> Target:
    return replace(found["input.communityId"].target(), unit_id=command.unit_id)


def _redeeming(_: Context, command: RedeemReward, found: dict[str, Found]) -> Target:
    """The reward's community, for the household's unit."""
    return replace(found["input.rewardId"].target(), unit_id=command.unit_id)


ParticipationMutations = mutations(
    "ParticipationMutations",
    mutation(CreateSurvey, Action.RUN_SURVEY, reply=survey_reply, target=_new_survey),
    mutation(CloseSurvey, Action.RUN_SURVEY, reply=survey_reply, target=_survey),
    # About the household's unit; a survey the caller may not see is not found, one of
    # another community (or not covering the unit's) is refused naming it.
    mutation(AnswerSurvey, Action.ANSWER_SURVEY, reply=survey_reply, target="unit_id"),
    mutation(AwardPoints, Action.AWARD_POINTS, reply=points_reply, target=_unit_in_community),
    mutation(AddReward, Action.MANAGE_REWARDS, reply=reward_reply),
    mutation(RestockReward, Action.MANAGE_REWARDS, reply=reward_reply, target="reward_id"),
    mutation(RedeemReward, Action.REDEEM_REWARD, reply=reward_reply, target=_redeeming),
)
