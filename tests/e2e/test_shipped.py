"""The shipped thing over real sockets: `gongzhi serve`, `project`, `work` and `schedule`
started as separate processes on free ports, spoken to over TCP only — HTTP queries and
mutations, a subscription over a real websocket (graphql-transport-ws, through uvicorn and
its websocket library) that receives the work-order update a mutation over HTTP caused,
and a websocket without a token refused.

Each process keeps its pools small (``GONGZHI_POOL_SIZE=2``): PostgreSQL's connections are
shared with every other test run on the machine."""

from __future__ import annotations

import json
import random
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from gongzhi.demo import credit_code
from gongzhi.graphql.auth import Principal, Role, issue_token
from gongzhi.infra.settings import Settings
from tests.e2e.conftest import free_port, process_env, start, stop, wait_until_ready
from tests.e2e.test_platform import graphql

SMALL_POOLS = {"GONGZHI_POOL_SIZE": "2"}


@pytest.fixture
def platform(settings: Settings) -> Iterator[str]:
    """The four processes of a node, each started on its own as a deployer would."""
    port = free_port()
    env = process_env(settings, **SMALL_POOLS)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        processes.append(start(["serve", "--port", str(port)], env))
        base_url = f"http://127.0.0.1:{port}"
        wait_until_ready(base_url, processes[0])
        processes.append(start(["project", "--poll-interval", "0.2"], env))
        processes.append(start(["work", "--processes", "1", "--threads", "1"], env))
        processes.append(start(["schedule"], env))
        yield base_url
        for process in processes:
            assert process.poll() is None, f"{process.args} exited with {process.returncode}"
    finally:
        for process in reversed(processes):
            stop(process)


def served_community(base_url: str, admin: str) -> tuple[str, str]:
    """A company serving a community, registered over HTTP: (community id, company id)."""
    company = graphql(
        base_url,
        admin,
        """mutation($code: String!) { registerCompany(input: {name: "安居物业",
        creditCode: $code, reason: "备案"}) { ... on CompanyPayload { company { id } } } }""",
        {"code": credit_code(random.Random(14))},
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
    return community, company


REPORT = """mutation($c: ID!) { reportWorkOrder(input: {communityId: $c, category: PLUMBING,
    description: "3栋楼道水管漏水", place: {kind: COMMON_AREA, areaName: "3栋楼道"},
    reason: "住户来电"}) { __typename ... on WorkOrderPayload { position
    workOrder { id status } } } }"""
DISPATCH = """mutation($w: ID!) { dispatchWorkOrder(input: {workOrderId: $w, team: "维修一班",
    assignee: "张师傅", reason: "派单"}) { __typename ... on WorkOrderPayload {
    workOrder { id status team } } } }"""
SUBSCRIBE = """subscription($c: ID!) { workOrderUpdates(communityId: $c) {
    id status team } }"""


def receive(ws: Any) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(ws.recv(timeout=30))
    return message


@pytest.mark.slow
def test_http_and_a_live_work_order_feed_over_real_sockets(
    platform: str, settings: Settings
) -> None:
    base_url = platform
    admin = issue_token(settings.jwt_secret, Principal(subject="admin", role=Role.PLATFORM_ADMIN))
    # Given a served community, registered by mutations over HTTP
    community, _ = served_community(base_url, admin)
    # And a query over HTTP sees it (the mutation waited for the views: read-your-writes)
    seen = graphql(
        base_url,
        admin,
        "query($id: ID!) { community(id: $id) { ... on Community { id name } } }",
        {"id": community},
    )
    assert seen["community"] == {"id": community, "name": "幸福里"}

    ws_url = base_url.replace("http://", "ws://") + "/graphql"
    with connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        # When a client signs in over a real websocket and subscribes to the community's orders
        assert ws.subprotocol == "graphql-transport-ws"
        ws.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {admin}"}})
        )
        assert receive(ws) == {"type": "connection_ack"}
        ws.send(
            json.dumps(
                {
                    "id": "orders",
                    "type": "subscribe",
                    "payload": {"query": SUBSCRIBE, "variables": {"c": community}},
                }
            )
        )
        # And (the subscription being registered: a ping answered after it proves the server
        # read the subscribe message first) an order is reported, then dispatched, over HTTP
        ws.send(json.dumps({"type": "ping"}))
        assert receive(ws) == {"type": "pong"}
        reported = graphql(base_url, admin, REPORT, {"c": community})["reportWorkOrder"]
        assert reported["__typename"] == "WorkOrderPayload", reported
        order = reported["workOrder"]["id"]
        dispatched = graphql(base_url, admin, DISPATCH, {"w": order})["dispatchWorkOrder"]
        assert dispatched["__typename"] == "WorkOrderPayload", dispatched

        # Then the websocket receives the order's updates, ending dispatched to the team
        updates: list[dict[str, Any]] = []
        while not updates or updates[-1]["status"] != "DISPATCHED":
            message = receive(ws)
            assert message["type"] == "next", message
            assert message["id"] == "orders"
            assert "errors" not in message["payload"], message
            updates.append(message["payload"]["data"]["workOrderUpdates"])
        assert {update["id"] for update in updates} == {order}
        assert updates[-1] == {"id": order, "status": "DISPATCHED", "team": "维修一班"}
        ws.send(json.dumps({"id": "orders", "type": "complete"}))


@pytest.mark.slow
def test_a_websocket_without_a_token_is_refused(platform: str) -> None:
    ws_url = platform.replace("http://", "ws://") + "/graphql"
    # Without a token in connection_init: closed with 4403 and no acknowledgement
    with connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=30)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4403
    # With a forged Authorization header: refused at the handshake, as HTTP refuses it
    with pytest.raises(InvalidStatus) as refused:
        connect(
            ws_url,
            subprotocols=["graphql-transport-ws"],
            additional_headers={"Authorization": "Bearer forged"},
        )
    assert refused.value.response.status_code == 401
    assert refused.value.response.headers["WWW-Authenticate"] == "Bearer"
    # And over plain HTTP, a query without a token is 401
    response = httpx.post(f"{platform}/graphql", json={"query": "{ __typename }"}, timeout=30)
    assert response.status_code == 401
