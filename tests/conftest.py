"""Fixtures: a fresh PostgreSQL database for every test, cloned from a migrated template."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from psycopg import sql

from gongzhi.bootstrap import Platform, bootstrap
from gongzhi.infra.database import drop_database
from gongzhi.infra.settings import PgParams, Settings
from tests.support import ROOT, rabbitmq_url, server_urls


@dataclass(frozen=True)
class Servers:
    pg: PgParams
    broker_url: str
    template: str


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    database_url, broker_url, embedded = server_urls()
    server = PgParams.from_url(database_url)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    template = f"gongzhi_tpl_{worker}_{uuid.uuid4().hex[:8]}"
    platform = bootstrap(_settings(server.with_db(template), broker_url))
    platform.close()
    yield Servers(server, broker_url, template)
    drop_database(server.with_db(template))
    if embedded is not None:
        embedded.close()


def _settings(pg: PgParams, broker_url: str, **extra: str) -> Settings:
    env = {
        "GONGZHI_DATABASE_URL": pg.url(),
        "GONGZHI_BROKER_URL": broker_url,
        "GONGZHI_JWT_SECRET": "test-signing-key-not-for-production-use-0123456789",
        "GONGZHI_DATA_DIR": str(ROOT / ".gongzhi" / "test-data"),
        "GONGZHI_ENV": "test",
        # Small pools: two test workers share the server's connection limit.
        "GONGZHI_POOL_SIZE": "3",
        **extra,
    }
    return Settings.from_env(env)


@pytest.fixture(params=["rabbitmq", "redis"])
def broker_url(request: pytest.FixtureRequest, servers: Servers) -> str:
    """The broker a worker test runs on, once on each: RabbitMQ (production's) and Redis.

    A test that needs one only says ``@pytest.mark.parametrize("broker_url", ["rabbitmq"],
    indirect=True)``. Without a RabbitMQ server (a machine with only Python) its runs skip.
    """
    if request.param == "redis":
        return servers.broker_url
    url = rabbitmq_url()
    if url is None:
        pytest.skip("no RabbitMQ on 127.0.0.1:5672 (set GONGZHI_TEST_RABBITMQ_URL)")
    return url


@pytest.fixture
def database(servers: Servers) -> Iterator[PgParams]:
    """A new database holding the migrated (empty) schema; dropped after the test."""
    name = f"gongzhi_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(servers.pg.url("postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(servers.template)
            )
        )
    pg = servers.pg.with_db(name)
    yield pg
    drop_database(pg)


@pytest.fixture
def settings(database: PgParams, servers: Servers) -> Settings:
    return _settings(database, servers.broker_url)


@pytest.fixture
def platform(settings: Settings) -> Iterator[Platform]:
    platform = bootstrap(settings)
    yield platform
    platform.close()
