"""Database engines and the per-database bootstrap (create a database if missing)."""

from __future__ import annotations

import os

import psycopg
from psycopg import sql
from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Engine

from gongzhi.infra.settings import PgParams


def sqlalchemy_url(pg: PgParams, driver: str = "psycopg") -> URL:
    query = {"host": pg.host} if pg.host.startswith("/") else {}
    return URL.create(
        f"postgresql+{driver}",
        username=pg.user,
        password=pg.password or None,
        host=None if pg.host.startswith("/") else pg.host,
        port=pg.port,
        database=pg.dbname,
        query=query,
    )


def application_name(suffix: str = "") -> str:
    """Our connections' name in pg_stat_activity: the process's (PGAPPNAME, set by the
    CLI for each command, gongzhi/cli.py), so that each process's share shows."""
    return os.environ.get("PGAPPNAME", "gongzhi") + suffix


def sync_engine(pg: PgParams, pool_size: int = 5) -> Engine:
    return create_engine(
        sqlalchemy_url(pg),
        # Opened as needed and kept, ``pool_size`` at most: a hard cap (the connection
        # budget in README), no overflow. A job may nest a read inside its transaction, so
        # a pool must hold one more than the threads that use it (the worker: 4 threads, 5).
        pool_size=pool_size,
        max_overflow=0,
        pool_pre_ping=True,
        connect_args={"application_name": application_name()},
        # A failed statement's message (logged by the projector, the workers) must not carry
        # its parameters: they hold names, phones and ID numbers.
        hide_parameters=True,
    )


def ensure_database(pg: PgParams) -> None:
    """Create ``pg.dbname`` when it does not exist (the server's ``postgres`` db must)."""
    with psycopg.connect(pg.url("postgres"), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (pg.dbname,)
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(pg.dbname)))


def drop_database(pg: PgParams) -> None:
    with psycopg.connect(pg.url("postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(pg.dbname))
        )
