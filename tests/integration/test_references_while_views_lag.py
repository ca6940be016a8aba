"""A command naming a thing recorded a moment ago, while the views lag behind the event log
(issue 14): its reference check waits for the views instead of answering a false NotFound.

The projector is held back by not running it: the thing is in the log, not in the views.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from starlette.testclient import TestClient

from gongzhi.application.base import Done, Meta
from gongzhi.application.communities import AddBuilding, RegisterCommunity
from gongzhi.bootstrap import Platform
from gongzhi.graphql.app import create_app
from gongzhi.graphql.auth import issue_token
from gongzhi.infra.settings import Settings
from tests.integration.conftest import ADMIN
from tests.support import LogSignal

META = Meta(actor="admin-1", reason="登记", actor_role="PLATFORM_ADMIN")
ADD_ENTRANCE = """mutation($community: ID!, $building: ID!) {
  addEntrance(input: {communityId: $community, buildingId: $building, number: "2",
                      reason: "补录单元"}) {
    __typename
    ... on CommunityPayload { community { id } position }
    ... on NotFound { field message }
    ... on Unavailable { message }
    ... on Recorded { position }
  } }"""


@pytest.fixture
def waits() -> Iterator[LogSignal]:
    """Set when a reference look-up starts waiting for the views."""
    with LogSignal("gongzhi.graphql.commands", "is not in the views") as signal:
        yield signal


def add_entrance(client: TestClient, settings: Settings, community: Any, building: Any) -> Any:
    response = client.post(
        "/graphql",
        json={
            "query": ADD_ENTRANCE,
            "variables": {"community": str(community), "building": str(building)},
        },
        headers={"Authorization": f"Bearer {issue_token(settings.jwt_secret, ADMIN)}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["addEntrance"]


def community_in_views(platform: Platform) -> Any:
    community = platform.app.execute(
        META, RegisterCommunity(name="幸福里", district="红塔区", street="玉兴街道")
    ).id
    platform.projection_runner().catch_up()
    return community


def building_in_the_log_only(platform: Platform) -> tuple[Any, Done]:
    """A community in the views, and a building just added to it: in the event log, not in
    the views (no projector runs)."""
    community = community_in_views(platform)
    added = platform.app.execute(
        META, AddBuilding(community_id=community, number="1", floors=6, has_elevator=False)
    )
    assert added.part_id is not None
    return community, added


def test_a_follow_up_naming_a_thing_just_recorded_waits_for_the_views(
    platform: Platform, settings: Settings, waits: LogSignal
) -> None:
    # Given a community in the views, and a building just added to it: in the event log, not
    # in the views (the projector is stopped)
    community, added = building_in_the_log_only(platform)
    building = added.part_id
    stop = threading.Event()
    projector = threading.Thread(
        target=platform.projection_runner().run, args=(stop,), kwargs={"poll_interval": 0.2}
    )
    with TestClient(create_app(settings, platform.app)) as client, ThreadPoolExecutor(1) as pool:
        try:
            # When a command names the building
            answer = pool.submit(add_entrance, client, settings, community, building)
            answer.add_done_callback(lambda _: waits.seen.set())  # an answer ends the wait
            # Then its reference check waits for the views (it has not answered NotFound)
            assert waits.seen.wait(30)
            assert not answer.done(), answer.result()
            # And once the projector runs again, the command goes through
            projector.start()
            result = answer.result(timeout=30)
        finally:
            stop.set()
            if projector.is_alive():
                projector.join()
    assert result["__typename"] == "CommunityPayload", result
    assert result["community"]["id"] == str(community)
    assert int(result["position"]) > added.position


def test_an_id_that_does_not_exist_is_not_found_at_once_when_the_views_are_at_the_head(
    platform: Platform, settings: Settings, waits: LogSignal
) -> None:
    # Given views at the log's head
    community = community_in_views(platform)
    with TestClient(create_app(settings, platform.app)) as client:
        # When a command names a building that was never recorded
        started = time.monotonic()
        result = add_entrance(client, settings, community, uuid.uuid4())
        elapsed = time.monotonic() - started
    # Then it is not found, without waiting for the views
    assert result["__typename"] == "NotFound", result
    assert result["field"] == "input.buildingId"
    assert not waits.seen.is_set()
    assert elapsed < settings.read_your_writes_timeout


def test_views_that_stay_behind_answer_try_again_never_a_false_not_found(
    platform: Platform, settings: Settings, waits: LogSignal
) -> None:
    # Given a building in the log only, and views that will not catch up (no projector)
    community, added = building_in_the_log_only(platform)
    building = added.part_id
    head = platform.app.recorder.max_notification_id()
    quick = dataclasses.replace(settings, read_your_writes_timeout=0.3)
    with TestClient(create_app(quick, platform.app)) as client:
        # When a command names it
        result = add_entrance(client, quick, community, building)
    # Then, after the bounded wait, it is told to try again: typed, and not NotFound
    assert waits.seen.is_set()
    assert result["__typename"] == "Unavailable", result
    assert "again" in result["message"]
    # And nothing was recorded, so sending it again is safe
    assert platform.app.recorder.max_notification_id() == head
