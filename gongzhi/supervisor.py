"""The supervisor of `gongzhi run`: restarts a child that exits, backing off while it keeps
crashing, and forgetting its crashes once it has run healthy for a while.

Backing off stops a child that cannot start (the database is down, a setting is wrong) from
spinning; forgetting matters as much: a projector that crashed six times last week and then
ran for a day must come back at once after its next crash, not after the longest delay. The
children are watched all the time, also while one of them waits for its restart."""

from __future__ import annotations

import logging
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

# Delays before a restart: 1 s, 2 s, 4 s … at most this, while a child keeps crashing.
RESTART_BACKOFF_MAX = 30.0
# A child that ran this long before it exited was healthy: its crashes so far are forgotten.
HEALTHY_AFTER = 5.0


@dataclass
class Child:
    """One supervised process: ``argv`` to start it, and its recent crashes."""

    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    # Exits in a row, each after a run shorter than the healthy period.
    crashes: int = 0
    restart_at: float | None = None
    # The delay chosen at each exit (for the log and the tests).
    delays: list[float] = field(default_factory=list)

    def exited(self, now: float, healthy_after: float, backoff_max: float) -> float:
        """Record an exit at ``now``; the delay before the restart."""
        if now - self.started_at >= healthy_after:
            self.crashes = 0
        delay = min(backoff_max, 2.0**self.crashes)
        self.crashes += 1
        self.restart_at = now + delay
        self.delays.append(delay)
        return delay


class Supervisor:
    """Starts its children and, on each ``tick``, restarts those due."""

    def __init__(
        self,
        children: Sequence[Child],
        env: dict[str, str],
        *,
        healthy_after: float = HEALTHY_AFTER,
        backoff_max: float = RESTART_BACKOFF_MAX,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.children = list(children)
        self.env = env
        self.healthy_after = healthy_after
        self.backoff_max = backoff_max
        self.clock = clock

    def start_all(self) -> None:
        for child in self.children:
            self._start(child)

    def _start(self, child: Child) -> None:
        child.process = subprocess.Popen(child.argv, env=self.env)
        child.started_at = self.clock()
        child.restart_at = None

    def tick(self) -> None:
        """Notice exits and restart the children whose delay has passed (never blocks)."""
        now = self.clock()
        for child in self.children:
            if child.restart_at is None:
                code = child.process.poll() if child.process is not None else 0
                if code is None:
                    continue
                delay = child.exited(now, self.healthy_after, self.backoff_max)
                log.warning("%s exited with %s; restarting in %.0fs", child.name, code, delay)
            if child.restart_at is not None and now >= child.restart_at:
                self._start(child)

    def stop_all(self, timeout: float = 15) -> None:
        running = [c.process for c in self.children if c.process and c.process.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + timeout
        for process in running:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
