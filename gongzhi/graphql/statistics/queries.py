"""Live district figures from the views, and the dated snapshots the worker keeps."""

from __future__ import annotations

import datetime
import json

import strawberry
from strawberry.types import Info

from gongzhi.application.base import business_today
from gongzhi.domain.values import ManagementMode
from gongzhi.graphql.context import Context
from gongzhi.graphql.errors import Refused, invalid
from gongzhi.graphql.permissions import Action, Target
from gongzhi.graphql.reading import lookup, require
from gongzhi.graphql.statistics.types import (
    DistrictSnapshots,
    DistrictSnapshotsResult,
    DistrictStatistics,
    DistrictStatisticsResult,
    ModeCount,
)
from gongzhi.projections.statistics import DISTRICT_MODE_COUNTS

MAX_SNAPSHOTS = 366


def _figures(
    district: str,
    as_of: datetime.date,
    counts: dict[str, int],
    computed_at: datetime.datetime | None,
) -> DistrictStatistics:
    return DistrictStatistics(
        district=district,
        as_of=as_of,
        total=sum(counts.values()),
        unmanaged=counts.get(ManagementMode.NONE.value, 0),
        by_mode=[
            ModeCount(mode=mode, communities=counts.get(mode.value, 0)) for mode in ManagementMode
        ],
        computed_at=computed_at,
    )


async def _require_reader(context: Context, district: str) -> None:
    """Refused (Forbidden) unless the principal may read the district's figures, and
    (ValidationError) for a district no community was ever registered in: its zeros would
    read as figures (a misspelt or unknown name)."""
    require(context.principal, Action.READ_DISTRICT_STATISTICS, Target(district=district))
    known = await context.pool.fetchval(
        "SELECT EXISTS (SELECT 1 FROM communities WHERE district = $1)", district
    )
    if not known:
        raise Refused(invalid("district", "unknown district: no community is registered in it"))


@strawberry.type
class StatisticsQueries:
    @strawberry.field(
        description="区县统计: communities per management mode on a date (today if omitted)"
    )
    @lookup
    async def district_statistics(
        self, info: Info[Context, None], district: str, as_of: datetime.date | None = None
    ) -> DistrictStatisticsResult:
        context = info.context
        await _require_reader(context, district)
        day = as_of or business_today()
        rows = await context.pool.fetch(DISTRICT_MODE_COUNTS, [district], day)
        counts = {row["mode"]: row["communities"] for row in rows}
        return _figures(district, day, counts, None)

    @strawberry.field(description="Dated snapshots the worker recorded, newest first")
    @lookup
    async def district_snapshots(
        self, info: Info[Context, None], district: str, first: int = 30
    ) -> DistrictSnapshotsResult:
        context = info.context
        await _require_reader(context, district)
        if not 1 <= first <= MAX_SNAPSHOTS:
            return invalid("first", f"must be between 1 and {MAX_SNAPSHOTS}")
        rows = await context.pool.fetch(
            "SELECT * FROM district_snapshots WHERE district = $1 ORDER BY as_of DESC LIMIT $2",
            district,
            first,
        )
        snapshots = []
        for row in rows:
            by_mode = row["by_mode"]
            counts = json.loads(by_mode) if isinstance(by_mode, str) else by_mode
            snapshots.append(_figures(district, row["as_of"], counts, row["computed_at"]))
        return DistrictSnapshots(snapshots=snapshots)
