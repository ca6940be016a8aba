"""Reading complaints (投诉), disputes (矛盾纠纷) and a community's dispute figures."""

from __future__ import annotations

import datetime
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.domain.complaint import ComplaintStatus
from gongzhi.graphql.auth import Principal, Role
from gongzhi.graphql.context import Context, query_id
from gongzhi.graphql.engagement.paging import page_newest
from gongzhi.graphql.engagement.types import (
    ComplaintConnection,
    ComplaintsResult,
    ComplaintStatusType,
    DisputeConnection,
    DisputesResult,
    DisputeStatistics,
    DisputeStatisticsResult,
    complaint_from_row,
    dispute_from_row,
)
from gongzhi.graphql.errors import NotFound, Refused, invalid
from gongzhi.graphql.permissions import community_scope
from gongzhi.projections.engagement import DISPUTE_FIGURES, per_hundred

COMPLAINT_SELECT = "SELECT k.* FROM complaints k JOIN communities c ON c.id = k.community_id"
DISPUTE_SELECT = """SELECT d.*, COALESCE((
    SELECT jsonb_agg(jsonb_build_object('held_on', s.held_on, 'mediator', s.mediator,
                     'attendees', s.attendees, 'notes', s.notes) ORDER BY s.version)
    FROM mediation_sessions s WHERE s.dispute_id = d.id), '[]'::jsonb) AS sessions
FROM disputes d JOIN communities c ON c.id = d.community_id"""


def complaint_scope(principal: Principal, params: list[object]) -> str:
    """Complaints a principal sees (``k`` complaints, ``c`` their communities): staff those
    against their company, residents their units' own, the others by community."""
    match principal.role:
        case Role.COMPANY_STAFF:
            params.append(principal.company_id)
            return f"k.company_id = ${len(params)}::uuid"
        case Role.RESIDENT:
            params.append(list(principal.unit_ids))
            return f"k.unit_id = ANY(${len(params)}::uuid[])"
    return community_scope(principal, "c", params)


def dispute_scope(principal: Principal, params: list[object]) -> str:
    """Disputes are the community's stewards' business: regulators and the committee."""
    if principal.role in {Role.COMPANY_STAFF, Role.RESIDENT}:
        return "FALSE"
    return community_scope(principal, "c", params)


async def fetch_complaint(context: Context, complaint_id: UUID) -> object:
    params: list[object] = [complaint_id]
    scope = complaint_scope(context.principal, params)
    return await context.pool.fetchrow(f"{COMPLAINT_SELECT} WHERE k.id = $1 AND {scope}", *params)


async def fetch_dispute(context: Context, dispute_id: UUID) -> object:
    params: list[object] = [dispute_id]
    scope = dispute_scope(context.principal, params)
    return await context.pool.fetchrow(f"{DISPUTE_SELECT} WHERE d.id = $1 AND {scope}", *params)


async def visible_community(context: Context, community_id: UUID, disputes: bool = False) -> bool:
    """Whether the principal sees the community (for disputes: among its stewards)."""
    params: list[object] = [community_id]
    if disputes:
        scope = dispute_scope(context.principal, params)
    else:
        scope = community_scope(context.principal, "c", params)
    found = await context.pool.fetchval(
        f"SELECT 1 FROM communities c WHERE c.id = $1 AND {scope}", *params
    )
    return bool(found)


def hidden(field: str) -> NotFound:
    return NotFound(field=field, message="no such community that you may see")


@strawberry.type
class EngagementQueries:
    @strawberry.field(
        description="投诉 complaints you may see, newest first; filter by community or the "
        "company complained about, status and filing time [filedFrom, filedUntil)"
    )
    async def complaints(
        self,
        info: Info[Context, None],
        community_id: strawberry.ID | None = None,
        company_id: strawberry.ID | None = None,
        status: ComplaintStatusType | None = None,  # type: ignore[valid-type]
        filed_from: datetime.datetime | None = None,
        filed_until: datetime.datetime | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> ComplaintsResult:
        context = info.context
        params: list[object] = []
        conditions = [complaint_scope(context.principal, params)]
        try:
            if community_id is not None:
                params.append(query_id(community_id, "communityId"))
                conditions.append(f"k.community_id = ${len(params)}")
            if company_id is not None:
                params.append(query_id(company_id, "companyId"))
                conditions.append(f"k.company_id = ${len(params)}")
            if status is not None:
                params.append(ComplaintStatus(status).value)
                conditions.append(f"k.status = ${len(params)}")
            for value, op, name in (
                (filed_from, ">=", "filedFrom"),
                (filed_until, "<", "filedUntil"),
            ):
                if value is not None:
                    if value.tzinfo is None:
                        raise Refused(invalid(name, "must include a time zone offset"))
                    params.append(value)
                    conditions.append(f"k.filed_at {op} ${len(params)}")
            rows, page_info = await page_newest(
                context.pool,
                COMPLAINT_SELECT,
                ("k.filed_at", "k.id", "timestamptz"),
                conditions,
                params,
                first,
                after,
            )
        except Refused as refused:
            return refused.problem  # type: ignore[return-value]
        return ComplaintConnection(
            complaints=[complaint_from_row(r) for r in rows], page_info=page_info
        )

    @strawberry.field(description="矛盾纠纷 disputes of a community, newest first")
    async def disputes(
        self,
        info: Info[Context, None],
        community_id: strawberry.ID,
        open_only: bool = False,
        first: int = 20,
        after: str | None = None,
    ) -> DisputesResult:
        context = info.context
        try:
            community = query_id(community_id, "communityId")
            if not await visible_community(context, community, disputes=True):
                return hidden("communityId")
            conditions = ["d.community_id = $1"]
            if open_only:
                conditions.append("d.status = 'OPEN'")
            rows, page_info = await page_newest(
                context.pool,
                DISPUTE_SELECT,
                ("d.opened_on", "d.id", "date"),
                conditions,
                [community],
                first,
                after,
            )
        except Refused as refused:
            return refused.problem  # type: ignore[return-value]
        return DisputeConnection(disputes=[dispute_from_row(r) for r in rows], page_info=page_info)

    @strawberry.field(
        description="矛盾纠纷统计: disputes opened in [from, until) and how many were "
        "resolved by mediation"
    )
    async def dispute_statistics(
        self,
        info: Info[Context, None],
        community_id: strawberry.ID,
        opened_from: datetime.date,
        opened_until: datetime.date,
    ) -> DisputeStatisticsResult:
        context = info.context
        try:
            community = query_id(community_id, "communityId")
        except Refused as refused:
            return refused.problem  # type: ignore[return-value]
        if opened_until <= opened_from:
            return invalid("openedUntil", "must be after openedFrom")
        if not await visible_community(context, community, disputes=True):
            return hidden("communityId")
        row = await context.pool.fetchrow(DISPUTE_FIGURES, community, opened_from, opened_until)
        return DisputeStatistics(
            community_id=community_id,
            opened=row["opened"],
            resolved_by_mediation=row["mediated"],
            closed=row["closed"],
            resolved_percentage=per_hundred(row["mediated"], row["opened"]),
        )
