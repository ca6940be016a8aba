"""GraphQL types of 设施与巡检 facilities, inspections, defects, the due list and figures."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from gongzhi.domain.facility_rules import (
    FacilityCategory,
    FacilityStatus,
    FacilityType,
    InspectionKind,
    InspectionOutcome,
    InspectionRuleSet,
    Severity,
    completed_months,
)
from gongzhi.graphql.errors import Forbidden, NotFound, ValidationError
from gongzhi.graphql.pagination import PageInfo
from gongzhi.graphql.personal_data import Opener


@strawberry.type(description="A dated status change (状态变更)")
class FacilityStatusChange:
    status: FacilityStatus
    on: datetime.date


@strawberry.type(description="隐患/缺陷 found by an inspection; open until resolved")
class FacilityDefect:
    id: strawberry.ID
    inspection_id: strawberry.ID
    description: str
    severity: Severity
    found_on: datetime.date
    work_order_id: strawberry.ID | None = strawberry.field(
        description="报事报修 work order opened to fix it"
    )
    resolved_on: datetime.date | None
    resolution_note: str | None


@strawberry.type(description="巡检记录 an inspection result")
class Inspection:
    id: strawberry.ID
    kind: InspectionKind
    inspected_on: datetime.date
    inspector: str
    outcome: InspectionOutcome
    note: str
    photo_refs: list[str]
    next_due_on: datetime.date | None = strawberry.field(
        description="The last day for the next inspection of this kind (none for spot checks)"
    )
    rule_set: str = strawberry.field(description="巡检周期 rule set applied, with its version")
    rule_set_version: int
    defects: list[FacilityDefect]


@strawberry.type(description="设施 a facility of a community, or a group of identical ones")
class Facility:
    id: strawberry.ID
    community_id: strawberry.ID
    type: FacilityType
    category: FacilityCategory
    name: str
    building_id: strawberry.ID | None
    building_number: str | None
    entrance_id: strawberry.ID | None
    entrance_number: str | None
    place: str = strawberry.field(description="Where exactly, e.g. 1单元一楼大厅")
    quantity: int = strawberry.field(description="Identical items in this record (1 for most)")
    area_m2: Decimal | None = strawberry.field(description="Public-service spaces: area in m²")
    installed_on: datetime.date
    expected_life_years: int | None
    end_of_life_on: datetime.date | None = strawberry.field(
        description="The day the expected life runs out"
    )
    status: FacilityStatus = strawberry.field(description="The latest recorded status")
    status_since: datetime.date
    retired_on: datetime.date | None
    status_history: list[FacilityStatusChange]
    inspections: list[Inspection] = strawberry.field(description="Newest first")
    open_defects: list[FacilityDefect]
    version: int

    @strawberry.field(description="设施状态 on a date (null before installation)")
    def status_on(self, date: datetime.date) -> FacilityStatus | None:
        current = None
        for change in self.status_history:
            if change.on <= date:
                current = change.status
        return current

    @strawberry.field(description="Age on a date in whole months since installation")
    def age_months_on(self, date: datetime.date) -> int:
        return completed_months(self.installed_on, date)

    @strawberry.field(description="Days of expected life left on a date; negative once past it")
    def remaining_life_days_on(self, date: datetime.date) -> int | None:
        return None if self.end_of_life_on is None else (self.end_of_life_on - date).days


@strawberry.type(description="The facility after the change, as the views now show it")
class FacilityPayload:
    facility: Facility | None
    part_id: strawberry.ID | None = strawberry.field(
        description="recordInspection: the inspection's id"
    )
    position: str = strawberry.field(description="Event-log position of the change")


@strawberry.type
class FacilityEdge:
    cursor: str
    node: Facility


@strawberry.type(description="设施台账 a page of facilities, by name")
class FacilityConnection:
    edges: list[FacilityEdge]
    page_info: PageInfo


@strawberry.type(description="应检 an inspection due by a date, overdue when past its due date")
class InspectionDue:
    facility_id: strawberry.ID
    facility_name: str
    facility_type: FacilityType
    community_id: strawberry.ID
    community_name: str
    kind: InspectionKind
    due_on: datetime.date = strawberry.field(description="The last day the inspection is due")
    last_inspected_on: datetime.date | None
    overdue: bool = strawberry.field(description="逾期: due before the date asked about")
    overdue_days: int = strawberry.field(description="Days past the due date (0 if not overdue)")


@strawberry.type
class InspectionDueEdge:
    cursor: str
    node: InspectionDue


@strawberry.type(description="Inspections due, the longest overdue first")
class InspectionDueConnection:
    edges: list[InspectionDueEdge]
    page_info: PageInfo


@strawberry.type(description="设施体检 figures of one community on a date, for the health index")
class FacilityFigures:
    community_id: strawberry.ID
    on: datetime.date
    required_fire_safety_groups: int = strawberry.field(
        description="Required fire-safety facilities: extinguishers; hydrants or a micro fire "
        "station; a fire lane"
    )
    covered_fire_safety_groups: int = strawberry.field(
        description="Of those, present and IN_SERVICE on the date"
    )
    fire_safety_coverage: Decimal | None = strawberry.field(
        description="消防覆盖率: covered ÷ required, 4 places (1 = 100 %)"
    )
    overdue_inspections: int
    open_defects: int
    facilities_in_use: int = strawberry.field(description="Records IN_SERVICE or FAULTY")
    mean_age_months: Decimal | None = strawberry.field(description="Of records in use, 2 places")
    mean_life_used: Decimal | None = strawberry.field(
        description="Mean of age ÷ expected life over records in use that have one, 4 places"
    )
    past_expected_life: int
    elevator_inspection_overdue: bool = strawberry.field(description="电梯定期检验 overdue")
    elevator_maintenance_overdue: bool = strawberry.field(description="电梯维保 overdue")
    service_space_m2: Decimal = strawberry.field(description="公共服务用房/场地 in use, m²")
    households: int = strawberry.field(description="户数: the community's units")
    service_space_per_100_households: Decimal | None = strawberry.field(
        description="m² per 100 households, 2 places (standard: ≥ 30)"
    )


@strawberry.type(description="A schedule: an inspection of a kind every so many months or days")
class InspectionRuleType:
    facility_type: FacilityType
    kind: InspectionKind
    every_months: int = strawberry.field(description="0 when the interval is in days")
    every_days: int = strawberry.field(description="0 when the interval is in months")
    window_start: str | None = strawberry.field(
        description="Also once a year within this window (MM-DD), e.g. before the rainy season"
    )
    window_end: str | None


@strawberry.type(description="巡检周期 an inspection rule set, in force from its date")
class InspectionRuleSetType:
    name: str
    version: int
    effective_from: datetime.date
    rules: list[InspectionRuleType]


def rule_set_type(rule_set: InspectionRuleSet) -> InspectionRuleSetType:
    def md(month_day: tuple[int, int]) -> str:
        return f"{month_day[0]:02d}-{month_day[1]:02d}"

    return InspectionRuleSetType(
        name=rule_set.name,
        version=rule_set.version,
        effective_from=rule_set.effective_from,
        rules=[
            InspectionRuleType(
                facility_type=FacilityType(r.facility_type),
                kind=InspectionKind(r.kind),
                every_months=r.months,
                every_days=r.days,
                window_start=md(r.window[0]) if r.window else None,
                window_end=md(r.window[1]) if r.window else None,
            )
            for r in rule_set.rules
        ],
    )


FacilityLookup = Annotated[
    Facility | NotFound | ValidationError, strawberry.union("FacilityLookup")
]
FacilitiesResult = Annotated[
    FacilityConnection | NotFound | ValidationError, strawberry.union("FacilitiesResult")
]
InspectionsDueResult = Annotated[
    InspectionDueConnection | NotFound | ValidationError | Forbidden,
    strawberry.union("InspectionsDueResult"),
]
FacilityFiguresResult = Annotated[
    FacilityFigures | NotFound | ValidationError | Forbidden,
    strawberry.union("FacilityFiguresResult"),
]


def _id(value: Any) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


def _day(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def defect_from(d: dict[str, Any]) -> FacilityDefect:
    return FacilityDefect(
        id=strawberry.ID(d["id"]),
        inspection_id=strawberry.ID(d["inspection_id"]),
        description=d["description"],
        severity=Severity(d["severity"]),
        found_on=datetime.date.fromisoformat(d["found_on"]),
        work_order_id=_id(d["work_order_id"]),
        resolved_on=_day(d["resolved_on"]),
        resolution_note=d["resolution_note"],
    )


def facility_from_row(row: Any, opened: Opener) -> Facility:
    """The facility of a view's row; its inspectors' names sealed under the facility's own key,
    opened (``opener_for`` the row)."""
    defects = [defect_from(d) for d in _json(row["defects"])]
    inspections = [
        Inspection(
            id=strawberry.ID(i["id"]),
            kind=InspectionKind(i["kind"]),
            inspected_on=datetime.date.fromisoformat(i["inspected_on"]),
            inspector=opened(i["inspector"], "inspector"),
            outcome=InspectionOutcome(i["outcome"]),
            note=i["note"],
            photo_refs=list(i["photo_refs"]),
            next_due_on=_day(i["next_due_on"]),
            rule_set=i["rule_set"],
            rule_set_version=i["rule_set_version"],
            defects=[d for d in defects if d.inspection_id == i["id"]],
        )
        for i in _json(row["inspections"])
    ]
    return Facility(
        id=strawberry.ID(str(row["id"])),
        community_id=strawberry.ID(str(row["community_id"])),
        type=FacilityType(row["type"]),
        category=FacilityCategory(row["category"]),
        name=row["name"],
        building_id=_id(row["building_id"]),
        building_number=row["building_number"],
        entrance_id=_id(row["entrance_id"]),
        entrance_number=row["entrance_number"],
        place=row["place"],
        quantity=row["quantity"],
        area_m2=row["area_m2"],
        installed_on=row["installed_on"],
        expected_life_years=row["expected_life_years"],
        end_of_life_on=row["end_of_life_on"],
        status=FacilityStatus(row["status"]),
        status_since=row["status_since"],
        retired_on=row["retired_on"],
        status_history=[
            FacilityStatusChange(
                status=FacilityStatus(s["status"]), on=datetime.date.fromisoformat(s["on"])
            )
            for s in _json(row["statuses"])
        ],
        inspections=inspections,
        open_defects=[d for d in defects if d.resolved_on is None],
        version=row["version"],
    )
