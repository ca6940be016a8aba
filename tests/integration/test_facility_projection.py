"""The facility views are deterministic: projected one event at a time or in one batch, the
rows are the same (status changes, inspections, defect links and resolutions of one facility
often arrive in one batch)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from gongzhi.application.base import Meta
from gongzhi.application.communities import AddBuilding, RegisterCommunity
from gongzhi.application.facilities import (
    ChangeFacilityStatus,
    Defect,
    RecordInspection,
    RegisterFacility,
    ResolveDefect,
    RetireFacility,
)
from gongzhi.bootstrap import Platform
from gongzhi.domain.facility_rules import (
    FacilityStatus,
    FacilityType,
    InspectionKind,
    InspectionOutcome,
    Severity,
)
from gongzhi.projections.facilities import FACILITY_TABLES

META = Meta(actor="tester", reason="integration test", actor_role="PLATFORM_ADMIN")


def dump(platform: Platform) -> dict[str, list[tuple[object, ...]]]:
    with platform.engine.connect() as conn:
        return {
            table.name: sorted(
                (tuple(row) for row in conn.execute(text(f'SELECT * FROM "{table.name}"'))),
                key=repr,
            )
            for table in FACILITY_TABLES
        }


def test_batch_size_does_not_change_the_facility_views(platform: Platform) -> None:
    # Given facilities with status changes, inspections, defects, links and resolutions
    app = platform.app
    community = app.register_community(
        META,
        RegisterCommunity(
            name="幸福里", district="红塔区", street="玉兴街道", registered_on=date(2024, 1, 1)
        ),
    ).id
    building = app.add_building(
        META,
        AddBuilding(
            community_id=community,
            number="1栋",
            floors=6,
            has_elevator=True,
            entrance_numbers=["1单元"],
        ),
    ).part_id
    elevator = app.register_facility(
        META,
        RegisterFacility(
            community_id=community,
            type=FacilityType.ELEVATOR,
            name="电梯",
            installed_on=date(2024, 6, 1),
            building_id=building,
            expected_life_years=15,
        ),
    ).id
    lane = app.register_facility(
        META,
        RegisterFacility(
            community_id=community,
            type=FacilityType.FIRE_LANE,
            name="消防车道",
            installed_on=date(2024, 1, 1),
        ),
    ).id
    for day in (date(2024, 6, 10), date(2024, 6, 24)):
        app.record_inspection(
            META,
            RecordInspection(
                facility_id=elevator,
                kind=InspectionKind.MAINTENANCE,
                inspected_on=day,
                inspector="维保",
                outcome=InspectionOutcome.PASS,
            ),
        )
    app.record_inspection(
        META,
        RecordInspection(
            facility_id=elevator,
            kind=InspectionKind.STATUTORY,
            inspected_on=date(2025, 5, 20),
            inspector="特检院",
            outcome=InspectionOutcome.DEFECTS,
            defects=[
                Defect("限速器校验过期", Severity.CRITICAL),
                Defect("底坑积水", Severity.MINOR),
            ],
        ),
    )
    defects = list(app.facility(elevator).defects)
    app.resolve_defect(
        META,
        ResolveDefect(facility_id=elevator, defect_id=defects[0], resolved_on=date(2025, 5, 25)),
    )
    app.resolve_defect(
        META,
        ResolveDefect(facility_id=elevator, defect_id=defects[1], resolved_on=date(2025, 5, 22)),
    )
    app.change_facility_status(
        META,
        ChangeFacilityStatus(facility_id=lane, status=FacilityStatus.FAULTY, on=date(2025, 6, 1)),
    )
    app.change_facility_status(
        META,
        ChangeFacilityStatus(
            facility_id=lane, status=FacilityStatus.IN_SERVICE, on=date(2025, 6, 3)
        ),
    )
    app.retire_facility(META, RetireFacility(facility_id=lane, on=date(2025, 7, 1)))
    platform.projection_runner(batch_size=1).catch_up()
    expected = dump(platform)
    assert len(expected["facility_inspections"]) == 3
    assert len(expected["facility_statuses"]) == 5

    # When the log is rebuilt in one large batch
    platform.projection_runner(batch_size=1000).rebuild()

    # Then the rows are identical
    assert dump(platform) == expected
