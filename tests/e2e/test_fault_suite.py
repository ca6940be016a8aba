"""The fault suite's short mode (bench/faults), as CI runs it: a node of real processes on a
PostgreSQL and a Redis of its own under a write load, with the projector and the worker
killed -9, PostgreSQL and the broker restarted, and the scheduler leader killed across a
quarter boundary. After every fault no acknowledged write is missing, the views equal a
rebuild, every expected job effect is recorded once and the API's LISTEN is back.

The long mode is ``python -m bench.faults --long`` (or GONGZHI_FAULTS_LONG=1 here)."""

from __future__ import annotations

import os
import shutil

import pytest

from bench.faults.servers import PG_BIN, REDIS_SERVER
from bench.faults.suite import LONG, SHORT, run, table


@pytest.mark.slow
@pytest.mark.skipif(
    not (PG_BIN / "initdb").exists() or shutil.which(REDIS_SERVER) is None,
    reason="needs PostgreSQL's server binaries (GONGZHI_FAULTS_PG_BIN) and redis-server",
)
def test_every_fault_leaves_no_lost_write_and_views_equal_to_a_rebuild() -> None:
    # Given a node under load, When each fault strikes
    plan = LONG if os.environ.get("GONGZHI_FAULTS_LONG") == "1" else SHORT
    rows = run(plan)
    # Then every check after every fault holds
    assert [row.fault for row in rows] == [
        "projector kill -9",
        "worker kill -9 in fan-out",
        "PostgreSQL restart",
        "broker restart in fan-out",
        "scheduler leader kill -9",
    ]
    assert all(row.ok for row in rows), table(rows)
    # And the faults struck as many times as planned (none skipped for lack of work)
    assert [row.times for row in rows] == [
        plan.projector_kills,
        plan.worker_kills,
        plan.pg_restarts,
        plan.broker_restarts,
        1,
    ]
