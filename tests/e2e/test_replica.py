"""Queries served by a real PostgreSQL streaming replica, read-your-writes kept (issue 14 §6).

A private primary cluster (initdb, on a free port) and a hot standby made from it with
``pg_basebackup -R``; the real ``gongzhi serve`` and ``project`` processes on the primary with
``GONGZHI_READ_DATABASE_URL`` naming the standby. Reads are shown on the standby by its own
``pg_stat_statements`` and by the API's ``gongzhi_query_reads_total{database=...}``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest

from gongzhi.bootstrap import bootstrap
from gongzhi.infra.settings import Settings
from tests.conftest import Servers
from tests.e2e.conftest import free_port, process_env, start, stop, wait_until_ready
from tests.e2e.test_platform import admin_token, graphql, register_community


def _postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's binaries (Debian's layout), or GONGZHI_PG_BIN."""
    explicit = os.environ.get("GONGZHI_PG_BIN")
    candidates = [Path(explicit)] if explicit else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for path in candidates:
        if all((path / tool).exists() for tool in ("initdb", "pg_ctl", "pg_basebackup")):
            return path
    return None


PG_BIN = _postgres_bin()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        PG_BIN is None, reason="no PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup)"
    ),
]


@dataclass
class Cluster:
    """A private PostgreSQL data directory and the port its server listens on."""

    directory: Path
    port: int

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"


def _run(*args: str | Path, check: bool = True) -> None:
    """A PostgreSQL tool, as the ``postgres`` user when we are root (initdb and the server
    refuse to run as root)."""
    assert PG_BIN is not None
    command = [str(PG_BIN / str(args[0])), *map(str, args[1:])]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=check, capture_output=True, timeout=60)


def _start(cluster: Cluster, socket_dir: Path) -> None:
    _run(
        "pg_ctl", "-D", cluster.directory, "-l", cluster.directory / "server.log", "-w", "start",
        "-o", f"-p {cluster.port} -k {socket_dir} -c listen_addresses=127.0.0.1",
    )  # fmt: skip


@pytest.fixture
def replicated(servers: Servers) -> Iterator[tuple[Cluster, Cluster, Settings]]:
    """(primary, standby, settings on the primary's database): streaming replication up."""
    root = Path(tempfile.mkdtemp(prefix="gongzhi-replica-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    primary = Cluster(root / "primary", free_port())
    standby = Cluster(root / "standby", free_port())
    started: list[Cluster] = []
    try:
        _run("initdb", "-D", primary.directory, "-U", "postgres", "--auth=trust", "-E", "UTF8",
             "--no-sync")  # fmt: skip
        with (primary.directory / "postgresql.conf").open("a") as conf:
            # A test cluster: no fsync (speed); the statistics that show which queries the
            # standby ran.
            conf.write(
                "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\nfsync = off\n"
                "shared_preload_libraries = 'pg_stat_statements'\n"
                "pg_stat_statements.track = all\n"
            )
        _start(primary, root)
        started.append(primary)
        settings = Settings.from_env(
            {
                "GONGZHI_DATABASE_URL": primary.url("gongzhi"),
                "GONGZHI_BROKER_URL": servers.broker_url,
                "GONGZHI_JWT_SECRET": "test-signing-key-not-for-production-use-0123456789",
                "GONGZHI_DATA_DIR": str(root / "data"),
                "GONGZHI_ENV": "test",
                "GONGZHI_POOL_SIZE": "3",
            }
        )
        bootstrap(settings).close()  # the schema, on the primary: the standby copies it
        with psycopg.connect(primary.url("gongzhi"), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION pg_stat_statements")
        _run("pg_basebackup", "-h", "127.0.0.1", "-p", primary.port, "-U", "postgres",
             "-D", standby.directory, "-R", "-X", "stream", "-c", "fast")  # fmt: skip
        _start(standby, root)
        started.append(standby)
        yield primary, standby, settings
    finally:
        for cluster in reversed(started):
            _run("pg_ctl", "-D", cluster.directory, "-m", "immediate", "stop", check=False)
        shutil.rmtree(root, ignore_errors=True)


def reads_by_database(base_url: str) -> dict[str, float]:
    text = httpx.get(f"{base_url}/metrics", timeout=10).text
    found = re.findall(r'^gongzhi_query_reads_total\{database="(\w+)"\} (\S+)$', text, re.M)
    return {database: float(count) for database, count in found}


COMMUNITY = "query($id: ID!) { community(id: $id) { ... on Community { id name } } }"


def standby_view_reads(standby: Cluster) -> int:
    """How many times the standby itself ran a query on the communities' view."""
    with psycopg.connect(standby.url("gongzhi")) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements"
            " WHERE query ILIKE '%community_view%' OR query ILIKE '%communities%'"
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_queries_read_the_replica_and_see_the_write_just_made(
    replicated: tuple[Cluster, Cluster, Settings],
) -> None:
    _primary, standby, settings = replicated
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = process_env(
        settings, GONGZHI_READ_DATABASE_URL=standby.url("gongzhi"), GONGZHI_RYW_TIMEOUT="2"
    )
    serve = start(["serve", "--port", str(port)], env)
    project = start(["project"], env)
    admin = admin_token(settings)
    try:
        wait_until_ready(base_url, serve)
        before = standby_view_reads(standby)

        # Each community registered is read back at once: the read goes to the standby and
        # finds it, because the mutation answered only once the standby had replayed it.
        for n in range(10):
            community = register_community(base_url, admin, name=f"幸福里{n}")
            read = graphql(base_url, admin, COMMUNITY, {"id": community})
            assert read["community"] == {"id": community, "name": f"幸福里{n}"}
        reads = reads_by_database(base_url)
        assert reads.get("replica", 0) >= 10, reads
        assert reads.get("primary", 0) == 0, reads
        assert standby_view_reads(standby) >= before + 10

        # When the standby stops replaying, a mutation cannot see its change there in time:
        # it answers Recorded, and this process's queries read the primary meanwhile, so the
        # write is still seen.
        with psycopg.connect(standby.url("gongzhi"), autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_pause()")
        answer = graphql(
            base_url,
            admin,
            """mutation { registerCommunity(input: {name: "停滞里", district: "红塔区",
            street: "玉兴街道", registeredOn: "2024-01-01", reason: "登记"}) {
            __typename ... on Recorded { id } } }""",
        )["registerCommunity"]
        assert answer["__typename"] == "Recorded", answer
        read = graphql(base_url, admin, COMMUNITY, {"id": answer["id"]})
        assert read["community"] == {"id": answer["id"], "name": "停滞里"}
        assert reads_by_database(base_url).get("primary", 0) == 1

        # Replay resumed, the queries go back to the standby once it is past that write.
        with psycopg.connect(standby.url("gongzhi"), autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_resume()")
        replica_reads = reads_by_database(base_url)["replica"]
        deadline = time.monotonic() + 10
        while reads_by_database(base_url)["replica"] == replica_reads:
            assert time.monotonic() < deadline, "queries did not return to the standby"
            read = graphql(base_url, admin, COMMUNITY, {"id": answer["id"]})
            assert read["community"] == {"id": answer["id"], "name": "停滞里"}
            time.sleep(0.1)  # pacing of a poll of the API, not synchronisation of a result

        # The standby stopped, the queries go to the primary (after at most the one that
        # found it gone: a query cannot be sent again by the server halfway through).
        _run("pg_ctl", "-D", standby.directory, "-m", "fast", "stop")
        primary_reads = reads_by_database(base_url)["primary"]
        failed = 0
        for _ in range(3):
            response = httpx.post(
                f"{base_url}/graphql",
                json={"query": COMMUNITY, "variables": {"id": answer["id"]}},
                headers={"Authorization": f"Bearer {admin}"},
                timeout=30,
            )
            assert response.status_code == 200, response.text
            body = response.json()
            if "errors" in body:
                failed += 1
            else:
                assert body["data"]["community"] == {"id": answer["id"], "name": "停滞里"}
        assert failed <= 1, failed
        assert reads_by_database(base_url)["primary"] >= primary_reads + 2

        # A change made while it is down is seen once it is back: the queries return to the
        # standby only when it has replayed what was written meanwhile.
        community = register_community(base_url, admin, name="断线里")
        _start(standby, standby.directory.parent)
        replica_reads = reads_by_database(base_url)["replica"]
        deadline = time.monotonic() + 15
        while reads_by_database(base_url)["replica"] == replica_reads:
            assert time.monotonic() < deadline, "queries did not return to the standby"
            read = graphql(base_url, admin, COMMUNITY, {"id": community})
            assert read["community"] == {"id": community, "name": "断线里"}
            time.sleep(0.1)  # pacing of a poll of the API, not synchronisation of a result
    finally:
        stop(project)
        stop(serve)
