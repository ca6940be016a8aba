"""GraphQL types of 满意度调查 surveys and their results, 积分 points accounts with their
ledger, and 积分兑换 rewards."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from gongzhi.domain.points import PointsRule
from gongzhi.domain.survey import QuestionKind
from gongzhi.graphql.errors import Forbidden, NotFound, ValidationError
from gongzhi.graphql.pagination import PageInfo


@strawberry.type(description="A survey question; options for a single choice")
class SurveyQuestion:
    text: str
    kind: QuestionKind
    options: list[str]


@strawberry.type(description="满意度调查 a questionnaire of one community, or of a company")
class Survey:
    id: strawberry.ID
    title: str
    community_ids: list[strawberry.ID]
    company_id: strawberry.ID | None
    questions: list[SurveyQuestion]
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    response_count: int = strawberry.field(description="Households that answered")
    version: int


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def survey_from_row(row: Any) -> Survey:
    return Survey(
        id=strawberry.ID(str(row["id"])),
        title=row["title"],
        community_ids=[strawberry.ID(str(c)) for c in row["community_ids"]],
        company_id=strawberry.ID(str(row["company_id"])) if row["company_id"] else None,
        questions=[
            SurveyQuestion(text=q["text"], kind=QuestionKind(q["kind"]), options=q["options"])
            for q in _json(row["questions"])
        ],
        opens_at=row["opens_at"],
        closes_at=row["closes_at"],
        response_count=row["response_count"],
        version=row["version"],
    )


@strawberry.type(description="Ratings of one 1–5 question")
class QuestionResult:
    question: int = strawberry.field(description="Question number, from 0")
    text: str
    rating_count: int
    rating_sum: int
    satisfied_count: int = strawberry.field(description="Ratings of 4 or 5")
    mean_rating: Decimal | None = strawberry.field(description="ratingSum ÷ ratingCount, 0.01")
    satisfaction_percentage: Decimal | None = strawberry.field(
        description="satisfiedCount ÷ ratingCount × 100, to the hundredth (half up)"
    )


@strawberry.type(description="满意度 results over a set of households")
class SatisfactionFigures:
    households: int = strawberry.field(description="Active units (户) asked")
    responding_households: int
    response_rate_percentage: Decimal | None = strawberry.field(
        description="responding ÷ households × 100, to the hundredth (half up)"
    )
    questions: list[QuestionResult]
    overall_satisfaction_percentage: Decimal | None = strawberry.field(
        description="Ratings ≥ 4 ÷ all ratings × 100 over every rating question"
    )


@strawberry.type(description="One community's part of a survey's results")
class CommunitySurveyResult:
    community_id: strawberry.ID
    community_name: str
    figures: SatisfactionFigures


@strawberry.type(
    description="满意度调查结果: the survey's total (per company for a company "
    "survey) and each community's"
)
class SurveyResults:
    survey_id: strawberry.ID
    title: str
    company_id: strawberry.ID | None
    total: SatisfactionFigures
    communities: list[CommunitySurveyResult]


@strawberry.type(description="积分明细 one ledger entry; spending is negative")
class PointsEntry:
    version: int
    kind: str = strawberry.field(description="EARNED or SPENT")
    rule: PointsRule | None
    source_ref: str | None = strawberry.field(description="The vote, bill or survey it is for")
    rules_version: str | None
    reward_id: strawberry.ID | None
    reward_name: str | None
    quantity: int
    points: int
    balance_after: int
    at: datetime.datetime


@strawberry.type(description="积分账户 of a household (户), with its ledger newest first")
class PointsAccount:
    id: strawberry.ID = strawberry.field(description="The account's id, for history(id)")
    unit_id: strawberry.ID
    community_id: strawberry.ID
    balance: int
    earned: int
    spent: int
    version: int = strawberry.field(description="0 before the first earning")
    entries: list[PointsEntry]
    page_info: PageInfo


def entry_from_row(row: Any) -> PointsEntry:
    return PointsEntry(
        version=row["version"],
        kind=row["kind"],
        rule=PointsRule(row["rule"]) if row["rule"] else None,
        source_ref=row["source_ref"],
        rules_version=row["rules_version"],
        reward_id=strawberry.ID(str(row["reward_id"])) if row["reward_id"] else None,
        reward_name=row["reward_name"],
        quantity=row["quantity"],
        points=row["points"],
        balance_after=row["balance_after"],
        at=row["at"],
    )


@strawberry.type(description="积分兑换 a reward in a community's catalogue")
class Reward:
    id: strawberry.ID
    community_id: strawberry.ID
    name: str
    price_points: int
    stock: int
    redeemed: int
    version: int


def reward_from_row(row: Any) -> Reward:
    return Reward(
        id=strawberry.ID(str(row["id"])),
        community_id=strawberry.ID(str(row["community_id"])),
        name=row["name"],
        price_points=row["price_points"],
        stock=row["stock"],
        redeemed=row["redeemed"],
        version=row["version"],
    )


@strawberry.type
class SurveyPayload:
    survey: Survey | None
    position: str


@strawberry.type
class PointsPayload:
    account: PointsAccount | None
    awarded: bool = strawberry.field(description="False when this source had earned already")
    position: str


@strawberry.type
class RewardPayload:
    reward: Reward | None
    account: PointsAccount | None = strawberry.field(description="After a redemption")
    position: str


@strawberry.type
class SurveyConnection:
    surveys: list[Survey]
    page_info: PageInfo


@strawberry.type
class RewardConnection:
    rewards: list[Reward]
    page_info: PageInfo


SurveysResult = Annotated[
    SurveyConnection | ValidationError | NotFound, strawberry.union("SurveysResult")
]
SurveyResultsResult = Annotated[
    SurveyResults | ValidationError | NotFound, strawberry.union("SurveyResultsResult")
]
PointsAccountResult = Annotated[
    PointsAccount | ValidationError | NotFound | Forbidden,
    strawberry.union("PointsAccountResult"),
]
RewardsResult = Annotated[
    RewardConnection | ValidationError | NotFound, strawberry.union("RewardsResult")
]
