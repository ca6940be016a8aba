"""``python -m bench.faults.clock <gongzhi arguments>``: a gongzhi process on a shifted clock.

The fault run moves the node's calendar across a quarter boundary without waiting for one:
the scheduler's and the workers' "now" is the real time plus the offset (seconds) written in
the file named by ``GONGZHI_FAULTS_CLOCK_FILE``, read at every call, so the run can jump the
clock while the processes run. What is shifted is what decides the calendar of the jobs:
``datetime.now`` as seen by the platform's business calendar (``business_today``), the
scheduler (its catch-up and leader loop) and APScheduler (when a cron job is due). Elapsed
time (timeouts, heartbeats) stays real.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

CLOCK_FILE_ENV = "GONGZHI_FAULTS_CLOCK_FILE"


def offset() -> float:
    name = os.environ.get(CLOCK_FILE_ENV)
    if not name:
        return 0.0
    try:
        return float(Path(name).read_text().strip() or 0)
    except (OSError, ValueError):
        return 0.0


class ShiftedDatetime(datetime):
    """``datetime`` whose ``now`` runs ``offset()`` seconds ahead."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        return datetime.now(tz) + timedelta(seconds=offset())


def shift() -> None:
    """Point the modules that read the calendar's "now" at the shifted clock."""
    import apscheduler.executors.base
    import apscheduler.schedulers.base

    import gongzhi.application.base
    import gongzhi.workers.scheduler

    for module in (
        apscheduler.executors.base,
        apscheduler.schedulers.base,
        gongzhi.application.base,
        gongzhi.workers.scheduler,
    ):
        module.datetime = ShiftedDatetime  # type: ignore[attr-defined, misc]


def write_offset(path: Path, seconds: float) -> None:
    """Set the offset every shifted process reads (atomically: a reader never sees half)."""
    temporary = path.with_suffix(".new")
    temporary.write_text(f"{seconds:.3f}\n")
    temporary.replace(path)


if __name__ == "__main__":
    shift()
    from gongzhi.cli import main

    sys.exit(main(sys.argv[1:]))
