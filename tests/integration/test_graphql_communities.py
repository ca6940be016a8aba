"""Communities over GraphQL: registration, the estate hierarchy, modes, read-your-writes."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import Api

REGISTER = """
mutation($input: RegisterCommunityInput!) {
  registerCommunity(input: $input) {
    __typename
    ... on CommunityPayload { position community { id name district version unitCount totalArea
        renovationItems { category name } management { mode } } }
    ... on ValidationError { field path message }
    ... on Forbidden { message }
  }
}"""

ADD_BUILDING = """
mutation($input: AddBuildingInput!) {
  addBuilding(input: $input) {
    __typename
    ... on CommunityPayload { partId community { version buildings { id number floors
        entrances { id number } } } }
    ... on ValidationError { field message }
    ... on NotFound { field message }
  }
}"""

ADD_UNIT = """
mutation($input: AddUnitInput!) {
  addUnit(input: $input) {
    __typename
    ... on CommunityPayload { partId community { unitCount totalArea } }
    ... on ValidationError { field message }
    ... on NotFound { field message }
  }
}"""


def register(api: Api, **overrides: Any) -> dict[str, Any]:
    data = {
        "name": "幸福里",
        "district": "红塔区",
        "street": "玉兴街道",
        "address": "玉兴路12号",
        "yearBuilt": 1992,
        "renovationCompletedOn": "2023-10-01",
        "renovationItems": [{"category": "BASIC", "name": "屋面防水"}],
        "registeredOn": "2024-01-01",
        "reason": "纳入长效管理台账",
        **overrides,
    }
    result: dict[str, Any] = api.gql(REGISTER, {"input": data})["registerCommunity"]
    return result


def building_with_entrance(api: Api, community_id: str) -> tuple[str, str]:
    result = api.gql(
        ADD_BUILDING,
        {
            "input": {
                "communityId": community_id,
                "number": "1栋",
                "floors": 6,
                "hasElevator": False,
                "entranceNumbers": ["1单元"],
                "reason": "测绘入册",
            }
        },
    )["addBuilding"]
    building = result["community"]["buildings"][0]
    return building["id"], building["entrances"][0]["id"]


def test_a_registered_community_is_in_the_mutation_result(api: Api) -> None:
    # When an admin registers a community
    result = register(api)

    # Then the result already shows it from the views (read-your-writes)
    assert result["__typename"] == "CommunityPayload"
    community = result["community"]
    assert community["name"] == "幸福里"
    assert community["version"] == 1
    assert community["management"] is None
    assert community["renovationItems"] == [{"category": "BASIC", "name": "屋面防水"}]


def test_units_added_and_corrected_keep_exact_totals(api: Api) -> None:
    # Given a community with one building and one entrance
    community_id = register(api)["community"]["id"]
    _, entrance_id = building_with_entrance(api, community_id)

    # When two units are added and one area is corrected
    for number, area in (("101", "88.50"), ("102", "70.25")):
        result = api.gql(
            ADD_UNIT,
            {
                "input": {
                    "communityId": community_id,
                    "entranceId": entrance_id,
                    "number": number,
                    "floor": 1,
                    "area": area,
                    "areaSource": "REGISTER",
                    "reason": "入册",
                }
            },
        )["addUnit"]
        assert result["__typename"] == "CommunityPayload", result
    unit_id = result["partId"]
    corrected = api.gql(
        """
      mutation($input: CorrectUnitAreaInput!) { correctUnitArea(input: $input) {
        __typename ... on CommunityPayload { community { unitCount totalArea } } } }""",
        {
            "input": {
                "communityId": community_id,
                "unitId": unit_id,
                "area": "70.30",
                "areaSource": "SURVEY",
                "reason": "不动产测绘更正",
            }
        },
    )["correctUnitArea"]

    # Then the community's totals are exact to the hundredth
    assert corrected["community"] == {"unitCount": 2, "totalArea": "158.80"}


def test_management_mode_has_a_timeline_answerable_by_date(api: Api) -> None:
    # Given a company and a community under community custody, then a company
    company = api.gql("""mutation { registerCompany(input: {name: "玉溪安居物业",
        creditCode: "91350100M000100Y43", reason: "备案"}) {
        ... on CompanyPayload { company { id } } } }""")["registerCompany"]["company"]
    community_id = register(api)["community"]["id"]
    change = """mutation($input: ChangeManagementModeInput!) { changeManagementMode(input: $input) {
        __typename ... on CommunityPayload { community { management { mode companyName } } }
        ... on ValidationError { field message } } }"""
    api.gql(
        change,
        {
            "input": {
                "communityId": community_id,
                "mode": "COMMUNITY_CUSTODY",
                "effectiveFrom": "2024-01-01",
                "reason": "社区两委托管",
            }
        },
    )
    result = api.gql(
        change,
        {
            "input": {
                "communityId": community_id,
                "mode": "PROFESSIONAL",
                "companyId": company["id"],
                "effectiveFrom": "2024-06-01",
                "reason": "业主大会选聘",
            }
        },
    )["changeManagementMode"]
    assert result["community"]["management"] == {
        "mode": "PROFESSIONAL",
        "companyName": "玉溪安居物业",
    }

    # When asked which mode was in force on given dates
    data = api.gql(
        """query($id: ID!) { community(id: $id) { ... on Community {
        before: managementOn(date: "2023-12-31") { mode }
        spring: managementOn(date: "2024-03-15") { mode }
        summer: managementOn(date: "2024-06-01") { mode companyName }
        managementHistory { mode effectiveFrom } } } }""",
        {"id": community_id},
    )["community"]

    # Then each date gets the mode then in force
    assert data["before"] is None
    assert data["spring"] == {"mode": "COMMUNITY_CUSTODY"}
    assert data["summer"] == {"mode": "PROFESSIONAL", "companyName": "玉溪安居物业"}
    assert [p["mode"] for p in data["managementHistory"]] == ["COMMUNITY_CUSTODY", "PROFESSIONAL"]


def test_a_company_renames_only_itself_and_nothing_is_recorded_otherwise(api: Api) -> None:
    # Given two companies, and staff of the first
    ids = [
        api.gql(
            """mutation($name: String!, $code: String!) { registerCompany(input: {
            name: $name, creditCode: $code, reason: "备案"}) {
            ... on CompanyPayload { company { id } } } }""",
            {"name": name, "code": code},
        )["registerCompany"]["company"]["id"]
        for name, code in (
            ("玉溪安居物业", "91350100M000100Y43"),
            ("玉溪乐家物业", "91530402KF9U9APHFP"),
        )
    ]
    ours, theirs = ids
    staff = Principal(subject="staff-1", role=Role.COMPANY_STAFF, company_id=UUID(ours))
    rename = """mutation($input: RenameCompanyInput!) { renameCompany(input: $input) {
        __typename ... on CompanyPayload { company { name } } ... on Forbidden { message } } }"""
    api.settle()
    before = api.platform.app.recorder.max_notification_id()
    # When the staff rename the other company
    refused = api.gql(
        rename,
        {"input": {"companyId": theirs, "name": "别家物业", "reason": "更名"}},
        as_=staff,
    )["renameCompany"]
    # Then it is forbidden and nothing is recorded; their own company they may rename
    assert refused["__typename"] == "Forbidden"
    assert api.platform.app.recorder.max_notification_id() == before
    renamed = api.gql(
        rename,
        {"input": {"companyId": ours, "name": "玉溪安居物业服务有限公司", "reason": "更名"}},
        as_=staff,
    )["renameCompany"]
    assert renamed == {
        "__typename": "CompanyPayload",
        "company": {"name": "玉溪安居物业服务有限公司"},
    }


def test_history_shows_every_change_with_actor_and_reason(api: Api) -> None:
    # Given a community that was registered and renamed
    community = register(api)["community"]
    api.gql(
        """mutation($id: ID!) { renameCommunity(input: {communityId: $id, name: "幸福新里",
        reason: "业主大会决定更名"}) { __typename } }""",
        {"id": community["id"]},
    )

    # When its history is read
    history = api.gql(
        """query($id: ID!) { history(id: $id) { __typename
        ... on HistoryConnection { entries { version eventType actor actorRole reason data } } } }""",
        {"id": community["id"]},
    )["history"]

    # Then both events are there, in order, with who and why
    entries = history["entries"]
    assert [e["eventType"] for e in entries] == ["Registered", "Renamed"]
    assert entries[1]["actor"] == "admin-1"
    assert entries[1]["actorRole"] == "PLATFORM_ADMIN"
    assert entries[1]["reason"] == "业主大会决定更名"
    assert entries[1]["data"] == {"name": "幸福新里"}
    assert entries[0]["data"]["district"] == "红塔区"


def test_keyset_pagination_walks_every_community_once(api: Api) -> None:
    # Given 25 communities in two districts
    for index in range(25):
        district = "红塔区" if index % 2 else "江川区"
        register(api, name=f"小区{index:02d}", district=district)

    # When the list is walked 10 at a time
    seen: list[str] = []
    after = None
    query = """query($after: String) { communities(first: 10, after: $after) {
        ... on CommunityConnection { edges { node { name } } pageInfo { hasNextPage endCursor } } } }"""
    while True:
        page = api.gql(query, {"after": after})["communities"]
        seen.extend(edge["node"]["name"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    # Then every community came exactly once, in name order
    assert seen == sorted(f"小区{index:02d}" for index in range(25))

    # And filters narrow the list
    filtered = api.gql("""{ communities(first: 100, filter: {district: "红塔区", nameContains: "1"}) {
        ... on CommunityConnection { edges { node { name district } } } } }""")["communities"]
    names = {edge["node"]["name"] for edge in filtered["edges"]}
    assert names == {f"小区{i:02d}" for i in range(25) if i % 2 and "1" in f"{i:02d}"}


def test_history_pages_by_version_and_refuses_forged_cursors(api: Api) -> None:
    # Given a community with three events
    community = register(api)["community"]
    for name in ("甲", "乙"):
        api.gql(
            """mutation($id: ID!, $name: String!) { renameCommunity(input: {communityId: $id,
            name: $name, reason: "更名"}) { __typename } }""",
            {"id": community["id"], "name": name},
        )
    query = """query($id: ID!, $after: String) { history(id: $id, first: 2, after: $after) {
        __typename ... on HistoryConnection { entries { version }
        pageInfo { hasNextPage endCursor } } ... on ValidationError { field } } }"""

    # When it is read two at a time
    first = api.gql(query, {"id": community["id"]})["history"]
    second = api.gql(query, {"id": community["id"], "after": first["pageInfo"]["endCursor"]})[
        "history"
    ]

    # Then the pages follow each other and a forged cursor is refused
    assert [e["version"] for e in first["entries"]] == [1, 2]
    assert first["pageInfo"]["hasNextPage"] is True
    assert [e["version"] for e in second["entries"]] == [3]
    forged = api.gql(query, {"id": community["id"], "after": "WyJ4Il0"})["history"]
    assert forged == {"__typename": "ValidationError", "field": "after"}


def test_a_company_is_seen_by_those_it_serves_and_not_found_by_others(api: Api) -> None:
    from datetime import timedelta

    from gongzhi.application.base import business_today
    from tests.integration.test_graphql_contracts import hired, new_community, register_company

    # Given 幸福里 served by 安居物业 today, and 乐家物业 serving nobody
    community = new_community(api)
    ours, theirs = register_company(api, "安居物业"), register_company(api, "乐家物业")
    today = business_today()
    hired(api, community, ours, today - timedelta(days=30), today + timedelta(days=700))
    committee = Principal(subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(community))
    staff = Principal(subject="staff", role=Role.COMPANY_STAFF, company_id=UUID(ours))
    query = """query($id: ID!) { company(id: $id) { __typename
        ... on Company { name } ... on NotFound { field message } } }"""
    for who in (committee, staff):
        # When 幸福里's committee member or 安居物业's staff ask for each company
        seen = api.gql(query, {"id": ours}, as_=who)["company"]
        other = api.gql(query, {"id": theirs}, as_=who)["company"]
        # Then the serving company is seen; the other is not found, naming the argument
        assert seen == {"__typename": "Company", "name": "安居物业"}, who.subject
        assert other == {
            "__typename": "NotFound",
            "field": "id",
            "message": "no company with this id that you may see",
        }, who.subject
    # And a regulator sees both
    regulator = Principal(subject="reg", role=Role.REGULATOR, districts=("江川区",))
    assert api.gql(query, {"id": theirs}, as_=regulator)["company"]["__typename"] == "Company"


def test_a_second_community_of_the_same_name_on_the_same_street_is_flagged(api: Api) -> None:
    # Given 幸福里 on 玉兴街道
    first = register(api)["community"]["id"]
    query = """mutation($input: RegisterCommunityInput!) { registerCommunity(input: $input) {
        __typename ... on CommunityPayload { warnings community { id } } } }"""
    base = {
        "name": "幸福里",
        "district": "红塔区",
        "street": "玉兴街道",
        "registeredOn": "2024-01-01",
        "reason": "纳入长效管理台账",
    }
    # When another 幸福里 is registered on the same street, at another address
    second = api.gql(query, {"input": {**base, "address": "玉兴路88号"}})["registerCommunity"]
    # Then it is recorded, and the payload warns of the first, naming its address
    assert second["warnings"] == [
        f"community {first} of the same name is registered on this street (玉兴路12号): "
        "tell them apart by address"
    ]
    # And a 幸福里 on another street raises no warning
    elsewhere = api.gql(query, {"input": {**base, "street": "北城街道"}})["registerCommunity"]
    assert elsewhere["warnings"] == []


def test_statistics_of_an_unknown_district_say_so(api: Api) -> None:
    # Given communities in 红塔区 only
    register(api)
    query = """query($d: String!) { districtStatistics(district: $d) { __typename
        ... on DistrictStatistics { total } ... on ValidationError { field message } } }"""
    # When the figures of 红塔区 and of 火星区 are asked for
    known = api.gql(query, {"d": "红塔区"})["districtStatistics"]
    unknown = api.gql(query, {"d": "火星区"})["districtStatistics"]
    # Then 红塔区 has its community, and 火星区 is said to be unknown rather than 0
    assert known == {"__typename": "DistrictStatistics", "total": 1}
    assert unknown == {
        "__typename": "ValidationError",
        "field": "district",
        "message": "unknown district: no community is registered in it",
    }
