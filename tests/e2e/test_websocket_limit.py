"""Over a real websocket against `gongzhi run`: a graphql-transport-ws message larger than
the body limit closes that socket with 1009 (Message Too Big); another client's socket goes
on answering.

Needs the ``websockets`` library (as tests/e2e/test_websocket_revocation.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gongzhi.infra.settings import Settings
from tests.e2e.test_platform import admin_token

websockets_sync = pytest.importorskip("websockets.sync.client")
from websockets.exceptions import ConnectionClosed  # noqa: E402


def connect(url: str) -> Any:
    return websockets_sync.connect(url, subprotocols=["graphql-transport-ws"], max_size=None)


def sign_in(ws: Any, token: str) -> None:
    ws.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    assert json.loads(ws.recv(timeout=30)) == {"type": "connection_ack"}


def test_an_oversized_websocket_message_closes_that_socket_only(
    running: tuple[str, Any], settings: Settings
) -> None:
    base_url, _ = running
    url = base_url.replace("http://", "ws://") + "/graphql"
    token = admin_token(settings)
    limit = settings.limits.max_body_bytes
    with connect(url) as sender, connect(url) as bystander:
        sign_in(sender, token)
        sign_in(bystander, token)
        # When one client sends a message one byte over the limit (a query padded by a comment)
        query = "{ __typename }"
        padding = (
            limit
            + 1
            - len(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query + "#"}}))
        )
        message = json.dumps(
            {"id": "1", "type": "subscribe", "payload": {"query": query + "#" + "x" * padding}}
        )
        assert len(message.encode()) == limit + 1
        sender.send(message)

        # Then the server closes that socket with 1009 and says why
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                sender.recv(timeout=30)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
        assert str(limit) in closed.value.rcvd.reason

        # And the other client's socket still answers, a message at the limit included
        bystander.send(json.dumps({"type": "ping"}))
        assert json.loads(bystander.recv(timeout=30)) == {"type": "pong"}
        query = "{ __typename }"
        padding = limit - len(
            json.dumps({"id": "2", "type": "subscribe", "payload": {"query": query + "#"}})
        )
        bystander.send(
            json.dumps(
                {"id": "2", "type": "subscribe", "payload": {"query": query + "#" + "x" * padding}}
            )
        )
        answer = json.loads(bystander.recv(timeout=30))
        assert answer["type"] == "next" and answer["payload"]["data"] == {"__typename": "Query"}
