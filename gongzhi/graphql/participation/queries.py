"""Reading surveys (满意度调查) and their results, points accounts (积分) with their ledger,
and reward catalogues (积分兑换)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.domain.points import account_id
from gongzhi.domain.survey import RatingTally, percentage
from gongzhi.graphql.context import Context
from gongzhi.graphql.errors import NotFound, forbidden
from gongzhi.graphql.history.queries import community_target
from gongzhi.graphql.pagination import Key, keyset_page, page_by_name
from gongzhi.graphql.params import Params
from gongzhi.graphql.participation.types import (
    CommunitySurveyResult,
    PointsAccount,
    PointsAccountResult,
    QuestionResult,
    RewardConnection,
    RewardsResult,
    SatisfactionFigures,
    SurveyConnection,
    SurveyResults,
    SurveyResultsResult,
    SurveysResult,
    entry_from_row,
    reward_from_row,
    survey_from_row,
)
from gongzhi.graphql.permissions import Action, allowed, community_scope
from gongzhi.graphql.reading import CommunityArg, SurveyArg, UnitArg, lookup
from gongzhi.projections.participation import SURVEY_RESULTS

SURVEY_SELECT = """SELECT s.*, ARRAY(SELECT sc.community_id FROM survey_communities sc
    WHERE sc.survey_id = s.id ORDER BY sc.community_id) AS community_ids FROM surveys s"""
LEDGER_SELECT = """SELECT * FROM (SELECT l.*, sum(l.points) OVER (ORDER BY l.version)::int
    AS balance_after FROM points_ledger l WHERE l.account_id = $1) e"""
REWARD_SELECT = "SELECT r.* FROM rewards r JOIN communities c ON c.id = r.community_id"
NEWEST_SURVEY = (Key("s.opens_at", "opens_at", "timestamptz"), Key("s.id", "id", "uuid"))
NEWEST_ENTRY = (Key("e.version", "version", "int"), Key("e.account_id", "account_id", "uuid"))


def survey_scope(context: Context, params: Params) -> str:
    """Surveys of at least one community the principal sees."""
    scope = community_scope(context.principal, "c", params)
    return (
        "EXISTS (SELECT 1 FROM survey_communities sc JOIN communities c ON c.id = sc.community_id"
        f" WHERE sc.survey_id = s.id AND {scope})"
    )


async def fetch_survey(context: Context, survey_id: UUID) -> Any:
    params = Params([survey_id])
    scope = survey_scope(context, params)
    return await context.pool.fetchrow(f"{SURVEY_SELECT} WHERE s.id = $1 AND {scope}", *params)


async def fetch_points_account(
    context: Context, unit_id: UUID, first: int = 20, after: str | None = None
) -> PointsAccount | None:
    """The household's account (zero before its first earning); None for an unknown unit."""
    unit = await context.pool.fetchrow(
        """SELECT u.id, u.community_id, a.id AS account_id, a.balance, a.earned, a.spent,
                  a.version FROM units u LEFT JOIN points_accounts a ON a.unit_id = u.id
           WHERE u.id = $1""",
        unit_id,
    )
    if unit is None:
        return None
    params = Params([unit["account_id"]])
    rows, page_info = await keyset_page(
        context.pool, LEDGER_SELECT, [], params, NEWEST_ENTRY, first, after, descending=True
    )
    return PointsAccount(
        id=strawberry.ID(str(account_id(unit_id))),
        unit_id=strawberry.ID(str(unit_id)),
        community_id=strawberry.ID(str(unit["community_id"])),
        balance=unit["balance"] or 0,
        earned=unit["earned"] or 0,
        spent=unit["spent"] or 0,
        version=unit["version"] or 0,
        entries=[entry_from_row(r) for r in rows],
        page_info=page_info,
    )


def _figures(
    households: int, responding: int, texts: list[str], ratings: dict[int, RatingTally]
) -> SatisfactionFigures:
    overall = sum(ratings.values(), RatingTally())
    return SatisfactionFigures(
        households=households,
        responding_households=responding,
        response_rate_percentage=percentage(responding, households),
        questions=[
            QuestionResult(
                question=n,
                text=texts[n],
                rating_count=t.count,
                rating_sum=t.total,
                satisfied_count=t.satisfied,
                mean_rating=t.mean,
                satisfaction_percentage=t.satisfaction_percentage,
            )
            for n, t in sorted(ratings.items())
        ],
        overall_satisfaction_percentage=overall.satisfaction_percentage,
    )


def survey_results(survey: Any, rows: list[Any]) -> SurveyResults:
    """Per community and in total, from exact counts (see SURVEY_RESULTS)."""
    questions = survey["questions"]
    questions = json.loads(questions) if isinstance(questions, str) else questions
    texts = [q["text"] for q in questions]
    rating_questions = [n for n, q in enumerate(questions) if q["kind"] == "RATING"]
    totals = {n: RatingTally() for n in rating_questions}
    parts = []
    households = responding = 0
    for row in rows:
        raw = json.loads(row["ratings"]) if isinstance(row["ratings"], str) else row["ratings"]
        tallies = {n: RatingTally() for n in rating_questions}
        for r in raw:
            tallies[r["question"]] = RatingTally(
                int(r["count"]), int(r["sum"]), int(r["satisfied"])
            )
        for n, tally in tallies.items():
            totals[n] = totals[n] + tally
        households += row["households"]
        responding += row["responding"]
        parts.append(
            CommunitySurveyResult(
                community_id=strawberry.ID(str(row["community_id"])),
                community_name=row["community_name"],
                figures=_figures(row["households"], row["responding"], texts, tallies),
            )
        )
    return SurveyResults(
        survey_id=strawberry.ID(str(survey["id"])),
        title=survey["title"],
        company_id=strawberry.ID(str(survey["company_id"])) if survey["company_id"] else None,
        total=_figures(households, responding, texts, totals),
        communities=parts,
    )


@strawberry.type
class ParticipationQueries:
    @strawberry.field(description="满意度调查 surveys of a community, newest first")
    @lookup
    async def surveys(
        self,
        info: Info[Context, None],
        community_id: CommunityArg,
        first: int = 20,
        after: str | None = None,
    ) -> SurveysResult:
        params = Params([UUID(community_id)])
        conditions = [
            "EXISTS (SELECT 1 FROM survey_communities x WHERE x.survey_id = s.id "
            "AND x.community_id = $1)",
            survey_scope(info.context, params),
        ]
        rows, page_info = await keyset_page(
            info.context.pool,
            SURVEY_SELECT,
            conditions,
            params,
            NEWEST_SURVEY,
            first,
            after,
            descending=True,
        )
        return SurveyConnection(surveys=[survey_from_row(r) for r in rows], page_info=page_info)

    @strawberry.field(
        description="满意度调查结果: response rate, mean rating per question and overall "
        "satisfaction, per community and in total"
    )
    @lookup
    async def survey_results(self, info: Info[Context, None], id: SurveyArg) -> SurveyResultsResult:
        survey = await fetch_survey(info.context, UUID(id))
        if survey is None:
            return NotFound(field="id", message="no survey with this id that you may see")
        rows = await info.context.pool.fetch(SURVEY_RESULTS, survey["id"])
        return survey_results(survey, rows)

    @strawberry.field(description="积分账户 of a household with its ledger, newest first")
    @lookup
    async def points_account(
        self,
        info: Info[Context, None],
        unit_id: UnitArg,
        first: int = 20,
        after: str | None = None,
    ) -> PointsAccountResult:
        context, unit = info.context, UUID(unit_id)
        community = await context.pool.fetchval(
            "SELECT community_id FROM units WHERE id = $1", unit
        )
        target = replace(await community_target(context, community), unit_id=unit)
        if not allowed(context.principal, Action.READ_POINTS, target):
            return forbidden(Action.READ_POINTS.value)
        account = await fetch_points_account(context, unit, first, after)
        assert account is not None  # the unit exists: lookup found it
        return account

    @strawberry.field(description="积分兑换 the reward catalogue of a community, by name")
    @lookup
    async def rewards(
        self,
        info: Info[Context, None],
        community_id: CommunityArg,
        first: int = 20,
        after: str | None = None,
        in_stock_only: bool = False,
    ) -> RewardsResult:
        params = Params([UUID(community_id)])
        conditions = ["r.community_id = $1", community_scope(info.context.principal, "c", params)]
        if in_stock_only:
            conditions.append("r.stock > 0")
        rows, page_info = await page_by_name(
            info.context.pool, REWARD_SELECT, "r", conditions, params, first, after
        )
        return RewardConnection(rewards=[reward_from_row(r) for r in rows], page_info=page_info)
