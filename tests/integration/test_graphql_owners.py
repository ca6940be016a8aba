"""Owners and residents over GraphQL: persons, co-ownership, transfer, masking, roles."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import Api
from tests.integration.test_graphql_communities import building_with_entrance, register

PERSON = """__typename ... on PersonPayload { person { id name phone idNumber roles { role } } }
    ... on ValidationError { field message }"""
UNIT_OWNERS = """query($id: ID!) { community(id: $id) { ... on Community { buildings { entrances {
    units { number developerHeld owners { name share } } } } } } }"""


def person(api: Api, name: str, phone: str = "13812341234", id_number: str = "") -> Any:
    return api.gql(
        f"""mutation($input: RegisterPersonInput!) {{ registerPerson(input: $input) {{ {PERSON} }} }}""",
        {"input": {"name": name, "phone": phone, "idNumber": id_number, "reason": "业主登记"}},
    )["registerPerson"]


def add_unit(api: Api, community_id: str, entrance_id: str, number: str) -> str:
    return str(
        api.gql(
            """mutation($c: ID!, $e: ID!, $n: String!) { addUnit(input: {communityId: $c,
        entranceId: $e, number: $n, floor: 1, area: "80.00", areaSource: REGISTER,
        reason: "入册"}) { ... on CommunityPayload { partId } } }""",
            {"c": community_id, "e": entrance_id, "n": number},
        )["addUnit"]["partId"]
    )


OWNERSHIP = """mutation($input: RecordOwnershipInput!) { recordOwnership(input: $input) {
    __typename ... on ValidationError { field message } ... on NotFound { field } } }"""


def test_co_owners_transfer_and_developer_units_show_on_the_unit(api: Api) -> None:
    # Given a community with three units and three registered persons
    community_id = register(api)["community"]["id"]
    _, entrance = building_with_entrance(api, community_id)
    units = [add_unit(api, community_id, entrance, n) for n in ("101", "102", "103")]
    zhang, li, wang = (person(api, n)["person"]["id"] for n in ("张三", "李四", "王五"))

    # When 101 is co-owned half and half, 102 transferred from 张三 to 王五, 103 developer-held
    for unit, owners in (
        (units[0], [(zhang, "1/2"), (li, "1/2")]),
        (units[1], [(zhang, "1")]),
        (units[1], [(wang, "1")]),
    ):
        result = api.gql(
            OWNERSHIP,
            {
                "input": {
                    "communityId": community_id,
                    "unitId": unit,
                    "on": "2020-05-01",
                    "reason": "不动产登记",
                    "owners": [{"personId": p, "share": s} for p, s in owners],
                }
            },
        )["recordOwnership"]
        assert result["__typename"] == "CommunityPayload", result
    api.gql(
        """mutation($c: ID!, $u: ID!) { holdByDeveloper(input: {communityId: $c, unitId: $u,
        on: "2019-01-01", reason: "未售"}) { __typename } }""",
        {"c": community_id, "u": units[2]},
    )

    # Then each unit shows its owners and shares
    shown = api.gql(UNIT_OWNERS, {"id": community_id})["community"]["buildings"][0]["entrances"][0]
    by_number = {u["number"]: u for u in shown["units"]}
    assert sorted((o["name"], o["share"]) for o in by_number["101"]["owners"]) == [
        ("张三", "1/2"),
        ("李四", "1/2"),
    ]
    assert by_number["102"]["owners"] == [{"name": "王五", "share": "1/1"}]
    assert by_number["103"] == {"number": "103", "developerHeld": True, "owners": []}

    # And the community's persons are listed by name
    listed = api.gql(
        """query($id: ID!) { persons(communityId: $id) { ... on PersonConnection {
        persons { name } } } }""",
        {"id": community_id},
    )["persons"]["persons"]
    assert [p["name"] for p in listed] == sorted(["张三", "李四", "王五"])


def test_shares_must_add_up_and_owners_must_be_registered(api: Api) -> None:
    community_id = register(api)["community"]["id"]
    _, entrance = building_with_entrance(api, community_id)
    unit = add_unit(api, community_id, entrance, "101")
    zhang = person(api, "张三")["person"]["id"]
    base = {"communityId": community_id, "unitId": unit, "on": "2020-05-01", "reason": "登记"}
    bad_sum = api.gql(
        OWNERSHIP, {"input": {**base, "owners": [{"personId": zhang, "share": "1/3"}]}}
    )["recordOwnership"]
    assert bad_sum == {
        "__typename": "ValidationError",
        "field": "input.owners",
        "message": "shares must add up to exactly one",
    }
    bad_share = api.gql(
        OWNERSHIP, {"input": {**base, "owners": [{"personId": zhang, "share": "half"}]}}
    )["recordOwnership"]
    assert bad_share["field"] == "input.owners.0.share"
    unknown = api.gql(
        OWNERSHIP,
        {
            "input": {
                **base,
                "owners": [{"personId": "00000000-0000-0000-0000-0000000000aa", "share": "1"}],
            }
        },
    )["recordOwnership"]
    assert unknown == {"__typename": "NotFound", "field": "input.owners.0.personId"}


def test_personal_data_is_validated_without_echoing_it_and_masked_by_role(api: Api) -> None:
    # Bad phone and ID numbers are refused, and the message never repeats the value
    for field, value in (("phone", "12345"), ("idNumber", "110105194912310021")):
        result = api.gql(
            f"""mutation($input: RegisterPersonInput!) {{ registerPerson(input: $input) {{
            {PERSON} }} }}""",
            {"input": {"name": "赵六", field: value, "reason": "登记"}},
        )["registerPerson"]
        assert result["__typename"] == "ValidationError"
        assert result["field"] == f"input.{field}"
        assert value not in result["message"]

    # Given an owner with a phone and ID number in a community served by a company
    community_id = register(api)["community"]["id"]
    _, entrance = building_with_entrance(api, community_id)
    unit = add_unit(api, community_id, entrance, "101")
    owner = person(api, "张三", "13812341234", "11010519491231002X")["person"]
    assert owner["phone"] == "13812341234"  # the admin who registered may see it
    api.gql(
        OWNERSHIP,
        {
            "input": {
                "communityId": community_id,
                "unitId": unit,
                "on": "2020-05-01",
                "reason": "登记",
                "owners": [{"personId": owner["id"]}],
            }
        },
    )
    company = api.gql("""mutation { registerCompany(input: {name: "安居物业",
        creditCode: "91350100M000100Y43", reason: "备案"}) { ... on CompanyPayload {
        company { id } } } }""")["registerCompany"]["company"]["id"]
    api.gql(
        """mutation($c: ID!, $k: ID!) { changeManagementMode(input: {communityId: $c,
        mode: PROFESSIONAL, companyId: $k, effectiveFrom: "2024-01-01", reason: "选聘"}) {
        __typename } }""",
        {"c": community_id, "k": company},
    )
    query = """query($id: ID!) { persons(communityId: $id) { ... on PersonConnection {
        persons { phone idNumber } } } }"""

    # When a committee member and the company's staff read the roster
    committee = Principal(
        subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(community_id)
    )
    staff = Principal(subject="staff", role=Role.COMPANY_STAFF, company_id=UUID(company))
    seen_by_committee = api.gql(query, {"id": community_id}, as_=committee)["persons"]["persons"]
    seen_by_staff = api.gql(query, {"id": community_id}, as_=staff)["persons"]["persons"]

    # Then the committee sees the phone masked, the serving company in full; ID numbers masked
    assert seen_by_committee == [{"phone": "138****1234", "idNumber": "1****************X"}]
    assert seen_by_staff == [{"phone": "13812341234", "idNumber": "1****************X"}]

    # And the audit trail of the person keeps the personal data masked
    history = api.gql(
        """query($id: ID!) { history(id: $id) { ... on HistoryConnection {
        entries { data } } } }""",
        {"id": owner["id"]},
        as_=committee,
    )["history"]["entries"]
    assert history[0]["data"]["phone"] == "138****1234"
    assert history[0]["data"]["id_number"] == "1****************X"


def test_residents_and_roles(api: Api) -> None:
    community_id = register(api)["community"]["id"]
    _, entrance = building_with_entrance(api, community_id)
    unit = add_unit(api, community_id, entrance, "101")
    tenant = person(api, "租户甲")["person"]["id"]
    moved = api.gql(
        """mutation($c: ID!, $u: ID!, $p: ID!) { moveIn(input: {communityId: $c,
        unitId: $u, personId: $p, on: "2024-03-01", reason: "租住登记"}) { __typename } }""",
        {"c": community_id, "u": unit, "p": tenant},
    )["moveIn"]
    assert moved["__typename"] == "CommunityPayload"
    granted = api.gql(
        f"""mutation($p: ID!, $c: ID!) {{ grantRole(input: {{personId: $p,
        communityId: $c, role: BUILDING_LEADER, reason: "推选楼栋长"}}) {{ {PERSON} }} }}""",
        {"p": tenant, "c": community_id},
    )["grantRole"]
    assert granted["person"]["roles"] == [{"role": "BUILDING_LEADER"}]
    again = api.gql(
        f"""mutation($p: ID!, $c: ID!) {{ grantRole(input: {{personId: $p,
        communityId: $c, role: BUILDING_LEADER, reason: "x"}}) {{ {PERSON} }} }}""",
        {"p": tenant, "c": community_id},
    )["grantRole"]
    assert again == {
        "__typename": "ValidationError",
        "field": "input.role",
        "message": "the person already holds this role in the community",
    }
