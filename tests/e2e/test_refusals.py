"""Over real HTTP against `gongzhi run`: another company's owner cannot be reached through an
id inside an input, and one oversized request does not hold up the next one."""

from __future__ import annotations

import random
import uuid
from typing import Any

import httpx
import pytest

from gongzhi.demo import credit_code
from gongzhi.graphql.auth import Principal, Role, issue_token
from gongzhi.infra.settings import Settings
from tests.e2e.test_platform import graphql

PHONE = "13912345678"


def _setup(base_url: str, admin: str) -> dict[str, Any]:
    """Two companies, each serving a community; an owner registered in the second one."""
    ids: dict[str, Any] = {}
    for tag, seed in (("a", 1), ("b", 2)):
        ids[f"company_{tag}"] = graphql(
            base_url,
            admin,
            """mutation($code: String!, $name: String!) { registerCompany(input: {name: $name,
            creditCode: $code, reason: "备案"}) { ... on CompanyPayload { company { id } } } }""",
            {"code": credit_code(random.Random(seed)), "name": f"{tag}物业"},
        )["registerCompany"]["company"]["id"]
        ids[f"community_{tag}"] = graphql(
            base_url,
            admin,
            """mutation($name: String!) { registerCommunity(input: {name: $name,
            district: "红塔区", street: "玉兴街道", registeredOn: "2024-01-01", reason: "登记"}) {
            ... on CommunityPayload { community { id } } } }""",
            {"name": f"{tag}小区"},
        )["registerCommunity"]["community"]["id"]
        mode = graphql(
            base_url,
            admin,
            """mutation($c: ID!, $co: ID!) { changeManagementMode(input: {communityId: $c,
            mode: PROFESSIONAL, companyId: $co, effectiveFrom: "2024-01-01", reason: "选聘"}) {
            __typename } }""",
            {"c": ids[f"community_{tag}"], "co": ids[f"company_{tag}"]},
        )
        assert mode["changeManagementMode"]["__typename"] == "CommunityPayload", mode
    person = graphql(
        base_url,
        admin,
        """mutation($p: String!) { registerPerson(input: {name: "乙方业主", phone: $p,
        reason: "登记"}) { ... on PersonPayload { person { id } } } }""",
        {"p": PHONE},
    )["registerPerson"]["person"]["id"]
    graphql(
        base_url,
        admin,
        """mutation($c: ID!, $p: ID!) { grantRole(input: {personId: $p, communityId: $c,
        role: BUILDING_LEADER, reason: "楼栋长"}) { __typename } }""",
        {"c": ids["community_b"], "p": person},
    )
    ids["owner_b"] = person
    return ids


@pytest.mark.slow
def test_ids_of_another_tenant_and_oversized_input_are_refused_over_http(
    running: tuple[str, Any], settings: Settings
) -> None:
    base_url, _ = running
    admin = issue_token(settings.jwt_secret, Principal(subject="admin", role=Role.PLATFORM_ADMIN))
    ids = _setup(base_url, admin)
    staff_a = issue_token(
        settings.jwt_secret,
        Principal(
            subject="staff-a", role=Role.COMPANY_STAFF, company_id=uuid.UUID(ids["company_a"])
        ),
    )
    # Company A's staff name company B's owner in their own community: refused by name
    response = httpx.post(
        f"{base_url}/graphql",
        json={
            "query": """mutation($c: ID!, $p: ID!) { grantRole(input: {personId: $p,
            communityId: $c, role: GRID_WORKER, reason: "网格员"}) { __typename
            ... on NotFound { field } ... on PersonPayload { person { phone } } } }""",
            "variables": {"c": ids["community_a"], "p": ids["owner_b"]},
        },
        headers={"Authorization": f"Bearer {staff_a}"},
        timeout=30,
    )
    assert response.json()["data"]["grantRole"] == {
        "__typename": "NotFound",
        "field": "input.personId",
    }
    assert PHONE not in response.text

    # A 2,000,000-character reason is refused, and the next change answers with its change
    rename = """mutation($c: ID!, $reason: String!) { renameCommunity(input: {communityId: $c,
        name: "新名", reason: $reason}) { __typename ... on ValidationError { field }
        ... on CommunityPayload { community { name } } } }"""
    # (6 MB of UTF-8: the body limit answers 413 before anything parses it)
    huge = httpx.post(
        f"{base_url}/graphql",
        json={"query": rename, "variables": {"c": ids["community_a"], "reason": "理" * 2_000_000}},
        headers={"Authorization": f"Bearer {staff_a}"},
        timeout=30,
    )
    assert huge.status_code == 413, huge.text
    assert huge.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    long = graphql(base_url, staff_a, rename, {"c": ids["community_a"], "reason": "理" * 300_000})
    assert long["renameCommunity"] == {"__typename": "ValidationError", "field": "input.reason"}
    done = graphql(base_url, staff_a, rename, {"c": ids["community_a"], "reason": "更名"})
    assert done["renameCommunity"]["community"]["name"] == "新名"
