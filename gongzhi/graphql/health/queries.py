"""Reading the 健康指数: a district's half-yearly ranking with the trend and risk flags, one
community's assessment with every component's inputs, and the weights' configurations.

Ranks are computed over every assessed community of the district; each reader then sees
the rows of the communities in scope (a committee or a resident sees its own community's
place in the district's ranking)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.domain.credit_rules import Period
from gongzhi.domain.errors import InvalidValue
from gongzhi.domain.health import (
    HEALTH_CONFIGS,
    HealthConfig,
    half_year,
    health_config,
    previous_half_year,
)
from gongzhi.graphql.context import Context
from gongzhi.graphql.errors import NotFound, Refused, invalid
from gongzhi.graphql.health.types import (
    HealthAssessmentEdge,
    HealthAssessmentLookup,
    HealthConfigType,
    HealthRanking,
    HealthRankingResult,
    assessment_from_row,
    config_type,
)
from gongzhi.graphql.pagination import Key, encode_cursor, keyset_page
from gongzhi.graphql.params import Params
from gongzhi.graphql.permissions import community_scope
from gongzhi.graphql.reading import CommunityArg, lookup

# $1 district, $2 period, $3 previous period, $4 config name, $5 config version, $6 the
# coverage a rank needs: the assessments below it follow the ranked ones, without a rank.
RANKED = """
WITH ranked AS (
  SELECT h.*, c.name AS community_name, p.health_index AS previous_index,
         (h.coverage >= $6 AND h.health_index IS NOT NULL) AS rankable,
         rank() OVER (ORDER BY (h.coverage >= $6 AND h.health_index IS NOT NULL) DESC,
                      h.health_index DESC NULLS LAST)::int AS rank,
         (count(*) FILTER (WHERE h.coverage >= $6 AND h.health_index IS NOT NULL) OVER ())::int
           AS ranked
  FROM health_assessments h JOIN communities c ON c.id = h.community_id
  LEFT JOIN health_assessments p ON p.community_id = h.community_id AND p.period = $3
       AND p.config_name = h.config_name AND p.config_version = h.config_version
  WHERE h.district = $1 AND h.period = $2 AND h.config_name = $4 AND h.config_version = $5
)
SELECT r.* FROM ranked r JOIN communities c ON c.id = r.community_id"""
BEST_FIRST = (Key("r.rank", "rank", "int"), Key("r.id", "id", "uuid"))


def _period_and_config(period: str, config: str | None) -> tuple[Period, HealthConfig]:
    try:
        return half_year(period), health_config(config)
    except InvalidValue as error:
        raise Refused(invalid(error.field, error.message)) from None


def _ranking_params(district: str, period: Period, config: HealthConfig) -> Params:
    return Params(
        [
            district,
            period.label,
            previous_half_year(period).label,
            config.name,
            config.version,
            config.min_coverage,
        ]
    )


@strawberry.type
class HealthQueries:
    @strawberry.field(
        description="半年度健康指数排名: a district's communities for a half-year (2026H1), best "
        "first, with the trend against the previous half-year and the risk flags; those whose "
        "coverage is below the configuration's minCoverage follow, without a rank"
    )
    @lookup
    async def health_ranking(
        self,
        info: Info[Context, None],
        district: str,
        period: str,
        config: str | None = None,
        flagged_only: bool = False,
        first: int = 20,
        after: str | None = None,
    ) -> HealthRankingResult:
        context = info.context
        parsed, weights = _period_and_config(period, config)
        params = _ranking_params(district.strip(), parsed, weights)
        conditions = [community_scope(context.principal, "c", params)]
        if flagged_only:
            conditions.append("jsonb_array_length(r.flags) > 0")
        rows, page_info = await keyset_page(
            context.pool, RANKED, conditions, params, BEST_FIRST, first, after
        )
        summary = await context.pool.fetchrow(
            "SELECT count(*)::int AS communities, avg(health_index) AS mean_index, "
            "count(*) FILTER (WHERE jsonb_array_length(flags) > 0)::int AS flagged "
            "FROM health_assessments WHERE district = $1 AND period = $2 "
            "AND config_name = $3 AND config_version = $4",
            district.strip(),
            parsed.label,
            weights.name,
            weights.version,
        )
        edges = [
            HealthAssessmentEdge(
                cursor=encode_cursor(row["rank"], row["id"]), node=assessment_from_row(row)
            )
            for row in rows
        ]
        mean = summary["mean_index"]
        return HealthRanking(
            district=district.strip(),
            period=parsed.label,
            config=weights.key,
            communities=summary["communities"],
            mean_index=None if mean is None else Decimal(mean).quantize(Decimal("0.1")),
            flagged=summary["flagged"],
            edges=edges,
            page_info=page_info,
        )

    @strawberry.field(description="健康指数 of one community for a half-year, with its rank")
    @lookup
    async def community_health(
        self,
        info: Info[Context, None],
        community_id: CommunityArg,
        period: str,
        config: str | None = None,
    ) -> HealthAssessmentLookup:
        context = info.context
        community = UUID(community_id)
        parsed, weights = _period_and_config(period, config)
        row = await _assessment(context, community, parsed, weights)
        if row is None:
            return NotFound(
                field="communityId",
                message=f"no health assessment of {community_id} for {parsed.label} you may see",
            )
        return assessment_from_row(row)

    @strawberry.field(description="健康指数权重: the configurations shipped, as data")
    def health_configs(self) -> list[HealthConfigType]:
        return [config_type(c) for _, c in sorted(HEALTH_CONFIGS.items())]


async def _assessment(
    context: Context, community: UUID, period: Period, config: HealthConfig
) -> Any:
    district = await context.pool.fetchval(
        "SELECT district FROM health_assessments WHERE community_id = $1 AND period = $2 "
        "AND config_name = $3 AND config_version = $4",
        community,
        period.label,
        config.name,
        config.version,
    )
    if district is None:
        return None
    params = _ranking_params(district, period, config)
    wanted = f"r.community_id = {params(community)}"
    scope = community_scope(context.principal, "c", params)
    return await context.pool.fetchrow(f"{RANKED} WHERE {wanted} AND {scope}", *params)
