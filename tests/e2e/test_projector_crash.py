"""kill -9 of the projector during a load leaves the views equal to a rebuild."""

from __future__ import annotations

import signal
import threading
import time

import pytest
from sqlalchemy import text

from gongzhi.bootstrap import Platform
from gongzhi.demo import load_demo
from gongzhi.infra.settings import Settings
from gongzhi.projections.runner import wait_for_position
from gongzhi.projections.views import PROJECTION_NAME
from tests.e2e.conftest import process_env, start, stop
from tests.integration.test_projection_runner import dump_views


def tracking(platform: Platform) -> int:
    with platform.engine.connect() as conn:
        value = conn.execute(
            text("SELECT position FROM projection_tracking WHERE name = :n"), {"n": PROJECTION_NAME}
        ).scalar()
    return int(value or 0)


@pytest.mark.slow
def test_views_after_kill_9_and_restart_equal_a_rebuild(
    platform: Platform, settings: Settings
) -> None:
    # Given a projector process working in small batches while commands keep arriving
    env = process_env(settings)
    projector = start(["project", "--batch-size", "25", "--poll-interval", "0.2"], env)
    loading = threading.Thread(target=load_demo, args=(platform.app,), kwargs={"communities": 8})
    loading.start()

    # When it is killed with SIGKILL in the middle of the load
    assert wait_for_position(platform.engine, PROJECTION_NAME, 300, timeout=60)
    projector.send_signal(signal.SIGKILL)
    projector.wait()
    killed_at = tracking(platform)
    loading.join()
    last = platform.app.recorder.max_notification_id() or 0
    assert 0 < killed_at < last, "the kill should land mid-load"

    # And restarted, and allowed to catch up
    projector = start(["project", "--batch-size", "25", "--poll-interval", "0.2"], env)
    try:
        assert wait_for_position(platform.engine, PROJECTION_NAME, last, timeout=120)
    finally:
        assert stop(projector, signal.SIGTERM) == 0
    recovered = dump_views(platform.engine)

    # Then every event was projected exactly once: no gap, no duplicate
    assert len(recovered["event_history"]) == last
    # And the views equal a rebuild from zero
    started = time.monotonic()
    platform.projection_runner().rebuild()
    assert time.monotonic() - started < 60
    assert dump_views(platform.engine) == recovered
