"""The newcomer's path over real HTTP against `gongzhi run`: register, statistics, history."""

from __future__ import annotations

import signal
import time
from typing import Any

import httpx
import pytest

from gongzhi.graphql.auth import Principal, Role, issue_token
from gongzhi.infra.settings import Settings
from tests.e2e.conftest import stop


def graphql(base_url: str, token: str, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = httpx.post(
        f"{base_url}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def admin_token(settings: Settings) -> str:
    return issue_token(settings.jwt_secret, Principal(subject="admin", role=Role.PLATFORM_ADMIN))


def register_community(base_url: str, token: str, name: str = "幸福里") -> str:
    """A community of 红塔区 registered over HTTP; its id."""
    answer = graphql(
        base_url,
        token,
        """mutation($name: String!) { registerCommunity(input: {name: $name, district: "红塔区",
        street: "玉兴街道", registeredOn: "2024-01-01", reason: "登记"}) {
        ... on CommunityPayload { community { id } } } }""",
        {"name": name},
    )
    community_id: str = answer["registerCommunity"]["community"]["id"]
    return community_id


STATS = """query { districtStatistics(district: "红塔区") { ... on DistrictStatistics {
    total unmanaged byMode { mode communities } } } }"""


@pytest.mark.slow
def test_register_then_see_statistics_history_and_snapshot(
    running: tuple[str, Any], settings: Settings
) -> None:
    base_url, process = running
    token = issue_token(
        settings.jwt_secret, Principal(subject="dev-admin", role=Role.PLATFORM_ADMIN)
    )

    # Given the GraphiQL page is served to a browser without a token
    page = httpx.get(f"{base_url}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()

    # When a newcomer registers a community with the development token
    registered = graphql(
        base_url,
        token,
        """mutation { registerCommunity(input: {
        name: "幸福里", district: "红塔区", street: "玉兴街道", reason: "纳入长效管理台账"}) {
        __typename ... on CommunityPayload { community { id name } } } }""",
    )["registerCommunity"]
    assert registered["__typename"] == "CommunityPayload"
    community_id = registered["community"]["id"]

    # Then the district statistics include it at once (the mutation waited for the views)
    stats = graphql(base_url, token, STATS)["districtStatistics"]
    assert stats["total"] == 1
    assert stats["unmanaged"] == 1

    # And its history shows who registered it and why
    history = graphql(
        base_url,
        token,
        """query($id: ID!) { history(id: $id) {
        ... on HistoryConnection { entries { eventType actor reason } } } }""",
        {"id": community_id},
    )["history"]
    assert history["entries"] == [
        {"eventType": "Registered", "actor": "dev-admin", "reason": "纳入长效管理台账"}
    ]

    # And the worker, woken through the outbox and the broker, records a dated snapshot
    deadline = time.monotonic() + 30
    snapshots: list[Any] = []
    while time.monotonic() < deadline and not snapshots:
        snapshots = graphql(
            base_url,
            token,
            """{ districtSnapshots(district: "红塔区") {
            ... on DistrictSnapshots { snapshots { total unmanaged computedAt } } } }""",
        )["districtSnapshots"]["snapshots"]
        if not snapshots:
            time.sleep(0.2)  # pacing of the poll; the assertion below has the deadline
    assert snapshots and snapshots[0]["total"] == 1

    # When the user presses Ctrl-C, every process stops cleanly
    assert stop(process, signal.SIGINT) == 0
