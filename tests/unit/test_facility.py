"""设施与巡检 as a pure domain: schedules, due and overdue dates, the status timeline, defects."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.domain.community import Community
from gongzhi.domain.errors import DomainError, InvalidValue, RuleViolated, UnknownPart
from gongzhi.domain.facility import Facility
from gongzhi.domain.facility_rules import (
    INSPECTION_RULE_SETS,
    InspectionRule,
    add_months,
    completed_months,
    rule_set_on,
)

TODAY = date(2026, 11, 23)


def estate() -> tuple[Community, UUID, UUID]:
    c = Community.register(
        name="幸福里", district="红塔区", street="玉兴街道", registered_on=date(2020, 1, 1)
    )
    building = c.add_building("1栋", 6, True, ["1单元", "2单元"])
    entrance = next(iter(c.buildings[building].entrances))
    return c, building, entrance


def facility(
    kind: str = "FIRE_EXTINGUISHER", installed: date = date(2025, 1, 31), **kw: object
) -> Facility:
    c, building, _ = estate()
    args: dict[str, object] = dict(
        community=c, facility_type=kind, name="设施", installed_on=installed, today=TODAY
    )
    if kind == "ELEVATOR":
        args["building_id"] = building
    args.update(kw)
    return Facility.register(**args)  # type: ignore[arg-type]


def passed(f: Facility, day: date, kind: str = "ROUTINE", inspector: str = "保安") -> None:
    """A passed inspection of ``kind`` on ``day``."""
    f.record_inspection(
        kind=kind, inspected_on=day, inspector=inspector, outcome="PASS", defects=[], today=TODAY
    )


# --- date arithmetic ------------------------------------------------------------------------


def test_adding_months_clamps_to_the_end_of_a_shorter_month() -> None:
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


def test_completed_months_count_only_whole_months() -> None:
    assert completed_months(date(2025, 1, 31), date(2025, 2, 28)) == 0
    assert completed_months(date(2025, 1, 31), date(2025, 3, 31)) == 2
    assert completed_months(date(2025, 1, 15), date(2030, 1, 15)) == 60
    assert completed_months(date(2025, 1, 15), date(2030, 1, 14)) == 59
    assert completed_months(date(2025, 1, 15), date(2024, 1, 15)) == 0


@given(st.dates(date(2000, 1, 1), date(2100, 1, 1)), st.integers(0, 600))
def test_a_date_plus_n_months_is_n_completed_months_later_unless_clamped(
    start: date, months: int
) -> None:
    later = add_months(start, months)
    clamped = later.day < start.day
    assert completed_months(start, later) == (months - 1 if clamped and months else months)


# --- schedule rules --------------------------------------------------------------------------


def test_the_rule_set_in_force_is_the_latest_effective_one() -> None:
    assert rule_set_on(date(2026, 1, 1)) == INSPECTION_RULE_SETS[-1]
    assert rule_set_on(date(2026, 1, 1)).version == 1


def test_extinguishers_are_due_monthly_from_installation() -> None:
    # Given extinguishers installed on 31 January
    f = facility()
    # Then the first monthly check is due on the last day of February
    assert f.due_on("ROUTINE") == date(2025, 2, 28)


def test_an_elevator_has_maintenance_every_15_days_and_a_yearly_statutory_inspection() -> None:
    f = facility("ELEVATOR", installed=date(2025, 3, 1))
    assert f.due_on("MAINTENANCE") == date(2025, 3, 16)
    assert f.due_on("STATUTORY") == date(2026, 3, 1)
    # When the maintenance is done on day 10
    passed(f, date(2025, 3, 10), "MAINTENANCE", "维保员")
    # Then the next is due 15 days later, the statutory one unchanged
    assert f.due_on("MAINTENANCE") == date(2025, 3, 25)
    assert f.due_on("STATUTORY") == date(2026, 3, 1)


def test_drainage_is_due_half_yearly_and_before_each_rainy_season() -> None:
    rule = InspectionRule("DRAINAGE", "ROUTINE", months=6, window=((4, 1), (5, 31)))
    # Inspected in February: the rainy-season window of this year comes first
    assert rule.next_due(date(2025, 2, 10)) == date(2025, 5, 31)
    # Inspected inside the window: half a year later, before next year's window ends
    assert rule.next_due(date(2025, 5, 20)) == date(2025, 11, 20)
    # Inspected in December: next year's window ends before the half year is over
    assert rule.next_due(date(2025, 12, 15)) == date(2026, 5, 31)
    # Inspected in November: the half year ends first
    assert rule.next_due(date(2025, 11, 18)) == date(2026, 5, 18)


@given(
    st.dates(date(2000, 1, 1), date(2100, 1, 1)), st.sampled_from(INSPECTION_RULE_SETS[-1].rules)
)
def test_the_next_due_date_is_after_the_inspection_and_within_its_interval(
    last: date, rule: InspectionRule
) -> None:
    due = rule.next_due(last)
    interval_end = add_months(last, rule.months) if rule.months else last + timedelta(rule.days)
    assert last < due <= interval_end
    if rule.window is not None:
        # no rainy-season window is skipped: this year's if still ahead, else next year's
        (start, end) = rule.window
        if last < date(last.year, *start):
            assert due <= date(last.year, *end)
        assert due <= date(last.year + 1, *end)


def test_parking_spaces_have_no_inspection_schedule() -> None:
    f = facility("PARKING_SPACE", quantity=80)
    assert f.due == {}
    with pytest.raises(RuleViolated) as error:
        passed(f, TODAY, "ROUTINE", "a")
    assert error.value.field == "kind"


# --- due and overdue over dates --------------------------------------------------------------


def test_an_inspection_is_overdue_the_day_after_its_due_date() -> None:
    f = facility()  # due 2025-02-28
    assert f.overdue_days_on("ROUTINE", date(2025, 2, 28)) == 0
    assert f.overdue_days_on("ROUTINE", date(2025, 3, 1)) == 1
    assert f.overdue_days_on("ROUTINE", date(2025, 3, 31)) == 31


def test_a_spot_check_does_not_move_the_schedule() -> None:
    f = facility()
    passed(f, date(2025, 2, 20), "SPOT_CHECK", "消防救援大队")
    assert f.due_on("ROUTINE") == date(2025, 2, 28)


def test_a_backfilled_earlier_inspection_does_not_move_the_schedule_back() -> None:
    f = facility()
    for day in (date(2025, 2, 27), date(2025, 2, 10)):
        passed(f, day, "ROUTINE", "保安")
    assert f.due_on("ROUTINE") == date(2025, 3, 27)


def test_an_out_of_service_facility_is_not_overdue_while_out_of_service() -> None:
    f = facility()
    f.change_status("OUT_OF_SERVICE", date(2025, 2, 1), TODAY)
    assert f.overdue_days_on("ROUTINE", date(2025, 4, 1)) == 0
    f.change_status("IN_SERVICE", date(2025, 5, 1), TODAY)
    assert f.overdue_days_on("ROUTINE", date(2025, 5, 1)) == 62


# --- status timeline ---------------------------------------------------------------------------


def test_the_status_on_a_date_follows_the_dated_changes() -> None:
    f = facility(installed=date(2025, 1, 1))
    f.change_status("FAULTY", date(2025, 3, 1), TODAY)
    f.change_status("IN_SERVICE", date(2025, 3, 10), TODAY)
    f.retire(date(2026, 1, 1), TODAY)
    assert f.status_on(date(2024, 12, 31)) is None
    assert f.status_on(date(2025, 1, 1)) == "IN_SERVICE"
    assert f.status_on(date(2025, 3, 9)) == "FAULTY"
    assert f.status_on(date(2025, 3, 10)) == "IN_SERVICE"
    assert f.status_on(date(2026, 1, 1)) == "RETIRED"


def test_status_changes_cannot_go_back_in_time_or_follow_retirement() -> None:
    f = facility(installed=date(2025, 1, 1))
    f.change_status("FAULTY", date(2025, 3, 1), TODAY)
    with pytest.raises(RuleViolated):
        f.change_status("IN_SERVICE", date(2025, 2, 1), TODAY)
    with pytest.raises(RuleViolated):
        f.change_status("FAULTY", date(2025, 4, 1), TODAY)  # already faulty
    with pytest.raises(InvalidValue):
        f.change_status("IN_SERVICE", TODAY + timedelta(days=1), TODAY)
    with pytest.raises(InvalidValue):
        f.change_status("RETIRED", date(2025, 4, 1), TODAY)
    f.retire(date(2025, 6, 1), TODAY)
    with pytest.raises(RuleViolated):
        f.change_status("IN_SERVICE", date(2025, 7, 1), TODAY)
    with pytest.raises(RuleViolated):
        passed(f, date(2025, 6, 1), "ROUTINE", "a")


# --- age ------------------------------------------------------------------------------------------


def test_age_and_remaining_life_are_computed_for_a_date() -> None:
    f = facility(installed=date(2024, 2, 29), expected_life_years=10)
    assert f.end_of_life == date(2034, 2, 28)
    assert f.age_months_on(date(2029, 2, 28)) == 59
    assert f.remaining_life_days_on(date(2034, 2, 27)) == 1
    assert f.remaining_life_days_on(date(2034, 3, 1)) == -1


# --- registration and inspection errors -------------------------------------------------------------


def test_a_facility_is_placed_in_the_estate() -> None:
    c, building, entrance = estate()
    other = Community.register(name="和平苑", district="红塔区", street="s", registered_on=TODAY)
    other_building = other.add_building("9栋", 3, False, ["1单元"])
    base = dict(community=c, name="x", installed_on=date(2025, 1, 1), today=TODAY)
    with pytest.raises(UnknownPart) as error:
        Facility.register(facility_type="CAMERA", building_id=other_building, **base)  # type: ignore[arg-type]
    assert error.value.field == "buildingId"
    with pytest.raises(UnknownPart) as error:
        Facility.register(facility_type="CAMERA", entrance_id=uuid4(), **base)  # type: ignore[arg-type]
    assert error.value.field == "entranceId"
    with pytest.raises(InvalidValue) as invalid:
        Facility.register(facility_type="ELEVATOR", **base)  # type: ignore[arg-type]
    assert invalid.value.field == "buildingId"
    f = Facility.register(
        facility_type="ELEVATOR",
        building_id=building,
        entrance_id=entrance,
        **base,  # type: ignore[arg-type]
    )
    assert (f.building_id, f.entrance_id) == (building, entrance)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        (dict(facility_type="CANTEEN", area_m2="-5"), "areaM2"),
        (dict(facility_type="CANTEEN"), "areaM2"),
        (dict(facility_type="CANTEEN", area_m2="12.345"), "areaM2"),
        (dict(facility_type="CAMERA", area_m2="12"), "areaM2"),
        (dict(facility_type="ELEVATOR", quantity=2), "quantity"),
        (dict(facility_type="CAMERA", quantity=0), "quantity"),
        (dict(facility_type="CAMERA", installed_on=TODAY + timedelta(days=1)), "installedOn"),
        (dict(facility_type="CAMERA", expected_life_years=0), "expectedLifeYears"),
        (dict(facility_type="SWIMMING_POOL"), "type"),
    ],
)
def test_bad_registrations_name_the_field(kwargs: dict[str, object], field: str) -> None:
    c, building, _ = estate()
    args: dict[str, object] = dict(
        community=c, name="x", installed_on=date(2025, 1, 1), today=TODAY, building_id=building
    )
    args.update(kwargs)
    with pytest.raises(InvalidValue) as error:
        Facility.register(**args)  # type: ignore[arg-type]
    assert error.value.field == field


def test_public_service_space_area_is_exact() -> None:
    f = facility("ELDERLY_CARE", area_m2="120.50")
    assert f.area_m2 == Decimal("120.50")


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        (dict(outcome="PASS", defects=[("压力不足", "MINOR")]), InvalidValue, "defects"),
        (dict(outcome="DEFECTS", defects=[]), InvalidValue, "defects"),
        (dict(outcome="DEFECTS", defects=[("x", "HUGE")]), InvalidValue, "defects.0.severity"),
        (dict(inspected_on=date(2025, 1, 30)), RuleViolated, "inspectedOn"),
        (dict(inspected_on=TODAY + timedelta(days=1)), InvalidValue, "inspectedOn"),
        (dict(kind="STATUTORY"), RuleViolated, "kind"),
        (dict(inspector=" "), InvalidValue, "inspector"),
        (dict(photo_refs=["p"] * 21), InvalidValue, "photoRefs"),
    ],
)
def test_bad_inspection_results_name_the_field(
    kwargs: dict[str, object], error: type[DomainError], field: str
) -> None:
    f = facility()
    args: dict[str, object] = dict(
        kind="ROUTINE",
        inspected_on=date(2025, 2, 1),
        inspector="保安",
        outcome="PASS",
        defects=[],
        today=TODAY,
    )
    args.update(kwargs)
    with pytest.raises(error) as raised:
        f.record_inspection(**args)  # type: ignore[arg-type]
    assert raised.value.field == field
    assert len(f.pending_events) == 1  # only the registration: nothing half-applied


# --- defects ----------------------------------------------------------------------------------------


def test_defects_wait_for_a_work_order_and_are_resolved_once() -> None:
    # Given an inspection that found two defects
    f = facility()
    f.record_inspection(
        kind="ROUTINE",
        inspected_on=date(2025, 2, 20),
        inspector="保安",
        outcome="DEFECTS",
        defects=[("压力不足", "MAJOR"), ("铭牌缺失", "MINOR")],
        today=TODAY,
    )
    first, second = f.defects.values()
    assert (first.severity, first.work_order_id) == ("MAJOR", None)
    # When a work order is linked to the first and the second is resolved
    order = uuid4()
    f.link_defect_work_order(first.id, order)
    f.resolve_defect(second.id, date(2025, 2, 21), "补贴铭牌", TODAY)
    # Then the link and the resolution are recorded, and neither can be repeated
    assert first.work_order_id == order
    assert second.resolved_on == date(2025, 2, 21)
    with pytest.raises(RuleViolated):
        f.link_defect_work_order(first.id, uuid4())
    with pytest.raises(RuleViolated):
        f.resolve_defect(second.id, date(2025, 2, 22), "", TODAY)
    with pytest.raises(RuleViolated):
        f.resolve_defect(first.id, date(2025, 2, 19), "", TODAY)
    with pytest.raises(UnknownPart):
        f.link_defect_work_order(uuid4(), order)
