"""The one ``MetaData`` that every read-model table is defined on, and its migration."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    MetaData,
    String,
    Table,
    Text,
    func,
    inspect,
    text,
)
from sqlalchemy.engine import Connection, Engine

metadata = MetaData()

# Indexes a later version replaced: dropped by ``migrate`` so a database made by an earlier
# version stops paying for them on every write. Name: why it went.
RETIRED_INDEXES = {
    # replaced by units_owner_paths (jsonb_path_ops reads only one person's entries)
    "units_owners": "a GIN index over every owner key, unused since units_owner_paths",
}

projection_tracking = Table(
    "projection_tracking",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("position", BigInteger, nullable=False, server_default="0"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


def migrate(engine: Engine) -> None:
    """Create missing tables, add missing columns and indexes (additive changes only).

    A lock serialises concurrent starts of several processes on one database.
    """
    # Import the view modules so their tables are on the metadata.
    import gongzhi.projections.views  # noqa: F401

    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(7741001)"))
        metadata.create_all(conn, checkfirst=True)
        _add_missing_columns(conn)
        _widen_to_text(conn)
        for table in metadata.sorted_tables:
            for index in table.indexes:
                index.create(conn, checkfirst=True)
        for name in RETIRED_INDEXES:
            conn.execute(text(f'DROP INDEX IF EXISTS "{name}"'))


def _widen_to_text(conn: Connection) -> None:
    """A column declared ``Text`` that an older schema made ``VARCHAR(n)`` becomes text (a
    value that is now stored sealed outgrows the bound of its clear form: a write-off's
    approver). Widening keeps every row as it is; PostgreSQL rewrites nothing for it."""
    inspector = inspect(conn)
    for table in metadata.sorted_tables:
        existing = {c["name"]: c["type"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            found = existing.get(column.name)
            if (
                isinstance(column.type, Text)
                and isinstance(found, String)
                and not isinstance(found, Text)
            ):
                conn.execute(
                    text(f'ALTER TABLE "{table.name}" ALTER COLUMN "{column.name}" TYPE text')
                )


def _add_missing_columns(conn: Connection) -> None:
    inspector = inspect(conn)
    for table in metadata.sorted_tables:
        existing = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in existing:
                ddl = column.type.compile(dialect=conn.dialect)
                server_default = getattr(column.server_default, "arg", None)
                if isinstance(server_default, str):  # a literal: quoted, '' included
                    server_default = "'" + server_default.replace("'", "''") + "'"
                default = f" DEFAULT {server_default}" if server_default is not None else ""
                conn.execute(
                    text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {ddl}{default}')
                )
