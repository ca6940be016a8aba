"""The collector pause of bulk commands (billing runs): on again when the last one ends."""

from __future__ import annotations

import gc
import threading

import pytest

from gongzhi.application.base import bulk_work


def test_the_collector_is_paused_during_bulk_work_and_on_again_after() -> None:
    # Given the collector on
    assert gc.isenabled()

    # When a bulk command runs, then fails
    with pytest.raises(RuntimeError), bulk_work():
        assert not gc.isenabled()
        raise RuntimeError("the command failed")

    # Then the collector is on again
    assert gc.isenabled()


def test_overlapping_bulk_commands_resume_the_collector_only_when_the_last_ends() -> None:
    # Given one bulk command running in another thread
    started, release, done = threading.Event(), threading.Event(), threading.Event()

    def other_command() -> None:
        with bulk_work():
            started.set()
            release.wait(timeout=10)
        done.set()

    thread = threading.Thread(target=other_command)
    thread.start()
    assert started.wait(timeout=10)

    # When a second one starts and ends while the first still runs
    with bulk_work():
        assert not gc.isenabled()
    # Then the collector stays paused until the first ends as well
    assert not gc.isenabled()
    release.set()
    thread.join(timeout=10)
    assert done.is_set()
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off() -> None:
    # Given a process that runs with the collector off
    gc.disable()
    try:
        # When a bulk command runs, then it does not switch the collector on
        with bulk_work():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
