"""The fault suite's short mode (bench/faults), as CI runs it: a node of real processes on a
PostgreSQL and a Redis of its own under a write load, with the projector and the worker
killed -9, PostgreSQL and the broker restarted, and the scheduler leader killed across a
quarter boundary. After every fault no acknowledged write is missing, the views equal a
rebuild, every expected job effect is recorded once and the API's LISTEN is back. The broker
fault runs on RabbitMQ too (the machine's, through a relay the suite cuts).

The long mode is ``python -m bench.faults --long`` (or GONGZHI_FAULTS_LONG=1 here)."""

from __future__ import annotations

import os
import shutil

import pytest

from bench.faults.servers import PG_BIN, REDIS_SERVER
from bench.faults.suite import LONG, SHORT, run, table
from tests.support import rabbitmq_url


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


@pytest.mark.slow
@pytest.mark.skipif(
    not (PG_BIN / "initdb").exists() or rabbitmq_url() is None,
    reason="needs PostgreSQL's server binaries (GONGZHI_FAULTS_PG_BIN) and RabbitMQ on 5672",
)
def test_a_rabbitmq_outage_in_a_fan_out_loses_no_job_and_runs_none_twice() -> None:
    # Given a node on RabbitMQ (the machine's, reached through a relay), under load,
    # When every broker connection is cut and refused for a while in the middle of a fan-out
    rows = run(SHORT, broker="rabbitmq", only={"broker"})
    # Then every check holds: each assessment of the fan-out recorded once, no acknowledged
    # write lost, the views equal to a rebuild
    assert [row.fault for row in rows] == ["broker outage in fan-out (RabbitMQ)"]
    assert all(row.ok for row in rows), table(rows)
    assert rows[0].times == SHORT.broker_restarts
    assert rows[0].effects_expected > 0
