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
from gongzhi.graphql.context import Context, query_id
from gongzhi.graphql.errors import forbidden, invalid
from gongzhi.graphql.facilities.types import (
    FacilitiesResult,
    FacilityConnection,
    FacilityEdge,
    FacilityFigures,
    FacilityFiguresResult,
    FacilityLookup,
    InspectionDue,
    InspectionDueConnection,
    InspectionDueEdge,
    InspectionRuleSetType,
    InspectionsDueResult,
    facility_from_row,
    rule_set_type,
)
from gongzhi.graphql.history.queries import community_target
from gongzhi.graphql.pagination import Key, encode_cursor, keyset_page, page_by_name
from gongzhi.graphql.params import Params
from gongzhi.graphql.permissions import Action, Target, allowed, community_scope
from gongzhi.graphql.personal_data import opener_for
from gongzhi.graphql.reading import CommunityArg, FacilityArg, found, lookup
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


# Soonest due first; a facility may be due for several kinds of inspection.
SOONEST_DUE = (
    Key("due.due_on", "due_on", "date"),
    Key("due.facility_id", "facility_id", "uuid"),
    Key("due.kind", "kind", "text"),
)


@strawberry.input(description="Which facilities to list; all when empty")
class FacilityFilter:
    types: list[FacilityType] | None = None  # type: ignore[valid-type]
    category: FacilityCategory | None = None  # type: ignore[valid-type]
    status: FacilityStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="The latest recorded status"
    )
    building_id: strawberry.ID | None = None


async def fetch_facility(context: Context, facility_id: UUID) -> Any:
    """The facility row if it exists and the principal may see its community, else None."""
    params = Params([facility_id])
    scope = community_scope(context.principal, "c", params)
    return await context.pool.fetchrow(f"{FACILITY_SELECT} WHERE f.id = $1 AND {scope}", *params)


def _filter(conditions: list[str], param: Params, where: FacilityFilter) -> None:
    if where.types:
        types = [FacilityType(t).value for t in where.types]
        conditions.append(f"f.type = ANY({param(types, 'text[]')})")
    if where.category is not None:
        conditions.append(f"f.category = {param(FacilityCategory(where.category).value)}")
    if where.status is not None:
        conditions.append(f"f.status = {param(FacilityStatus(where.status).value)}")
    if where.building_id is not None:
        building = query_id(where.building_id, "filter.buildingId")
        conditions.append(f"f.building_id = {param(building)}")


@strawberry.type
class FacilityQueries:
    @strawberry.field(description="设施: one facility you may see, by id")
    @lookup
    async def facility(self, info: Info[Context, None], id: FacilityArg) -> FacilityLookup:
        row = found(await fetch_facility(info.context, UUID(id)), "facility")
        return facility_from_row(row, await opener_for(info.context, row))

    @strawberry.field(description="设施台账: a community's facilities, by name (max 100 a page)")
    @lookup
    async def facilities(
        self,
        info: Info[Context, None],
        community_id: CommunityArg,
        filter: FacilityFilter | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> FacilitiesResult:
        context = info.context
        params = Params([UUID(community_id)])
        conditions = ["f.community_id = $1", community_scope(context.principal, "c", params)]
        if filter is not None:
            _filter(conditions, params, filter)
        rows, page = await page_by_name(
            context.pool, FACILITY_SELECT, "f", conditions, params, first, after
        )
        opened = await opener_for(context, *rows)
        edges = [
            FacilityEdge(
                cursor=encode_cursor(r["name"], r["id"]), node=facility_from_row(r, opened)
            )
            for r in rows
        ]
        return FacilityConnection(edges=edges, page_info=page)

    @strawberry.field(
        description="应检/逾期: inspections due on a date (today if omitted) in one community or "
        "one district, the longest overdue first; `withinDays` adds those due soon after"
    )
    @lookup
    async def inspections_due(
        self,
        info: Info[Context, None],
        community_id: CommunityArg | None = None,
        district: str | None = None,
        on: datetime.date | None = None,
        within_days: int = 0,
        overdue_only: bool = False,
        kind: InspectionKind | None = None,  # type: ignore[valid-type]
        first: int = 50,
        after: str | None = None,
    ) -> InspectionsDueResult:
        context = info.context
        day = on or business_today()
        if (community_id is None) == (district is None):
            return invalid("communityId", "give either a communityId or a district")
        if not 0 <= within_days <= MAX_WITHIN_DAYS:
            return invalid("withinDays", f"must be between 0 and {MAX_WITHIN_DAYS}")
        params = Params([day])
        if community_id is not None:
            community = UUID(community_id)
            target = await community_target(context, community)
            condition = f"f.community_id = {params(community)}"
        else:
            target = Target(district=district)
            in_district = f"SELECT id FROM communities WHERE district = {params(district)}"
            condition = f"f.community_id IN ({in_district})"
        if not allowed(context.principal, Action.READ_FACILITY_FIGURES, target):
            return forbidden(Action.READ_FACILITY_FIGURES.value)
        if overdue_only:
            conditions = ["due.due_on < $1::date"]
        else:
            conditions = [f"due.due_on <= $1::date + {params(within_days, 'int')}"]
        if kind is not None:
            conditions.append(f"due.kind = {params(InspectionKind(kind).value)}")
        rows, page_info = await keyset_page(
            context.pool,
            f"SELECT due.*, c.name AS community_name FROM ({due_items(condition, '$1::date')}) due "
            "JOIN communities c ON c.id = due.community_id",
            conditions,
            params,
            SOONEST_DUE,
            first,
            after,
        )
        edges = [
            InspectionDueEdge(
                cursor=encode_cursor(r["due_on"].isoformat(), r["facility_id"], r["kind"]),
                node=_due_from_row(r, day),
            )
            for r in rows
        ]
        return InspectionDueConnection(edges=edges, page_info=page_info)

    @strawberry.field(description="巡检周期: the inspection rule sets, oldest first")
    def inspection_rule_sets(self) -> list[InspectionRuleSetType]:
        return [rule_set_type(r) for r in INSPECTION_RULE_SETS]

    @strawberry.field(
        description="设施体检: a community's facility figures on a date (today if omitted)"
    )
    @lookup
    async def facility_figures(
        self,
        info: Info[Context, None],
        community_id: CommunityArg,
        on: datetime.date | None = None,
    ) -> FacilityFiguresResult:
        context = info.context
        day = on or business_today()
        community = UUID(community_id)
        target = await community_target(context, community)
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
