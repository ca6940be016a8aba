"""最小权限 least privilege: the role the platform's processes connect as.

Run by the database's owner (``gongzhi db-roles``) after the schema is created or migrated.
The role may read and write the views (the projector truncates them on a rebuild) and may
append to the event log, its hash chain and the checkpoints, but may not UPDATE, DELETE or
TRUNCATE any of those three: a stolen application password, or a bug, cannot rewrite history;
only the owner could, and the chain and the signed checkpoints show it if the owner does.
The role owns nothing, so it can neither alter the tables nor grant itself back what was
taken; the platform's start creates no table that exists already (``ChainedRecorder``,
``migrate``), so it runs as this role once the owner has migrated.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import Connection, sql

from gongzhi.infra.audit_chain import CHAIN_TABLE, CHECKPOINT_TABLE
from gongzhi.infra.settings import PgParams

# The tables whose rows are history: appended, never changed (the personal data access log
# too: who was shown whose phone must not be editable by the role that showed it; and the
# erased persons: an erasure the role could take back would let a name be copied in clear).
APPEND_ONLY = (
    "gongzhi_events",
    CHAIN_TABLE,
    CHECKPOINT_TABLE,
    "personal_data_access",
    "erased_persons",
)
# A table every migrated schema has: its owner owns the schema's objects.
MIGRATED_TABLE = "projection_tracking"


def create_app_role(
    conn: Connection[Any],
    role: str,
    password: str | None,
    dbname: str,
    schema: str = "public",
    append_only: tuple[str, ...] = APPEND_ONLY,
) -> None:
    """Create (or bring up to date) ``role`` with the platform's privileges on ``dbname``,
    whose schema must exist already (run after ``bootstrap``). Idempotent."""
    names = {
        "role": sql.Identifier(role),
        "db": sql.Identifier(dbname),
        "schema": sql.Identifier(schema),
    }
    statements = [
        "GRANT CONNECT ON DATABASE {db} TO {role}",
        "GRANT USAGE ON SCHEMA {schema} TO {role}",
        "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA {schema} TO {role}",
        "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        # Views added by a later migration (run by the owner) are the role's to write too.
        "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
        "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO {role}",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ]
    with conn.transaction():
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        verb = "ALTER" if exists else "CREATE"
        login = sql.SQL(verb + " ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE").format(
            **names
        )
        if password:
            login += sql.SQL(" PASSWORD {}").format(sql.Literal(password))
        conn.execute(login)
        for statement in statements:
            conn.execute(sql.SQL(statement).format(**names))
        for table in append_only:
            conn.execute(
                sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {schema}.{table} FROM {role}").format(
                    table=sql.Identifier(table), **names
                )
            )


def may_migrate(pg: PgParams) -> bool:
    """Whether this connection's role migrates the schema on start: on a new database, or as
    (a member of) the role that owns the tables. The platform's restricted role owns nothing
    and runs on the schema its owner migrated (``gongzhi db-roles``, before each release)."""
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        row = conn.execute(
            "SELECT coalesce(bool_and(pg_has_role(current_user, tableowner, 'USAGE')), true) "
            "FROM pg_tables WHERE schemaname = current_schema() AND tablename = %s",
            (MIGRATED_TABLE,),
        ).fetchone()
    return bool(row and row[0])
