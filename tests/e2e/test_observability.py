"""Observability over real HTTP against `gongzhi serve` and `gongzhi project`: Prometheus
metrics by operation and error kind, the projector's lag while it is stopped, /readyz
following the lag, read-your-writes timeouts, and JSON log lines carrying the request id."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from gongzhi.graphql.auth import Principal, Role, issue_token
from gongzhi.infra.settings import Settings
from tests.e2e.conftest import ROOT, free_port, process_env, start, stop, wait_until_ready

METRICS_TOKEN = "scraper-secret-0123456789"


@dataclass
class Node:
    base_url: str
    env: dict[str, str]
    log: Path
    serve: subprocess.Popen[bytes]
    project: subprocess.Popen[bytes] | None


@pytest.fixture
def node(settings: Settings, tmp_path: Path) -> Iterator[Node]:
    port = free_port()
    env = process_env(
        settings,
        GONGZHI_POOL_SIZE="2",
        GONGZHI_LOG_FORMAT="json",
        GONGZHI_RYW_TIMEOUT="0.5",
        GONGZHI_READY_MAX_LAG_EVENTS="0",
        GONGZHI_METRICS_TOKEN=METRICS_TOKEN,
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        serve = subprocess.Popen(
            [sys.executable, "-m", "gongzhi.cli", "serve", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stderr=sink,
            start_new_session=True,
        )
    node = Node(f"http://127.0.0.1:{port}", env, log, serve, None)
    try:
        wait_until_ready(node.base_url, serve)
        node.project = start(["project", "--poll-interval", "0.2"], env)
        yield node
    finally:
        if node.project is not None:
            stop(node.project)
        stop(serve)


def scrape(base_url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = httpx.get(
        f"{base_url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=30
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def post(base_url: str, token: str, query: str, **headers: str) -> httpx.Response:
    return httpx.post(
        f"{base_url}/graphql",
        json={"query": query},
        headers={"Authorization": f"Bearer {token}", **headers},
        timeout=30,
    )


REGISTER = """mutation Register { registerCommunity(input: {name: "幸福里", district: "红塔区",
    street: "玉兴街道", reason: "登记"}) { __typename } }"""
INVALID = """mutation RegisterBlank { registerCommunity(input: {name: "", district: "红塔区",
    street: "玉兴街道", reason: "登记"}) { __typename ... on ValidationError { field } } }"""
STATS = """query Stats { districtStatistics(district: "红塔区") {
    ... on DistrictStatistics { total } } }"""


def wait_ready(base_url: str, timeout: float = 60) -> httpx.Response:
    """Poll /readyz until it answers 200 (the projector caught up) or the time is up."""
    deadline = time.monotonic() + timeout
    while True:
        ready = httpx.get(f"{base_url}/readyz", timeout=30)
        if ready.status_code == 200 or time.monotonic() > deadline:
            return ready
        time.sleep(0.1)  # pacing of the readiness poll, not synchronisation of a result


@pytest.mark.slow
def test_metrics_readiness_and_json_logs(node: Node, settings: Settings) -> None:
    admin = issue_token(settings.jwt_secret, Principal(subject="admin", role=Role.PLATFORM_ADMIN))
    base = node.base_url
    # /metrics asks the configured token of a scraper
    assert httpx.get(f"{base}/metrics", timeout=30).status_code == 401

    # Given a mutation, a query, a typed error and a GraphQL error over HTTP
    # (recorded either way: `Recorded` when the projector, still starting, has not caught up)
    assert post(base, admin, REGISTER).json()["data"]["registerCommunity"]["__typename"] in {
        "CommunityPayload",
        "Recorded",
    }
    # (the projector may still be starting: the views are read once /readyz says caught up)
    assert wait_ready(base).status_code == 200
    assert post(base, admin, STATS).json()["data"]["districtStatistics"] == {"total": 1}
    refused = post(base, admin, INVALID).json()["data"]["registerCommunity"]
    assert refused["__typename"] == "ValidationError"
    assert "errors" in post(base, admin, "query Broken { noSuchField }").json()

    # Then the metrics count them by operation name, type and error kind
    samples = scrape(base)
    assert (
        samples[
            ("gongzhi_graphql_requests_total", (("operation", "Register"), ("type", "mutation")))
        ]
        == 1
    )
    assert (
        samples[("gongzhi_graphql_requests_total", (("operation", "Stats"), ("type", "query")))]
        == 1
    )
    assert (
        samples[("gongzhi_graphql_request_duration_seconds_count", (("operation", "Stats"),))] == 1
    )
    assert (
        samples[
            (
                "gongzhi_graphql_errors_total",
                (("kind", "ValidationError"), ("operation", "RegisterBlank")),
            )
        ]
        == 1
    )
    assert (
        samples[
            ("gongzhi_graphql_errors_total", (("kind", "GraphQLError"), ("operation", "Broken")))
        ]
        == 1
    )
    assert (
        "gongzhi_graphql_errors_total",
        (("kind", "GraphQLError"), ("operation", "Stats")),
    ) not in samples
    # And the projector, caught up, lags by nothing
    assert samples[("gongzhi_projector_lag_events", ())] == 0
    assert samples[("gongzhi_projector_lag_seconds", ())] == 0
    assert samples[("gongzhi_event_log_head", ())] >= 1
    assert samples[("gongzhi_outbox_depth", ())] >= 0
    timeouts = samples[("gongzhi_read_your_writes_timeouts_total", ())]
    assert wait_ready(base).json()["status"] == "ok"

    # When the projector stops and a mutation is recorded
    assert node.project is not None
    stop(node.project, signal.SIGINT)
    node.project = None
    post(base, admin, REGISTER, **{"X-Request-Id": "req-14-lag"})

    # Then the mutation's read-your-writes wait timed out, and the lag shows it
    samples = scrape(base)
    assert samples[("gongzhi_read_your_writes_timeouts_total", ())] == timeouts + 1
    assert samples[("gongzhi_projector_lag_events", ())] >= 1
    assert samples[("gongzhi_projector_lag_seconds", ())] > 0
    # And /readyz answers 503 (this node allows no lag at all)
    lagging = httpx.get(f"{base}/readyz", timeout=30)
    assert lagging.status_code == 503
    assert lagging.json()["status"] == "lagging"
    assert lagging.json()["lag_events"] >= 1
    # And the warning logged inside that request is a JSON line with its request id
    lines = [json.loads(line) for line in node.log.read_text().splitlines() if line.startswith("{")]
    waited = [line for line in lines if "projection has not reached" in line["message"]]
    assert waited, lines
    assert waited[-1]["request_id"] == "req-14-lag"
    assert waited[-1]["level"] == "WARNING"

    # When the projector runs again, /readyz becomes ready as the views catch up
    node.project = start(["project", "--poll-interval", "0.2"], node.env)
    ready = wait_ready(base)
    assert ready.status_code == 200, ready.text
    assert ready.json()["lag_events"] == 0
    # When the database does not answer the readiness check (a lock holds its tables)
    with psycopg.connect(settings.database_url or "") as blocker:
        blocker.execute("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE")
        # Then /readyz answers 503 within its own time limit
        blocked = httpx.get(f"{base}/readyz", timeout=30)
        assert blocked.status_code == 503
        assert blocked.json()["status"] == "unavailable"
    # And is ready again once the database answers
    assert httpx.get(f"{base}/readyz", timeout=30).status_code == 200
    # And every response names its request id (a new one when none was given)
    assert len(httpx.get(f"{base}/healthz", timeout=30).headers["x-request-id"]) == 32


@pytest.mark.slow
def test_the_worker_serves_jobs_by_actor_and_outcome(settings: Settings) -> None:
    port, metrics_port = free_port(), free_port()
    env = process_env(
        settings, GONGZHI_POOL_SIZE="2", GONGZHI_WORKER_METRICS_PORT=str(metrics_port)
    )
    processes = [start(["serve", "--port", str(port)], env)]
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base, processes[0])
        processes.append(start(["project", "--poll-interval", "0.2"], env))
        processes.append(start(["work", "--processes", "1", "--threads", "1"], env))
        admin = issue_token(
            settings.jwt_secret, Principal(subject="admin", role=Role.PLATFORM_ADMIN)
        )
        # When a community is registered, the projector queues a district snapshot job
        assert post(base, admin, REGISTER).status_code == 200
        # Then the worker's metrics count it, by actor, once it has run
        deadline = time.monotonic() + 60
        done: dict[tuple[str, str], float] = {}
        while time.monotonic() < deadline and not done:
            with contextlib.suppress(httpx.HTTPError):  # the exposition server may be starting
                text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
                done = {
                    (sample.name, sample.labels["actor_name"]): sample.value
                    for family in text_string_to_metric_families(text)
                    for sample in family.samples
                    if sample.name == "dramatiq_messages_total"
                }
            time.sleep(0.2)  # pacing of the poll, not synchronisation of a result
        assert done.get(("dramatiq_messages_total", "refresh_district_snapshot")) == 1, done
        # And the outbox it came through is empty again (seen from the API's metrics)
        samples = httpx.get(f"{base}/metrics", timeout=30).text
        assert "gongzhi_outbox_depth 0.0" in samples
    finally:
        for process in reversed(processes):
            stop(process)
