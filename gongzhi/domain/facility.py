"""设施 facility of a community, with its status over time, inspections (巡检) and defects.

One record is one facility, or a group of identical countable ones at one place inspected
together (``quantity``; see ``facility_rules.SINGLE`` for the types that are always one).

Each scheduled inspection kind has a due date: the last day by which the next inspection
must happen. It is fixed when it is set — at registration from the installation date, then
by every inspection of that kind from the inspection date — by the rule set in force on that
date, and travels in the event, so the read side never recomputes it and a later rule set
applies from each facility's next inspection. An inspection is overdue on D when its due
date is before D and the facility is in service or faulty on D.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from gongzhi.domain.community import Community
from gongzhi.domain.errors import InvalidValue, RuleViolated, UnknownPart
from gongzhi.domain.facility_rules import (
    CATEGORY,
    IN_BUILDING,
    SINGLE,
    FacilityStatus,
    FacilityType,
    InspectionKind,
    InspectionOutcome,
    add_years,
    completed_months,
    defect_list,
    photo_refs_of,
    rule_set_on,
    service_area,
)
from gongzhi.domain.values import enum_value, optional_text, required_text

MAX_QUANTITY = 10000
MAX_LIFE_YEARS = 100
ACTIVE = (FacilityStatus.IN_SERVICE.value, FacilityStatus.FAULTY.value)


@dataclass(frozen=True)
class StatusChange:
    status: str
    on: date


@dataclass
class Defect:
    """隐患/缺陷 found by an inspection; open until resolved."""

    id: UUID
    inspection_id: UUID
    description: str
    severity: str
    found_on: date
    work_order_id: UUID | None = None
    resolved_on: date | None = None


class Facility(Aggregate):
    """设施 of a community: fire safety, elevators, security, charging, utilities, spaces."""

    class Registered(Aggregate.Created):
        community_id: UUID
        facility_type: str
        category: str
        name: str
        building_id: UUID | None
        entrance_id: UUID | None
        place: str
        quantity: int
        area_m2: Decimal | None
        installed_on: date
        expected_life_years: int | None
        schedule: list[dict[str, Any]]  # [{"kind", "due_on", "rule_set", "version"}]

    class StatusChanged(Aggregate.Event):
        status: str
        on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Facility)
            aggregate.statuses.append(StatusChange(self.status, self.on))

    class InspectionRecorded(Aggregate.Event):
        inspection_id: UUID
        community_id: UUID
        kind: str
        inspected_on: date
        inspector: str
        outcome: str
        defects: list[dict[str, Any]]  # [{"defect_id", "description", "severity"}]
        note: str
        photo_refs: list[str]
        next_due_on: date | None  # None for a spot check: the schedule stays as it was
        rule_set: str
        rule_set_version: int

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Facility)
            if self.next_due_on is not None:
                last = aggregate.last_inspected.get(self.kind)
                if last is None or self.inspected_on >= last:
                    aggregate.last_inspected[self.kind] = self.inspected_on
                    aggregate.due[self.kind] = self.next_due_on
            for d in self.defects:
                aggregate.defects[d["defect_id"]] = Defect(
                    d["defect_id"],
                    self.inspection_id,
                    d["description"],
                    d["severity"],
                    self.inspected_on,
                )

    class DefectWorkOrderLinked(Aggregate.Event):
        defect_id: UUID
        work_order_id: UUID

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Facility)
            aggregate.defects[self.defect_id].work_order_id = self.work_order_id

    class DefectResolved(Aggregate.Event):
        defect_id: UUID
        resolved_on: date
        note: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Facility)
            aggregate.defects[self.defect_id].resolved_on = self.resolved_on

    def __init__(
        self,
        community_id: UUID,
        facility_type: str,
        category: str,
        name: str,
        building_id: UUID | None,
        entrance_id: UUID | None,
        place: str,
        quantity: int,
        area_m2: Decimal | None,
        installed_on: date,
        expected_life_years: int | None,
        schedule: list[dict[str, Any]],
    ) -> None:
        self.community_id = community_id
        self.facility_type = facility_type
        self.category = category
        self.name = name
        self.building_id = building_id
        self.entrance_id = entrance_id
        self.place = place
        self.quantity = quantity
        self.area_m2 = area_m2
        self.installed_on = installed_on
        self.expected_life_years = expected_life_years
        self.statuses = [StatusChange(FacilityStatus.IN_SERVICE.value, installed_on)]
        self.due: dict[str, date] = {s["kind"]: s["due_on"] for s in schedule}
        self.last_inspected: dict[str, date] = {}
        self.defects: dict[UUID, Defect] = {}

    @classmethod
    def register(
        cls,
        *,
        community: Community,
        facility_type: str,
        name: str,
        building_id: UUID | None = None,
        entrance_id: UUID | None = None,
        place: str = "",
        quantity: int = 1,
        area_m2: Decimal | str | None = None,
        installed_on: date,
        expected_life_years: int | None = None,
        today: date,
    ) -> Facility:
        """登记 a facility at a place of the estate, in service from its installation."""
        kind = enum_value("type", FacilityType, facility_type)
        category = CATEGORY[kind]
        _check_location(community, kind, building_id, entrance_id)
        if installed_on > today:
            raise InvalidValue("installedOn", "must not be in the future")
        if not 1 <= quantity <= MAX_QUANTITY:
            raise InvalidValue("quantity", f"must be between 1 and {MAX_QUANTITY}")
        if kind in SINGLE and quantity != 1:
            raise InvalidValue("quantity", f"each {kind} is a record of its own (quantity 1)")
        area = service_area(kind, category, area_m2)
        if expected_life_years is not None and not 1 <= expected_life_years <= MAX_LIFE_YEARS:
            raise InvalidValue("expectedLifeYears", f"must be between 1 and {MAX_LIFE_YEARS}")
        rules = rule_set_on(installed_on)
        schedule = [
            {
                "kind": r.kind,
                "due_on": r.next_due(installed_on),
                "rule_set": rules.name,
                "version": rules.version,
            }
            for r in rules.rules_for(kind)
        ]
        return cls._create(
            cls.Registered,
            id=uuid4(),
            community_id=community.id,
            facility_type=kind,
            category=category,
            name=required_text("name", name),
            building_id=building_id,
            entrance_id=entrance_id,
            place=optional_text("place", place, max_length=200),
            quantity=quantity,
            area_m2=area,
            installed_on=installed_on,
            expected_life_years=expected_life_years,
            schedule=schedule,
        )

    # --- status over time ----------------------------------------------------------------

    @property
    def retired_on(self) -> date | None:
        last = self.statuses[-1]
        return last.on if last.status == FacilityStatus.RETIRED.value else None

    def status_on(self, day: date) -> str | None:
        """The status on ``day``; ``None`` before installation."""
        current = None
        for change in self.statuses:
            if change.on <= day:
                current = change.status
        return current

    def change_status(self, status: str, on: date, today: date) -> None:
        """故障/停用/恢复 from ``on``; retiring has its own command."""
        value = enum_value("status", FacilityStatus, status)
        if value == FacilityStatus.RETIRED.value:
            raise InvalidValue("status", "retire the facility with retireFacility")
        self._check_change_date(on, today)
        if value == self.statuses[-1].status:
            raise RuleViolated("status", f"the facility is already {value}")
        self.trigger_event(self.StatusChanged, status=value, on=on)

    def retire(self, on: date, today: date) -> None:
        """报废/拆除: final; the facility is no longer counted or inspected from ``on``."""
        self._check_change_date(on, today)
        self.trigger_event(self.StatusChanged, status=FacilityStatus.RETIRED.value, on=on)

    def _check_change_date(self, on: date, today: date) -> None:
        if self.retired_on is not None:
            raise RuleViolated("facilityId", f"the facility was retired on {self.retired_on}")
        if on > today:
            raise InvalidValue("on", "must not be in the future")
        latest = self.statuses[-1].on
        if on < latest:
            raise RuleViolated("on", f"must not be before the last status change on {latest}")

    # --- age -------------------------------------------------------------------------------

    @property
    def end_of_life(self) -> date | None:
        """The day the expected life runs out."""
        if self.expected_life_years is None:
            return None
        return add_years(self.installed_on, self.expected_life_years)

    def age_months_on(self, day: date) -> int:
        return completed_months(self.installed_on, day)

    def remaining_life_days_on(self, day: date) -> int | None:
        """Days of expected life left on ``day``; negative once past it."""
        end = self.end_of_life
        return None if end is None else (end - day).days

    # --- inspections -------------------------------------------------------------------------

    def record_inspection(
        self,
        *,
        kind: str,
        inspected_on: date,
        inspector: str,
        outcome: str,
        defects: list[tuple[str, str]],
        note: str = "",
        photo_refs: list[str] | None = None,
        today: date,
    ) -> UUID:
        """巡检结果: PASS without defects, or DEFECTS with each defect and its severity."""
        kind_value = enum_value("kind", InspectionKind, kind)
        outcome_value = enum_value("outcome", InspectionOutcome, outcome)
        if inspected_on > today:
            raise InvalidValue("inspectedOn", "must not be in the future")
        if inspected_on < self.installed_on:
            raise RuleViolated(
                "inspectedOn", f"must not be before the installation on {self.installed_on}"
            )
        if self.retired_on is not None and inspected_on >= self.retired_on:
            raise RuleViolated("inspectedOn", f"the facility was retired on {self.retired_on}")
        rules = rule_set_on(inspected_on)
        rule = rules.rule(self.facility_type, kind_value)
        if rule is None and kind_value != InspectionKind.SPOT_CHECK.value:
            allowed = [r.kind for r in rules.rules_for(self.facility_type)] + ["SPOT_CHECK"]
            raise RuleViolated("kind", f"{self.facility_type} inspections are {', '.join(allowed)}")
        found = defect_list(outcome_value, defects)
        photos = photo_refs_of(photo_refs or [])
        inspection_id = uuid4()
        self.trigger_event(
            self.InspectionRecorded,
            inspection_id=inspection_id,
            community_id=self.community_id,
            kind=kind_value,
            inspected_on=inspected_on,
            inspector=required_text("inspector", inspector),
            outcome=outcome_value,
            defects=found,
            note=optional_text("note", note),
            photo_refs=photos,
            next_due_on=rule.next_due(inspected_on) if rule is not None else None,
            rule_set=rules.name,
            rule_set_version=rules.version,
        )
        return inspection_id

    def due_on(self, kind: str) -> date | None:
        return self.due.get(kind)

    def overdue_days_on(self, kind: str, day: date) -> int:
        """Days an inspection of ``kind`` is overdue on ``day`` (0 when not, or not active)."""
        due = self.due.get(kind)
        if due is None or self.status_on(day) not in ACTIVE:
            return 0
        return max(0, (day - due).days)

    # --- defects -----------------------------------------------------------------------------

    def link_defect_work_order(self, defect_id: UUID, work_order_id: UUID) -> None:
        """The work order (报事报修) opened to fix a defect."""
        defect = self._defect(defect_id)
        if defect.work_order_id is not None:
            raise RuleViolated(
                "defectId", f"the defect is already linked to work order {defect.work_order_id}"
            )
        self.trigger_event(
            self.DefectWorkOrderLinked, defect_id=defect_id, work_order_id=work_order_id
        )

    def resolve_defect(self, defect_id: UUID, resolved_on: date, note: str, today: date) -> None:
        defect = self._defect(defect_id)
        if defect.resolved_on is not None:
            raise RuleViolated("defectId", f"the defect was resolved on {defect.resolved_on}")
        if resolved_on > today:
            raise InvalidValue("resolvedOn", "must not be in the future")
        if resolved_on < defect.found_on:
            raise RuleViolated(
                "resolvedOn", f"must not be before it was found on {defect.found_on}"
            )
        self.trigger_event(
            self.DefectResolved,
            defect_id=defect_id,
            resolved_on=resolved_on,
            note=optional_text("note", note),
        )

    def _defect(self, defect_id: UUID) -> Defect:
        defect = self.defects.get(defect_id)
        if defect is None:
            raise UnknownPart("defectId", "no such defect on this facility")
        return defect


def _check_location(
    community: Community, kind: str, building_id: UUID | None, entrance_id: UUID | None
) -> None:
    """The building and entrance, when named, must be the community's and fit together."""
    if entrance_id is not None:
        entrance = community.entrance_index.get(entrance_id)
        if entrance is None:
            raise UnknownPart("entranceId", "no such entrance in this community")
        if building_id is not None and entrance.building_id != building_id:
            raise UnknownPart("entranceId", "the entrance is not in that building")
    if building_id is not None and building_id not in community.buildings:
        raise UnknownPart("buildingId", "no such building in this community")
    if kind in IN_BUILDING and building_id is None:
        raise InvalidValue("buildingId", f"name the building of the {kind}")
