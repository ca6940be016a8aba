"""Over a real websocket against `gongzhi run`: a subscription's connection is closed when
the token it signed in with is revoked, and a revoked token gets 401 over HTTP at once.

Needs the ``websockets`` library, which uvicorn needs to speak websocket at all (a pyproject
dependency; skipped where the environment predates it)."""

from __future__ import annotations

import json
import random
import uuid
from typing import Any

import httpx
import pytest

from gongzhi.demo import credit_code
from gongzhi.graphql.auth import Principal, Role, issue_token
from gongzhi.infra.settings import Settings
from tests.e2e.test_platform import graphql

websockets_sync = pytest.importorskip("websockets.sync.client")
from websockets.exceptions import ConnectionClosed  # noqa: E402


def test_a_revoked_token_closes_its_websocket_and_gets_401(
    running: tuple[str, Any], settings: Settings
) -> None:
    base_url, _ = running
    admin = issue_token(settings.jwt_secret, Principal(subject="admin", role=Role.PLATFORM_ADMIN))
    company = graphql(
        base_url,
        admin,
        """mutation($code: String!) { registerCompany(input: {name: "安居物业",
        creditCode: $code, reason: "备案"}) { ... on CompanyPayload { company { id } } } }""",
        {"code": credit_code(random.Random(7))},
    )["registerCompany"]["company"]["id"]
    community = graphql(
        base_url,
        admin,
        """mutation { registerCommunity(input: {name: "幸福里", district: "红塔区",
        street: "玉兴街道", registeredOn: "2024-01-01", reason: "登记"}) {
        ... on CommunityPayload { community { id } } } }""",
    )["registerCommunity"]["community"]["id"]
    served = graphql(
        base_url,
        admin,
        """mutation($c: ID!, $co: ID!) { changeManagementMode(input: {communityId: $c,
        mode: PROFESSIONAL, companyId: $co, effectiveFrom: "2024-01-01", reason: "选聘"}) {
        __typename } }""",
        {"c": community, "co": company},
    )
    assert served["changeManagementMode"]["__typename"] == "CommunityPayload", served
    token_id = uuid.uuid4()
    staff = issue_token(
        settings.jwt_secret,
        Principal(
            subject="staff-1",
            role=Role.COMPANY_STAFF,
            company_id=uuid.UUID(company),
            token_id=token_id,
        ),
    )
    ws_url = base_url.replace("http://", "ws://") + "/graphql"
    with websockets_sync.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        ws.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {staff}"}})
        )
        assert json.loads(ws.recv(timeout=30)) == {"type": "connection_ack"}
        ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {
                        "query": "subscription($c: ID!) { workOrderUpdates(communityId: $c) { id } }",
                        "variables": {"c": community},
                    },
                }
            )
        )
        # When the admin revokes the staff member's token
        revoked = graphql(
            base_url,
            admin,
            """mutation($t: String!) { revokeToken(input: {tokenId: $t, reason: "离职"}) {
            __typename } }""",
            {"t": str(token_id)},
        )
        assert revoked["revokeToken"]["__typename"] == "RevocationPayload"
        # Then the next HTTP request with it is 401
        response = httpx.post(
            f"{base_url}/graphql",
            json={"query": "{ __typename }"},
            headers={"Authorization": f"Bearer {staff}"},
            timeout=30,
        )
        assert response.status_code == 401
        # And the server closes the websocket with 4401
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=30)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
