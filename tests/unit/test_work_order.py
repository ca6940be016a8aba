"""报事报修 work orders as aggregates: the lifecycle, SLA clocks in real time zones, and a
breach recorded once per missed deadline."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.domain.community import Community
from gongzhi.domain.errors import InvalidValue, RuleViolated, UnknownPart
from gongzhi.domain.sla import SLA_RULE_SETS, sla_clock
from gongzhi.domain.work_order import Place, WorkOrder, place_in, work_order_id

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
COMPANY = uuid4()
T0 = datetime(2024, 6, 1, 23, 30, tzinfo=SHANGHAI)  # late evening in the community


def community() -> Community:
    c = Community.register(
        name="幸福里", district="红塔区", street="玉兴街道", registered_on=date(2020, 1, 1)
    )
    c.add_building("1栋", 6, False, ["1单元"])
    entrance = next(iter(c.entrance_index))
    c.add_unit(entrance, "101", 1, "80", "REGISTER")
    return c


def unit_of(c: Community) -> UUID:
    return next(iter(c.unit_index))


def building_of(c: Community) -> UUID:
    return next(iter(c.buildings))


def report(
    *,
    urgency: str = "NORMAL",
    category: str = "PLUMBING",
    at: datetime = T0,
    sla_rules: str = "QUZHOU-2024.1",
    c: Community | None = None,
) -> WorkOrder:
    c = c or community()
    return WorkOrder.report(
        community=c,
        source="RESIDENT",
        reporter="owner-1",
        reporter_role="RESIDENT",
        category=category,
        urgency=urgency,
        place=place_in(c, "UNIT", unit_id=unit_of(c)),
        description="厨房下水道堵塞",
        photos=["photos/2024/06/01/a.jpg"],
        at=at,
        sla_rules=sla_rules,
    )


def event_names(order: WorkOrder) -> list[str]:
    return [type(e).__name__ for e in order.collect_events()]


def resolved(order: WorkOrder) -> WorkOrder:
    order.dispatch(COMPANY, "维修一班", "张师傅", T0 + timedelta(hours=1))
    order.respond("已电话联系，明早上门", T0 + timedelta(hours=2))
    order.resolve("已疏通", T0 + timedelta(hours=20))
    return order


# --- the lifecycle -------------------------------------------------------------------------


def test_a_report_is_dispatched_answered_resolved_and_rated() -> None:
    # Given a resident's report
    order = report()
    # When the company dispatches, responds, resolves and the reporter rates it
    resolved(order)
    order.rate(5, "及时", T0 + timedelta(days=1))
    # Then every step is an event, with no breach since all were on time
    assert event_names(order) == ["Reported", "Dispatched", "Responded", "Resolved", "Rated"]
    assert order.status == "RESOLVED"
    assert order.rating == 5
    assert order.reported_at.tzinfo is UTC


def test_steps_out_of_order_are_refused_with_plain_words() -> None:
    # Given a new report
    order = report()
    # Then it cannot be answered, resolved, rated or reopened before it is dispatched
    with pytest.raises(RuleViolated, match="a reported work order cannot be answered"):
        order.respond("来了", T0)
    with pytest.raises(RuleViolated, match="cannot be resolved"):
        order.resolve("好了", T0)
    with pytest.raises(RuleViolated, match="cannot be rated"):
        order.rate(5, "", T0)
    with pytest.raises(RuleViolated, match="cannot be reopened"):
        order.reopen("没修好", T0)
    # And once dispatched it is not dispatched again, nor resolved without a response
    order.dispatch(COMPANY, "维修一班", "张师傅", T0)
    with pytest.raises(RuleViolated, match="a dispatched work order cannot be dispatched"):
        order.dispatch(COMPANY, "维修二班", "李师傅", T0)
    with pytest.raises(RuleViolated, match="respond to the report"):
        order.resolve("好了", T0)


def test_a_rating_is_given_once_and_a_reopening_clears_it() -> None:
    # Given a resolved and rated order
    order = resolved(report())
    order.rate(2, "还在漏", T0 + timedelta(days=1))
    # Then a second rating is refused
    with pytest.raises(RuleViolated, match="already rated"):
        order.rate(3, "", T0 + timedelta(days=1))
    # When the reporter reopens it
    order.reopen("还在漏水", T0 + timedelta(days=2))
    # Then it is back with the team, unrated, waiting for a new response
    assert (order.status, order.rating) == ("DISPATCHED", None)
    assert order.response_deadline == (T0 + timedelta(days=3)).astimezone(UTC)
    # And after the next resolution it may be rated again
    order.respond("再次上门", T0 + timedelta(days=2, hours=1))
    order.resolve("更换管件", T0 + timedelta(days=2, hours=5))
    order.rate(4, "", T0 + timedelta(days=3))
    assert order.rating == 4


@pytest.mark.parametrize("rating", [0, 6, -1])
def test_a_rating_outside_one_to_five_is_refused(rating: int) -> None:
    order = resolved(report())
    with pytest.raises(InvalidValue, match="from 1 to 5") as error:
        order.rate(rating, "", T0 + timedelta(days=1))
    assert error.value.field == "rating"


def test_a_cancelled_or_resolved_order_cannot_be_cancelled() -> None:
    # Given one cancelled order and one resolved order
    cancelled = report()
    cancelled.cancel("重复报修", T0 + timedelta(minutes=5))
    done = resolved(report())
    # Then neither can be cancelled (again), and the cancelled one cannot be dispatched
    with pytest.raises(RuleViolated, match="a cancelled work order can no longer be cancelled"):
        cancelled.cancel("再撤", T0 + timedelta(minutes=6))
    with pytest.raises(RuleViolated, match="a resolved work order can no longer be cancelled"):
        done.cancel("撤销", T0 + timedelta(days=1))
    with pytest.raises(RuleViolated, match="a cancelled work order cannot be dispatched"):
        cancelled.dispatch(COMPANY, "维修一班", "张师傅", T0 + timedelta(hours=1))


def test_a_step_before_the_previous_one_or_a_naive_time_is_refused() -> None:
    order = report()
    with pytest.raises(InvalidValue, match="must not be before the report") as error:
        order.dispatch(COMPANY, "维修一班", "张师傅", T0 - timedelta(minutes=1))
    assert error.value.field == "dispatchedAt"
    with pytest.raises(InvalidValue, match="time zone"):
        order.dispatch(COMPANY, "维修一班", "张师傅", datetime(2024, 6, 2, 9, 0))


def test_bad_report_input_names_its_field() -> None:
    c = community()
    good = {
        "community": c,
        "source": "RESIDENT",
        "reporter": "owner-1",
        "reporter_role": "RESIDENT",
        "category": "PLUMBING",
        "urgency": "NORMAL",
        "place": Place("COMMUNITY"),
        "description": "路灯不亮",
        "at": T0,
    }
    for change, field in [
        ({"category": "ROOF"}, "category"),
        ({"urgency": "ASAP"}, "urgency"),
        ({"source": "CALL"}, "source"),
        ({"description": "  "}, "description"),
        ({"photos": [""]}, "photos.0"),
        ({"photos": ["p.jpg"] * 10}, "photos"),
        ({"source": "INSPECTION"}, "sourceRef"),
        ({"at": datetime(2024, 6, 1, 9)}, "reportedAt"),
    ]:
        with pytest.raises(InvalidValue) as error:
            WorkOrder.report(**{**good, **change})  # type: ignore[arg-type]
        assert error.value.field == field, change


# --- places --------------------------------------------------------------------------------


def test_places_are_checked_against_the_estate() -> None:
    # Given a community with one building and one unit
    c = community()
    other = uuid4()
    # Then an unknown building or unit is an unknown part, named by its field
    with pytest.raises(UnknownPart) as error:
        place_in(c, "BUILDING", building_id=other)
    assert error.value.field == "place.buildingId"
    with pytest.raises(UnknownPart) as error:
        place_in(c, "UNIT", unit_id=other)
    assert error.value.field == "place.unitId"
    # And a common area needs its name; a unit's building is filled in
    with pytest.raises(InvalidValue, match="name the common area"):
        place_in(c, "COMMON_AREA")
    assert place_in(c, "COMMON_AREA", area_name=" 中心花园 ").area_name == "中心花园"
    assert place_in(c, "UNIT", unit_id=unit_of(c)).building_id == building_of(c)
    with pytest.raises(InvalidValue, match="names no building"):
        place_in(c, "COMMUNITY", building_id=building_of(c))


# --- clocks --------------------------------------------------------------------------------


def test_deadlines_run_in_elapsed_time_and_are_kept_in_utc() -> None:
    # Given a normal report at 23:30 in Shanghai (15:30 UTC)
    order = report()
    # Then it must be dispatched by 23:30 the next day, Shanghai time
    assert order.dispatch_deadline == datetime(2024, 6, 2, 15, 30, tzinfo=UTC)
    assert order.dispatch_deadline.astimezone(SHANGHAI).hour == 23
    # And once dispatched at 01:00 UTC, it must be answered 24 hours later
    order.dispatch(COMPANY, "维修一班", "张师傅", datetime(2024, 6, 2, 1, 0, tzinfo=UTC))
    assert order.response_deadline == datetime(2024, 6, 3, 1, 0, tzinfo=UTC)


def test_a_clock_across_a_daylight_saving_change_counts_real_hours() -> None:
    # Given a report made in Berlin the evening before clocks go forward (31 March 2024)
    order = report(at=datetime(2024, 3, 30, 22, 0, tzinfo=BERLIN))
    # Then the deadline is 24 real hours later: 23:00 local, not 22:00
    assert order.dispatch_deadline.astimezone(BERLIN) == datetime(2024, 3, 31, 23, 0, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("category", "urgency", "hours"),
    [
        ("PLUMBING", "NORMAL", 24),
        ("PLUMBING", "URGENT", 8),
        ("PLUMBING", "EMERGENCY", 2),
        ("ELEVATOR", "NORMAL", 12),
        ("ELEVATOR", "EMERGENCY", 2),
    ],
)
def test_clocks_depend_on_category_and_urgency(category: str, urgency: str, hours: int) -> None:
    order = report(category=category, urgency=urgency)
    assert order.dispatch_deadline - order.reported_at == timedelta(hours=hours)
    assert sla_clock("QUZHOU-2024.1", category, urgency).respond_within == timedelta(hours=hours)


def test_an_order_keeps_the_rule_set_it_was_reported_under() -> None:
    # Given an emergency reported under the earlier rule set (24 h for everything)
    order = report(urgency="EMERGENCY", sla_rules="QUZHOU-2023.1")
    # Then its clock stays 24 h, although the current rules give an emergency 2 h
    assert order.dispatch_deadline - order.reported_at == timedelta(hours=24)
    assert set(SLA_RULE_SETS) >= {"QUZHOU-2023.1", "QUZHOU-2024.1"}
    with pytest.raises(InvalidValue, match="must be one of"):
        report(sla_rules="NOWHERE-1")


# --- breaches ------------------------------------------------------------------------------


def test_a_breach_is_recorded_once_per_missed_deadline() -> None:
    # Given an emergency not dispatched within its two hours
    order = report(urgency="EMERGENCY")
    late = T0 + timedelta(hours=3)
    assert order.due_breaches(T0 + timedelta(hours=2)) == []  # on the deadline is in time
    assert order.due_breaches(late) == [("DISPATCH", order.dispatch_deadline)]
    # When the watchdog records it
    order.record_breach("DISPATCH", late)
    # Then nothing is due any more and a second record is refused
    assert order.due_breaches(late + timedelta(hours=1)) == []
    with pytest.raises(RuleViolated, match="already recorded"):
        order.record_breach("DISPATCH", late + timedelta(hours=1))
    # And a late dispatch does not add a second dispatch breach
    order.dispatch(COMPANY, "应急班", "王师傅", late + timedelta(hours=2))
    assert event_names(order) == ["Reported", "SlaBreached", "Dispatched"]


def test_a_step_taken_late_records_its_breach_itself() -> None:
    # Given an order dispatched on time but answered after its response deadline
    order = report()
    order.dispatch(COMPANY, "维修一班", "张师傅", T0 + timedelta(hours=1))
    order.respond("抱歉来迟", T0 + timedelta(hours=30))
    # Then the response breach is recorded with the response
    events = order.collect_events()
    breach = events[-2]
    assert isinstance(breach, WorkOrder.SlaBreached)
    assert (breach.kind, breach.deadline) == ("RESPONSE", T0.astimezone(UTC) + timedelta(hours=25))


def test_a_breach_not_yet_due_is_refused() -> None:
    order = report()
    with pytest.raises(RuleViolated, match="no dispatch is overdue"):
        order.record_breach("DISPATCH", T0 + timedelta(hours=1))
    with pytest.raises(RuleViolated, match="no response is overdue"):
        order.record_breach("RESPONSE", T0 + timedelta(days=9))


def test_a_reopened_order_has_a_new_response_deadline_that_can_be_missed_again() -> None:
    # Given an order whose first response was late, then resolved and reopened
    order = report()
    order.dispatch(COMPANY, "维修一班", "张师傅", T0)
    order.record_breach("RESPONSE", T0 + timedelta(hours=25))
    order.respond("来了", T0 + timedelta(hours=26))
    order.resolve("修好了", T0 + timedelta(hours=27))
    reopened_at = T0 + timedelta(days=3)
    order.reopen("又坏了", reopened_at)
    # Then the new response clock can be breached once more, and only once
    later = reopened_at + timedelta(hours=25)
    assert order.due_breaches(later) == [("RESPONSE", (reopened_at + timedelta(hours=24)))]
    order.record_breach("RESPONSE", later)
    assert order.due_breaches(later) == []


@given(minutes=st.integers(min_value=0, max_value=60 * 72), offset=st.integers(-12, 14))
def test_a_dispatch_breach_is_due_exactly_when_the_clock_has_run_out(
    minutes: int, offset: int
) -> None:
    # Given a normal report made in any time zone
    from datetime import timezone

    at = datetime(2024, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=offset)))
    order = report(at=at)
    now = at + timedelta(minutes=minutes)
    # Then a breach is due iff more than 24 hours have passed, whatever the zone of "now"
    assert bool(order.due_breaches(now.astimezone(SHANGHAI))) == (minutes > 24 * 60)


def test_an_inspection_defect_opens_one_order_only() -> None:
    # The id of an order opened from a defect derives from it: the store refuses a second
    c = community()
    assert work_order_id(c.id, "INSPECTION", "defect-7") == work_order_id(
        c.id, "INSPECTION", "defect-7"
    )
    assert work_order_id(c.id, "RESIDENT", None) != work_order_id(c.id, "RESIDENT", None)
