"""One node's PostgreSQL connections stay under the documented budget (issue 14, README
"Connection budget"): `gongzhi serve`, `project`, `work` and `schedule` with their default
pool sizes, each started as `gongzhi run` starts it, under a little work, counted in
pg_stat_activity."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

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
    env = process_env(settings)  # default pool sizes: what a deployer gets
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
