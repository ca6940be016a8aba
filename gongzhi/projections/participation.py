"""Read model of 满意度调查 surveys (with each household's answers) and of 积分 points:
accounts, their ledger entry by entry, and the communities' reward catalogues."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import singledispatch
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection

from gongzhi.domain.points import PointsAccount
from gongzhi.domain.reward import Reward
from gongzhi.domain.survey import SATISFIED_FROM, Survey, SurveyResponse
from gongzhi.projections.engagement import per_hundred
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import (
    ADD,
    CHANGE,
    CREATE,
    Op,
    event_insert,
    event_update,
    insert_statement,
    project_events,
    update_statement,
)

surveys = Table(
    "surveys",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("title", Text, nullable=False),
    Column("company_id", Uuid, index=True),
    Column("questions", JSONB, nullable=False),
    Column("opens_at", DateTime(timezone=True), nullable=False),
    Column("closes_at", DateTime(timezone=True), nullable=False),
    Column("response_count", Integer, nullable=False, server_default="0"),
    Column("version", Integer, nullable=False),
)

survey_communities = Table(
    "survey_communities",
    metadata,
    Column("survey_id", Uuid, primary_key=True),
    Column("community_id", Uuid, primary_key=True),
    Index("survey_communities_community", "community_id"),
)

survey_answers = Table(
    "survey_answers",
    metadata,
    Column("survey_id", Uuid, primary_key=True),
    Column("unit_id", Uuid, primary_key=True),
    Column("question", Integer, primary_key=True),
    Column("community_id", Uuid, nullable=False),
    Column("rating", SmallInteger),
    Column("choice", Text),
    Column("text", Text),
)

survey_responses = Table(
    "survey_responses",
    metadata,
    Column("survey_id", Uuid, primary_key=True),
    Column("unit_id", Uuid, primary_key=True),
    Column("id", Uuid, nullable=False, unique=True),  # the response aggregate
    Column("community_id", Uuid, nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Index("survey_responses_community", "community_id", "submitted_at"),
)

points_accounts = Table(
    "points_accounts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("unit_id", Uuid, nullable=False, unique=True),
    Column("community_id", Uuid, nullable=False, index=True),
    Column("balance", Integer, nullable=False),
    Column("earned", Integer, nullable=False),
    Column("spent", Integer, nullable=False),
    Column("version", Integer, nullable=False),
)

points_ledger = Table(
    "points_ledger",
    metadata,
    Column("account_id", Uuid, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("kind", String(10), nullable=False),  # EARNED / SPENT
    Column("rule", String(30)),
    Column("source_ref", Text),
    Column("rules_version", String(20)),
    Column("reward_id", Uuid),
    Column("reward_name", Text),
    Column("quantity", Integer, nullable=False),
    Column("points", Integer, nullable=False),  # signed: spending is negative
    Column("at", DateTime(timezone=True), nullable=False),
)

rewards = Table(
    "rewards",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_id", Uuid, nullable=False),
    Column("name", Text, nullable=False),
    Column("price_points", Integer, nullable=False),
    Column("stock", Integer, nullable=False),
    Column("redeemed", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Index("rewards_community", "community_id", "name", "id"),
)

PARTICIPATION_TABLES = (
    surveys,
    survey_communities,
    survey_responses,
    survey_answers,
    points_accounts,
    points_ledger,
    rewards,
)

# Surveys, points accounts and rewards take their events' fields by name (``event_insert``/
# ``event_update``); responses, entries and moves are mapped by their handlers.
INSERT_SURVEY = event_insert(
    "insert survey", CREATE, surveys, Survey.Created, constants={"response_count": 0}
)
INSERT_SURVEY_COMMUNITY = insert_statement("insert survey community", ADD, survey_communities)
CLOSE_SURVEY = event_update(
    "close survey early", CHANGE, surveys, Survey.ClosedEarly, renamed={"closes_at": "closed_at"}
)
INSERT_RESPONSE = insert_statement(
    "insert survey response", ADD, survey_responses, after=(INSERT_SURVEY_COMMUNITY,)
)
INSERT_ANSWER = insert_statement(
    "insert survey answer", ADD, survey_answers, after=(INSERT_RESPONSE,)
)
COUNT_RESPONSE = update_statement(
    "count survey response",
    CHANGE,
    surveys,
    key=("id", "k_id"),
    add={"response_count": "one"},
    after=(CLOSE_SURVEY,),
)
INSERT_ACCOUNT = event_insert(
    "insert points account",
    CREATE,
    points_accounts,
    PointsAccount.Opened,
    constants={"balance": 0, "earned": 0, "spent": 0},
)
INSERT_ENTRY = insert_statement("insert points entry", ADD, points_ledger)
MOVE_POINTS = update_statement(
    "move points",
    CHANGE,
    points_accounts,
    key=("id", "k_id"),
    assign={"version": "version"},
    add={"balance": "delta", "earned": "earned", "spent": "spent"},
)
INSERT_REWARD = event_insert(
    "insert reward", CREATE, rewards, Reward.Added, constants={"redeemed": 0}
)
MOVE_STOCK = update_statement(
    "move reward stock",
    CHANGE,
    rewards,
    key=("id", "k_id"),
    assign={"version": "version"},
    add={"stock": "stock", "redeemed": "redeemed"},
)


@singledispatch
def participation_ops(event: Any) -> list[Op]:
    return []


@participation_ops.register
def _(event: Survey.Created) -> list[Op]:
    links = [
        Op(INSERT_SURVEY_COMMUNITY, {"survey_id": event.originator_id, "community_id": c})
        for c in event.community_ids
    ]
    return [INSERT_SURVEY.op(event), *links]


@participation_ops.register
def _(event: SurveyResponse.Submitted) -> list[Op]:
    key = {
        "survey_id": event.survey_id,
        "unit_id": event.unit_id,
        "community_id": event.community_id,
    }
    answers = [
        Op(
            INSERT_ANSWER,
            {
                **key,
                "question": a["question"],
                "rating": a["rating"],
                "choice": a["choice"],
                "text": a["text"],
            },
        )
        for a in event.answers
    ]
    return [
        Op(INSERT_RESPONSE, {**key, "id": event.originator_id, "submitted_at": event.submitted_at}),
        *answers,
        Op(COUNT_RESPONSE, {"k_id": event.survey_id, "one": 1}),
    ]


project_events(participation_ops, CLOSE_SURVEY, INSERT_ACCOUNT, INSERT_REWARD)


def _entry(event: Any, **fields: Any) -> Op:
    row = {
        "account_id": event.originator_id,
        "version": event.originator_version,
        "rule": None,
        "source_ref": None,
        "rules_version": None,
        "reward_id": None,
        "reward_name": None,
        **fields,
    }
    return Op(INSERT_ENTRY, row)


@participation_ops.register
def _(event: PointsAccount.Earned) -> list[Op]:
    move = {
        "k_id": event.originator_id,
        "delta": event.points,
        "earned": event.points,
        "spent": 0,
        "version": event.originator_version,
    }
    return [
        _entry(
            event,
            kind="EARNED",
            rule=event.rule,
            source_ref=event.source_ref,
            rules_version=event.rules_version,
            quantity=event.quantity,
            points=event.points,
            at=event.earned_at,
        ),
        Op(MOVE_POINTS, move),
    ]


@participation_ops.register
def _(event: PointsAccount.Spent) -> list[Op]:
    move = {
        "k_id": event.originator_id,
        "delta": -event.points,
        "earned": 0,
        "spent": event.points,
        "version": event.originator_version,
    }
    return [
        _entry(
            event,
            kind="SPENT",
            reward_id=event.reward_id,
            reward_name=event.reward_name,
            quantity=event.quantity,
            points=-event.points,
            at=event.spent_at,
        ),
        Op(MOVE_POINTS, move),
    ]


@participation_ops.register
def _(event: Reward.Restocked) -> list[Op]:
    return [
        Op(
            MOVE_STOCK,
            {
                "k_id": event.originator_id,
                "stock": event.quantity,
                "redeemed": 0,
                "version": event.originator_version,
            },
        )
    ]


@participation_ops.register
def _(event: Reward.Redeemed) -> list[Op]:
    return [
        Op(
            MOVE_STOCK,
            {
                "k_id": event.originator_id,
                "stock": -event.quantity,
                "redeemed": event.quantity,
                "version": event.originator_version,
            },
        )
    ]


# --- Survey results ----------------------------------------------------------------------

# $1 survey. Per community: households (active units), responding households, and per
# rating question the count, sum and count of ratings ≥ 4; Python turns them into exact
# Decimals, so no rounding happens in SQL.
SURVEY_RESULTS = f"""
SELECT sc.community_id, c.name AS community_name,
  (SELECT count(*) FROM units u WHERE u.community_id = sc.community_id AND NOT u.retired)::int
    AS households,
  (SELECT count(*) FROM survey_responses r
    WHERE r.survey_id = $1 AND r.community_id = sc.community_id)::int AS responding,
  COALESCE((SELECT jsonb_agg(jsonb_build_object(
      'question', a.question, 'count', a.n, 'sum', a.total, 'satisfied', a.satisfied)
      ORDER BY a.question)
    FROM (SELECT question, count(*) AS n, sum(rating) AS total,
                 count(*) FILTER (WHERE rating >= {SATISFIED_FROM}) AS satisfied
          FROM survey_answers WHERE survey_id = $1 AND community_id = sc.community_id
            AND rating IS NOT NULL GROUP BY question) a), '[]'::jsonb) AS ratings
FROM survey_communities sc JOIN communities c ON c.id = sc.community_id
WHERE sc.survey_id = $1
ORDER BY c.name, sc.community_id"""


# Per survey of a company: the rating answers of responses submitted in [:since, :until) and
# how many of them are satisfied (≥ SATISFIED_FROM), for credit evaluation's 满意度.
_COMPANY_SATISFACTION = text(f"""
SELECT s.id AS survey_id, s.title, count(DISTINCT r.unit_id)::int AS responses,
       count(a.rating)::int AS ratings,
       count(a.rating) FILTER (WHERE a.rating >= {SATISFIED_FROM})::int AS satisfied
FROM surveys s
JOIN survey_responses r ON r.survey_id = s.id
JOIN survey_answers a ON a.survey_id = r.survey_id AND a.unit_id = r.unit_id
WHERE s.company_id = :company AND r.submitted_at >= :since AND r.submitted_at < :until
  AND a.rating IS NOT NULL
GROUP BY s.id, s.title
ORDER BY s.title, s.id""")


@dataclass(frozen=True)
class SatisfactionFigures:
    """满意度 of one survey's rating answers: how many, how many satisfied (4 or 5)."""

    survey_id: UUID
    title: str
    responses: int
    ratings: int
    satisfied: int

    @property
    def satisfied_percentage(self) -> Decimal | None:
        return per_hundred(self.satisfied, self.ratings)


def company_satisfaction_figures(
    conn: Connection, company_id: UUID, since: datetime, until: datetime
) -> list[SatisfactionFigures]:
    """The company's surveys (``surveys.company_id``) with ratings submitted in [since,
    until), for workers on a SQLAlchemy connection."""
    params = {"company": company_id, "since": since, "until": until}
    return [
        SatisfactionFigures(row.survey_id, row.title, row.responses, row.ratings, row.satisfied)
        for row in conn.execute(_COMPANY_SATISFACTION, params)
    ]
