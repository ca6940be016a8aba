"""Reading committees: one term by id, a community's terms, and district coverage."""

from __future__ import annotations

import datetime
import json
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.base import business_today
from gongzhi.graphql.committees.types import (
    CommitteeCoverage,
    CommitteeCoverageResult,
    CommitteeList,
    CommitteeLookup,
    CommitteesResult,
    UncoveredCommunity,
    committee_from_row,
)
from gongzhi.graphql.context import Context
from gongzhi.graphql.params import Params
from gongzhi.graphql.permissions import Action, Target, community_scope
from gongzhi.graphql.personal_data import opener_for
from gongzhi.graphql.reading import CommitteeArg, CommunityArg, found, lookup, require
from gongzhi.projections.committees import COMMITTEE_COVERAGE, COMMITTEE_SELECT


async def fetch_committee(context: Context, committee_id: UUID) -> Any:
    """The term's row if it exists and the principal may see its community, else None."""
    params = Params([committee_id])
    scope = community_scope(context.principal, "c", params)
    return await context.pool.fetchrow(f"{COMMITTEE_SELECT} WHERE k.id = $1 AND {scope}", *params)


@strawberry.type
class CommitteeQueries:
    @strawberry.field(description="业委会/物管会 one committee term you may see, by id")
    @lookup
    async def committee(self, info: Info[Context, None], id: CommitteeArg) -> CommitteeLookup:
        row = found(await fetch_committee(info.context, UUID(id)), "committee")
        return committee_from_row(row, business_today(), await opener_for(info.context, row))

    @strawberry.field(description="A community's committee terms (业委会/物管会), newest first")
    @lookup
    async def committees(
        self, info: Info[Context, None], community_id: CommunityArg
    ) -> CommitteesResult:
        params = Params([UUID(community_id)])
        scope = community_scope(info.context.principal, "c", params)
        rows = await info.context.pool.fetch(
            f"{COMMITTEE_SELECT} WHERE k.community_id = $1 AND {scope} ORDER BY k.term_number DESC",
            *params,
        )
        today, opened = business_today(), await opener_for(info.context, *rows)
        return CommitteeList(committees=[committee_from_row(row, today, opened) for row in rows])

    @strawberry.field(
        description="业委会（物管会）覆盖率 of a district on a date (today if omitted); "
        "regulators of the district and admins"
    )
    @lookup
    async def committee_coverage(
        self, info: Info[Context, None], district: str, as_of: datetime.date | None = None
    ) -> CommitteeCoverageResult:
        context = info.context
        require(context.principal, Action.READ_DISTRICT_STATISTICS, Target(district=district))
        day = as_of or business_today()
        row = await context.pool.fetchrow(COMMITTEE_COVERAGE, district, day)
        uncovered = row["uncovered"]
        if isinstance(uncovered, str):
            uncovered = json.loads(uncovered)
        return CommitteeCoverage(
            district=district,
            as_of=day,
            total=row["total"],
            covered=row["covered"],
            percentage=row["percentage"],
            uncovered=[
                UncoveredCommunity(id=strawberry.ID(c["id"]), name=c["name"]) for c in uncovered
            ],
        )
