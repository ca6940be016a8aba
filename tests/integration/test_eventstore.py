"""The event store on real PostgreSQL: metadata on every event, large atomic saves."""

from __future__ import annotations

import threading

import pytest

from gongzhi.application.base import Meta, MissingMetadata
from gongzhi.bootstrap import Platform
from gongzhi.domain.person import Person
from gongzhi.infra.eventstore import PIPELINE_LIMIT

META = Meta(actor="tester", reason="large save", actor_role="PLATFORM_ADMIN")


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
