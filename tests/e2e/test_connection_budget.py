"""One node's PostgreSQL connections stay under the documented budget (issue 14, README
"Connection budget"): `gongzhi serve`, `project`, `work` and `schedule` with their default
pool sizes, each started as `gongzhi run` starts it, under a little work and then under a
burst of concurrent clients, counted in pg_stat_activity by process (each names its
connections after itself)."""

from __future__ import annotations

import asyncio
import subprocess
import threading
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from gongzhi.infra.settings import PgParams, Settings
from tests.e2e.conftest import free_port, process_env, start, stop, wait_until_ready
from tests.e2e.test_platform import admin_token, graphql, register_community

# The budget the README documents for one node with default settings.
NODE_BUDGET = 20


def connections(settings: Settings) -> dict[str, int]:
    """Connections to the test's database by application name (ours are named by process)."""
    assert settings.database_url
    with psycopg.connect(PgParams.from_url(settings.database_url).url()) as conn:
        rows = conn.execute(
            "SELECT coalesce(nullif(application_name, ''), '?'), count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " GROUP BY 1 ORDER BY 1"
        ).fetchall()
    return {name: int(n) for name, n in rows}


@pytest.fixture
def node(settings: Settings) -> Iterator[str]:
    port = free_port()
    # Default pool sizes: what a deployer gets. A long read-your-writes wait: on a busy
    # machine the projector may start slowly, and the test counts connections, not time.
    env = process_env(settings, GONGZHI_RYW_TIMEOUT="30")
    processes: list[subprocess.Popen[bytes]] = []
    try:
        processes.append(start(["serve", "--port", str(port)], env))
        base_url = f"http://127.0.0.1:{port}"
        wait_until_ready(base_url, processes[0])
        processes.append(start(["project"], env))
        processes.append(start(["work"], env))
        processes.append(start(["schedule"], env))
        yield base_url
        for process in processes:
            assert process.poll() is None, f"{process.args} exited with {process.returncode}"
    finally:
        for process in reversed(processes):
            stop(process)


@pytest.mark.slow
def test_one_node_stays_under_its_connection_budget(node: str, settings: Settings) -> None:
    # Given a node at work: mutations that wait for the projector, queries, and jobs
    admin = admin_token(settings)
    for n in range(10):
        community = register_community(node, admin, name=f"幸福里{n}")
        graphql(
            node,
            admin,
            "query($id: ID!) { community(id: $id) { ... on Community { id } } }",
            {"id": community},
        )
    # Then the node holds fewer connections than its budget
    held = connections(settings)
    print(f"connections of one node: {sum(held.values())} {held}")
    assert sum(held.values()) < NODE_BUDGET, held


# The load phase: this many clients at once, each sending this many operations.
CLIENTS = 16
OPERATIONS = 12


async def _burst(base_url: str, token: str, communities: list[str]) -> int:
    """CLIENTS concurrent clients: a mutation for every third operation, queries else."""
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=CLIENTS)
    answered = 0
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as http:

        async def client(index: int) -> None:
            nonlocal answered
            for n in range(OPERATIONS):
                if n % 3 == 0:
                    body = {
                        "query": REGISTER,
                        "variables": {"name": f"并发里{index}-{n}"},
                    }
                else:
                    body = {"query": COMMUNITY, "variables": {"id": communities[n % 10]}}
                response = await http.post("/graphql", json=body, headers=headers)
                assert response.status_code == 200, response.text
                assert "errors" not in response.json(), response.json()
                answered += 1

        await asyncio.gather(*(client(i) for i in range(CLIENTS)))
    return answered


REGISTER = """mutation($name: String!) { registerCommunity(input: {name: $name,
    district: "红塔区", street: "玉兴街道", registeredOn: "2024-01-01", reason: "登记"}) {
    __typename } }"""
COMMUNITY = "query($id: ID!) { community(id: $id) { ... on Community { id name } } }"


@pytest.mark.slow
def test_one_node_stays_under_its_connection_budget_under_load(
    node: str, settings: Settings
) -> None:
    # Given a node with some communities
    admin = admin_token(settings)
    communities = [register_community(node, admin, name=f"幸福里{n}") for n in range(10)]
    # When 16 clients send mutations and queries at once, while the connections are counted
    peak: dict[str, int] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            held = connections(settings)
            if sum(held.values()) > sum(peak.values()):
                peak.clear()
                peak.update(held)
            done.wait(0.05)  # the sampling pace, not synchronisation

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        answered = asyncio.run(_burst(node, admin, communities))
    finally:
        done.set()
        sampler.join()
    # Then every operation was answered and the node never held more than its budget
    assert answered == CLIENTS * OPERATIONS
    print(f"peak connections of one node under load: {sum(peak.values())} {peak}")
    assert sum(peak.values()) < NODE_BUDGET, peak
