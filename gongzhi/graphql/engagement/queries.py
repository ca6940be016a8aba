"""Reading complaints (投诉), disputes (矛盾纠纷) and a community's dispute figures."""

from __future__ import annotations

import datetime
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.domain.complaint import ComplaintStatus
from gongzhi.graphql.auth import Principal, Role
from gongzhi.graphql.context import Context
from gongzhi.graphql.engagement.types import (
    ComplaintConnection,
    ComplaintsResult,
    DisputeConnection,
    DisputesResult,
    DisputeStatistics,
    DisputeStatisticsResult,
    complaint_from_row,
    dispute_from_row,
)
from gongzhi.graphql.errors import NotFound, Refused, invalid
from gongzhi.graphql.pagination import Key, keyset_page
from gongzhi.graphql.params import Params
from gongzhi.graphql.permissions import community_scope
from gongzhi.graphql.personal_data import opener_for
from gongzhi.graphql.reading import CommunityArg, CompanyArg, lookup
from gongzhi.projections.engagement import DISPUTE_FIGURES, per_hundred

COMPLAINT_SELECT = "SELECT k.* FROM complaints k JOIN communities c ON c.id = k.community_id"
DISPUTE_SELECT = """SELECT d.*, COALESCE((
    SELECT jsonb_agg(jsonb_build_object('held_on', s.held_on, 'mediator', s.mediator,
                     'attendees', s.attendees, 'notes', s.notes) ORDER BY s.version)
    FROM mediation_sessions s WHERE s.dispute_id = d.id), '[]'::jsonb) AS sessions
FROM disputes d JOIN communities c ON c.id = d.community_id"""
# Newest first: by filing time (complaints) or opening day (disputes), then id.
NEWEST_COMPLAINT = (Key("k.filed_at", "filed_at", "timestamptz"), Key("k.id", "id", "uuid"))
NEWEST_DISPUTE = (Key("d.opened_on", "opened_on", "date"), Key("d.id", "id", "uuid"))


def complaint_scope(principal: Principal, params: Params) -> str:
    """Complaints a principal sees (``k`` complaints, ``c`` their communities): staff those
    against their company, residents their units' own, the others by community."""
    match principal.role:
        case Role.COMPANY_STAFF:
            return f"k.company_id = {params(principal.company_id, 'uuid')}"
        case Role.RESIDENT:
            return f"k.unit_id = ANY({params(list(principal.unit_ids), 'uuid[]')})"
    return community_scope(principal, "c", params)


def dispute_scope(principal: Principal, params: Params) -> str:
    """Disputes are the community's stewards' business: regulators and the committee."""
    if principal.role in {Role.COMPANY_STAFF, Role.RESIDENT}:
        return "FALSE"
    return community_scope(principal, "c", params)


def require_steward(principal: Principal) -> None:
    """Company staff and residents see no community's disputes: NotFound, as for a community
    outside their scope."""
    if principal.role in {Role.COMPANY_STAFF, Role.RESIDENT}:
        message = "no community with this id that you may see"
        raise Refused(NotFound(field="communityId", message=message))


async def fetch_complaint(context: Context, complaint_id: UUID) -> object:
    params = Params([complaint_id])
    scope = complaint_scope(context.principal, params)
    return await context.pool.fetchrow(f"{COMPLAINT_SELECT} WHERE k.id = $1 AND {scope}", *params)


async def fetch_dispute(context: Context, dispute_id: UUID) -> object:
    params = Params([dispute_id])
    scope = dispute_scope(context.principal, params)
    return await context.pool.fetchrow(f"{DISPUTE_SELECT} WHERE d.id = $1 AND {scope}", *params)


@strawberry.type
class EngagementQueries:
    @strawberry.field(
        description="投诉 complaints you may see, newest first; filter by community or the "
        "company complained about, status and filing time [filedFrom, filedUntil)"
    )
    @lookup
    async def complaints(
        self,
        info: Info[Context, None],
        community_id: CommunityArg | None = None,
        company_id: CompanyArg | None = None,
        status: ComplaintStatus | None = None,
        filed_from: datetime.datetime | None = None,
        filed_until: datetime.datetime | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> ComplaintsResult:
        params = Params()
        conditions = [complaint_scope(info.context.principal, params)]
        if community_id is not None:
            conditions.append(f"k.community_id = {params(UUID(community_id))}")
        if company_id is not None:
            conditions.append(f"k.company_id = {params(UUID(company_id))}")
        if status is not None:
            conditions.append(f"k.status = {params(status.value)}")
        for value, op, name in ((filed_from, ">=", "filedFrom"), (filed_until, "<", "filedUntil")):
            if value is not None:
                if value.tzinfo is None:
                    raise Refused(invalid(name, "must include a time zone offset"))
                conditions.append(f"k.filed_at {op} {params(value)}")
        rows, page_info = await keyset_page(
            info.context.pool,
            COMPLAINT_SELECT,
            conditions,
            params,
            NEWEST_COMPLAINT,
            first,
            after,
            descending=True,
        )
        return ComplaintConnection(
            complaints=[complaint_from_row(r) for r in rows], page_info=page_info
        )

    @strawberry.field(description="矛盾纠纷 disputes of a community, newest first")
    @lookup
    async def disputes(
        self,
        info: Info[Context, None],
        community_id: CommunityArg,
        open_only: bool = False,
        first: int = 20,
        after: str | None = None,
    ) -> DisputesResult:
        principal = info.context.principal
        require_steward(principal)
        params = Params([UUID(community_id)])
        conditions = ["d.community_id = $1", dispute_scope(principal, params)]
        if open_only:
            conditions.append("d.status = 'OPEN'")
        rows, page_info = await keyset_page(
            info.context.pool,
            DISPUTE_SELECT,
            conditions,
            params,
            NEWEST_DISPUTE,
            first,
            after,
            descending=True,
        )
        opened = await opener_for(info.context, *rows)
        return DisputeConnection(
            disputes=[dispute_from_row(r, opened) for r in rows], page_info=page_info
        )

    @strawberry.field(
        description="矛盾纠纷统计: disputes opened in [from, until) and how many were "
        "resolved by mediation"
    )
    @lookup
    async def dispute_statistics(
        self,
        info: Info[Context, None],
        community_id: CommunityArg,
        opened_from: datetime.date,
        opened_until: datetime.date,
    ) -> DisputeStatisticsResult:
        if opened_until <= opened_from:
            raise Refused(invalid("openedUntil", "must be after openedFrom"))
        require_steward(info.context.principal)
        row = await info.context.pool.fetchrow(
            DISPUTE_FIGURES, UUID(community_id), opened_from, opened_until
        )
        return DisputeStatistics(
            community_id=community_id,
            opened=row["opened"],
            resolved_by_mediation=row["mediated"],
            closed=row["closed"],
            resolved_percentage=per_hundred(row["mediated"], row["opened"]),
        )
