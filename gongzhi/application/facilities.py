"""设施与巡检 commands: register, status, retire, inspection results, defects.

Defects open work orders (报事报修): ``record_inspection`` opens one work order per defect
(at most once: the order's id derives from the facility and the defect) and links it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from gongzhi.application.base import Done, Meta, business_today
from gongzhi.application.work_orders import WorkOrderService
from gongzhi.domain.community import Community
from gongzhi.domain.facility import Defect, Facility

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


class FacilityService(WorkOrderService):
    def register_facility(
        self,
        meta: Meta,
        *,
        community_id: UUID,
        facility_type: str,
        name: str,
        installed_on: date,
        building_id: UUID | None = None,
        entrance_id: UUID | None = None,
        place: str = "",
        quantity: int = 1,
        area_m2: Decimal | str | None = None,
        expected_life_years: int | None = None,
    ) -> Done:
        community = self.load(Community, community_id, "communityId")
        facility = Facility.register(
            community=community,
            facility_type=facility_type,
            name=name,
            building_id=building_id,
            entrance_id=entrance_id,
            place=place,
            quantity=quantity,
            area_m2=area_m2,
            installed_on=installed_on,
            expected_life_years=expected_life_years,
            today=business_today(),
        )
        return self.create(meta, facility, "this facility is already registered")

    def facility(self, facility_id: UUID) -> Facility:
        return self.load(Facility, facility_id, "facilityId")

    def change_facility_status(
        self, meta: Meta, facility_id: UUID, *, status: str, on: date | None = None
    ) -> Done:
        today = business_today()
        return self.change(
            meta,
            Facility,
            facility_id,
            lambda f: f.change_status(status, on or today, today),
            field="facilityId",
        )

    def retire_facility(self, meta: Meta, facility_id: UUID, on: date | None = None) -> Done:
        today = business_today()
        return self.change(
            meta, Facility, facility_id, lambda f: f.retire(on or today, today), field="facilityId"
        )

    def record_inspection(
        self,
        meta: Meta,
        facility_id: UUID,
        *,
        kind: str,
        inspected_on: date,
        inspector: str,
        outcome: str,
        defects: list[tuple[str, str]] | None = None,
        note: str = "",
        photo_refs: list[str] | None = None,
    ) -> Done:
        """巡检结果; the ``Done``'s ``part_id`` is the inspection's id."""
        today = business_today()
        done = self.change(
            meta,
            Facility,
            facility_id,
            lambda f: f.record_inspection(
                kind=kind,
                inspected_on=inspected_on,
                inspector=inspector,
                outcome=outcome,
                defects=list(defects or []),
                note=note,
                photo_refs=photo_refs,
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

    def _open_defect_work_order(self, meta: Meta, facility: Facility, defect: Defect) -> UUID:
        """The work order for a defect, reported by the inspection at the facility's place."""
        place = facility.place or facility.name
        return self.open_work_order(
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

    def resolve_defect(
        self,
        meta: Meta,
        facility_id: UUID,
        defect_id: UUID,
        *,
        resolved_on: date | None = None,
        note: str = "",
    ) -> Done:
        today = business_today()
        return self.change(
            meta,
            Facility,
            facility_id,
            lambda f: f.resolve_defect(defect_id, resolved_on or today, note, today),
            field="facilityId",
        )
