"""The event store on real PostgreSQL: metadata on every event, large atomic saves, and no
save that stalls or waits forever for the write lock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import psycopg
import pytest

from gongzhi.application.base import Meta, MissingMetadata
from gongzhi.bootstrap import Platform
from gongzhi.domain.person import Person
from gongzhi.infra.eventstore import PIPELINE_BYTES, PIPELINE_LIMIT, WriteTimedOut
from gongzhi.infra.settings import Settings
from tests.integration.conftest import Api

META = Meta(actor="tester", reason="large save", actor_role="PLATFORM_ADMIN")
# Short, so that the tests below that wait for the timeout on purpose stay quick.
WRITE_TIMEOUT = 1


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, write_timeout=WRITE_TIMEOUT)


def in_thread(work: Callable[[], Any], timeout: float) -> list[Any]:
    """Run ``work`` in a daemon thread and wait at most ``timeout`` seconds: a stalled save
    fails the test instead of hanging the suite. The result (or the exception) is returned
    in a one-item list; an empty list means the work had not finished."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(work())
        except Exception as error:
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    return outcome


@pytest.fixture
def write_lock_held(platform: Platform) -> Iterator[Callable[[], None]]:
    """Another transaction, on its own connection, holding the event table's write lock the
    way a stuck writer does; the fixture's value releases it."""
    platform.app.recorder.max_notification_id()  # the table exists before it is locked
    conn = psycopg.connect(platform.pg.url())
    conn.execute("LOCK TABLE gongzhi_events IN EXCLUSIVE MODE")
    try:
        yield conn.rollback
    finally:
        conn.close()


def test_a_save_of_twenty_thousand_events_is_atomic_and_completes(platform: Platform) -> None:
    # Given far more events than the driver's pipeline can carry in one message
    persons = [Person.register(name=f"业主{i}") for i in range(20_000)]
    assert len(persons) > PIPELINE_LIMIT
    positions: list[int] = []

    # When they are saved at once (in a thread, so a stalled driver fails the test
    # instead of hanging the suite)
    saving = threading.Thread(
        target=lambda: positions.append(platform.app.record(META, *persons)), daemon=True
    )
    saving.start()
    saving.join(timeout=120)

    # Then the save completed and every event has its own position
    assert not saving.is_alive(), "the save stalled"
    assert positions == [platform.app.recorder.max_notification_id()]
    notifications = platform.app.recorder.select_notifications(start=1, limit=30_000)
    assert len(notifications) == 20_000


def test_an_event_without_actor_and_reason_is_refused(platform: Platform) -> None:
    with pytest.raises(MissingMetadata):
        platform.app.save(Person.register(name="无名"))
    with pytest.raises(MissingMetadata):
        platform.app.record(Meta(actor="someone", reason=""), Person.register(name="无因"))
    assert not platform.app.recorder.max_notification_id()


def test_an_event_of_two_million_characters_is_saved_at_once_and_so_is_the_next(
    platform: Platform,
) -> None:
    # Given events each carrying 2,000,000 Chinese characters (about 6 MB encoded), far above
    # what a pipelined insert carries without stalling (it stalled two runs in three)
    huge = Meta(actor="tester", reason="大" * 2_000_000, actor_role="PLATFORM_ADMIN")
    for attempt in range(3):
        person = Person.register(name=f"业主{attempt}")

        # When one is saved
        saved = in_thread(lambda p=person: platform.app.record(huge, p), timeout=30)  # type: ignore[misc]

        # Then the save completed, with the whole text stored
        assert saved and isinstance(saved[0], int), f"save {attempt} stalled or failed: {saved}"
    last = platform.app.recorder.select_notifications(start=3, limit=1)[0]
    assert platform.app.mapper.to_domain_event(last).meta["reason"] == huge.reason  # type: ignore[attr-defined]

    # And an ordinary save right after it completes at once: no lock was left behind
    started = time.monotonic()
    ordinary = in_thread(lambda: platform.app.record(META, Person.register(name="小")), 10)
    assert ordinary and isinstance(ordinary[0], int), ordinary
    assert time.monotonic() - started < WRITE_TIMEOUT, "the ordinary save waited for a lock"


def test_a_save_above_the_byte_limit_is_atomic(platform: Platform) -> None:
    # Given a few events together just above the byte limit, few by count
    persons = [Person.register(name=f"业主{i}") for i in range(4)]
    long_reason = Meta(actor="tester", reason="名" * (PIPELINE_BYTES // 8), actor_role="ADMIN")
    assert len(persons) < PIPELINE_LIMIT

    # When they are saved together
    saved = in_thread(lambda: platform.app.record(long_reason, *persons), timeout=30)

    # Then each has its own position, in order, and the positions returned are the last
    assert saved == [platform.app.recorder.max_notification_id()]
    notifications = platform.app.recorder.select_notifications(start=1, limit=10)
    assert [n.originator_id for n in notifications] == [p.id for p in persons]
    assert sum(len(n.state) for n in notifications) > PIPELINE_BYTES


def test_a_save_behind_a_stuck_writer_fails_within_the_write_timeout(
    platform: Platform, write_lock_held: Callable[[], None]
) -> None:
    # Given another transaction holding the event table's write lock and not letting go
    before = platform.app.recorder.max_notification_id()

    # When a save needs the lock
    started = time.monotonic()
    refused = in_thread(lambda: platform.app.record(META, Person.register(name="等")), 30)
    waited = time.monotonic() - started

    # Then it fails with a typed error after the write timeout, once, not retried for
    # minutes, and records nothing
    assert refused and isinstance(refused[0], WriteTimedOut), refused
    assert WRITE_TIMEOUT <= waited < WRITE_TIMEOUT + 5, waited

    # And once the stuck writer lets go, the next save goes through at once
    write_lock_held()
    assert platform.app.recorder.max_notification_id() == before
    saved = in_thread(lambda: platform.app.record(META, Person.register(name="后")), 10)
    assert saved and isinstance(saved[0], int), saved


REGISTER = """
mutation($input: RegisterCommunityInput!) {
  registerCommunity(input: $input) {
    __typename
    ... on Conflict { message }
  }
}"""


def test_a_mutation_behind_a_stuck_writer_answers_conflict(
    api: Api, write_lock_held: Callable[[], None]
) -> None:
    # Given another transaction holding the event table's write lock
    data = {
        "name": "幸福里",
        "district": "红塔区",
        "street": "玉兴街道",
        "address": "玉兴路12号",
        "yearBuilt": 1992,
        "registeredOn": "2024-01-01",
        "reason": "纳入长效管理台账",
    }

    # When a mutation records a change
    answered = in_thread(lambda: api.gql(REGISTER, {"input": data}), timeout=30)

    # Then it answers with a typed Conflict instead of hanging or failing masked
    assert answered, "the mutation hung"
    assert answered[0]["registerCommunity"]["__typename"] == "Conflict", answered

    # And after the stuck writer lets go the same mutation goes through
    write_lock_held()
    again = api.gql(REGISTER, {"input": data})["registerCommunity"]
    assert again["__typename"] == "CommunityPayload", again
