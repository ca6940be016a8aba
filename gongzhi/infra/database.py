"""Database engines and the per-database bootstrap (create a database if missing)."""

from __future__ import annotations

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


def sync_engine(pg: PgParams, pool_size: int = 5) -> Engine:
    return create_engine(
        sqlalchemy_url(pg),
        # Opened as needed, up to ``pool_size`` kept and as many again in a burst (the
        # connection budget in README): a job may nest a read inside its transaction.
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={"application_name": "gongzhi"},
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
