"""District statistics (区县统计): communities per management mode, unmanaged communities."""

from __future__ import annotations

import datetime
from typing import Annotated

import strawberry

from gongzhi.graphql.communities.types import ManagementMode
from gongzhi.graphql.errors import Forbidden, ValidationError


@strawberry.type
class ModeCount:
    mode: ManagementMode
    communities: int


@strawberry.type(description="Communities of a district as of a date, by 管理模式")
class DistrictStatistics:
    district: str
    as_of: datetime.date
    total: int
    unmanaged: int = strawberry.field(description="无物业小区: no management recorded, or NONE")
    by_mode: list[ModeCount]
    computed_at: datetime.datetime | None = strawberry.field(
        description="For a snapshot: when the worker computed it; null for live figures"
    )


@strawberry.type
class DistrictSnapshots:
    snapshots: list[DistrictStatistics]


DistrictStatisticsResult = Annotated[
    DistrictStatistics | Forbidden | ValidationError, strawberry.union("DistrictStatisticsResult")
]
DistrictSnapshotsResult = Annotated[
    DistrictSnapshots | Forbidden | ValidationError, strawberry.union("DistrictSnapshotsResult")
]
