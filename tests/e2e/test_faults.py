"""Faults met by the shipped processes over real sockets (issue 14): a recorded command is
answered as recorded even while the projector is down, and a database out of reach is a
typed "unavailable, try again", never "Unexpected error."."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from bench.faults.servers import Relay
from gongzhi.bootstrap import Platform
from gongzhi.infra.settings import Settings
from tests.e2e.conftest import free_port, process_env, start, stop, wait_until_ready
from tests.e2e.test_platform import admin_token, graphql

REGISTER = """mutation { registerCommunity(input: {name: "幸福里", district: "红塔区",
    street: "玉兴街道", registeredOn: "2024-01-01", reason: "登记"}) { __typename
    ... on CommunityPayload { community { id } position }
    ... on Recorded { id position message }
    ... on Unavailable { message } } }"""
RENAME = """mutation($id: ID!) { renameCommunity(input: {communityId: $id, name: "新名",
    reason: "更名"}) { __typename ... on Unavailable { message } } }"""


@contextlib.contextmanager
def serving(settings: Settings, **extra: str) -> Iterator[str]:
    """`gongzhi serve` alone: no projector runs, so the views never catch up."""
    port = free_port()
    env = process_env(settings, GONGZHI_POOL_SIZE="2", **extra)
    process = start(["serve", "--port", str(port)], env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base_url, process)
        yield base_url
    finally:
        stop(process)


@pytest.mark.slow
def test_a_recorded_command_is_answered_as_recorded_while_the_projector_is_down(
    platform: Platform, settings: Settings
) -> None:
    # Given the API with no projector behind it and a short read-your-writes wait
    with serving(settings, GONGZHI_RYW_TIMEOUT="0.3") as base_url:
        # When a community is registered
        answer = graphql(base_url, admin_token(settings), REGISTER)["registerCommunity"]
    # Then the answer says it is recorded, with its id and log position (not an error that
    # invites a retry and so a duplicate)
    assert answer["__typename"] == "Recorded", answer
    position = int(answer["position"])
    assert position > 0 and answer["id"]
    # And the event store holds it at that position
    assert (platform.app.recorder.max_notification_id() or 0) >= position


@pytest.mark.slow
def test_a_follow_up_naming_a_recorded_thing_is_told_to_try_again_not_that_it_is_missing(
    platform: Platform, settings: Settings
) -> None:
    # Given the API with no projector behind it, and a community it answered as Recorded
    with serving(settings, GONGZHI_RYW_TIMEOUT="0.3") as base_url:
        token = admin_token(settings)
        answer = graphql(base_url, token, REGISTER)["registerCommunity"]
        assert answer["__typename"] == "Recorded", answer
        head = platform.app.recorder.max_notification_id()
        # When the client goes on to rename it, with the id it was given
        renamed = graphql(base_url, token, RENAME, {"id": answer["id"]})["renameCommunity"]
    # Then it is told to try again in a moment (the views lag), never that there is no such
    # community, and nothing was recorded
    assert renamed["__typename"] == "Unavailable", renamed
    assert "again" in renamed["message"]
    assert platform.app.recorder.max_notification_id() == head


@pytest.mark.slow
def test_a_database_out_of_reach_is_a_typed_unavailable(
    platform: Platform, settings: Settings
) -> None:
    # Given the API reaching PostgreSQL through a relay
    assert settings.database_url
    url = urlsplit(settings.database_url)
    proxy = Relay((url.hostname or "127.0.0.1", url.port or 5432))
    netloc = url.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{proxy.port}"
    relayed = urlunsplit(url._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) > 1 else host))
    with serving(settings, GONGZHI_DATABASE_URL=relayed) as base_url:
        token = admin_token(settings)
        # When the database goes out of reach
        proxy.cut()
        response = httpx.post(
            f"{base_url}/graphql",
            json={"query": RENAME, "variables": {"id": str(uuid.uuid4())}},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
    # Then the request is answered with a typed "unavailable, try again" (503, Retry-After),
    # not a 500 "Internal Server Error"
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"]
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "UNAVAILABLE"
    assert "try again" in error["message"]
    # And nothing was recorded
    assert (platform.app.recorder.max_notification_id() or 0) == 0
