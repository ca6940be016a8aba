"""Changing 设施与巡检: register a facility, change its status, retire it, record an
inspection result, link a defect's work order, resolve a defect."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.base import Done, Meta
from gongzhi.domain.facility_rules import (
    FacilityStatus,
    FacilityType,
    InspectionKind,
    InspectionOutcome,
    Severity,
)
from gongzhi.graphql.context import (
    Context,
    community_target,
    execute_on,
    facts_target,
    parse_id,
)
from gongzhi.graphql.facilities.queries import fetch_facility
from gongzhi.graphql.facilities.types import (
    FacilityPayload,
    FacilityResult,
    FacilityStatusType,
    FacilityTypeType,
    InspectionKindType,
    InspectionOutcomeType,
    SeverityType,
    facility_from_row,
)
from gongzhi.graphql.permissions import Action, Target


@strawberry.input(
    description="登记设施: a facility (or a group of identical countable ones) of a community, "
    "in service from its installation"
)
class RegisterFacilityInput:
    community_id: strawberry.ID
    type: FacilityTypeType  # type: ignore[valid-type]
    name: str
    installed_on: datetime.date
    reason: str
    building_id: strawberry.ID | None = None
    entrance_id: strawberry.ID | None = None
    place: str = ""
    quantity: int = strawberry.field(
        default=1,
        description="Identical items inspected together; 1 for elevators, fire "
        "lanes, micro fire stations and spaces",
    )
    area_m2: Decimal | None = strawberry.field(
        default=None, description="Public-service spaces only: m², up to 2 decimal places"
    )
    expected_life_years: int | None = None


@strawberry.input(description="故障/停用/恢复: the facility's status from a date")
class ChangeFacilityStatusInput:
    facility_id: strawberry.ID
    status: FacilityStatusType  # type: ignore[valid-type]
    reason: str
    on: datetime.date | None = strawberry.field(default=None, description="Today if omitted")


@strawberry.input(description="报废/拆除: retire the facility from a date (final)")
class RetireFacilityInput:
    facility_id: strawberry.ID
    reason: str
    on: datetime.date | None = strawberry.field(default=None, description="Today if omitted")


@strawberry.input(description="隐患 a defect found, with its severity")
class DefectInput:
    description: str
    severity: SeverityType  # type: ignore[valid-type]


@strawberry.input(description="巡检结果: PASS without defects, or DEFECTS listing them")
class RecordInspectionInput:
    facility_id: strawberry.ID
    kind: InspectionKindType  # type: ignore[valid-type]
    inspected_on: datetime.date
    inspector: str
    outcome: InspectionOutcomeType  # type: ignore[valid-type]
    reason: str
    defects: list[DefectInput] = strawberry.field(default_factory=list)
    note: str = ""
    photo_refs: list[str] = strawberry.field(
        default_factory=list, description="References of stored photos (up to 20)"
    )


@strawberry.input(description="隐患整改完成: a defect is resolved")
class ResolveDefectInput:
    facility_id: strawberry.ID
    defect_id: strawberry.ID
    reason: str
    resolved_on: datetime.date | None = strawberry.field(
        default=None, description="Today if omitted"
    )
    note: str = ""


def _facility_target(context: Context, facility_id: strawberry.ID) -> Callable[[], Target]:
    """The facility's community: its district and serving company decide who may change it."""

    def target() -> Target:
        facility = context.app.facility(parse_id(facility_id, "facilityId"))
        return facts_target(context.app.community_facts(facility.community_id))

    return target


async def _reply(context: Context, done: Done) -> FacilityPayload:
    row = await fetch_facility(context, done.id)
    return FacilityPayload(
        facility=facility_from_row(row) if row else None,
        part_id=strawberry.ID(str(done.part_id)) if done.part_id else None,
        position=str(done.position),
    )


async def _change(
    info: Info[Context, None],
    action: Action,
    facility_id: strawberry.ID,
    reason: str,
    command: Callable[[Meta, UUID], Done],
) -> FacilityResult:
    context = info.context
    return await execute_on(  # type: ignore[return-value]
        context,
        action,
        _facility_target(context, facility_id),
        facility_id,
        "facilityId",
        command,
        reason,
        lambda done: _reply(context, done),
    )


def _optional_id(value: strawberry.ID | None, field: str) -> UUID | None:
    return parse_id(value, field) if value else None


@strawberry.type
class FacilityMutations:
    @strawberry.mutation(description="登记设施: register a facility of a community")
    async def register_facility(
        self, info: Info[Context, None], input: RegisterFacilityInput
    ) -> FacilityResult:
        context = info.context
        return await context.execute(  # type: ignore[return-value]
            Action.RECORD_FACILITY,
            community_target(context, input.community_id),
            lambda meta: context.app.register_facility(
                meta,
                community_id=parse_id(input.community_id, "communityId"),
                facility_type=FacilityType(input.type).value,
                name=input.name,
                installed_on=input.installed_on,
                building_id=_optional_id(input.building_id, "buildingId"),
                entrance_id=_optional_id(input.entrance_id, "entranceId"),
                place=input.place,
                quantity=input.quantity,
                area_m2=input.area_m2,
                expected_life_years=input.expected_life_years,
            ),
            input.reason,
            lambda done: _reply(context, done),
        )

    @strawberry.mutation(description="故障/停用/恢复: change a facility's status from a date")
    async def change_facility_status(
        self, info: Info[Context, None], input: ChangeFacilityStatusInput
    ) -> FacilityResult:
        app = info.context.app
        return await _change(
            info,
            Action.RECORD_FACILITY,
            input.facility_id,
            input.reason,
            lambda meta, fid: app.change_facility_status(
                meta, fid, status=FacilityStatus(input.status).value, on=input.on
            ),
        )

    @strawberry.mutation(description="报废/拆除: retire a facility")
    async def retire_facility(
        self, info: Info[Context, None], input: RetireFacilityInput
    ) -> FacilityResult:
        app = info.context.app
        return await _change(
            info,
            Action.RECORD_FACILITY,
            input.facility_id,
            input.reason,
            lambda meta, fid: app.retire_facility(meta, fid, input.on),
        )

    @strawberry.mutation(description="巡检结果: record an inspection of a facility")
    async def record_inspection(
        self, info: Info[Context, None], input: RecordInspectionInput
    ) -> FacilityResult:
        app = info.context.app
        return await _change(
            info,
            Action.RECORD_INSPECTION,
            input.facility_id,
            input.reason,
            lambda meta, fid: app.record_inspection(
                meta,
                fid,
                kind=InspectionKind(input.kind).value,
                inspected_on=input.inspected_on,
                inspector=input.inspector,
                outcome=InspectionOutcome(input.outcome).value,
                defects=[(d.description, Severity(d.severity).value) for d in input.defects],
                note=input.note,
                photo_refs=list(input.photo_refs),
            ),
        )

    @strawberry.mutation(description="隐患整改完成: resolve a defect")
    async def resolve_defect(
        self, info: Info[Context, None], input: ResolveDefectInput
    ) -> FacilityResult:
        app = info.context.app
        return await _change(
            info,
            Action.RECORD_INSPECTION,
            input.facility_id,
            input.reason,
            lambda meta, fid: app.resolve_defect(
                meta,
                fid,
                parse_id(input.defect_id, "defectId"),
                resolved_on=input.resolved_on,
                note=input.note,
            ),
        )
