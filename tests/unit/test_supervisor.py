"""The supervisor of `gongzhi run` (issue 14): it backs off while a child keeps crashing,
forgets the crashes once the child has run healthy, and keeps watching every child while one
of them waits for its restart. Children are real processes; the first test drives the clock."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from gongzhi.supervisor import HEALTHY_AFTER, RESTART_BACKOFF_MAX, Child, Supervisor

CRASH = [sys.executable, "-c", "raise SystemExit(3)"]
# Runs until it is killed (signal.pause: no sleep, no busy loop).
WAIT = [sys.executable, "-c", "import signal; signal.pause()"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def crash_and_restart(supervisor: Supervisor, clock: Clock, child: Child, ran: float) -> float:
    """Let the child's run last ``ran`` seconds, notice its exit, restart it when due; the
    delay the supervisor chose."""
    assert child.process is not None
    child.process.wait()
    clock.now += ran
    first = child.process
    supervisor.tick()
    delay = child.delays[-1]
    clock.now += delay - 0.01
    supervisor.tick()
    assert child.process is first, "restarted before its delay"
    clock.now += 0.01
    supervisor.tick()
    assert child.process is not first, "not restarted after its delay"
    return delay


def test_the_backoff_grows_while_crashing_and_resets_after_a_healthy_run() -> None:
    clock = Clock()
    child = Child("project", CRASH)
    supervisor = Supervisor([child], dict(os.environ), clock=clock)
    supervisor.start_all()
    try:
        # While it crashes at once, each restart waits twice as long, up to the maximum
        delays = [crash_and_restart(supervisor, clock, child, 0.1) for _ in range(7)]
        assert delays == [1, 2, 4, 8, 16, RESTART_BACKOFF_MAX, RESTART_BACKOFF_MAX]
        # When it then runs healthy for a while (a day) before its next crash
        # Then it is restarted after the shortest delay again
        assert crash_and_restart(supervisor, clock, child, 86_400) == 1
        # And a run just past the healthy period counts as healthy too
        crash_and_restart(supervisor, clock, child, 0.1)
        assert crash_and_restart(supervisor, clock, child, HEALTHY_AFTER + 0.01) == 1
    finally:
        supervisor.stop_all()


@pytest.fixture
def running() -> Iterator[tuple[Supervisor, Child, Child]]:
    projector, worker = Child("project", WAIT), Child("work", WAIT)
    supervisor = Supervisor([projector, worker], dict(os.environ))
    supervisor.start_all()
    stop = threading.Event()

    def supervise() -> None:
        while not stop.wait(0.05):
            supervisor.tick()

    thread = threading.Thread(target=supervise)
    thread.start()
    try:
        yield supervisor, projector, worker
    finally:
        stop.set()
        thread.join()
        supervisor.stop_all()


def kill(child: Child) -> int:
    assert child.process is not None
    pid = child.process.pid
    os.kill(pid, signal.SIGKILL)
    return pid


def restarted(child: Child, pid: int, within: float) -> float:
    """Seconds until the child runs again as a new process (polled; fails after ``within``)."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        process = child.process
        if process is not None and process.pid != pid and process.poll() is None:
            return time.monotonic() - started
        time.sleep(0.02)  # pacing of the poll, not synchronisation of a result
    raise AssertionError(f"{child.name} was not restarted within {within}s")


@pytest.mark.slow
def test_a_killed_child_is_restarted_and_others_are_watched_meanwhile(
    running: tuple[Supervisor, Child, Child],
) -> None:
    _, projector, worker = running
    # Given a projector killed twice in a row: its second restart waits 2 s
    restarted(projector, kill(projector), within=5)
    waiting = kill(projector)
    # When the worker is killed while the projector waits for its restart
    killed_worker = kill(worker)
    # Then the worker is back after its own 1 s, before the projector (the wait for one
    # child does not stop the supervisor from watching the others)
    assert restarted(worker, killed_worker, within=5) < 1.8
    assert projector.process is not None and projector.process.pid == waiting
    restarted(projector, waiting, within=5)
    assert projector.delays == [1, 2] and worker.delays == [1]
