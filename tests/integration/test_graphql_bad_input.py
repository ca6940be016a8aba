"""Bad input gets a typed error naming the field, in plain words, and changes nothing."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import Api
from tests.integration.test_graphql_communities import (
    ADD_UNIT,
    REGISTER,
    building_with_entrance,
    register,
)

REGISTER_COMPANY = """mutation($input: RegisterCompanyInput!) { registerCompany(input: $input) {
    __typename ... on ValidationError { field path message } ... on Conflict { message }
    ... on CompanyPayload { company { id creditCode } } } }"""


def event_count(api: Api) -> int:
    return api.platform.app.recorder.max_notification_id() or 0


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91350100M000100Y44", "check character is 4 but the code requires 3"),
        ("91350100M000100Y4", "must be 18 characters long"),
        ("91350100M00O100Y43", "contains characters not allowed in a credit code: O"),
    ],
)
def test_a_wrong_credit_code_is_refused_with_the_reason(api: Api, code: str, message: str) -> None:
    # When a company is registered with a malformed credit code
    before = event_count(api)
    result = api.gql(
        REGISTER_COMPANY, {"input": {"name": "某物业", "creditCode": code, "reason": "备案"}}
    )["registerCompany"]

    # Then the error names the field and says what is wrong, and nothing was recorded
    assert result == {
        "__typename": "ValidationError",
        "field": "input.creditCode",
        "path": ["input", "creditCode"],
        "message": message,
    }
    assert event_count(api) == before


def test_the_same_credit_code_twice_is_a_conflict(api: Api) -> None:
    first = {"name": "玉溪安居物业", "creditCode": "91350100M000100Y43", "reason": "备案"}
    assert api.gql(REGISTER_COMPANY, {"input": first})["registerCompany"]["__typename"] == (
        "CompanyPayload"
    )
    again = api.gql(REGISTER_COMPANY, {"input": {**first, "name": "另一家"}})["registerCompany"]
    assert again["__typename"] == "Conflict"
    assert "91350100M000100Y43 is already registered" in again["message"]


@pytest.mark.parametrize(
    ("area", "message"),
    [
        ("0", "must be greater than zero"),
        ("-12.5", "must be greater than zero"),
        ("88.505", "must have at most two decimal places"),
    ],
)
def test_zero_negative_or_inexact_areas_are_refused(api: Api, area: str, message: str) -> None:
    community_id = register(api)["community"]["id"]
    _, entrance_id = building_with_entrance(api, community_id)
    before = event_count(api)
    result = api.gql(
        ADD_UNIT,
        {
            "input": {
                "communityId": community_id,
                "entranceId": entrance_id,
                "number": "101",
                "floor": 1,
                "area": area,
                "areaSource": "REGISTER",
                "reason": "入册",
            }
        },
    )["addUnit"]
    assert result == {"__typename": "ValidationError", "field": "input.area", "message": message}
    assert event_count(api) == before


def test_a_duplicate_unit_number_in_an_entrance_is_refused(api: Api) -> None:
    community_id = register(api)["community"]["id"]
    _, entrance_id = building_with_entrance(api, community_id)
    unit = {
        "communityId": community_id,
        "entranceId": entrance_id,
        "number": "101",
        "floor": 1,
        "area": "80",
        "areaSource": "REGISTER",
        "reason": "入册",
    }
    assert api.gql(ADD_UNIT, {"input": unit})["addUnit"]["__typename"] == "CommunityPayload"
    result = api.gql(ADD_UNIT, {"input": unit})["addUnit"]
    assert result == {
        "__typename": "ValidationError",
        "field": "input.number",
        "message": "unit 101 already exists in this entrance",
    }


def test_unknown_and_malformed_ids_are_named(api: Api) -> None:
    unknown = api.gql(
        ADD_UNIT,
        {
            "input": {
                "communityId": "00000000-0000-0000-0000-000000000001",
                "entranceId": "00000000-0000-0000-0000-000000000002",
                "number": "101",
                "floor": 1,
                "area": "80",
                "areaSource": "REGISTER",
                "reason": "入册",
            }
        },
    )["addUnit"]
    assert unknown["__typename"] == "NotFound"
    assert unknown["field"] == "input.communityId"
    malformed = api.gql(
        ADD_UNIT,
        {
            "input": {
                "communityId": "not-an-id",
                "entranceId": "x",
                "number": "101",
                "floor": 1,
                "area": "80",
                "areaSource": "REGISTER",
                "reason": "入册",
            }
        },
    )["addUnit"]
    assert malformed == {
        "__typename": "ValidationError",
        "field": "input.communityId",
        "message": "is not a valid id",
    }
    lookup = api.gql('{ community(id: "00000000-0000-0000-0000-000000000009") { __typename } }')
    assert lookup["community"]["__typename"] == "NotFound"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "   ", "must not be empty"),
        ("street", "", "must not be empty"),
        ("reason", " ", "must say why the change is made"),
        ("yearBuilt", 1850, "must be between 1900 and 2199"),
    ],
)
def test_empty_names_and_bad_values_on_registration(
    api: Api, field: str, value: Any, message: str
) -> None:
    before = event_count(api)
    data = {
        "name": "幸福里",
        "district": "红塔区",
        "street": "玉兴街道",
        "reason": "登记",
        "registeredOn": "2024-01-01",
        field: value,
    }
    result = api.gql(REGISTER, {"input": data})["registerCommunity"]
    assert result["__typename"] == "ValidationError"
    assert (result["field"], result["message"]) == (f"input.{field}", message)
    assert event_count(api) == before


def test_a_mode_change_dated_before_registration_is_refused(api: Api) -> None:
    community_id = register(api, registeredOn="2024-01-01")["community"]["id"]
    result = api.gql(
        """mutation($id: ID!) { changeManagementMode(input: {communityId: $id,
        mode: OWNER_SELF, effectiveFrom: "2023-12-31", reason: "业主自管"}) {
        __typename ... on ValidationError { field message } } }""",
        {"id": community_id},
    )["changeManagementMode"]
    assert result == {
        "__typename": "ValidationError",
        "field": "input.effectiveFrom",
        "message": "must not be before the community was registered on 2024-01-01",
    }


def test_a_professional_mode_needs_a_known_company(api: Api) -> None:
    community_id = register(api)["community"]["id"]
    query = """mutation($input: ChangeManagementModeInput!) { changeManagementMode(input: $input) {
        __typename ... on ValidationError { field message } ... on NotFound { field message } } }"""
    base = {
        "communityId": community_id,
        "mode": "PROFESSIONAL",
        "effectiveFrom": "2024-02-01",
        "reason": "选聘",
    }
    missing = api.gql(query, {"input": base})["changeManagementMode"]
    assert missing == {
        "__typename": "ValidationError",
        "field": "input.companyId",
        "message": "is required for professional management",
    }
    unknown = api.gql(
        query, {"input": {**base, "companyId": "00000000-0000-0000-0000-00000000000a"}}
    )
    assert unknown["changeManagementMode"]["__typename"] == "NotFound"
    assert unknown["changeManagementMode"]["field"] == "input.companyId"


def test_malformed_cursors_and_oversized_pages_are_refused(api: Api) -> None:
    query = """query($first: Int!, $after: String) { communities(first: $first, after: $after) {
        __typename ... on ValidationError { field message } } }"""
    too_big = api.gql(query, {"first": 1000})["communities"]
    assert too_big == {
        "__typename": "ValidationError",
        "field": "first",
        "message": "must be between 1 and 100",
    }
    for cursor in ("garbage!!", "WyJhIl0", "WyJhIiwibm90LWEtdXVpZCJd"):
        result = api.gql(query, {"first": 10, "after": cursor})["communities"]
        assert result == {
            "__typename": "ValidationError",
            "field": "after",
            "message": "is not a cursor this API issued",
        }


def test_a_token_for_another_district_is_forbidden_and_changes_nothing(api: Api) -> None:
    community_id = register(api, district="红塔区")["community"]["id"]
    outsider = Principal(subject="reg-jc", role=Role.REGULATOR, districts=("江川区",))
    before = event_count(api)
    result = api.gql(
        """mutation($id: ID!) { renameCommunity(input: {communityId: $id,
        name: "越权", reason: "x"}) { __typename ... on Forbidden { message } } }""",
        {"id": community_id},
        as_=outsider,
    )["renameCommunity"]
    assert result["__typename"] == "Forbidden"
    assert event_count(api) == before
    # And the community is invisible to that regulator, not merely unreadable
    lookup = api.gql(
        "query($id: ID!) { community(id: $id) { __typename } }", {"id": community_id}, as_=outsider
    )
    assert lookup["community"]["__typename"] == "NotFound"


@pytest.mark.parametrize("token", [None, "not-a-jwt", "Bearer"])
def test_a_missing_or_bad_token_gets_an_authentication_error_and_no_data(
    api: Api, token: str | None
) -> None:
    headers = (
        {}
        if token is None
        else {"Authorization": token if token == "Bearer" else f"Bearer {token}"}
    )
    response = api.client.post(
        "/graphql", json={"query": "{ communities { __typename } }"}, headers=headers
    )
    assert response.status_code == 401
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_token_signed_with_another_key_is_refused(api: Api) -> None:
    from gongzhi.graphql.auth import issue_token

    forged = issue_token(
        "another-signing-key-that-is-long-enough-0123",
        Principal(subject="mallory", role=Role.PLATFORM_ADMIN),
    )
    response = api.post("{ communities { __typename } }", token=forged)
    assert response.status_code == 401


def test_a_stale_expected_version_is_a_conflict(api: Api) -> None:
    community = register(api)["community"]
    rename = """mutation($id: ID!, $name: String!, $v: Int) { renameCommunity(input: {
        communityId: $id, name: $name, expectedVersion: $v, reason: "更名"}) {
        __typename ... on Conflict { message } ... on CommunityPayload { community { version } } } }"""
    ok = api.gql(rename, {"id": community["id"], "name": "甲", "v": 1})["renameCommunity"]
    assert ok == {"__typename": "CommunityPayload", "community": {"version": 2}}
    stale = api.gql(rename, {"id": community["id"], "name": "乙", "v": 1})["renameCommunity"]
    assert stale["__typename"] == "Conflict"
    assert "version 2, not 1" in stale["message"]


def test_concurrent_renames_from_the_same_version_give_one_success_and_one_conflict(
    api: Api,
) -> None:
    # Given two clients that both read version 1
    community = register(api)["community"]
    rename = """mutation($id: ID!, $name: String!) { renameCommunity(input: {
        communityId: $id, name: $name, expectedVersion: 1, reason: "更名"}) { __typename } }"""
    results: list[str] = []
    barrier = threading.Barrier(2)

    def attempt(name: str) -> None:
        barrier.wait()
        results.append(
            api.gql(rename, {"id": community["id"], "name": name})["renameCommunity"]["__typename"]
        )

    # When both rename at once
    threads = [threading.Thread(target=attempt, args=(n,)) for n in ("甲", "乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then exactly one wins and the other gets a typed conflict, never a 500
    assert sorted(results) == ["CommunityPayload", "Conflict"]


def test_company_pages_follow_each_other_and_search_takes_wildcards_literally(api: Api) -> None:
    # Given three companies, one with a % in its name
    import random

    from gongzhi.demo import credit_code

    rng = random.Random(9)
    for name in ("甲物业", "乙物业", "丙100%物业"):
        api.gql(
            REGISTER_COMPANY,
            {"input": {"name": name, "creditCode": credit_code(rng), "reason": "备案"}},
        )
    query = """query($after: String, $q: String) { companies(first: 2, after: $after,
        nameContains: $q) { __typename ... on CompanyConnection { edges { node { name } }
        pageInfo { hasNextPage endCursor } } ... on ValidationError { field } } }"""

    # When they are listed two at a time
    first = api.gql(query, {})["companies"]
    second = api.gql(query, {"after": first["pageInfo"]["endCursor"]})["companies"]

    # Then the pages hold all three once, and % matches only itself
    names = [e["node"]["name"] for page in (first, second) for e in page["edges"]]
    assert sorted(names) == sorted(["甲物业", "乙物业", "丙100%物业"])
    assert second["pageInfo"]["hasNextPage"] is False
    literal = api.gql(query, {"q": "0%"})["companies"]["edges"]
    assert [e["node"]["name"] for e in literal] == ["丙100%物业"]
    forged = api.gql(query, {"after": "WyJhIiwibm90LWEtdXVpZCJd"})["companies"]
    assert forged == {"__typename": "ValidationError", "field": "after"}


def test_text_holding_a_nul_character_is_refused_before_it_reaches_the_database(
    api: Api,
) -> None:
    # Given a filter and a search whose text holds U+0000 (PostgreSQL text cannot), once as a
    # literal and once as a variable
    literal = api.post('{ communities(filter: {nameContains: "a\\u0000"}) { __typename } }')
    variable = api.post(
        "query($n: String) { companies(nameContains: $n) { __typename } }", {"n": "a\x00"}
    )
    # Then each is a GraphQL error saying where and what, not a masked server error
    for response in (literal, variable):
        assert response.status_code == 200
        assert response.json()["data"] is None
    [at_literal] = literal.json()["errors"]
    assert at_literal["message"] == "text must not contain the NUL character (U+0000)"
    assert at_literal["locations"] == [{"line": 1, "column": 38}]
    [at_variable] = variable.json()["errors"]
    assert at_variable["message"] == "variables.n: text must not contain the NUL character (U+0000)"
    # And the same search without it answers
    clean = api.gql("query($n: String) { companies(nameContains: $n) { __typename } }", {"n": "a"})
    assert clean["companies"]["__typename"] == "CompanyConnection"


DATE_OPERATIONS = {
    "Date": 'query($v: Date!) { workOrderPerformance(communityId: "x", since: $v, until: $v) {'
    " __typename } }",
    "DateTime": 'mutation($v: DateTime!) { fileComplaint(input: {communityId: "x",'
    ' category: FEES, channel: RESIDENT, description: "d", reason: "r", filedAt: $v})'
    " { __typename } }",
}


@pytest.mark.parametrize(
    ("scalar", "value"),
    [("Date", "0001-01-01"), ("Date", "9999-12-31"), ("DateTime", "0001-01-01T00:00:00+08:00")],
)
def test_a_date_outside_the_years_we_keep_is_refused_with_its_variable(
    api: Api, scalar: str, value: str
) -> None:
    """Found by the fuzz test: year 1 in Shanghai time overflowed the calendar (a 500)."""
    body = api.post(DATE_OPERATIONS[scalar], {"v": value}).json()
    assert body.get("data") is None, body
    (error,) = body["errors"]
    assert "The year must be between 1900 and 2199" in error["message"], error
    assert "$v" in error["message"], error


def test_an_over_long_text_in_a_query_is_refused_naming_it(api: Api) -> None:
    # A filter of 201 characters: no name, district or period is that long
    long = "幸" * 201
    result = api.gql(
        """query($f: CommunityFilter) { communities(filter: $f) { __typename
        ... on ValidationError { field message } } }""",
        {"f": {"nameContains": long}},
    )["communities"]
    assert result == {
        "__typename": "ValidationError",
        "field": "filter.nameContains",
        "message": "is too long: at most 200 characters",
    }
    # And the same at the limit is answered
    result = api.gql(
        "query($f: CommunityFilter) { communities(filter: $f) { __typename } }",
        {"f": {"nameContains": long[:200]}},
    )["communities"]
    assert result["__typename"] == "CommunityConnection"
