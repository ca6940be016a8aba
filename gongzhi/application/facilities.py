"""设施与巡检 commands: register, status, retire, inspection results, defects.

Defects open work orders (报事报修): ``record_inspection`` opens one work order per defect
(at most once: the order's id derives from the facility and the defect) and links it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated
from uuid import UUID

from gongzhi.application.base import Done, GongzhiBase, Meta, business_today
from gongzhi.application.commands import Command, handles
from gongzhi.application.fields import (
    Area,
    BuildingId,
    CommunityId,
    Doc,
    EntranceId,
    Items,
    Kind,
    Name,
    Range,
    Ref,
    Text,
)
from gongzhi.application.work_orders import open_work_order
from gongzhi.domain.community import Community
from gongzhi.domain.facility import MAX_LIFE_YEARS, MAX_QUANTITY, Facility
from gongzhi.domain.facility import Defect as FoundDefect
from gongzhi.domain.facility_rules import (
    MAX_DEFECTS,
    MAX_PHOTOS,
    FacilityStatus,
    FacilityType,
    InspectionKind,
    InspectionOutcome,
    Severity,
)

# A defect's work order: its category by the facility's, its urgency by the defect's severity.
DEFECT_CATEGORY = {
    "FIRE_SAFETY": "FIRE_SAFETY",
    "SPECIAL_EQUIPMENT": "ELEVATOR",
    "SECURITY": "SECURITY",
    "CHARGING": "ELECTRICAL",
    "UTILITIES": "OTHER",
    "PARKING": "PARKING",
    "PUBLIC_SERVICE": "OTHER",
}
DEFECT_URGENCY = {"MINOR": "NORMAL", "MAJOR": "URGENT", "CRITICAL": "EMERGENCY"}


FacilityId = Annotated[UUID, Ref(Kind.FACILITY)]
DefectId = Annotated[UUID, Ref(Kind.DEFECT)]
FacilityNote = Annotated[str, Text(500)]
TodayIfOmitted = Annotated[date, Doc("Today if omitted")]


@dataclass(frozen=True)
class RegisterFacility(Command):
    """登记设施: a facility (or a group of identical countable ones) of a community, in service
    from its installation"""

    community_id: CommunityId
    type: FacilityType
    name: Name
    installed_on: date
    building_id: BuildingId | None = None
    entrance_id: EntranceId | None = None
    place: Annotated[str, Text(200)] = ""
    quantity: Annotated[
        int,
        Range(1, MAX_QUANTITY),
        Doc(
            "Identical items inspected together; 1 for elevators, fire lanes, micro fire "
            "stations and spaces"
        ),
    ] = 1
    area_m2: (
        Annotated[Area, Doc("Public-service spaces only: m², up to 2 decimal places")] | None
    ) = None
    expected_life_years: Annotated[int, Range(1, MAX_LIFE_YEARS)] | None = None


@dataclass(frozen=True)
class ChangeFacilityStatus(Command):
    """故障/停用/恢复: change a facility's status from a date"""

    facility_id: FacilityId
    status: FacilityStatus
    on: TodayIfOmitted | None = None


@dataclass(frozen=True)
class RetireFacility(Command):
    """报废/拆除: retire the facility from a date (final)"""

    facility_id: FacilityId
    on: TodayIfOmitted | None = None


@dataclass(frozen=True)
class Defect:
    """隐患 a defect found, with its severity"""

    description: Name
    severity: Severity


@dataclass(frozen=True)
class RecordInspection(Command):
    """巡检结果: record an inspection of a facility, PASS without defects, or DEFECTS listing
    them"""

    facility_id: FacilityId
    kind: InspectionKind
    inspected_on: date
    inspector: Name
    outcome: InspectionOutcome
    defects: Annotated[list[Defect], Items(MAX_DEFECTS)] = field(default_factory=list)
    note: FacilityNote = ""
    photo_refs: Annotated[
        list[Annotated[str, Text(500)]], Items(MAX_PHOTOS), Doc("References of stored photos")
    ] = field(default_factory=list)


@dataclass(frozen=True)
class ResolveDefect(Command):
    """隐患整改完成: a defect is resolved"""

    facility_id: FacilityId
    defect_id: DefectId
    resolved_on: TodayIfOmitted | None = None
    note: FacilityNote = ""


class FacilityService(GongzhiBase):
    @handles(RegisterFacility)
    def register_facility(self, meta: Meta, command: RegisterFacility) -> Done:
        community = self.load(Community, command.community_id, "communityId")
        facility = Facility.register(
            community=community,
            facility_type=FacilityType(command.type).value,
            name=command.name,
            building_id=command.building_id,
            entrance_id=command.entrance_id,
            place=command.place,
            quantity=command.quantity,
            area_m2=command.area_m2,
            installed_on=command.installed_on,
            expected_life_years=command.expected_life_years,
            today=business_today(),
        )
        return self.create(meta, facility, "this facility is already registered")

    def facility(self, facility_id: UUID) -> Facility:
        return self.load(Facility, facility_id, "facilityId")

    @handles(ChangeFacilityStatus)
    def change_facility_status(self, meta: Meta, command: ChangeFacilityStatus) -> Done:
        today = business_today()
        status = FacilityStatus(command.status).value
        return self.change(
            meta,
            Facility,
            command.facility_id,
            lambda f: f.change_status(status, command.on or today, today),
            field="facilityId",
        )

    @handles(RetireFacility)
    def retire_facility(self, meta: Meta, command: RetireFacility) -> Done:
        today = business_today()
        return self.change(
            meta,
            Facility,
            command.facility_id,
            lambda f: f.retire(command.on or today, today),
            field="facilityId",
        )

    @handles(RecordInspection)
    def record_inspection(self, meta: Meta, command: RecordInspection) -> Done:
        """巡检结果; the ``Done``'s ``part_id`` is the inspection's id."""
        today = business_today()
        facility_id = command.facility_id
        defects = [(d.description, Severity(d.severity).value) for d in command.defects]
        done = self.change(
            meta,
            Facility,
            facility_id,
            lambda f: f.record_inspection(
                kind=InspectionKind(command.kind).value,
                inspected_on=command.inspected_on,
                inspector=command.inspector,
                outcome=InspectionOutcome(command.outcome).value,
                defects=defects,
                note=command.note,
                photo_refs=list(command.photo_refs),
                today=today,
            ),
            field="facilityId",
        )
        if not defects:
            return done
        linked = self.open_defect_work_orders(meta, facility_id)
        return done if linked is None else Done(done.id, linked.position, done.part_id)

    def open_defect_work_orders(self, meta: Meta, facility_id: UUID) -> Done | None:
        """One work order per open defect that has none yet, linked back to it; ``None`` when
        every open defect has its order. Called after an inspection, and by the watchdog's
        sweep for a defect whose order a crash left unopened (the order's id derives from the
        defect, so it is never opened twice)."""
        facility = self.facility(facility_id)
        linked = None
        for defect in list(facility.defects.values()):
            if defect.work_order_id is not None or defect.resolved_on is not None:
                continue
            work_order_id = self._open_defect_work_order(meta, facility, defect)
            linked = self.link_defect_work_order(meta, facility.id, defect.id, work_order_id)
        return linked

    def _open_defect_work_order(self, meta: Meta, facility: Facility, defect: FoundDefect) -> UUID:
        """The work order for a defect, reported by the inspection at the facility's place."""
        place = facility.place or facility.name
        return open_work_order(
            self,
            meta,
            community_id=facility.community_id,
            source="INSPECTION",
            source_ref=f"{facility.id}/{defect.id}",
            description=f"巡检隐患 {facility.name}: {defect.description}",
            category=DEFECT_CATEGORY.get(facility.category, "OTHER"),
            urgency=DEFECT_URGENCY.get(defect.severity, "NORMAL"),
            place_kind="BUILDING" if facility.building_id else "COMMON_AREA",
            building_id=facility.building_id,
            area_name=place,
        ).id

    def link_defect_work_order(
        self, meta: Meta, facility_id: UUID, defect_id: UUID, work_order_id: UUID
    ) -> Done:
        """Link the defect's work order; linking the same order again (a racing sweep) records
        nothing, another order is refused."""

        def link(facility: Facility) -> None:
            defect = facility.defects.get(defect_id)
            if defect is None or defect.work_order_id != work_order_id:
                facility.link_defect_work_order(defect_id, work_order_id)

        return self.change(meta, Facility, facility_id, link, field="facilityId")

    @handles(ResolveDefect)
    def resolve_defect(self, meta: Meta, command: ResolveDefect) -> Done:
        today = business_today()
        return self.change(
            meta,
            Facility,
            command.facility_id,
            lambda f: f.resolve_defect(
                command.defect_id, command.resolved_on or today, command.note, today
            ),
            field="facilityId",
        )
