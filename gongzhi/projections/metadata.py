"""The one ``MetaData`` that every read-model table is defined on, and its migration."""

from __future__ import annotations

import logging
from collections.abc import Sequence

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
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

metadata = MetaData()
# Told when the views are emptied, and after each batch projected (runner.py).
PROJECTED_CHANNEL = "gongzhi_projected"

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

    A view that gains a column is projected again from the log: its rows hold what the
    events held only once every row is written by the new handlers (the fee ledger's actor
    and reason, added in issue 15, were empty on older rows until someone rebuilt by hand).
    The views are emptied here and the projector refills them from the start of the log, as
    ``gongzhi rebuild`` would. A lock serialises concurrent starts of several processes on
    one database, so only the first start after an upgrade empties them.
    """
    # Import the view modules so their tables are on the metadata.
    from gongzhi.projections.views import PROJECTION_NAME, VIEW_TABLES

    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(7741001)"))
        metadata.create_all(conn, checkfirst=True)
        added = _add_missing_columns(conn)
        views = {table.name for table in VIEW_TABLES}
        refilled = [name for name in added if name.split(".")[0] in views]
        if refilled:
            log.warning("views gained %s: projecting them again from the log", refilled)
            empty_views(conn, PROJECTION_NAME, VIEW_TABLES)
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


def empty_views(conn: Connection, name: str, tables: Sequence[Table]) -> None:
    """Empty the views and set their projection back to the start of the log, together."""
    # The tracking row first, as every batch takes it: a projector running beside this
    # holds it while it writes the views, and a TRUNCATE taken first would wait for that
    # batch's tables while the batch waits for this row (a deadlock).
    conn.execute(
        select(projection_tracking.c.position)
        .where(projection_tracking.c.name == name)
        .with_for_update()
    )
    names = ", ".join(f'"{table.name}"' for table in tables)
    conn.execute(text(f"TRUNCATE {names}"))
    conn.execute(
        update(projection_tracking)
        .where(projection_tracking.c.name == name)
        .values(position=0, updated_at=text("now()"))
    )
    # Delivered as the views are emptied: read-your-writes waits take their position back
    # to 0 and wait for the projector to reach what they wait for.
    conn.execute(text("SELECT pg_notify(:channel, '0')"), {"channel": PROJECTED_CHANNEL})


def _add_missing_columns(conn: Connection) -> list[str]:
    """Add each declared column a table lacks; returns them as ``table.column``."""
    added = []
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
                added.append(f"{table.name}.{column.name}")
    return added
