"""The eventsourcing library's environment for a PostgreSQL database."""

from __future__ import annotations

from gongzhi.infra.settings import PgParams


def eventstore_env(pg: PgParams, pool_size: int = 8) -> dict[str, str]:
    """Keys the library reads.

    DB functions stay off: they skip tracking and write to the wrong table when two
    applications share a schema."""
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": pg.dbname,
        "POSTGRES_HOST": pg.host,
        "POSTGRES_PORT": str(pg.port),
        "POSTGRES_USER": pg.user,
        "POSTGRES_PASSWORD": pg.password,
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": str(pool_size),
        "POSTGRES_PRE_PING": "y",
        "POSTGRES_LOCK_TIMEOUT": "10",
        "CREATE_TABLE": "y",
    }
