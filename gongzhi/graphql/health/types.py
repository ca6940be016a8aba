"""GraphQL types of the 健康指数: an assessment with its components and flags, a ranking."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from gongzhi.domain.health import HealthConfig, RiskFlag
from gongzhi.graphql.errors import NotFound, ValidationError
from gongzhi.graphql.pagination import PageInfo


@strawberry.type(description="A component of the index: its weight, score and the inputs used")
class HealthComponent:
    key: str
    label: str
    weight: int = strawberry.field(description="Of 100, by the configuration version")
    score: Decimal | None = strawberry.field(description="0–100; null when it had no data")
    counted: Decimal | None = strawberry.field(
        description="What the index counted: the score, or the configuration's missingScore "
        "when it had no data (null: left out, version 1)"
    )
    inputs: JSON = strawberry.field(description="The figures the score was computed from")


@strawberry.type(name="HealthAssessment", description="健康指数 of a community for a half-year")
class HealthAssessmentType:
    id: strawberry.ID
    community_id: strawberry.ID
    community_name: str
    district: str
    period: str
    config: str = strawberry.field(description="The weights' configuration, name/version")
    health_index: Decimal | None = strawberry.field(
        description="0–100, the weighted mean of the components with data"
    )
    coverage: int = strawberry.field(
        description="Weight (of 100) of the components with data, shown beside the index"
    )
    rankable: bool = strawberry.field(
        description="Coverage reaches the configuration's minCoverage: the assessment is ranked"
    )
    components: list[HealthComponent]
    flags: list[RiskFlag]
    as_of: datetime.date = strawberry.field(description="The day the states were read for")
    revision: int
    rank: int | None = strawberry.field(description="In the district for the period, 1 is best")
    ranked: int = strawberry.field(description="Communities assessed in the district")
    previous_index: Decimal | None = strawberry.field(description="The previous half-year's")
    trend: Decimal | None = strawberry.field(description="health index − previous index")


@strawberry.type
class HealthAssessmentEdge:
    cursor: str
    node: HealthAssessmentType


@strawberry.type(description="半年度健康指数排名 of a district: best first, with summary")
class HealthRanking:
    district: str
    period: str
    config: str
    communities: int = strawberry.field(description="Communities assessed in the district")
    mean_index: Decimal | None
    flagged: int = strawberry.field(description="Communities with at least one risk flag")
    edges: list[HealthAssessmentEdge]
    page_info: PageInfo


@strawberry.type(name="HealthConfig", description="健康指数权重: a versioned weighting")
class HealthConfigType:
    name: str
    version: int
    weights: JSON
    missing_score: int | None = strawberry.field(
        description="The score a component without data counts at; null: left out and the "
        "other weights scaled up (version 1)"
    )
    min_coverage: int = strawberry.field(description="The coverage an assessment needs to rank")


# Named HealthRunPayload in Python so that its result union keeps the name HealthRunResult.
@strawberry.type(
    name="HealthRunRequested",
    description="The district's run was requested; the worker assesses each community",
)
class HealthRunPayload:
    district: str
    period: str
    config: str
    position: str


def assessment_from_row(row: Any) -> HealthAssessmentType:
    components = row["components"]
    if isinstance(components, str):
        components = json.loads(components)
    flags = row["flags"]
    if isinstance(flags, str):
        flags = json.loads(flags)
    index, previous = row["health_index"], row["previous_index"]
    return HealthAssessmentType(
        id=strawberry.ID(str(row["id"])),
        community_id=strawberry.ID(str(row["community_id"])),
        community_name=row["community_name"],
        district=row["district"],
        period=row["period"],
        config=f"{row['config_name']}/{row['config_version']}",
        health_index=index,
        coverage=row["coverage"],
        components=[
            HealthComponent(
                key=c["key"],
                label=c["label"],
                weight=c["weight"],
                score=None if c["score"] is None else Decimal(c["score"]),
                counted=None if c.get("counted") is None else Decimal(c["counted"]),
                inputs=c["inputs"],
            )
            for c in components
        ],
        flags=[RiskFlag(flag) for flag in flags],
        as_of=row["as_of"],
        revision=row["revision"],
        rankable=row["rankable"],
        rank=row["rank"] if row["rankable"] else None,
        ranked=row["ranked"],
        previous_index=previous,
        trend=None if index is None or previous is None else index - previous,
    )


def config_type(config: HealthConfig) -> HealthConfigType:
    weights: Any = dict(config.weights)
    return HealthConfigType(
        name=config.name,
        version=config.version,
        weights=weights,
        missing_score=config.missing_score,
        min_coverage=config.min_coverage,
    )


HealthAssessmentLookup = Annotated[
    HealthAssessmentType | NotFound | ValidationError,
    strawberry.union("HealthAssessmentLookup"),
]
HealthRankingResult = Annotated[
    HealthRanking | ValidationError, strawberry.union("HealthRankingResult")
]
