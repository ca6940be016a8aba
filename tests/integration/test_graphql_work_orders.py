"""报事报修 work orders over GraphQL: the lifecycle by role, bad input, lists and filters, SLA
performance, the access matrix rows, and live updates over a real websocket."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from starlette.testclient import TestClient, WebSocketDenialResponse, WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from gongzhi.application.base import Meta, business_today
from gongzhi.application.communities import (
    AddBuilding,
    AddUnit,
    ChangeManagementMode,
    RegisterCommunity,
)
from gongzhi.application.companies import RegisterCompany
from gongzhi.application.work_orders import (
    DispatchWorkOrder,
    ResolveWorkOrder,
    RespondToWorkOrder,
    open_work_order,
)
from gongzhi.demo import credit_code
from gongzhi.graphql.app import create_app
from gongzhi.graphql.auth import Principal, Role
from gongzhi.infra.settings import Settings
from gongzhi.projections.runner import wait_for_position
from gongzhi.projections.views import PROJECTION_NAME
from tests.integration.conftest import ADMIN, Api

META = Meta(actor="admin-1", reason="建档", actor_role="PLATFORM_ADMIN")

ORDER_FIELDS = """
    id communityName source sourceRef reporter reporterRole category urgency
    place { kind buildingId unitId areaName } photos description status slaRules
    reportedAt dispatchDeadline companyId team assignee dispatchedAt responseDeadline
    respondedAt responseNote resolvedAt resolutionNote rating ratingComment reopenCount
    cancelReason dispatchBreached responseBreached responseBreaches overdue version position
"""
RESULT = f"""
    __typename
    ... on WorkOrderPayload {{ position workOrder {{ {ORDER_FIELDS} }} }}
    ... on ValidationError {{ field message }}
    ... on NotFound {{ field message }}
    ... on Conflict {{ message }}
    ... on Forbidden {{ message }}
"""
REPORT = (
    f"mutation($input: ReportWorkOrderInput!) {{ reportWorkOrder(input: $input) {{ {RESULT} }} }}"
)
DISPATCH = f"""mutation($input: DispatchWorkOrderInput!) {{
    dispatchWorkOrder(input: $input) {{ {RESULT} }} }}"""
RESPOND = f"""mutation($input: WorkOrderNoteInput!) {{
    respondToWorkOrder(input: $input) {{ {RESULT} }} }}"""
RESOLVE = f"""mutation($input: WorkOrderNoteInput!) {{
    resolveWorkOrder(input: $input) {{ {RESULT} }} }}"""
RATE = f"mutation($input: RateWorkOrderInput!) {{ rateWorkOrder(input: $input) {{ {RESULT} }} }}"
REOPEN = f"""mutation($input: WorkOrderReasonInput!) {{
    reopenWorkOrder(input: $input) {{ {RESULT} }} }}"""
CANCEL = f"""mutation($input: WorkOrderReasonInput!) {{
    cancelWorkOrder(input: $input) {{ {RESULT} }} }}"""
ONE = f"""query($id: ID!) {{ workOrder(id: $id) {{ __typename
    ... on WorkOrder {{ {ORDER_FIELDS} }} ... on NotFound {{ field message }}
    ... on ValidationError {{ field message }} }} }}"""
LIST = """query($c: ID!, $filter: WorkOrderFilter, $first: Int!, $after: String) {
    workOrders(communityId: $c, filter: $filter, first: $first, after: $after) { __typename
    ... on WorkOrderConnection { edges { cursor node { id description status } }
        pageInfo { hasNextPage endCursor } }
    ... on NotFound { field message } ... on ValidationError { field message } } }"""
PERFORMANCE_FIELDS = """__typename ... on WorkOrderPerformance { reported dispatchDue
    dispatchedOnTime dispatchedOnTimePct responseDue respondedOnTime respondedOnTimePct
    breaches resolved rated averageRating }
    ... on Forbidden { message } ... on NotFound { field message }
    ... on ValidationError { field message }"""
PERFORMANCE = f"""query($c: ID!, $since: Date!, $until: Date!) {{
    workOrderPerformance(communityId: $c, since: $since, until: $until) {{ {PERFORMANCE_FIELDS} }} }}"""
COMPANY_PERFORMANCE = f"""query($c: ID!, $since: Date!, $until: Date!) {{
    companyWorkOrderPerformance(companyId: $c, since: $since, until: $until) {{
    {PERFORMANCE_FIELDS} }} }}"""
SUBSCRIBE = """subscription($c: ID!, $since: String) {
    workOrderUpdates(communityId: $c, since: $since) { id status team version position } }"""


@dataclass
class Estate:
    """幸福里 (served by 安居物业) with building 1栋 and units 101, 102; 和平苑 elsewhere."""

    community: str
    other_community: str
    company: str
    building: str
    unit: str
    other_unit: str


def settle(api: Api) -> None:
    """Wait until the views include everything recorded so far."""
    last = api.platform.app.recorder.max_notification_id() or 0
    assert wait_for_position(api.platform.engine, PROJECTION_NAME, last, timeout=30)


def make_estate(api: Api) -> Estate:
    app = api.platform.app
    company = app.register_company(
        META, RegisterCompany(name="安居物业", credit_code=credit_code(random.Random("安居")))
    ).id
    community = app.register_community(
        META,
        RegisterCommunity(
            name="幸福里", district="红塔区", street="玉兴街道", registered_on=date(2024, 1, 1)
        ),
    ).id
    other = app.register_community(
        META,
        RegisterCommunity(
            name="和平苑", district="江川区", street="大街街道", registered_on=date(2024, 1, 1)
        ),
    ).id
    app.change_management_mode(
        META,
        ChangeManagementMode(
            community_id=community,
            mode="PROFESSIONAL",
            company_id=company,
            effective_from=date(2024, 2, 1),
        ),
    )
    building = app.add_building(
        META,
        AddBuilding(
            community_id=community,
            number="1栋",
            floors=6,
            has_elevator=False,
            entrance_numbers=["1单元"],
        ),
    ).part_id
    assert building is not None
    entrance = next(iter(app.community(community).buildings[building].entrances))
    units = [
        app.add_unit(
            META,
            AddUnit(
                community_id=community,
                entrance_id=entrance,
                number=number,
                floor=1,
                area="80.00",
                area_source="REGISTER",
            ),
        ).part_id
        for number in ("101", "102")
    ]
    settle(api)
    return Estate(
        str(community), str(other), str(company), str(building), str(units[0]), str(units[1])
    )


@pytest.fixture
def estate(api: Api) -> Estate:
    return make_estate(api)


def staff(e: Estate) -> Principal:
    return Principal(subject="staff-1", role=Role.COMPANY_STAFF, company_id=UUID(e.company))


def resident(e: Estate, subject: str = "owner-101") -> Principal:
    unit = e.unit if subject == "owner-101" else e.other_unit
    return Principal(subject=subject, role=Role.RESIDENT, unit_ids=(UUID(unit),))


def committee(e: Estate) -> Principal:
    return Principal(subject="ywh-1", role=Role.COMMITTEE_MEMBER, community_id=UUID(e.community))


def call(api: Api, mutation: str, as_: Principal = ADMIN, **fields: Any) -> dict[str, Any]:
    data = api.gql(mutation, {"input": {"reason": "处理报修", **fields}}, as_=as_)
    result: dict[str, Any] = next(iter(data.values()))
    return result


def report(api: Api, e: Estate, as_: Principal | None = None, **overrides: Any) -> dict[str, Any]:
    fields = {
        "communityId": e.community,
        "category": "PLUMBING",
        "description": "厨房下水道堵塞",
        "place": {"kind": "UNIT", "unitId": e.unit},
        "photos": ["oss://repairs/101-sink.jpg"],
        **overrides,
    }
    return call(api, REPORT, as_=as_ or resident(e), **fields)


def order_of(result: dict[str, Any]) -> dict[str, Any]:
    assert result["__typename"] == "WorkOrderPayload", result
    order: dict[str, Any] = result["workOrder"]
    return order


# --- the lifecycle -------------------------------------------------------------------------


def test_a_resident_reports_the_company_fixes_and_the_resident_rates(
    api: Api, estate: Estate
) -> None:
    # Given a resident's report about their own unit
    order = order_of(report(api, estate))
    assert (order["status"], order["source"], order["reporter"]) == (
        "REPORTED",
        "RESIDENT",
        "owner-101",
    )
    assert order["place"]["buildingId"] == estate.building
    reported = datetime.fromisoformat(order["reportedAt"])
    assert datetime.fromisoformat(order["dispatchDeadline"]) - reported == timedelta(hours=24)

    # When the serving company dispatches, answers and resolves it
    who = staff(estate)
    dispatched = order_of(
        call(api, DISPATCH, as_=who, workOrderId=order["id"], team="维修一班", assignee="张师傅")
    )
    assert dispatched["companyId"] == estate.company
    assert dispatched["responseDeadline"] is not None
    call(api, RESPOND, as_=who, workOrderId=order["id"], note="已电话联系，今晚上门")
    resolved = order_of(
        call(api, RESOLVE, as_=who, workOrderId=order["id"], note="已疏通，更换存水弯")
    )
    assert resolved["status"] == "RESOLVED"

    # And the resident rates it
    rated = order_of(
        call(api, RATE, as_=resident(estate), workOrderId=order["id"], rating=5, comment="及时")
    )

    # Then the order shows every step, on time, and its history says who did what
    assert (rated["rating"], rated["ratingComment"], rated["dispatchBreached"]) == (
        5,
        "及时",
        False,
    )
    assert (rated["team"], rated["assignee"], rated["overdue"]) == ("维修一班", "张师傅", False)
    history = api.gql(
        """query($id: ID!) { history(id: $id) { ... on HistoryConnection {
        entries { eventType actor actorRole } } } }""",
        {"id": order["id"]},
        as_=committee(estate),
    )["history"]["entries"]
    assert [(h["eventType"], h["actor"]) for h in history] == [
        ("Reported", "owner-101"),
        ("Dispatched", "staff-1"),
        ("Responded", "staff-1"),
        ("Resolved", "staff-1"),
        ("Rated", "owner-101"),
    ]


def test_a_reopened_order_goes_back_to_the_team_unrated(api: Api, estate: Estate) -> None:
    # Given a resolved and rated order
    order_id = order_of(report(api, estate))["id"]
    who = staff(estate)
    call(api, DISPATCH, as_=who, workOrderId=order_id, team="维修一班", assignee="张师傅")
    call(api, RESPOND, as_=who, workOrderId=order_id, note="马上到")
    call(api, RESOLVE, as_=who, workOrderId=order_id, note="已修好")
    call(api, RATE, as_=resident(estate), workOrderId=order_id, rating=2)

    # When the resident reopens it
    reopened = order_of(
        call(api, REOPEN, as_=resident(estate), workOrderId=order_id, reason="第二天又堵了")
    )

    # Then it waits for a new response, unrated; and can be cancelled by the company
    assert (reopened["status"], reopened["rating"], reopened["reopenCount"]) == (
        "DISPATCHED",
        None,
        1,
    )
    cancelled = order_of(call(api, CANCEL, as_=who, workOrderId=order_id, reason="业主自行维修"))
    assert (cancelled["status"], cancelled["cancelReason"]) == ("CANCELLED", "业主自行维修")


def test_a_reopened_order_keeps_its_first_attempt_and_its_reporter_reads_its_history(
    api: Api, estate: Estate
) -> None:
    # Given an order answered, resolved and rated 2, then reopened by its reporter (issue 15)
    order_id = order_of(report(api, estate))["id"]
    who = staff(estate)
    call(api, DISPATCH, as_=who, workOrderId=order_id, team="维修一班", assignee="张师傅")
    call(api, RESPOND, as_=who, workOrderId=order_id, note="马上到")
    call(api, RESOLVE, as_=who, workOrderId=order_id, note="已修好")
    call(api, RATE, as_=resident(estate), workOrderId=order_id, rating=2, comment="又堵了")
    call(api, REOPEN, as_=resident(estate), workOrderId=order_id, reason="第二天又堵了")

    # Then the view keeps the first attempt's response, resolution and rating as history
    order = api.gql(
        """query($id: ID!) { workOrder(id: $id) { ... on WorkOrder { rating earlierAttempts {
        responseNote resolutionNote rating ratingComment reopenedAt } } } }""",
        {"id": order_id},
        as_=who,
    )["workOrder"]
    assert order["rating"] is None
    [first] = order["earlierAttempts"]
    assert (first["responseNote"], first["resolutionNote"], first["rating"]) == (
        "马上到",
        "已修好",
        2,
    )
    assert first["ratingComment"] == "又堵了" and first["reopenedAt"]
    # And the performance figures count the first attempt's response and rating
    today = business_today()
    period = {"since": (today - timedelta(days=1)).isoformat(), "until": today.isoformat()}
    figures = api.gql(PERFORMANCE, {"c": estate.community, **period}, as_=committee(estate))
    performance = figures["workOrderPerformance"]
    assert (performance["responseDue"], performance["respondedOnTime"]) == (1, 1)
    assert (performance["rated"], performance["averageRating"]) == (1, "2.00")
    # And the reporter, a resident, reads the order's history; another resident may not
    query = """query($id: ID!) { history(id: $id) { __typename
        ... on HistoryConnection { entries { eventType } } } }"""
    own = api.gql(query, {"id": order_id}, as_=resident(estate))["history"]
    assert [x["eventType"] for x in own["entries"]][-2:] == ["Rated", "Reopened"]
    other = api.gql(query, {"id": order_id}, as_=resident(estate, "owner-102"))["history"]
    assert other["__typename"] == "Forbidden"


def test_bad_input_and_wrong_steps_get_typed_errors_with_field_paths(
    api: Api, estate: Estate
) -> None:
    # An unknown building or unit, a common area without its name
    bad_building = report(
        api, estate, as_=ADMIN, place={"kind": "BUILDING", "buildingId": estate.community}
    )
    # (an id that is no building is refused before the command runs, as not found)
    assert bad_building == {
        "__typename": "NotFound",
        "field": "input.place.buildingId",
        "message": "no building with this id",
    }
    assert (
        report(api, estate, as_=ADMIN, place={"kind": "UNIT", "unitId": estate.community})["field"]
        == "input.place.unitId"
    )
    assert report(api, estate, as_=ADMIN, place={"kind": "COMMON_AREA"})["field"] == (
        "input.place.areaName"
    )
    assert report(api, estate, as_=ADMIN, place={"kind": "UNIT", "unitId": "x"})["field"] == (
        "input.place.unitId"
    )
    # A resident cannot report as a company; an empty description; an empty reason
    assert report(api, estate, source="COMPANY")["message"] == "a RESIDENT reports as RESIDENT"
    assert report(api, estate, description=" ")["field"] == "input.description"
    assert report(api, estate, reason=" ")["field"] == "input.reason"
    # Steps out of order and out of range
    order_id = order_of(report(api, estate))["id"]
    wrong = call(api, RESPOND, as_=staff(estate), workOrderId=order_id, note="来了")
    assert wrong == {
        "__typename": "ValidationError",
        "field": "input.workOrderId",
        "message": "a reported work order cannot be answered; only a dispatched one can",
    }
    assert call(api, RATE, as_=resident(estate), workOrderId=order_id, rating=5)["message"] == (
        "a reported work order cannot be rated; only a resolved one can"
    )
    missing = call(api, CANCEL, workOrderId=estate.community, reason="撤销")
    assert (missing["__typename"], missing["field"]) == ("NotFound", "input.workOrderId")
    assert call(api, CANCEL, workOrderId="nope")["field"] == "input.workOrderId"
    # And nothing was half-applied: the order is still as reported
    assert api.gql(ONE, {"id": order_id})["workOrder"]["status"] == "REPORTED"


def test_another_communitys_building_or_order_is_refused_and_records_nothing(
    api: Api, estate: Estate
) -> None:
    # Given a building and an order of 和平苑 (another district, not served by 安居物业)
    app = api.platform.app
    foreign_building = app.add_building(
        META,
        AddBuilding(
            community_id=UUID(estate.other_community),
            number="9栋",
            floors=6,
            has_elevator=False,
            entrance_numbers=["1单元"],
        ),
    ).part_id
    street = Principal(subject="street-1", role=Role.REGULATOR, districts=("江川区",))
    foreign_order = order_of(
        report(
            api,
            estate,
            as_=street,
            communityId=estate.other_community,
            place={"kind": "COMMUNITY"},
        )
    )["id"]
    settle(api)
    before = api.platform.app.recorder.max_notification_id()
    # When the committee and the staff of 幸福里 report in 幸福里 naming 和平苑's building
    for who in (committee(estate), staff(estate)):
        refused = report(
            api, estate, as_=who, place={"kind": "BUILDING", "buildingId": str(foreign_building)}
        )
        # Then it is not found for them, and named by its field
        assert (refused["__typename"], refused["field"]) == ("NotFound", "input.place.buildingId")
    # And an administrator naming it in 幸福里 is told it is not in that community
    misplaced = report(
        api, estate, as_=ADMIN, place={"kind": "BUILDING", "buildingId": str(foreign_building)}
    )
    assert misplaced == {
        "__typename": "ValidationError",
        "field": "input.place.buildingId",
        "message": "this building is not in that community",
    }
    # And 安居物业's staff may not dispatch 和平苑's order
    dispatched = call(
        api, DISPATCH, as_=staff(estate), workOrderId=foreign_order, team="A", assignee="B"
    )
    assert dispatched["__typename"] == "Forbidden"
    # And nothing was recorded
    assert api.platform.app.recorder.max_notification_id() == before


def test_only_the_serving_company_handles_and_only_the_reporter_rates(
    api: Api, estate: Estate
) -> None:
    # Given a resolved order reported by the resident of 101
    order_id = order_of(report(api, estate))["id"]
    outsider = Principal(subject="other-staff", role=Role.COMPANY_STAFF, company_id=UUID(int=7))
    refused = call(api, DISPATCH, as_=outsider, workOrderId=order_id, team="A", assignee="B")
    assert refused["__typename"] == "Forbidden"
    who = staff(estate)
    call(api, DISPATCH, as_=who, workOrderId=order_id, team="维修一班", assignee="张师傅")
    call(api, RESPOND, as_=who, workOrderId=order_id, note="马上到")
    call(api, RESOLVE, as_=who, workOrderId=order_id, note="已修好")
    # Then a neighbour and the committee may not rate it; the neighbour does not even see it
    neighbour = resident(estate, "owner-102")
    assert call(api, RATE, as_=neighbour, workOrderId=order_id, rating=1)["__typename"] == (
        "Forbidden"
    )
    assert call(api, RATE, as_=committee(estate), workOrderId=order_id, rating=1)["__typename"] == (
        "Forbidden"
    )
    assert api.gql(ONE, {"id": order_id}, as_=neighbour)["workOrder"]["__typename"] == "NotFound"
    # And a resident may not report about someone else's unit
    assert (
        report(api, estate, as_=neighbour, place={"kind": "UNIT", "unitId": estate.unit})[
            "__typename"
        ]
        == "Forbidden"
    )


def test_where_no_company_serves_the_street_office_handles_the_order(
    api: Api, estate: Estate
) -> None:
    # Given a grid worker's report in 和平苑, which no company serves
    street = Principal(subject="street-1", role=Role.REGULATOR, districts=("江川区",))
    order = order_of(
        report(
            api,
            estate,
            as_=street,
            communityId=estate.other_community,
            place={"kind": "COMMON_AREA", "areaName": "小区大门"},
            description="大门损坏",
        )
    )
    assert order["source"] == "GRID_WORKER"
    # When the street office dispatches it to its own team
    dispatched = order_of(
        call(api, DISPATCH, as_=street, workOrderId=order["id"], team="街道维修队", assignee="王")
    )
    # Then it is dispatched to no company; the 红塔区 office may not touch it
    assert (dispatched["status"], dispatched["companyId"]) == ("DISPATCHED", None)
    elsewhere = Principal(subject="street-2", role=Role.REGULATOR, districts=("红塔区",))
    refused = call(api, RESPOND, as_=elsewhere, workOrderId=order["id"], note="到")
    assert refused["__typename"] == "Forbidden"


# --- lists -----------------------------------------------------------------------------------


def test_lists_filter_by_status_category_urgency_and_breach_and_page_newest_first(
    api: Api, estate: Estate
) -> None:
    # Given three reports: a leak, an emergency lift failure, a dark corridor light
    leak = order_of(report(api, estate, description="漏水"))["id"]
    lift = order_of(
        report(
            api,
            estate,
            as_=committee(estate),
            description="电梯困人",
            category="ELEVATOR",
            urgency="EMERGENCY",
            place={"kind": "BUILDING", "buildingId": estate.building},
        )
    )
    light = order_of(
        report(
            api,
            estate,
            as_=committee(estate),
            description="楼道灯不亮",
            category="ELECTRICAL",
            place={"kind": "COMMON_AREA", "buildingId": estate.building, "areaName": "1栋楼道"},
        )
    )["id"]
    assert lift["source"] == "GRID_WORKER"
    assert datetime.fromisoformat(lift["dispatchDeadline"]) - datetime.fromisoformat(
        lift["reportedAt"]
    ) == timedelta(hours=2)
    call(api, DISPATCH, as_=staff(estate), workOrderId=leak, team="维修一班", assignee="张师傅")
    # And the lift's dispatch deadline passed (the watchdog's record, at a time of its choosing)
    later = datetime.now(UTC) + timedelta(hours=3)
    watchdog = Meta(actor="sla-watchdog", reason="超时", actor_role="SYSTEM")
    assert api.platform.app.record_sla_breaches(watchdog, UUID(lift["id"]), later) is not None
    settle(api)

    def ids(filter: dict[str, Any] | None = None, first: int = 10, after: str | None = None):
        result = api.gql(
            LIST, {"c": estate.community, "filter": filter, "first": first, "after": after}
        )["workOrders"]
        return [edge["node"]["id"] for edge in result["edges"]], result["pageInfo"]

    # Then filters select, newest first
    assert ids()[0] == [light, lift["id"], leak]
    assert ids({"status": ["DISPATCHED"]})[0] == [leak]
    assert ids({"status": ["REPORTED", "CANCELLED"]})[0] == [light, lift["id"]]
    assert ids({"category": "ELEVATOR"})[0] == [lift["id"]]
    assert ids({"urgency": "NORMAL"})[0] == [light, leak]
    assert ids({"breached": True})[0] == [lift["id"]]
    assert ids({"breached": False})[0] == [light, leak]
    # And pages follow each other without gaps or repeats
    first_page, info = ids(first=2)
    second_page, last_info = ids(first=2, after=info["endCursor"])
    assert (first_page, info["hasNextPage"]) == ([light, lift["id"]], True)
    assert (second_page, last_info["hasNextPage"]) == ([leak], False)
    # And bad arguments are typed errors
    bad = api.gql(LIST, {"c": estate.community, "first": 0})["workOrders"]
    assert (bad["__typename"], bad["field"]) == ("ValidationError", "first")
    bad = api.gql(LIST, {"c": estate.community, "first": 5, "after": "bm9wZQ"})["workOrders"]
    assert (bad["__typename"], bad["field"]) == ("ValidationError", "after")


def test_residents_see_their_own_reports_and_other_communities_stay_hidden(
    api: Api, estate: Estate
) -> None:
    # Given a report by each of two residents
    mine = order_of(report(api, estate))["id"]
    report(
        api,
        estate,
        as_=resident(estate, "owner-102"),
        place={"kind": "UNIT", "unitId": estate.other_unit},
    )

    def listed(who: Principal, community: str) -> Any:
        result = api.gql(LIST, {"c": community, "first": 10}, as_=who)["workOrders"]
        if result["__typename"] != "WorkOrderConnection":
            return result["__typename"]
        return [edge["node"]["id"] for edge in result["edges"]]

    # Then each resident sees their own, the committee both, and nobody else's community
    assert listed(resident(estate), estate.community) == [mine]
    assert len(listed(committee(estate), estate.community)) == 2
    assert listed(committee(estate), estate.other_community) == "NotFound"
    regulator = Principal(subject="reg", role=Role.REGULATOR, districts=("江川区",))
    assert listed(regulator, estate.community) == "NotFound"


def test_another_communitys_orders_are_not_found_by_name(api: Api, estate: Estate) -> None:
    # Given an order in 幸福里 and the committee of 和平苑
    order_id = order_of(report(api, estate))["id"]
    settle(api)
    other = Principal(
        subject="ywh-2", role=Role.COMMITTEE_MEMBER, community_id=UUID(estate.other_community)
    )
    period = {"since": "2024-01-01", "until": "2024-12-31"}

    # When it names 幸福里's order or 幸福里 itself
    one = api.gql(ONE, {"id": order_id}, as_=other)["workOrder"]
    listed = api.gql(LIST, {"c": estate.community, "first": 10}, as_=other)["workOrders"]
    figures = api.gql(PERFORMANCE, {"c": estate.community, **period}, as_=other)

    # Then each is NotFound naming the argument, and shows nothing of the order
    assert (one["__typename"], one["field"]) == ("NotFound", "id")
    assert (listed["__typename"], listed["field"]) == ("NotFound", "communityId")
    performance = figures["workOrderPerformance"]
    assert (performance["__typename"], performance["field"]) == ("NotFound", "communityId")
    # And another company's staff still may not read the company's figures
    outsider = Principal(subject="other-staff", role=Role.COMPANY_STAFF, company_id=UUID(int=7))
    company = api.gql(COMPANY_PERFORMANCE, {"c": estate.company, **period}, as_=outsider)
    assert company["companyWorkOrderPerformance"]["__typename"] == "Forbidden"


# --- performance -----------------------------------------------------------------------------


def test_sla_performance_counts_on_time_steps_breaches_and_ratings(
    api: Api, estate: Estate
) -> None:
    # Given three orders: one handled on time and rated 4, one answered late, one never dispatched
    who = staff(estate)
    on_time = order_of(report(api, estate, description="漏水"))["id"]
    call(api, DISPATCH, as_=who, workOrderId=on_time, team="一班", assignee="张")
    call(api, RESPOND, as_=who, workOrderId=on_time, note="到")
    call(api, RESOLVE, as_=who, workOrderId=on_time, note="修好")
    call(api, RATE, as_=resident(estate), workOrderId=on_time, rating=4)
    late = order_of(report(api, estate, description="灯坏"))["id"]
    call(api, DISPATCH, as_=who, workOrderId=late, team="一班", assignee="张")
    forgotten = order_of(report(api, estate, description="井盖松动"))["id"]
    watchdog = Meta(actor="sla-watchdog", reason="超时", actor_role="SYSTEM")
    later = datetime.now(UTC) + timedelta(hours=30)
    for order_id in (late, forgotten):
        api.platform.app.record_sla_breaches(watchdog, UUID(order_id), later)
    settle(api)
    today = business_today()  # the report's day in Shanghai, not in UTC
    period = {"since": (today - timedelta(days=1)).isoformat(), "until": today.isoformat()}

    # When the committee reads its community's figures and a regulator the company's
    community = api.gql(PERFORMANCE, {"c": estate.community, **period}, as_=committee(estate))
    regulator = Principal(subject="reg", role=Role.REGULATOR, districts=("红塔区",))
    company = api.gql(COMPANY_PERFORMANCE, {"c": estate.company, **period}, as_=regulator)

    # Then: 2 of 3 due dispatches on time, 1 of 2 due responses, 2 breaches, rating 4.00
    expected = {
        "__typename": "WorkOrderPerformance",
        "reported": 3,
        "dispatchDue": 3,
        "dispatchedOnTime": 2,
        "dispatchedOnTimePct": "66.7",
        "responseDue": 2,
        "respondedOnTime": 1,
        "respondedOnTimePct": "50.0",
        "breaches": 2,
        "resolved": 1,
        "rated": 1,
        "averageRating": "4.00",
    }
    assert community["workOrderPerformance"] == expected
    # The company's figures count the orders dispatched to it: the forgotten one never was
    assert company["companyWorkOrderPerformance"] == {
        **expected,
        "reported": 2,
        "dispatchDue": 2,
        "dispatchedOnTime": 2,
        "dispatchedOnTimePct": "100.0",
        "breaches": 1,
    }
    # And a period before any order has no shares, a reversed period is refused
    empty = api.gql(
        PERFORMANCE, {"c": estate.community, "since": "2020-01-01", "until": "2020-12-31"}
    )
    assert empty["workOrderPerformance"]["dispatchedOnTimePct"] is None
    reversed_ = api.gql(
        PERFORMANCE, {"c": estate.community, "since": "2024-02-01", "until": "2024-01-01"}
    )
    assert reversed_["workOrderPerformance"]["field"] == "until"
    assert (
        api.gql(PERFORMANCE, {"c": estate.community, **period}, as_=resident(estate))[
            "workOrderPerformance"
        ]["__typename"]
        == "Forbidden"
    )


# --- opened from an inspection -------------------------------------------------------------


def test_an_inspection_defect_opens_one_work_order_however_often_it_is_asked(
    api: Api, estate: Estate
) -> None:
    # When another slice opens a work order for a defect twice (a retried job)
    app = api.platform.app
    meta = Meta(actor="inspector-1", reason="巡查发现消防通道堵塞", actor_role="COMPANY_STAFF")
    fields = {
        "community_id": UUID(estate.community),
        "source_ref": "inspection-7/defect-2",
        "description": "消防通道堆放杂物",
        "category": "FIRE_SAFETY",
    }
    first = open_work_order(app, meta, **fields)
    second = open_work_order(app, meta, **fields)
    # Then there is one order, and the second call only names it
    assert second.id == first.id
    assert second.position == 0
    settle(api)
    order = api.gql(ONE, {"id": str(first.id)})["workOrder"]
    assert (order["source"], order["sourceRef"], order["version"]) == (
        "INSPECTION",
        "inspection-7/defect-2",
        1,
    )


# --- live updates ------------------------------------------------------------------------------


def connect(ws: WebSocketTestSession, payload: dict[str, Any] | None) -> dict[str, Any]:
    ws.send_json({"type": "connection_init", "payload": payload or {}})
    message: dict[str, Any] = ws.receive_json()
    return message


def subscribe(ws: WebSocketTestSession, community: str, since: str | None = None) -> None:
    ws.send_json(
        {
            "id": "1",
            "type": "subscribe",
            "payload": {"query": SUBSCRIBE, "variables": {"c": community, "since": since}},
        }
    )


def test_a_subscriber_gets_each_change_of_its_communitys_orders(api: Api, estate: Estate) -> None:
    # Given a reported order, and the committee subscribed since that report
    reported = report(api, estate)
    order_id = reported["workOrder"]["id"]
    token = f"Bearer {api.token(committee(estate))}"
    with api.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        assert connect(ws, {"authorization": token}) == {"type": "connection_ack"}
        subscribe(ws, estate.community, since=reported["position"])

        # When the company dispatches it, then answers it
        call(api, DISPATCH, as_=staff(estate), workOrderId=order_id, team="一班", assignee="张")
        first = ws.receive_json()
        call(api, RESPOND, as_=staff(estate), workOrderId=order_id, note="到")
        second = ws.receive_json()

        # Then each change arrives, in order, as the order now stands
        assert first["type"] == "next"
        assert first["payload"]["data"]["workOrderUpdates"]["status"] == "DISPATCHED"
        assert first["payload"]["data"]["workOrderUpdates"]["team"] == "一班"
        update = second["payload"]["data"]["workOrderUpdates"]
        assert (update["id"], update["status"], update["version"]) == (order_id, "RESPONDED", 3)
        ws.send_json({"id": "1", "type": "complete"})


def test_a_resident_subscriber_gets_only_the_orders_they_reported(api: Api, estate: Estate) -> None:
    # Given the resident of 101 subscribed from the current log position
    start = str(api.platform.app.recorder.max_notification_id() or 0)
    token = f"Bearer {api.token(resident(estate))}"
    with api.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        assert connect(ws, {"authorization": token}) == {"type": "connection_ack"}
        subscribe(ws, estate.community, since=start)

        # When the neighbour reports first, then the subscriber
        report(
            api,
            estate,
            as_=resident(estate, "owner-102"),
            place={"kind": "UNIT", "unitId": estate.other_unit},
        )
        mine = order_of(report(api, estate))["id"]

        # Then the first (and only) update is the subscriber's own report
        update = ws.receive_json()["payload"]["data"]["workOrderUpdates"]
        assert (update["id"], update["status"]) == (mine, "REPORTED")


def test_a_token_in_the_header_signs_a_websocket_in_too(api: Api, estate: Estate) -> None:
    reported = report(api, estate)
    headers = {"Authorization": f"Bearer {api.token(staff(estate))}"}
    with api.client.websocket_connect(
        "/graphql", subprotocols=["graphql-transport-ws"], headers=headers
    ) as ws:
        assert connect(ws, None) == {"type": "connection_ack"}
        subscribe(ws, estate.community, since=str(int(reported["position"]) - 1))
        update = ws.receive_json()["payload"]["data"]["workOrderUpdates"]
        assert (update["id"], update["status"]) == (reported["workOrder"]["id"], "REPORTED")


def test_a_websocket_without_a_valid_token_gets_no_data(api: Api, estate: Estate) -> None:
    report(api, estate)
    # Without a token in connection_init: refused before any operation
    with api.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {}})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4403
    # A forged token: the same
    with api.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"authorization": "Bearer x.y.z"}})
        with pytest.raises(WebSocketDisconnect):
            ws.receive_json()
    # A subscribe before signing in is refused too
    with api.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        subscribe(ws, estate.community, since="0")
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4401
    # A bad Authorization header is refused at the door, as HTTP refuses it: 401
    with (
        pytest.raises(WebSocketDenialResponse) as denied,
        api.client.websocket_connect(
            "/graphql",
            subprotocols=["graphql-transport-ws"],
            headers={"Authorization": "Bearer nope"},
        ) as ws,
    ):
        ws.receive_json()
    assert denied.value.status_code == 401


def test_a_subscriber_outside_the_community_gets_an_error_and_no_orders(
    api: Api, estate: Estate
) -> None:
    report(api, estate)
    outsider = Principal(
        subject="ywh-2", role=Role.COMMITTEE_MEMBER, community_id=UUID(estate.other_community)
    )
    with api.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        connect(ws, {"authorization": f"Bearer {api.token(outsider)}"})
        subscribe(ws, estate.community, since="0")
        message = ws.receive_json()
        assert message["type"] in {"error", "next"}
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert "no community with id" in errors[0]["message"]
        assert "data" not in message["payload"] or not message["payload"].get("data")


# --- the access matrix -----------------------------------------------------------------------

_ALLOWED, _DENIED = "allowed", "denied"


def _outcome(result: dict[str, Any]) -> str:
    kind = result["__typename"]
    if kind == "Forbidden":
        return _DENIED
    assert kind.endswith("Payload") or kind == "WorkOrderPerformance", result
    return _ALLOWED


def _opened(api: Api, w: Any, ref: str, reporter: str = "admin", steps: int = 0) -> str:
    """An order of 幸福里 reported by ``reporter``, taken ``steps`` along (3: resolved);
    opened once per ``ref`` however often it is asked for."""
    app = api.platform.app
    meta = Meta(actor=reporter, reason="矩阵", actor_role="PLATFORM_ADMIN")
    done = open_work_order(
        app,
        meta,
        community_id=UUID(w.xingfu),
        source="RESIDENT",
        source_ref=ref,
        description="报修",
    )
    if done.position:
        order_id = done.id
        commands = [
            lambda: app.dispatch_work_order(
                meta, DispatchWorkOrder(work_order_id=order_id, team="一班", assignee="张")
            ),
            lambda: app.respond_to_work_order(
                meta, RespondToWorkOrder(work_order_id=order_id, note="到")
            ),
            lambda: app.resolve_work_order(
                meta, ResolveWorkOrder(work_order_id=order_id, note="好")
            ),
        ]
        for command in commands[:steps]:
            command()
    api.settle()  # the mutations find the order in the views
    return str(done.id)


def _handle(name: str, mutation: str, steps: int, **fields: Any) -> Any:
    """The company's command on a fresh order of 幸福里, ``steps`` along."""

    def operation(api: Api, w: Any, p: Principal) -> str:
        order_id = _opened(api, w, f"{name}-{p.subject}", steps=steps)
        return _outcome(call(api, mutation, as_=p, workOrderId=order_id, **fields))

    return operation


def _follow_up(name: str, mutation: str, **fields: Any) -> Any:
    """The reporter's command on a resolved order of 幸福里 that "owner" reported."""

    def operation(api: Api, w: Any, p: Principal) -> str:
        order_id = _opened(api, w, f"{name}-{p.subject}", "owner", steps=3)
        return _outcome(call(api, mutation, as_=p, workOrderId=order_id, **fields))

    return operation


def _report_in(community: str) -> Any:
    return lambda api, w, p: _outcome(
        call(
            api,
            REPORT,
            as_=p,
            communityId=getattr(w, community),
            category="GREENING",
            description="树枝折断",
            place={"kind": "COMMON_AREA", "areaName": "中心花园"},
        )
    )


def _visible(api: Api, w: Any, p: Principal) -> Any:
    _opened(api, w, "visible-admin")
    _opened(api, w, "visible-owner", "owner")
    settle(api)
    result = api.gql(LIST, {"c": w.xingfu, "first": 10}, as_=p)["workOrders"]
    return len(result["edges"]) if result["__typename"] == "WorkOrderConnection" else "hidden"


def _history(api: Api, w: Any, p: Principal) -> str:
    order_id = _opened(api, w, "history")
    settle(api)
    result = api.gql("query($id: ID!) { history(id: $id) { __typename } }", {"id": order_id}, as_=p)
    return _DENIED if result["history"]["__typename"] == "Forbidden" else _ALLOWED


WORK_ORDER_OPERATIONS: dict[str, Any] = {
    "reportWorkOrder in 幸福里": _report_in("xingfu"),
    "reportWorkOrder in 和平苑": _report_in("heping"),
    "dispatchWorkOrder": _handle("dispatch", DISPATCH, 0, team="一班", assignee="张"),
    "respondToWorkOrder": _handle("respond", RESPOND, 1, note="到"),
    "resolveWorkOrder": _handle("resolve", RESOLVE, 2, note="好"),
    "cancelWorkOrder": _handle("cancel", CANCEL, 0),
    "rateWorkOrder": _follow_up("rate", RATE, rating=5),
    "reopenWorkOrder": _follow_up("reopen", REOPEN),
    "workOrders of 幸福里": _visible,
    "workOrderPerformance of 幸福里": lambda api, w, p: _outcome(
        api.gql(PERFORMANCE, {"c": w.xingfu, "since": "2024-01-01", "until": "2024-12-31"}, as_=p)[
            "workOrderPerformance"
        ]
    ),
    "history of a work order in 幸福里": _history,
}

_EVERYONE = dict(
    admin=_ALLOWED, regulator=_ALLOWED, company=_ALLOWED, committee=_ALLOWED, resident=_ALLOWED
)
_COMPANY = dict(
    admin=_ALLOWED, regulator=_DENIED, company=_ALLOWED, committee=_DENIED, resident=_DENIED
)
_REPORTER = dict(
    admin=_ALLOWED, regulator=_DENIED, company=_DENIED, committee=_DENIED, resident=_ALLOWED
)
_STEWARDS = dict(
    admin=_ALLOWED, regulator=_ALLOWED, company=_ALLOWED, committee=_ALLOWED, resident=_DENIED
)
WORK_ORDER_EXPECTED: dict[str, dict[str, object]] = {
    "reportWorkOrder in 幸福里": _EVERYONE,
    "reportWorkOrder in 和平苑": dict(
        admin=_ALLOWED, regulator=_ALLOWED, company=_DENIED, committee=_DENIED, resident=_DENIED
    ),
    "dispatchWorkOrder": _COMPANY,
    "respondToWorkOrder": _COMPANY,
    "resolveWorkOrder": _COMPANY,
    "cancelWorkOrder": _COMPANY,
    "rateWorkOrder": _REPORTER,
    "reopenWorkOrder": _REPORTER,
    "workOrders of 幸福里": dict(admin=2, regulator=2, company=2, committee=2, resident=1),
    "workOrderPerformance of 幸福里": _STEWARDS,
    "history of a work order in 幸福里": _STEWARDS,
}


def test_a_mutation_holds_one_pool_connection_at_a_time(
    api: Api, estate: Estate, settings: Settings
) -> None:
    # Given an API whose query pool has one connection beside the one that listens for the
    # views (a pool of two), and an order reported
    order = order_of(report(api, estate))
    small = replace(settings, pool_size=1)
    answers: list[Any] = []

    def dispatch() -> None:
        # When staff dispatch it: the target rule reads the order's reporter and unit
        with TestClient(create_app(small, api.platform.app)) as client:
            answers.append(
                client.post(
                    "/graphql",
                    json={
                        "query": DISPATCH,
                        "variables": {
                            "input": {
                                "workOrderId": order["id"],
                                "team": "水电班",
                                "assignee": "李师傅",
                                "reason": "派单",
                            }
                        },
                    },
                    headers={"Authorization": f"Bearer {api.token(staff(estate))}"},
                )
            )

    sending = threading.Thread(target=dispatch, daemon=True)
    sending.start()
    sending.join(timeout=60)

    # Then it is answered: no request waits for a second connection while holding one
    assert not sending.is_alive(), "the mutation waited for a connection it can never get"
    assert answers[0].status_code == 200, answers[0].text
    assert "WorkOrderPayload" in answers[0].text or "Recorded" in answers[0].text, answers[0].text
