"""The Community aggregate: given events, when a command, then events or an error."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.domain.community import Community
from gongzhi.domain.errors import InvalidValue, RuleViolated, UnknownPart


def community(registered_on: date = date(2024, 1, 1)) -> Community:
    return Community.register(
        name="幸福里",
        district="红塔区",
        street="玉兴街道",
        year_built=1990,
        renovation_completed_on=date(2023, 10, 1),
        registered_on=registered_on,
        renovation_items=[{"category": "BASIC", "name": "管网改造"}],
    )


def with_entrance() -> tuple[Community, object]:
    c = community()
    c.add_building("1栋", 6, False, ["1单元"])
    return c, next(iter(c.entrance_index))


def test_registration_records_one_event_with_the_facts() -> None:
    c = community()
    events = c.collect_events()
    assert [type(e).__name__ for e in events] == ["Registered"]
    assert c.renovation_items == [{"category": "BASIC", "name": "管网改造"}]


def test_a_building_with_entrances_is_one_command_and_several_events() -> None:
    c = community()
    c.collect_events()
    c.add_building("1栋", 6, True, ["1单元", "2单元"])
    assert [type(e).__name__ for e in c.collect_events()] == [
        "BuildingAdded",
        "EntranceAdded",
        "EntranceAdded",
    ]


def test_duplicate_unit_numbers_are_refused_until_the_unit_is_retired() -> None:
    c, entrance = with_entrance()
    unit = c.add_unit(entrance, "101", 1, "88.50", "REGISTER")  # type: ignore[arg-type]
    with pytest.raises(RuleViolated) as refused:
        c.add_unit(entrance, "101", 1, "70", "REGISTER")  # type: ignore[arg-type]
    assert refused.value.field == "number"
    c.retire_unit(unit)
    c.add_unit(entrance, "101", 1, "70", "REGISTER")  # type: ignore[arg-type]


def test_a_floor_outside_the_building_is_refused() -> None:
    c, entrance = with_entrance()
    with pytest.raises(InvalidValue, match="between 1 and the building's 6 floors"):
        c.add_unit(entrance, "701", 7, "80", "REGISTER")  # type: ignore[arg-type]


def test_unknown_parts_are_named() -> None:
    c = community()
    with pytest.raises(UnknownPart) as refused:
        c.add_unit(uuid4(), "101", 1, "80", "REGISTER")
    assert refused.value.field == "entranceId"
    with pytest.raises(UnknownPart):
        c.retire_unit(uuid4())


def test_an_area_correction_keeps_the_previous_area_in_the_event() -> None:
    c, entrance = with_entrance()
    unit = c.add_unit(entrance, "101", 1, "88.50", "SALE_CONTRACT")  # type: ignore[arg-type]
    c.collect_events()
    c.correct_unit_area(unit, "88.20", "REGISTER")
    (event,) = c.collect_events()
    assert isinstance(event, Community.UnitAreaCorrected)
    assert (str(event.previous_area), str(event.area), event.area_source) == (
        "88.50",
        "88.20",
        "REGISTER",
    )
    with pytest.raises(RuleViolated):
        c.correct_unit_area(unit, "88.20", "REGISTER")


def test_professional_management_needs_a_company_and_others_refuse_one() -> None:
    c = community()
    with pytest.raises(InvalidValue, match="required for professional"):
        c.change_management_mode("PROFESSIONAL", None, date(2024, 2, 1))
    with pytest.raises(InvalidValue, match="only allowed for professional"):
        c.change_management_mode("OWNER_SELF", uuid4(), date(2024, 2, 1))
    with pytest.raises(InvalidValue, match="must be one of"):
        c.change_management_mode("ANARCHY", None, date(2024, 2, 1))


modes = st.sampled_from(["COMMUNITY_CUSTODY", "WORK_UNIT", "OWNER_SELF", "NONE"])


@given(
    st.lists(st.tuples(modes, st.integers(0, 40)), min_size=1, max_size=12), st.integers(-5, 500)
)
def test_mode_on_a_date_matches_a_reference_timeline(
    changes: list[tuple[str, int]], probe: int
) -> None:
    # Given a community and a series of forward-dated changes (some refused as repeats)
    start = date(2024, 1, 1)
    c = community(start)
    day = start
    accepted: list[tuple[date, str]] = []
    for mode, gap in changes:
        day += timedelta(days=gap)
        try:
            c.change_management_mode(mode, None, day)
        except RuleViolated:
            assert accepted and accepted[-1][1] == mode
            continue
        accepted.append((day, mode))

    # When asked which mode was in force on a probe date
    when = start + timedelta(days=probe)
    found = c.mode_on(when)

    # Then it is the last accepted change on or before that date (a simple reference)
    in_force = [mode for effective, mode in accepted if effective <= when]
    assert (found.mode if found else None) == (in_force[-1] if in_force else None)


def test_a_change_before_registration_or_the_latest_change_is_refused() -> None:
    c = community(date(2024, 1, 1))
    with pytest.raises(InvalidValue, match="registered on 2024-01-01"):
        c.change_management_mode("OWNER_SELF", None, date(2023, 12, 31))
    c.change_management_mode("OWNER_SELF", None, date(2024, 3, 1))
    with pytest.raises(InvalidValue, match="latest change, effective 2024-03-01"):
        c.change_management_mode("WORK_UNIT", None, date(2024, 2, 1))
