"""Limits that keep one client from swamping the API: a per-token budget of mutations
(a typed ``RateLimited`` answer) and a request body limit (413 with a JSON error, decided
before the body is read)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import anyio
import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from gongzhi.bootstrap import Platform
from gongzhi.demo import credit_code
from gongzhi.graphql.app import create_app
from gongzhi.graphql.auth import Principal, Role, issue_token
from gongzhi.graphql.body_limit import BodyLimit
from gongzhi.infra.limits import Limits
from gongzhi.infra.settings import Settings
from tests.integration.conftest import ADMIN, Api
from tests.integration.test_graphql_communities import register as register_community

OTHER_ADMIN = Principal(subject="admin-2", name="平台管理员", role=Role.PLATFORM_ADMIN)
REGISTER = """mutation($name: String!, $code: String!) { registerCompany(input: {
    name: $name, creditCode: $code, reason: "备案"}) { __typename
    ... on CompanyPayload { company { id } }
    ... on RateLimited { message retryAfterSeconds } } }"""


@pytest.fixture
def limited(api: Api, settings: Settings, platform: Platform) -> Iterator[TestClient]:
    """A second API over the same platform (the ``api`` fixture's projector keeps its views)
    with small limits: 3 mutations a minute, bodies of 4 KiB, roster bodies of 64 KiB."""
    small = Limits(max_body_bytes=4096, max_upload_bytes=65536, mutations_per_minute=3)
    with TestClient(create_app(replace(settings, limits=small), platform.app)) as client:
        yield client


def post(client: TestClient, settings: Settings, body: Any, as_: Principal = ADMIN) -> Any:
    token = issue_token(settings.jwt_secret, as_)
    return client.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}"})


def register(client: TestClient, settings: Settings, name: str, as_: Principal = ADMIN) -> Any:
    code = credit_code(random.Random(name))
    response = post(
        client, settings, {"query": REGISTER, "variables": {"name": name, "code": code}}, as_
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]["registerCompany"]


def events(platform: Platform) -> int:
    return platform.app.recorder.max_notification_id() or 0


def test_a_sender_over_its_mutation_budget_is_told_when_to_retry_and_nothing_is_recorded(
    limited: TestClient, settings: Settings, platform: Platform
) -> None:
    # Given a budget of 3 mutations a minute, spent by one administrator
    for index in range(3):
        assert register(limited, settings, f"物业{index}")["__typename"] == "CompanyPayload"
    before = events(platform)
    # When the administrator sends a fourth
    refused = register(limited, settings, "物业3")
    # Then it is refused as RateLimited, with the wait (a minute's budget refills in 20 s
    # a mutation), and nothing is recorded
    assert refused == {
        "__typename": "RateLimited",
        "message": "too many changes: at most 3 a minute; try again in 20 s",
        "retryAfterSeconds": 20,
    }
    assert events(platform) == before
    # And another sender's budget is its own
    assert register(limited, settings, "物业4", OTHER_ADMIN)["__typename"] == "CompanyPayload"


def test_queries_are_not_counted_against_the_mutation_budget(
    limited: TestClient, settings: Settings
) -> None:
    query = {"query": "{ communities(first: 1) { __typename } }"}
    for _ in range(5):
        assert post(limited, settings, query).status_code == 200
    assert register(limited, settings, "物业")["__typename"] == "CompanyPayload"


ROSTER = """mutation($input: ImportRosterInput!) { importRoster(input: $input) { __typename
    ... on RosterImport { rows units } ... on ValidationError { field message } } }"""


def roster_csv(rows: int) -> str:
    lines = ["楼栋,层数,电梯,单元,房号,楼层,面积,面积来源"]
    lines += [f"1栋,30,是,1单元,{1000 + i},{1 + i // 10},88.50,登记" for i in range(rows)]
    return "\n".join(lines) + "\n"


def test_a_body_over_the_limit_gets_413_with_a_json_error_and_records_nothing(
    limited: TestClient, settings: Settings, platform: Platform
) -> None:
    before = events(platform)
    # A company whose name pads the request to 5 KiB (the limit here is 4 KiB)
    body = {"query": REGISTER, "variables": {"name": "物" * 2000, "code": "x"}}
    response = post(limited, settings, body)
    assert response.status_code == 413
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "PAYLOAD_TOO_LARGE", "limit": 4096}
    assert events(platform) == before
    # And the next request is served as usual
    assert register(limited, settings, "安居物业")["__typename"] == "CompanyPayload"


def test_a_declared_length_over_the_upload_limit_is_refused_before_the_body_is_read(
    limited: TestClient, settings: Settings
) -> None:
    token = issue_token(settings.jwt_secret, ADMIN)
    response = limited.post(
        "/graphql",
        content=b"{" + b" " * 70_000 + b"}",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["limit"] == 65536


def test_a_roster_import_may_be_larger_up_to_the_upload_limit(
    api: Api, limited: TestClient, settings: Settings
) -> None:
    community = str(register_community(api)["community"]["id"])

    def dry_run(rows: int) -> Any:
        variables = {
            "input": {
                "communityId": community,
                "format": "CSV",
                "content": roster_csv(rows),
                "reason": "花名册导入",
            }
        }
        return post(limited, settings, {"query": ROSTER, "variables": variables})

    # A roster of 200 rows (about 8 KiB, over the 4 KiB body limit) is read
    answer = dry_run(200)
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["importRoster"] == {
        "__typename": "RosterImport",
        "rows": 200,
        "units": 200,
    }
    # One of 2,000 rows (about 80 KiB, over the 64 KiB upload limit) is not
    assert dry_run(2000).status_code == 413


def test_an_endless_body_is_refused_at_the_first_chunk_past_the_limit() -> None:
    # Given a client that streams 64 KiB chunks without end and declares no length
    pulled = 0

    async def endless() -> Message:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"x" * 65536, "more_body": True}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def reads_its_body(scope: Scope, receive: Receive, send: Send) -> None:
        await Request(scope, receive).body()
        await PlainTextResponse("read")(scope, receive, send)

    # When the app behind the 1 MiB limit reads the body
    limit = BodyLimit(reads_its_body, Limits())
    scope = {"type": "http", "method": "POST", "path": "/graphql", "headers": []}
    anyio.run(limit, scope, endless, send)
    # Then it is answered 413 after 1 MiB and a chunk, not after reading on
    assert sent[0]["status"] == 413
    assert pulled == 17
