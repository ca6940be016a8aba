"""A company's staff cannot reach another company's owners through an id inside an input.

The reproduction from issue 11: staff of company A called ``grantRole(personId: <an owner in a
community served by company B>, communityId: <A's community>)``; the reply carried the person's
name and unmasked phone, and from then on A could read the person's history while B could not.
"""

from __future__ import annotations

import random
from typing import Any
from uuid import UUID

import pytest

from gongzhi.demo import credit_code
from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import Api
from tests.integration.test_access_matrix import company, manage
from tests.integration.test_graphql_communities import building_with_entrance, register
from tests.integration.test_graphql_owners import add_unit

PHONE = "13912345678"
NAME = "乙方业主"
ANSWER = """__typename ... on NotFound { field message } ... on ValidationError { field message }
    ... on Forbidden { message }"""


def event_count(api: Api) -> int:
    return api.platform.app.recorder.max_notification_id() or 0


@pytest.fixture
def tenants(api: Api) -> dict[str, Any]:
    """幸福里 served by company A and 和平苑 served by company B, a unit in each, and an owner
    of 和平苑's unit, registered by company B's staff."""
    a = company(api, "甲物业", credit_code(random.Random(1)))
    b = company(api, "乙物业", credit_code(random.Random(2)))
    xingfu = register(api, name="幸福里")["community"]["id"]
    heping = register(api, name="和平苑")["community"]["id"]
    manage(api, xingfu, "PROFESSIONAL", a)
    manage(api, heping, "PROFESSIONAL", b)
    units = {}
    for community in (xingfu, heping):
        _, entrance = building_with_entrance(api, community)
        units[community] = add_unit(api, community, entrance, "101")
    staff_a = Principal(subject="staff-a", role=Role.COMPANY_STAFF, company_id=UUID(a))
    staff_b = Principal(subject="staff-b", role=Role.COMPANY_STAFF, company_id=UUID(b))
    owner = api.gql(
        """mutation($input: RegisterPersonInput!) { registerPerson(input: $input) {
        ... on PersonPayload { person { id } } } }""",
        {"input": {"name": NAME, "phone": PHONE, "reason": "业主登记"}},
        as_=staff_b,
    )["registerPerson"]["person"]["id"]
    recorded = api.gql(
        """mutation($c: ID!, $u: ID!, $p: ID!) { recordOwnership(input: {communityId: $c,
        unitId: $u, owners: [{personId: $p}], on: "2020-01-01", reason: "过户"}) { __typename } }""",
        {"c": heping, "u": units[heping], "p": owner},
        as_=staff_b,
    )["recordOwnership"]
    assert recorded["__typename"] == "CommunityPayload"
    return {
        "xingfu": xingfu,
        "heping": heping,
        "units": units,
        "owner": owner,
        "staff_a": staff_a,
        "staff_b": staff_b,
    }


def refused(api: Api, mutation: str, variables: dict[str, Any], who: Principal) -> Any:
    """Send ``mutation`` as ``who``; it must be refused, record nothing and show no one's
    personal data."""
    before = event_count(api)
    response = api.post(mutation, variables, as_=who)
    assert response.status_code == 200
    assert PHONE not in response.text and NAME not in response.text
    assert event_count(api) == before
    answer = next(iter(response.json()["data"].values()))
    assert answer["__typename"] in {"NotFound", "ValidationError", "Forbidden"}, answer
    return answer


def test_grant_role_to_another_companys_owner_is_refused(api: Api, tenants: dict[str, Any]) -> None:
    answer = refused(
        api,
        f"""mutation($p: ID!, $c: ID!) {{ grantRole(input: {{personId: $p, communityId: $c,
        role: BUILDING_LEADER, reason: "楼栋长"}}) {{ {ANSWER} }} }}""",
        {"p": tenants["owner"], "c": tenants["xingfu"]},
        tenants["staff_a"],
    )
    assert (answer["__typename"], answer["field"]) == ("NotFound", "input.personId")


def test_move_in_another_companys_owner_is_refused(api: Api, tenants: dict[str, Any]) -> None:
    answer = refused(
        api,
        f"""mutation($c: ID!, $u: ID!, $p: ID!) {{ moveIn(input: {{communityId: $c, unitId: $u,
        personId: $p, on: "2024-01-01", reason: "入住"}}) {{ {ANSWER} }} }}""",
        {"c": tenants["xingfu"], "u": tenants["units"][tenants["xingfu"]], "p": tenants["owner"]},
        tenants["staff_a"],
    )
    assert (answer["__typename"], answer["field"]) == ("NotFound", "input.personId")


def test_record_another_companys_owner_as_owner_is_refused(
    api: Api, tenants: dict[str, Any]
) -> None:
    answer = refused(
        api,
        f"""mutation($c: ID!, $u: ID!, $p: ID!) {{ recordOwnership(input: {{communityId: $c,
        unitId: $u, owners: [{{personId: $p}}], on: "2024-01-01", reason: "过户"}}) {{
        {ANSWER} }} }}""",
        {"c": tenants["xingfu"], "u": tenants["units"][tenants["xingfu"]], "p": tenants["owner"]},
        tenants["staff_a"],
    )
    assert (answer["__typename"], answer["field"]) == ("NotFound", "input.owners.0.personId")


def test_a_unit_of_another_community_is_refused_beside_ones_own(
    api: Api, tenants: dict[str, Any]
) -> None:
    # Company A names its own community and 和平苑's unit: the unit is not A's to name
    answer = refused(
        api,
        f"""mutation($c: ID!, $u: ID!) {{ holdByDeveloper(input: {{communityId: $c, unitId: $u,
        on: "2024-01-01", reason: "未售"}}) {{ {ANSWER} }} }}""",
        {"c": tenants["xingfu"], "u": tenants["units"][tenants["heping"]]},
        tenants["staff_a"],
    )
    assert (answer["__typename"], answer["field"]) == ("NotFound", "input.unitId")
    # And the platform, which may name both, is told the unit is not in that community
    answer = refused(
        api,
        f"""mutation($c: ID!, $u: ID!) {{ holdByDeveloper(input: {{communityId: $c, unitId: $u,
        on: "2024-01-01", reason: "未售"}}) {{ {ANSWER} }} }}""",
        {"c": tenants["xingfu"], "u": tenants["units"][tenants["heping"]]},
        Principal(subject="admin", role=Role.PLATFORM_ADMIN),
    )
    assert (answer["__typename"], answer["field"]) == ("ValidationError", "input.unitId")


def test_the_owners_steward_reads_the_history_and_the_other_company_does_not(
    api: Api, tenants: dict[str, Any]
) -> None:
    history = """query($id: ID!) { history(id: $id) { __typename
        ... on HistoryConnection { entries { eventType } } } }"""
    # The owner holds 和平苑's unit: company B, its steward, reads the owner's history
    mine = api.gql(history, {"id": tenants["owner"]}, as_=tenants["staff_b"])["history"]
    assert mine["__typename"] == "HistoryConnection"
    assert [e["eventType"] for e in mine["entries"]] == ["Registered"]
    # Company A does not, even after trying to grant the owner a role in its own community
    refused(
        api,
        f"""mutation($p: ID!, $c: ID!) {{ grantRole(input: {{personId: $p, communityId: $c,
        role: BUILDING_LEADER, reason: "楼栋长"}}) {{ {ANSWER} }} }}""",
        {"p": tenants["owner"], "c": tenants["xingfu"]},
        tenants["staff_a"],
    )
    theirs = api.gql(history, {"id": tenants["owner"]}, as_=tenants["staff_a"])["history"]
    assert theirs["__typename"] == "Forbidden"


def test_an_owner_of_two_communities_is_read_by_both_stewards(
    api: Api, tenants: dict[str, Any]
) -> None:
    # The owner also rents 幸福里's unit, recorded by its own company A
    staff_a, staff_b = tenants["staff_a"], tenants["staff_b"]
    api.gql(
        """mutation($c: ID!, $u: ID!, $p: ID!) { moveIn(input: {communityId: $c, unitId: $u,
        personId: $p, on: "2024-01-01", reason: "入住"}) { __typename } }""",
        {"c": tenants["xingfu"], "u": tenants["units"][tenants["xingfu"]], "p": tenants["owner"]},
        as_=Principal(subject="admin", role=Role.PLATFORM_ADMIN),
    )
    history = "query($id: ID!) { history(id: $id) { __typename } }"
    for steward in (staff_a, staff_b):
        answer = api.gql(history, {"id": tenants["owner"]}, as_=steward)["history"]
        assert answer["__typename"] == "HistoryConnection"


def test_a_person_linked_nowhere_is_only_the_registrants(api: Api, tenants: dict[str, Any]) -> None:
    # Company B registers a person it has not yet linked to any unit
    fresh = api.gql(
        """mutation { registerPerson(input: {name: "新登记人", phone: "13700001111",
        reason: "登记"}) { ... on PersonPayload { person { id } } } }""",
        as_=tenants["staff_b"],
    )["registerPerson"]["person"]["id"]
    # Company A cannot name that person in its own community
    answer = refused(
        api,
        f"""mutation($p: ID!, $c: ID!) {{ grantRole(input: {{personId: $p, communityId: $c,
        role: BUILDING_LEADER, reason: "楼栋长"}}) {{ {ANSWER} }} }}""",
        {"p": fresh, "c": tenants["xingfu"]},
        tenants["staff_a"],
    )
    assert (answer["__typename"], answer["field"]) == ("NotFound", "input.personId")
    assert "13700001111" not in str(answer)
    # Company B, who registered the person, may read the person's history
    answer = api.gql(
        "query($id: ID!) { history(id: $id) { __typename } }", {"id": fresh}, as_=tenants["staff_b"]
    )["history"]
    assert answer["__typename"] == "HistoryConnection"


def test_a_committee_names_the_company_serving_it_and_no_other(
    api: Api, tenants: dict[str, Any]
) -> None:
    # The committee of 幸福里 records a dispute between owners and the company serving them
    committee = Principal(
        subject="ywh-xingfu", role=Role.COMMITTEE_MEMBER, community_id=UUID(tenants["xingfu"])
    )
    serving = str(tenants["staff_a"].company_id)
    other = str(tenants["staff_b"].company_id)
    dispute = """mutation($c: ID!, $company: ID!) { openDispute(input: {communityId: $c,
        subject: "停车收费争议", openedOn: "2026-01-05", reason: "登记", parties: [
          {name: "业主代表", kind: OWNER}, {name: "物业", kind: COMPANY, companyId: $company}]}) {
        __typename ... on NotFound { field } } }"""
    ours = api.gql(dispute, {"c": tenants["xingfu"], "company": serving}, as_=committee)
    assert ours["openDispute"]["__typename"] == "DisputePayload"
    # Another company is not the committee's to name
    answer = refused(api, dispute, {"c": tenants["xingfu"], "company": other}, committee)
    assert (answer["__typename"], answer["field"]) == ("NotFound", "input.parties.1.companyId")
