"""设施与巡检 over GraphQL: registering facilities, statuses, inspections and defects, the
inspections due per community and district, the facility figures against hand-computed values,
bad input, history, and the access-matrix rows."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest

from gongzhi.application.communities import AddBuilding
from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import Api
from tests.integration.test_graphql_bad_input import event_count
from tests.integration.test_graphql_communities import (
    ADD_BUILDING,
    ADD_UNIT,
    building_with_entrance,
    register,
)
from tests.integration.test_graphql_work_orders import META as WO_META
from tests.integration.test_graphql_work_orders import make_estate
from tests.integration.test_graphql_work_orders import staff as wo_staff

FACILITY_FIELDS = """
    id communityId type category name buildingId buildingNumber entranceId entranceNumber
    place quantity areaM2 installedOn expectedLifeYears endOfLifeOn status statusSince
    retiredOn version
    statusHistory { status on }
    inspections { id kind inspectedOn inspector outcome note photoRefs nextDueOn ruleSet
        ruleSetVersion defects { id severity description workOrderId resolvedOn } }
    openDefects { id description severity foundOn workOrderId }
"""

RESULT = f"""
    __typename
    ... on FacilityPayload {{ partId position facility {{ {FACILITY_FIELDS} }} }}
    ... on ValidationError {{ field message }}
    ... on NotFound {{ field message }}
    ... on Conflict {{ message }}
    ... on Forbidden {{ message }}
"""

DUE = """
query($c: ID, $d: String, $on: Date, $within: Int! = 0, $overdueOnly: Boolean! = false,
      $first: Int! = 50, $after: String) {
  inspectionsDue(communityId: $c, district: $d, on: $on, withinDays: $within,
                 overdueOnly: $overdueOnly, first: $first, after: $after) {
    __typename
    ... on InspectionDueConnection { edges { cursor node { facilityName facilityType
        communityName kind dueOn lastInspectedOn overdue overdueDays } }
        pageInfo { hasNextPage endCursor } }
    ... on ValidationError { field message }
    ... on NotFound { field message }
    ... on Forbidden { message }
  }
}"""

FIGURES = """
query($c: ID!, $on: Date) { facilityFigures(communityId: $c, on: $on) {
  __typename
  ... on FacilityFigures { requiredFireSafetyGroups coveredFireSafetyGroups fireSafetyCoverage
      overdueInspections openDefects facilitiesInUse meanAgeMonths meanLifeUsed
      pastExpectedLife elevatorInspectionOverdue elevatorMaintenanceOverdue serviceSpaceM2
      households serviceSpacePer100Households }
  ... on NotFound { field message }
  ... on Forbidden { message }
} }"""

LIST = """
query($c: ID!, $filter: FacilityFilter, $first: Int! = 20, $after: String) {
  facilities(communityId: $c, filter: $filter, first: $first, after: $after) {
    __typename
    ... on FacilityConnection { edges { node { name type status quantity areaM2
        statusOn(date: "2025-06-15") ageMonthsOn(date: "2025-06-15")
        remainingLifeDaysOn(date: "2025-06-15") } } pageInfo { hasNextPage endCursor } }
    ... on NotFound { field message }
    ... on ValidationError { field message }
  }
}"""


def mutate(api: Api, name: str, data: dict[str, Any], as_: Principal | None = None) -> Any:
    input_type = name[0].upper() + name[1:] + "Input"
    query = f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {RESULT} }} }}"
    kwargs = {"as_": as_} if as_ is not None else {}
    return api.gql(query, {"input": {"reason": "台账", **data}}, **kwargs)[name]


def facility(api: Api, community: str, type_: str, name: str, installed: str, **kw: Any) -> str:
    result = mutate(
        api,
        "registerFacility",
        {"communityId": community, "type": type_, "name": name, "installedOn": installed, **kw},
    )
    assert result["__typename"] == "FacilityPayload", result
    return str(result["facility"]["id"])


def inspect(api: Api, facility_id: str, on: str, *, kind: str = "ROUTINE", **kw: Any) -> Any:
    data = {
        "facilityId": facility_id,
        "kind": kind,
        "inspectedOn": on,
        "inspector": "王师傅",
        "outcome": "DEFECTS" if kw.get("defects") else "PASS",
        **kw,
    }
    result = mutate(api, "recordInspection", data)
    assert result["__typename"] == "FacilityPayload", result
    return result


def status(api: Api, facility_id: str, value: str, on: str) -> None:
    result = mutate(
        api, "changeFacilityStatus", {"facilityId": facility_id, "status": value, "on": on}
    )
    assert result["__typename"] == "FacilityPayload", result


def units(api: Api, community: str, entrance: str, count: int) -> None:
    for n in range(count):
        result = api.gql(
            ADD_UNIT,
            {
                "input": {
                    "communityId": community,
                    "entranceId": entrance,
                    "number": f"{n + 1}01",
                    "floor": 1,
                    "area": "80.00",
                    "areaSource": "REGISTER",
                    "reason": "入册",
                }
            },
        )
        assert result["addUnit"]["__typename"] == "CommunityPayload"


@pytest.fixture
def xingfu(api: Api) -> dict[str, str]:
    """幸福里, 4 households, its facilities as the figures test computes them by hand."""
    community = register(api)["community"]["id"]
    building = api.gql(
        ADD_BUILDING,
        {
            "input": {
                "communityId": community,
                "number": "1栋",
                "floors": 6,
                "hasElevator": True,
                "entranceNumbers": ["1单元"],
                "reason": "测绘入册",
            }
        },
    )["addBuilding"]["community"]["buildings"][0]
    entrance = building["entrances"][0]["id"]
    units(api, community, entrance, 4)
    ids = {"community": community, "building": building["id"], "entrance": entrance}
    ids["extinguishers"] = facility(
        api, community, "FIRE_EXTINGUISHER", "灭火器组", "2024-01-15",
        quantity=40, expectedLifeYears=10, place="各单元楼道",
    )  # fmt: skip
    ids["hydrants"] = facility(
        api, community, "FIRE_HYDRANT", "室外消火栓", "2024-03-01", quantity=2,
        expectedLifeYears=20,
    )  # fmt: skip
    ids["lane"] = facility(api, community, "FIRE_LANE", "环形消防车道", "2024-01-01")
    ids["elevator"] = facility(
        api, community, "ELEVATOR", "1栋电梯", "2024-06-01", buildingId=building["id"],
        entranceId=entrance, expectedLifeYears=15,
    )  # fmt: skip
    ids["canteen"] = facility(api, community, "CANTEEN", "长者食堂", "2024-02-01", areaM2="30.50")
    ids["elderly"] = facility(
        api, community, "ELDERLY_CARE", "居家养老服务站", "2024-02-01", areaM2="60.00"
    )
    ids["ground"] = facility(
        api, community, "ACTIVITY_GROUND", "健身广场", "2024-01-01", areaM2="200.00"
    )
    ids["cameras"] = facility(api, community, "CAMERA", "大门监控", "2025-07-01", quantity=12)
    inspect(api, ids["extinguishers"], "2025-05-10")
    ids["hydrant_inspection"] = inspect(
        api, ids["hydrants"], "2025-04-01",
        defects=[{"description": "出水压力不足", "severity": "MAJOR"}],
    )["partId"]  # fmt: skip
    maintenance = inspect(
        api, ids["elevator"], "2025-06-05", kind="MAINTENANCE",
        defects=[{"description": "轿厢照明损坏", "severity": "MINOR"}],
    )  # fmt: skip
    ids["elevator_defect"] = maintenance["facility"]["openDefects"][0]["id"]
    resolved = mutate(
        api,
        "resolveDefect",
        {
            "facilityId": ids["elevator"],
            "defectId": ids["elevator_defect"],
            "resolvedOn": "2025-06-10",
            "note": "已更换灯具",
        },
    )
    assert resolved["__typename"] == "FacilityPayload", resolved
    status(api, ids["lane"], "FAULTY", "2025-06-01")  # 消防车道被占用
    retired = mutate(api, "retireFacility", {"facilityId": ids["ground"], "on": "2025-05-01"})
    assert retired["facility"]["status"] == "RETIRED"
    return ids


def test_registering_a_facility_shows_it_with_its_place_and_schedule(api: Api) -> None:
    # Given a community with a building and an entrance
    community = register(api)["community"]["id"]
    building, entrance = building_with_entrance(api, community)
    # When the serving company registers an elevator there
    result = mutate(
        api,
        "registerFacility",
        {
            "communityId": community,
            "type": "ELEVATOR",
            "name": "加装电梯",
            "installedOn": "2024-02-29",
            "buildingId": building,
            "entranceId": entrance,
            "expectedLifeYears": 15,
        },
    )
    # Then the payload shows it placed in the estate, in service from its installation
    f = result["facility"]
    assert (f["buildingNumber"], f["entranceNumber"], f["category"]) == (
        "1栋",
        "1单元",
        "SPECIAL_EQUIPMENT",
    )
    assert f["statusHistory"] == [{"status": "IN_SERVICE", "on": "2024-02-29"}]
    assert f["endOfLifeOn"] == "2039-02-28"
    # And when its maintenance is recorded, the next one is due 15 days later
    done = inspect(api, f["id"], "2024-03-10", kind="MAINTENANCE", photoRefs=["oss://p/1.jpg"])
    recorded = done["facility"]["inspections"][0]
    assert (recorded["id"], recorded["nextDueOn"], recorded["photoRefs"]) == (
        done["partId"],
        "2024-03-25",
        ["oss://p/1.jpg"],
    )
    assert (recorded["ruleSet"], recorded["ruleSetVersion"]) == ("巡检周期", 1)


def test_the_figures_match_the_hand_computed_values(api: Api, xingfu: dict[str, str]) -> None:
    # Given 幸福里 as the fixture describes it, on 2025-06-15
    figures = api.gql(FIGURES, {"c": xingfu["community"], "on": "2025-06-15"})["facilityFigures"]
    # Then, computed by hand:
    # fire safety: extinguishers ✓, hydrants ✓, the fire lane is FAULTY ✗ → 2/3
    # overdue: extinguishers (due 06-10), the lane (never inspected, due 2024-02-01), the
    #   elevator's 定期检验 (due 2025-06-01); the ground is retired, the cameras not installed
    # open defects: the hydrant's; the elevator's was resolved on 06-10
    # in use: extinguishers 17, hydrants 15, lane 17, elevator 12, canteen 16, elderly 16
    #   months old → 93 / 6 = 15.50; life used (17/120 + 15/240 + 12/180) / 3 = 0.0903
    # service space 30.50 + 60.00 = 90.50 m² for 4 households → 2262.50 per 100
    assert figures == {
        "__typename": "FacilityFigures",
        "requiredFireSafetyGroups": 3,
        "coveredFireSafetyGroups": 2,
        "fireSafetyCoverage": "0.6667",
        "overdueInspections": 3,
        "openDefects": 1,
        "facilitiesInUse": 6,
        "meanAgeMonths": "15.50",
        "meanLifeUsed": "0.0903",
        "pastExpectedLife": 0,
        "elevatorInspectionOverdue": True,
        "elevatorMaintenanceOverdue": False,
        "serviceSpaceM2": "90.50",
        "households": 4,
        "serviceSpacePer100Households": "2262.50",
    }
    # And on 2025-06-08 the elevator's defect was still open, extinguishers not yet overdue
    earlier = api.gql(FIGURES, {"c": xingfu["community"], "on": "2025-06-08"})["facilityFigures"]
    assert (earlier["openDefects"], earlier["overdueInspections"]) == (2, 2)
    # And before the lane was blocked on 06-01, fire safety was fully covered
    may = api.gql(FIGURES, {"c": xingfu["community"], "on": "2025-05-31"})["facilityFigures"]
    assert may["fireSafetyCoverage"] == "1.0000"


def test_inspections_due_list_the_longest_overdue_first(api: Api, xingfu: dict[str, str]) -> None:
    # When the company asks what is due on 2025-06-15, and within 5 more days
    due = api.gql(DUE, {"c": xingfu["community"], "on": "2025-06-15"})["inspectionsDue"]
    soon = api.gql(DUE, {"c": xingfu["community"], "on": "2025-06-15", "within": 5})[
        "inspectionsDue"
    ]
    # Then the overdue ones come first, each with its days overdue
    rows = [
        (e["node"]["facilityName"], e["node"]["kind"], e["node"]["dueOn"], e["node"]["overdueDays"])
        for e in due["edges"]
    ]
    assert rows == [
        ("环形消防车道", "ROUTINE", "2024-02-01", 500),
        ("1栋电梯", "STATUTORY", "2025-06-01", 14),
        ("灭火器组", "ROUTINE", "2025-06-10", 5),
    ]
    assert due["edges"][2]["node"]["lastInspectedOn"] == "2025-05-10"
    # And the maintenance due on 06-20 joins within 5 days, not overdue
    assert [e["node"]["kind"] for e in soon["edges"]][-1] == "MAINTENANCE"
    assert soon["edges"][-1]["node"]["overdue"] is False
    # And pages follow the same order
    first = api.gql(DUE, {"c": xingfu["community"], "on": "2025-06-15", "first": 2})
    page = first["inspectionsDue"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = api.gql(
        DUE,
        {"c": xingfu["community"], "on": "2025-06-15", "after": page["pageInfo"]["endCursor"]},
    )["inspectionsDue"]
    assert [e["node"]["facilityName"] for e in rest["edges"]] == ["灭火器组"]


def test_a_district_sees_overdue_inspections_across_its_communities(
    api: Api, xingfu: dict[str, str]
) -> None:
    # Given 和平苑 in the same district, with extinguishers never inspected (due 2025-06-01)
    heping = register(api, name="和平苑")["community"]["id"]
    facility(api, heping, "FIRE_EXTINGUISHER", "灭火器", "2025-05-01", quantity=10)
    # When the district's regulator asks for what is overdue on 2025-06-15
    regulator = Principal(subject="reg", role=Role.REGULATOR, districts=("红塔区",))
    due = api.gql(DUE, {"d": "红塔区", "on": "2025-06-15", "overdueOnly": True}, as_=regulator)[
        "inspectionsDue"
    ]
    # Then both communities' overdue inspections are listed
    assert sorted((e["node"]["communityName"], e["node"]["overdueDays"]) for e in due["edges"]) == [
        ("和平苑", 14),
        ("幸福里", 5),
        ("幸福里", 14),
        ("幸福里", 500),
    ]


def test_the_facility_list_filters_and_computes_age_for_a_date(
    api: Api, xingfu: dict[str, str]
) -> None:
    # When someone lists the community's fire-safety facilities, two a page
    listed = api.gql(
        LIST, {"c": xingfu["community"], "filter": {"category": "FIRE_SAFETY"}, "first": 2}
    )["facilities"]
    more = api.gql(
        LIST,
        {
            "c": xingfu["community"],
            "filter": {"category": "FIRE_SAFETY"},
            "after": listed["pageInfo"]["endCursor"],
        },
    )["facilities"]
    nodes = {n["node"]["name"]: n["node"] for n in listed["edges"] + more["edges"]}
    # Then the three fire-safety records are there, with status and age on the date
    assert set(nodes) == {"灭火器组", "室外消火栓", "环形消防车道"}
    assert nodes["环形消防车道"]["statusOn"] == "FAULTY"
    assert nodes["灭火器组"]["ageMonthsOn"] == 17
    assert nodes["灭火器组"]["remainingLifeDaysOn"] == 3136  # to 2034-01-15
    # And a filter by type and status narrows it
    spaces = api.gql(
        LIST, {"c": xingfu["community"], "filter": {"types": ["ACTIVITY_GROUND", "CANTEEN"]}}
    )["facilities"]
    assert sorted(e["node"]["status"] for e in spaces["edges"]) == ["IN_SERVICE", "RETIRED"]


def test_age_in_sql_and_in_python_agree_at_month_ends(api: Api) -> None:
    # Given a facility installed on 31 January
    community = register(api, name="月末小区")["community"]["id"]
    facility(api, community, "CAMERA", "监控", "2025-01-31", expectedLifeYears=5)
    # Then on 28 February it is 0 months old, on 31 March 2 months, as the domain counts
    ages = {
        day: api.gql(FIGURES, {"c": community, "on": day})["facilityFigures"]["meanAgeMonths"]
        for day in ("2025-02-28", "2025-03-30", "2025-03-31")
    }
    assert ages == {"2025-02-28": "0.00", "2025-03-30": "1.00", "2025-03-31": "2.00"}


WORK_ORDER = """query($id: ID!) { workOrder(id: $id) { ... on WorkOrder {
    source sourceRef category urgency status description place { kind areaName } } } }"""


def test_a_defect_opens_its_work_order(api: Api, xingfu: dict[str, str]) -> None:
    # Given the hydrant's open defect, found by an inspection
    listed = api.gql(
        f"query($id: ID!) {{ facility(id: $id) {{ ... on Facility {{ {FACILITY_FIELDS} }} }} }}",
        {"id": xingfu["hydrants"]},
    )["facility"]
    defect = listed["openDefects"][0]
    # Then a work order (报事报修) was opened for it, urgent as the defect is major
    assert defect["severity"] == "MAJOR"
    order = api.gql(WORK_ORDER, {"id": defect["workOrderId"]})["workOrder"]
    assert order == {
        "source": "INSPECTION",
        "sourceRef": f"{xingfu['hydrants']}/{defect['id']}",
        "category": "FIRE_SAFETY",
        "urgency": "URGENT",
        "status": "REPORTED",
        "description": f"巡检隐患 室外消火栓: {defect['description']}",
        "place": {"kind": "COMMON_AREA", "areaName": "室外消火栓"},
    }


@pytest.mark.parametrize(
    ("name", "data", "field"),
    [
        ("registerFacility", {"buildingId": "OTHER_BUILDING"}, "input.buildingId"),
        ("registerFacility", {"type": "CANTEEN", "areaM2": "-12.5"}, "input.areaM2"),
        ("registerFacility", {"installedOn": "2099-01-01"}, "input.installedOn"),
        ("registerFacility", {"type": "MICRO_FIRE_STATION", "quantity": 2}, "input.quantity"),
        ("registerFacility", {"name": " "}, "input.name"),
        ("registerFacility", {"communityId": "nope"}, "input.communityId"),
        ("recordInspection", {"inspectedOn": "2023-12-31"}, "input.inspectedOn"),
        (
            "recordInspection",
            {"defects": [{"description": "压力不足", "severity": "MINOR"}], "outcome": "PASS"},
            "input.defects",
        ),
        ("recordInspection", {"outcome": "DEFECTS"}, "input.defects"),
        ("recordInspection", {"kind": "STATUTORY"}, "input.kind"),
        ("changeFacilityStatus", {"status": "RETIRED"}, "input.status"),
        ("changeFacilityStatus", {"on": "2023-12-01"}, "input.on"),
        ("resolveDefect", {"defectId": "x"}, "input.defectId"),
        ("retireFacility", {"reason": " "}, "input.reason"),
    ],
)
def test_bad_input_is_a_typed_error_and_changes_nothing(
    api: Api, name: str, data: dict[str, Any], field: str
) -> None:
    # Given a community with extinguishers, and another community's building
    community = register(api)["community"]["id"]
    other = register(api, name="和平苑")["community"]["id"]
    other_building, _ = building_with_entrance(api, other)
    target = facility(api, community, "FIRE_EXTINGUISHER", "灭火器", "2024-01-01")
    base: dict[str, dict[str, Any]] = {
        "registerFacility": {
            "communityId": community,
            "type": "FIRE_EXTINGUISHER",
            "name": "灭火器",
            "installedOn": "2024-01-01",
        },
        "recordInspection": {
            "facilityId": target,
            "kind": "ROUTINE",
            "inspectedOn": "2024-02-01",
            "inspector": "王师傅",
            "outcome": "PASS",
        },
        "changeFacilityStatus": {"facilityId": target, "status": "FAULTY", "on": "2024-02-01"},
        "resolveDefect": {"facilityId": target, "defectId": "x"},
        "retireFacility": {"facilityId": target},
    }
    values = {k: (other_building if v == "OTHER_BUILDING" else v) for k, v in data.items()}
    before = event_count(api)
    # When the bad command is sent
    result = mutate(api, name, {**base[name], **values})
    # Then it is a validation error naming the field, and nothing was recorded
    assert (result["__typename"], result["field"]) == ("ValidationError", field), result
    assert event_count(api) == before
    listed = api.gql(LIST, {"c": community})["facilities"]["edges"]
    assert [(e["node"]["name"], e["node"]["status"]) for e in listed] == [("灭火器", "IN_SERVICE")]


def test_an_unknown_facility_is_not_found(api: Api) -> None:
    result = mutate(api, "retireFacility", {"facilityId": str(uuid4()), "on": "2024-01-01"})
    assert (result["__typename"], result["field"]) == ("NotFound", "input.facilityId")


def test_an_unknown_defect_is_not_found_and_changes_nothing(api: Api) -> None:
    # (an id that is no defect is refused before the command runs, as not found)
    community = register(api)["community"]["id"]
    target = facility(api, community, "FIRE_EXTINGUISHER", "灭火器", "2024-01-01")
    before = event_count(api)
    result = mutate(api, "resolveDefect", {"facilityId": target, "defectId": str(uuid4())})
    assert (result["__typename"], result["field"]) == ("NotFound", "input.defectId")
    assert event_count(api) == before


def test_another_communitys_building_defect_or_facility_is_refused(api: Api) -> None:
    # Given 幸福里 served by 安居物业, and 和平苑 (not served by it) with a building, and a
    # hydrant whose inspection found a defect
    estate = make_estate(api)
    foreign_building = api.platform.app.add_building(
        WO_META,
        AddBuilding(
            community_id=UUID(estate.other_community),
            number="9栋",
            floors=6,
            has_elevator=False,
            entrance_numbers=["1单元"],
        ),
    ).part_id
    api.settle()
    foreign = facility(api, estate.other_community, "FIRE_HYDRANT", "消火栓", "2024-01-01")
    inspected = inspect(
        api, foreign, "2024-02-01", defects=[{"description": "无水", "severity": "MAJOR"}]
    )
    foreign_defect = inspected["facility"]["inspections"][0]["defects"][0]["id"]
    own = facility(api, estate.community, "FIRE_HYDRANT", "消火栓", "2024-01-01")
    company_staff = wo_staff(estate)
    before = event_count(api)
    # When 安居物业's staff name 和平苑's building or defect in 幸福里's commands
    building = mutate(
        api,
        "registerFacility",
        {
            "communityId": estate.community,
            "type": "ELEVATOR",
            "name": "电梯",
            "installedOn": "2024-01-01",
            "buildingId": str(foreign_building),
        },
        as_=company_staff,
    )
    defect = mutate(
        api,
        "resolveDefect",
        {"facilityId": own, "defectId": foreign_defect},
        as_=company_staff,
    )
    # Then neither is found for them, and each is named by its field
    assert (building["__typename"], building["field"]) == ("NotFound", "input.buildingId")
    assert (defect["__typename"], defect["field"]) == ("NotFound", "input.defectId")
    # And 和平苑's facility is not theirs to retire
    retired = mutate(api, "retireFacility", {"facilityId": foreign}, as_=company_staff)
    assert retired["__typename"] == "Forbidden"
    # And an administrator is told the defect is not in that community
    misplaced = mutate(api, "resolveDefect", {"facilityId": own, "defectId": foreign_defect})
    assert misplaced == {
        "__typename": "ValidationError",
        "field": "input.defectId",
        "message": "this defect is not in that community",
    }
    # And nothing was recorded
    assert event_count(api) == before


def test_another_communitys_facilities_are_not_found_by_name(api: Api) -> None:
    # Given 幸福里 served by 安居物业, and a hydrant in 和平苑 (not served by it)
    estate = make_estate(api)
    foreign = facility(api, estate.other_community, "FIRE_HYDRANT", "消火栓", "2024-01-01")
    company_staff = wo_staff(estate)
    one = """query($id: ID!) { facility(id: $id) { __typename
        ... on NotFound { field message } } }"""

    # When 安居物业's staff name 和平苑's facility, or 和平苑 in the facility queries
    found = api.gql(one, {"id": foreign}, as_=company_staff)["facility"]
    listed = api.gql(LIST, {"c": estate.other_community}, as_=company_staff)["facilities"]
    due = api.gql(DUE, {"c": estate.other_community}, as_=company_staff)["inspectionsDue"]
    figures = api.gql(FIGURES, {"c": estate.other_community}, as_=company_staff)

    # Then each is NotFound naming the argument
    assert (found["__typename"], found["field"]) == ("NotFound", "id")
    assert "消火栓" not in str(found)
    for answer in (listed, due, figures["facilityFigures"]):
        assert (answer["__typename"], answer["field"]) == ("NotFound", "communityId")


def test_every_change_is_in_the_facility_history(api: Api, xingfu: dict[str, str]) -> None:
    history = api.gql(
        """query($id: ID!) { history(id: $id) { ... on HistoryConnection {
        entries { eventType actor reason } } } }""",
        {"id": xingfu["elevator"]},
    )["history"]["entries"]
    types = [e["eventType"] for e in history]
    assert types == ["Registered", "InspectionRecorded", "DefectWorkOrderLinked", "DefectResolved"]
    assert all((e["actor"], e["reason"]) == ("admin-1", "台账") for e in history)


def test_where_no_company_serves_the_street_office_records_facilities(api: Api) -> None:
    # Given a community in custody of its street office (no company)
    community = register(api, name="向阳新村", district="江川区")["community"]["id"]
    regulator = Principal(subject="jc", role=Role.REGULATOR, districts=("江川区",))
    # When the district's regulator registers its fire lane
    result = mutate(
        api,
        "registerFacility",
        {
            "communityId": community,
            "type": "FIRE_LANE",
            "name": "消防车道",
            "installedOn": "2024-01-01",
        },
        as_=regulator,
    )
    # Then it is recorded
    assert result["__typename"] == "FacilityPayload"


# --- access-matrix rows (wired into test_access_matrix.py) ------------------------------------


def _outcome(result: dict[str, Any]) -> str:
    kind = result["__typename"]
    if kind == "Forbidden":
        return "denied"
    assert kind.endswith(("Payload", "Connection")) or kind == "FacilityFigures", result
    return "allowed"


IDS = """query($c: ID!) { facilities(communityId: $c) { ... on FacilityConnection {
    edges { node { id } } } } }"""


def _one(api: Api, community: str) -> str:
    """The one extinguisher record of a community, registered by an admin on first use."""
    edges = api.gql(IDS, {"c": community})["facilities"]["edges"]
    if edges:
        return str(edges[0]["node"]["id"])
    return facility(api, community, "FIRE_EXTINGUISHER", "灭火器", "2024-01-01", quantity=4)


def _count(api: Api, community: str, p: Principal) -> object:
    _one(api, community)
    result = api.gql(LIST, {"c": community}, as_=p)["facilities"]
    return "hidden" if result["__typename"] == "NotFound" else len(result["edges"])


def _fresh(api: Api, community: str, p: Principal) -> str:
    return facility(api, community, "CAMERA", f"监控-{p.subject}", "2024-01-01")


FACILITY_OPERATIONS: dict[str, Any] = {
    "registerFacility in 幸福里": lambda api, w, p: _outcome(
        mutate(
            api,
            "registerFacility",
            {
                "communityId": w.xingfu,
                "type": "LIGHTING",
                "name": "路灯",
                "installedOn": "2024-01-01",
            },
            p,
        )
    ),
    "changeFacilityStatus in 幸福里": lambda api, w, p: _outcome(
        mutate(
            api,
            "changeFacilityStatus",
            {"facilityId": _fresh(api, w.xingfu, p), "status": "FAULTY", "on": "2024-03-01"},
            p,
        )
    ),
    "retireFacility in 幸福里": lambda api, w, p: _outcome(
        mutate(api, "retireFacility", {"facilityId": _fresh(api, w.xingfu, p)}, p)
    ),
    "recordInspection in 幸福里": lambda api, w, p: _outcome(
        mutate(
            api,
            "recordInspection",
            {
                "facilityId": _one(api, w.xingfu),
                "kind": "SPOT_CHECK",
                "inspectedOn": "2024-05-01",
                "inspector": "消防救援大队",
                "outcome": "PASS",
            },
            p,
        )
    ),
    "facilities of 幸福里": lambda api, w, p: _count(api, w.xingfu, p),
    "facilities of 和平苑": lambda api, w, p: _count(api, w.heping, p),
    "inspectionsDue in 幸福里": lambda api, w, p: _outcome(
        api.gql(DUE, {"c": w.xingfu}, as_=p)["inspectionsDue"]
    ),
    "inspectionsDue in 红塔区": lambda api, w, p: _outcome(
        api.gql(DUE, {"d": "红塔区"}, as_=p)["inspectionsDue"]
    ),
    "facilityFigures of 幸福里": lambda api, w, p: _outcome(
        api.gql(FIGURES, {"c": w.xingfu}, as_=p)["facilityFigures"]
    ),
    "history of a facility in 幸福里": lambda api, w, p: _outcome(
        api.gql(
            "query($id: ID!) { history(id: $id) { __typename } }",
            {"id": _one(api, w.xingfu)},
            as_=p,
        )["history"]
    ),
}

_A, _D = "allowed", "denied"
_STAFF_ONLY = dict(admin=_A, regulator=_D, company=_A, committee=_D, resident=_D)
_STAFF_AND_REGULATOR = dict(admin=_A, regulator=_A, company=_A, committee=_D, resident=_D)
_READERS = dict(admin=_A, regulator=_A, company=_A, committee=_A, resident=_D)
FACILITY_EXPECTED: dict[str, dict[str, object]] = {
    "registerFacility in 幸福里": _STAFF_ONLY,
    "changeFacilityStatus in 幸福里": _STAFF_ONLY,
    "retireFacility in 幸福里": _STAFF_ONLY,
    "recordInspection in 幸福里": _STAFF_AND_REGULATOR,
    "facilities of 幸福里": dict(admin=1, regulator=1, company=1, committee=1, resident=1),
    "facilities of 和平苑": dict(
        admin=1, regulator=1, company="hidden", committee="hidden", resident="hidden"
    ),
    "inspectionsDue in 幸福里": _READERS,
    "inspectionsDue in 红塔区": dict(admin=_A, regulator=_A, company=_D, committee=_D, resident=_D),
    "facilityFigures of 幸福里": _READERS,
    "history of a facility in 幸福里": _READERS,
}


def test_the_inspection_rule_sets_are_published_with_their_versions(api: Api) -> None:
    # When anyone reads the rule sets
    sets = api.gql(
        """{ inspectionRuleSets { name version effectiveFrom rules { facilityType kind
        everyMonths everyDays windowStart windowEnd } } }""",
        as_=Principal(subject="owner", role=Role.RESIDENT, unit_ids=(uuid4(),)),
    )["inspectionRuleSets"]
    # Then version 1 schedules drainage half-yearly and before the rainy season
    assert (sets[0]["name"], sets[0]["version"]) == ("巡检周期", 1)
    drainage = next(r for r in sets[0]["rules"] if r["facilityType"] == "DRAINAGE")
    assert drainage == {
        "facilityType": "DRAINAGE",
        "kind": "ROUTINE",
        "everyMonths": 6,
        "everyDays": 0,
        "windowStart": "04-01",
        "windowEnd": "05-31",
    }
