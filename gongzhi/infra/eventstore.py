"""The eventsourcing library's environment for a PostgreSQL database."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    PersistenceError,
    StoredEvent,
)
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresFactory,
)
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg import Error as PsycopgError
from psycopg.errors import LockNotAvailable, QueryCanceled
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from gongzhi.infra.settings import PgParams

# A save goes through psycopg's pipeline mode only while it is small. A pipelined insert of a
# few megabytes stalls forever (psycopg/psycopg#685): the server waits for the rest of a
# message the client never sends, and holds the event table's write lock all the while, so
# every other writer waits behind it (measured here: one event of 2,000,000 Chinese
# characters, about 6 MB, stalled two runs in three; 2 MB of ASCII passed; 15k small events
# stalled). No timeout frees that writer, since the server ignores cancels while it reads a
# message, so the only cure is not to send such a save through the pipeline. What stalls is
# the size of the message, not the number of rows: the limit is in bytes of the encoded
# states. 256 KiB is an eighth of the smallest size seen to stall and far above an ordinary
# command's save (a few KB), which keeps the pipeline's saved round trips for those; above it
# the few extra round trips cost nothing beside sending that much data. The count limit stays
# because many small rows go faster as the arrays below than as the pipeline's executemany.
PIPELINE_LIMIT = 2000
PIPELINE_BYTES = 256 * 1024

# The library's pipelined insert, without its retry decorator: a timeout must not be retried
# (ten attempts of a lock wait would turn seconds into a minute), other errors are retried once
# by our own decorator.
_pipelined_insert = PostgresApplicationRecorder.insert_events.__wrapped__  # type: ignore[attr-defined]


class WriteTimedOut(PersistenceError):
    """Raised when a save waited for the event table's write lock, or held it, longer than the
    write timeout: another writer was stuck or slow, and this save recorded nothing."""


class GongzhiRecorder(PostgresApplicationRecorder):
    """The library's recorder, safe for large atomic saves (a roster of 10,000 units) and
    bounded in time: no save waits for the write lock, or holds it, longer than the write
    timeout (the datastore's lock timeout, in seconds)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Sessions holding an ``exclusively`` lock, at most one fewer than the pool's
        # connections: a holder needs another connection to load and save, so at least one
        # stays free for them (else holders of different keys could take every connection
        # and wait for one forever).
        holders = max(self.datastore.pool.max_size - 1, 1)
        self._exclusive_sessions = threading.BoundedSemaphore(holders)

    @contextmanager
    def exclusively(self, key: UUID) -> Iterator[None]:
        """Hold a PostgreSQL advisory lock named by ``key`` (a session-level lock, on a
        connection of the pool kept for the purpose) while the body runs: every process on
        this database that asks for the same key waits for it, so what the body reads and
        then saves is not changed meanwhile by another process (the receipt book: numbers
        given one after another, never two saves racing for the same number). Waits at most
        the write timeout, then ``WriteTimedOut``."""
        lock = key.int >> 64
        lock = lock - (1 << 64) if lock >= 1 << 63 else lock  # PostgreSQL's bigint
        with self._exclusive_sessions, self.datastore.get_connection() as conn:
            try:
                # Taken in a transaction only to bound the wait (SET LOCAL); a session-level
                # lock outlives the transaction, and the connection is in autocommit after.
                with conn.transaction():
                    conn.execute(
                        SQL("SET LOCAL lock_timeout = '{0}s'").format(self.datastore.lock_timeout)
                    )
                    conn.execute("SELECT pg_advisory_lock(%s)", (lock,))
            except LockNotAvailable as error:
                msg = f"{key} was held by another save for {self.datastore.lock_timeout} s"
                raise WriteTimedOut(msg) from error
            try:
                yield
            finally:
                try:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (lock,))
                except PsycopgError:
                    # The lock ends with its session: never back into the pool holding it.
                    conn.close()

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        try:
            return self._insert_by_size(stored_events, **kwargs)
        except OperationalError as error:
            if isinstance(error.__cause__, LockNotAvailable | QueryCanceled):
                msg = f"the event store was busy for {self.datastore.lock_timeout} s: {error}"
                raise WriteTimedOut(msg) from error
            raise

    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        """First in each save's transaction: the statement timeout, so that a statement that
        runs away while it holds the write lock (a huge insert, a slow disk) is cancelled and
        the lock released; the library sets the lock timeout itself before it locks, so a
        save waiting behind a stuck writer fails instead of waiting with it. Then the writes
        a save asks to be made with its events (``alongside``: callables given the cursor)."""
        curs.execute(
            SQL("SET LOCAL statement_timeout = '{0}s'").format(self.datastore.lock_timeout)
        )
        # What must be written atomically with the events (the data keys of persons
        # registered: infra/personal_data.py), given the save's cursor.
        for write in kwargs.get("alongside", ()):
            write(curs)
        expect = kwargs.get("expect")
        if expect:
            # Under the write lock, which serialises every save (taken again by the insert;
            # the lock is re-entrant within a transaction): nothing commits between these
            # checks and this save's events.
            self._lock_table(curs)
            self._check(curs, expect)
        super()._insert_events(curs, stored_events, **kwargs)

    def _check(self, curs: Cursor[DictRow], expect: Mapping[str, Any]) -> None:
        """What a save expects of the log as it commits, else an IntegrityError (a lost race:
        the application runs the command again on fresh aggregates):

        - ``versions``: {aggregate id: version}, each aggregate still at the version read;
        - ``none_after``: (position, aggregate ids), none of them recorded after that position.
        """
        table = SQL("{0}.{1}").format(
            Identifier(self.datastore.schema), Identifier(self.events_table_name)
        )
        versions: Mapping[UUID, int] = expect.get("versions", {})
        if versions:
            curs.execute(
                SQL(
                    "SELECT originator_id, max(originator_version) AS version FROM {0} "
                    "WHERE originator_id = ANY(%s) GROUP BY originator_id"
                ).format(table),
                (list(versions),),
            )
            found = {row["originator_id"]: row["version"] for row in curs.fetchall()}
            if any(found.get(key) != version for key, version in versions.items()):
                msg = "an aggregate this save read was changed before it committed"
                raise IntegrityError(msg)
        if "none_after" in expect:
            position, ids = expect["none_after"]
            curs.execute(
                SQL(
                    "SELECT 1 FROM {0} WHERE notification_id > %s "
                    "AND originator_id = ANY(%s) LIMIT 1"
                ).format(table),
                (position, list(ids)),
            )
            if curs.fetchone() is not None:
                msg = "an aggregate this save counted was recorded again before it committed"
                raise IntegrityError(msg)

    def _insert_by_size(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        small = (
            len(stored_events) <= PIPELINE_LIMIT
            and sum(len(e.state) for e in stored_events) <= PIPELINE_BYTES
        )
        if small or self.datastore.enable_db_functions:
            result: Sequence[int] | None = _pipelined_insert(self, stored_events, **kwargs)
            return result
        # The library's steps in one transaction, without the pipeline, and the rows sent as
        # four arrays in binary rather than one array of a composite type (which psycopg
        # dumps as text, row by row, in Python): a batch of 5,000 events costs a fraction.
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._insert_events(curs, stored_events, **kwargs)
            self._lock_table(curs)
            self._notify_channel(curs)
            curs.execute(
                self._insert_arrays_statement(),
                (
                    [e.originator_id for e in stored_events],
                    [e.originator_version for e in stored_events],
                    [e.topic for e in stored_events],
                    [e.state for e in stored_events],
                ),
                binary=True,
            )
            return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)

    def select_events_of(self, originator_ids: Sequence[Any]) -> list[StoredEvent]:
        """The events of many aggregates in one query, in order per aggregate: a close
        reads the ballots of every voter of a 10,000-unit community this way, not with
        10,000 round trips."""
        statement = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {schema}.{table} "
            "WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
        ).format(schema=Identifier(self.datastore.schema), table=Identifier(self.events_table_name))
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, [list(originator_ids)])
            return [
                StoredEvent(
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                for row in curs.fetchall()
            ]

    def select_topic_events_after(
        self, position: int, topic_prefix: str
    ) -> tuple[int, list[StoredEvent]]:
        """The events after ``position`` whose topic starts with ``topic_prefix``, in log
        order, and the log's last position as of the same read (with the last row always
        returned, whatever its topic): a reader of one kind of event (application/estate.py)
        follows the log in one query per read, and from where it stopped."""
        statement = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {schema}.{table} WHERE notification_id > %s AND (starts_with(topic, %s) "
            "OR notification_id = (SELECT max(notification_id) FROM {schema}.{table})) "
            "ORDER BY notification_id"
        ).format(schema=Identifier(self.datastore.schema), table=Identifier(self.events_table_name))
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, [position, topic_prefix])
            rows = curs.fetchall()
        last = rows[-1]["notification_id"] if rows else position
        return last, [
            StoredEvent(
                originator_id=row["originator_id"],
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=bytes(row["state"]),
            )
            for row in rows
            if row["topic"].startswith(topic_prefix)
        ]

    def _insert_arrays_statement(self) -> Composed:
        return SQL(
            "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%b::{id_type}[], %b::bigint[], %b::text[], %b::bytea[]) "
            "RETURNING notification_id"
        ).format(
            schema=Identifier(self.datastore.schema),
            table=Identifier(self.events_table_name),
            id_type=SQL(self.datastore.originator_id_type),
        )


class SnapshotRecorder(PostgresAggregateRecorder):
    """The snapshots' table (issue 13), made unless it exists: then no DDL at all, so that the
    platform can run as a role that may not create tables (``gongzhi db-roles``), as the
    event log's recorder does (infra/audit_chain.py)."""

    def create_table(self) -> None:
        name = f"{self.datastore.schema}.{self.events_table_name}"
        with self.datastore.get_connection() as conn:
            row = conn.execute("SELECT to_regclass(%s) IS NOT NULL AS present", (name,)).fetchone()
        if row is not None and row["present"]:
            self.datastore.register_type_adapters()
            return
        super().create_table()


class GongzhiFactory(PostgresFactory):
    """The library's PostgreSQL factory, with the snapshot recorder above."""

    aggregate_recorder_class = SnapshotRecorder


def eventstore_env(pg: PgParams, pool_size: int = 8, write_timeout: int = 5) -> dict[str, str]:
    """Keys the library reads.

    DB functions stay off: they skip tracking and write to the wrong table when two
    applications share a schema. ``write_timeout`` (whole seconds, the library's unit) bounds
    both how long a save waits for the event table's write lock and how long any statement
    of a save runs while holding it."""
    return {
        "PERSISTENCE_MODULE": "gongzhi.infra.eventstore:GongzhiFactory",
        "POSTGRES_DBNAME": pg.dbname,
        "POSTGRES_HOST": pg.host,
        "POSTGRES_PORT": str(pg.port),
        "POSTGRES_USER": pg.user,
        "POSTGRES_PASSWORD": pg.password,
        # One connection kept open, up to ``pool_size`` while busy (the connection budget in
        # README): idle processes hold few, so a node stays well under max_connections.
        "POSTGRES_POOL_SIZE": "1",
        "POSTGRES_MAX_OVERFLOW": str(max(pool_size - 1, 0)),
        "POSTGRES_PRE_PING": "y",
        "POSTGRES_LOCK_TIMEOUT": str(write_timeout),
        "CREATE_TABLE": "y",
        # Chains every event as it is saved (tamper evidence: gongzhi/infra/audit_chain.py).
        "APPLICATION_RECORDER_TOPIC": "gongzhi.infra.audit_chain:ChainedRecorder",
    }
