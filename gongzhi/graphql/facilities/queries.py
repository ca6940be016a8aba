"""Reading 设施与巡检: a community's facilities, the inspections due (and overdue) on a date
per community or district, and a community's facility figures."""

from __future__ import annotations

import datetime
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.base import business_today
from gongzhi.domain.facility_rules import (
    INSPECTION_RULE_SETS,
    FacilityCategory,
    FacilityStatus,
    FacilityType,
    InspectionKind,
)
from gongzhi.graphql.communities.queries import fetch_community
from gongzhi.graphql.context import Context, query_id
from gongzhi.graphql.errors import NotFound, Refused, forbidden, invalid
from gongzhi.graphql.facilities.types import (
    FacilitiesResult,
    FacilityCategoryType,
    FacilityConnection,
    FacilityEdge,
    FacilityFigures,
    FacilityFiguresResult,
    FacilityLookup,
    FacilityStatusType,
    FacilityTypeType,
    InspectionDue,
    InspectionDueConnection,
    InspectionDueEdge,
    InspectionKindType,
    InspectionRuleSetType,
    InspectionsDueResult,
    facility_from_row,
    rule_set_type,
)
from gongzhi.graphql.history.queries import community_target
from gongzhi.graphql.pagination import (
    PageInfo,
    cursor_id,
    decode_cursor,
    encode_cursor,
    page_by_name,
    page_size,
)
from gongzhi.graphql.permissions import Action, Target, allowed, community_scope
from gongzhi.projections.facilities import due_items, fetch_facility_figures

MAX_WITHIN_DAYS = 366

# Statuses, inspections (newest first) and defects shaped in SQL beside each facility.
FACILITY_SELECT = """
SELECT f.*, b.number AS building_number, e.number AS entrance_number,
  coalesce((SELECT json_agg(json_build_object('status', s.status, 'on', s.effective_on)
      ORDER BY s.effective_on, s.seq)
    FROM facility_statuses s WHERE s.facility_id = f.id), '[]'::json) AS statuses,
  coalesce((SELECT json_agg(json_build_object('id', i.id::text, 'kind', i.kind,
      'inspected_on', i.inspected_on, 'inspector', i.inspector, 'outcome', i.outcome,
      'note', i.note, 'photo_refs', i.photo_refs, 'next_due_on', i.next_due_on,
      'rule_set', i.rule_set, 'rule_set_version', i.rule_set_version)
      ORDER BY i.inspected_on DESC, i.seq DESC)
    FROM facility_inspections i WHERE i.facility_id = f.id), '[]'::json) AS inspections,
  coalesce((SELECT json_agg(json_build_object('id', d.id::text,
      'inspection_id', d.inspection_id::text, 'description', d.description,
      'severity', d.severity, 'found_on', d.found_on, 'work_order_id', d.work_order_id,
      'resolved_on', d.resolved_on, 'resolution_note', d.resolution_note)
      ORDER BY d.found_on, d.id)
    FROM facility_defects d WHERE d.facility_id = f.id), '[]'::json) AS defects
FROM facilities f
JOIN communities c ON c.id = f.community_id
LEFT JOIN buildings b ON b.id = f.building_id
LEFT JOIN entrances e ON e.id = f.entrance_id
"""


@strawberry.input(description="Which facilities to list; all when empty")
class FacilityFilter:
    types: list[FacilityTypeType] | None = None  # type: ignore[valid-type]
    category: FacilityCategoryType | None = None  # type: ignore[valid-type]
    status: FacilityStatusType | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="The latest recorded status"
    )
    building_id: strawberry.ID | None = None


async def fetch_facility(context: Context, facility_id: UUID) -> Any:
    """The facility row if it exists and the principal may see its community, else None."""
    params: list[object] = [facility_id]
    scope = community_scope(context.principal, "c", params)
    return await context.pool.fetchrow(f"{FACILITY_SELECT} WHERE f.id = $1 AND {scope}", *params)


def _filter(conditions: list[str], params: list[object], where: FacilityFilter) -> None:
    def param(value: object) -> str:
        params.append(value)
        return f"${len(params)}"

    if where.types:
        conditions.append(
            f"f.type = ANY({param([FacilityType(t).value for t in where.types])}::text[])"
        )
    if where.category is not None:
        conditions.append(f"f.category = {param(FacilityCategory(where.category).value)}")
    if where.status is not None:
        conditions.append(f"f.status = {param(FacilityStatus(where.status).value)}")
    if where.building_id is not None:
        conditions.append(
            f"f.building_id = {param(query_id(where.building_id, 'filter.buildingId'))}"
        )


@strawberry.type
class FacilityQueries:
    @strawberry.field(description="设施: one facility you may see, by id")
    async def facility(self, info: Info[Context, None], id: strawberry.ID) -> FacilityLookup:
        try:
            facility_id = query_id(id, "id")
        except Refused as refused:
            return refused.problem  # type: ignore[return-value]
        row = await fetch_facility(info.context, facility_id)
        if row is None:
            return NotFound(field="id", message=f"no facility with id {id} that you may see")
        return facility_from_row(row)

    @strawberry.field(description="设施台账: a community's facilities, by name (max 100 a page)")
    async def facilities(
        self,
        info: Info[Context, None],
        community_id: strawberry.ID,
        filter: FacilityFilter | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> FacilitiesResult:
        context = info.context
        try:
            community = query_id(community_id, "communityId")
            if await fetch_community(context, community) is None:
                return NotFound(
                    field="communityId",
                    message=f"no community with id {community_id} that you may see",
                )
            params: list[object] = [community]
            conditions = ["f.community_id = $1", community_scope(context.principal, "c", params)]
            if filter is not None:
                _filter(conditions, params, filter)
            rows, page = await page_by_name(
                context.pool, FACILITY_SELECT, "f", conditions, params, first, after
            )
        except Refused as refused:
            return refused.problem  # type: ignore[return-value]
        edges = [
            FacilityEdge(cursor=encode_cursor(r["name"], r["id"]), node=facility_from_row(r))
            for r in rows
        ]
        return FacilityConnection(edges=edges, page_info=page)

    @strawberry.field(
        description="应检/逾期: inspections due on a date (today if omitted) in one community or "
        "one district, the longest overdue first; `withinDays` adds those due soon after"
    )
    async def inspections_due(
        self,
        info: Info[Context, None],
        community_id: strawberry.ID | None = None,
        district: str | None = None,
        on: datetime.date | None = None,
        within_days: int = 0,
        overdue_only: bool = False,
        kind: InspectionKindType | None = None,  # type: ignore[valid-type]
        first: int = 50,
        after: str | None = None,
    ) -> InspectionsDueResult:
        context = info.context
        day = on or business_today()
        try:
            if (community_id is None) == (district is None):
                raise Refused(invalid("communityId", "give either a communityId or a district"))
            if not 0 <= within_days <= MAX_WITHIN_DAYS:
                raise Refused(invalid("withinDays", f"must be between 0 and {MAX_WITHIN_DAYS}"))
            limit = page_size(first)
            key = decode_cursor(after, 3)
            params: list[object] = [day]
            if community_id is not None:
                community = query_id(community_id, "communityId")
                target = await community_target(context, community)
                if target.district is None:
                    raise Refused(
                        NotFound(
                            field="communityId", message=f"no community with id {community_id}"
                        )
                    )
                params.append(community)
                condition = "f.community_id = $2"
            else:
                target = Target(district=district)
                params.append(district)
                condition = "f.community_id IN (SELECT id FROM communities WHERE district = $2)"
            if not allowed(context.principal, Action.READ_FACILITY_FIGURES, target):
                raise Refused(forbidden(Action.READ_FACILITY_FIGURES.value))
        except Refused as refused:
            return refused.problem  # type: ignore[return-value]

        def param(value: object) -> str:
            params.append(value)
            return f"${len(params)}"

        limit_on = (
            "due.due_on < $1::date"
            if overdue_only
            else (f"due.due_on <= $1::date + {param(within_days)}::int")
        )
        conditions = [limit_on]
        if kind is not None:
            conditions.append(f"due.kind = {param(InspectionKind(kind).value)}")
        if key is not None:
            after_id = cursor_id(key[1])
            try:
                after_due = datetime.date.fromisoformat(key[0])
            except ValueError:
                after_id = None
            if after_id is None:
                return invalid("after", "is not a cursor this API issued")
            conditions.append(
                f"(due.due_on, due.facility_id, due.kind) > "
                f"({param(after_due)}::date, {param(after_id)}::uuid, {param(key[2])})"
            )
        rows = await context.pool.fetch(
            f"SELECT due.*, c.name AS community_name FROM ({due_items(condition, '$1::date')}) due "
            f"JOIN communities c ON c.id = due.community_id WHERE {' AND '.join(conditions)} "
            f"ORDER BY due.due_on, due.facility_id, due.kind LIMIT {param(limit + 1)}",
            *params,
        )
        edges = [
            InspectionDueEdge(
                cursor=encode_cursor(r["due_on"].isoformat(), r["facility_id"], r["kind"]),
                node=_due_from_row(r, day),
            )
            for r in rows[:limit]
        ]
        return InspectionDueConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(rows) > limit, end_cursor=edges[-1].cursor if edges else None
            ),
        )

    @strawberry.field(description="巡检周期: the inspection rule sets, oldest first")
    def inspection_rule_sets(self) -> list[InspectionRuleSetType]:
        return [rule_set_type(r) for r in INSPECTION_RULE_SETS]

    @strawberry.field(
        description="设施体检: a community's facility figures on a date (today if omitted)"
    )
    async def facility_figures(
        self,
        info: Info[Context, None],
        community_id: strawberry.ID,
        on: datetime.date | None = None,
    ) -> FacilityFiguresResult:
        context = info.context
        day = on or business_today()
        try:
            community = query_id(community_id, "communityId")
        except Refused as refused:
            return refused.problem  # type: ignore[return-value]
        target = await community_target(context, community)
        if target.district is None:
            return NotFound(field="communityId", message=f"no community with id {community_id}")
        if not allowed(context.principal, Action.READ_FACILITY_FIGURES, target):
            return forbidden(Action.READ_FACILITY_FIGURES.value)
        row = await fetch_facility_figures(context.pool, community, day)
        return FacilityFigures(
            community_id=strawberry.ID(str(community)),
            on=day,
            required_fire_safety_groups=row["required_fire_groups"],
            covered_fire_safety_groups=row["covered_fire_groups"],
            fire_safety_coverage=row["fire_safety_coverage"],
            overdue_inspections=row["overdue_inspections"],
            open_defects=row["open_defects"],
            facilities_in_use=row["facilities_in_use"],
            mean_age_months=row["mean_age_months"],
            mean_life_used=row["mean_life_used"],
            past_expected_life=row["past_expected_life"],
            elevator_inspection_overdue=row["elevator_inspection_overdue"],
            elevator_maintenance_overdue=row["elevator_maintenance_overdue"],
            service_space_m2=row["service_space_m2"],
            households=row["households"],
            service_space_per_100_households=row["service_space_per_100_households"],
        )


def _due_from_row(row: Any, day: datetime.date) -> InspectionDue:
    overdue_days = max(0, (day - row["due_on"]).days)
    return InspectionDue(
        facility_id=strawberry.ID(str(row["facility_id"])),
        facility_name=row["name"],
        facility_type=FacilityType(row["type"]),
        community_id=strawberry.ID(str(row["community_id"])),
        community_name=row["community_name"],
        kind=InspectionKind(row["kind"]),
        due_on=row["due_on"],
        last_inspected_on=row["last_inspected_on"],
        overdue=overdue_days > 0,
        overdue_days=overdue_days,
    )
