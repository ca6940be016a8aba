"""The batched projection runner.

Reads the event log in batches, writes the view rows and the tracking position in one
transaction (so a crash at any point leaves either all of a batch or none of it), wakes
on the log's NOTIFY and also polls, and rebuilds its views from zero on demand.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg import sql
from psycopg.rows import tuple_row
from sqlalchemy import Table, exc, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection, Engine

from gongzhi.projections.metadata import PROJECTED_CHANNEL, empty_views, projection_tracking
from gongzhi.projections.ops import Op, execute_ops

log = logging.getLogger(__name__)

# Tracking only moves forward; run on the psycopg connection inside the batch's pipeline.
_ADVANCE = (
    "UPDATE projection_tracking SET position = %s, updated_at = now() "
    "WHERE name = %s AND position < %s"
)
_NOTIFY = "SELECT pg_notify(%s, %s)"


class Notification(Protocol):
    id: int


class NotificationReader(Protocol):
    """The event store's notification log (``ApplicationRecorder`` satisfies it)."""

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Any]: ...

    def max_notification_id(self) -> int | None: ...


class EventMapper(Protocol):
    def to_domain_event(self, stored_event: Any) -> Any: ...


class _Notification(NamedTuple):
    """A row of the event log: what the mapper decodes, and its position."""

    id: int
    originator_id: Any
    originator_version: int
    topic: str
    state: bytes


def _select_statement(reader: PostgresApplicationRecorder) -> sql.Composed:
    """The recorder's notification query, returning the columns in ``_Notification`` order."""
    return sql.SQL(
        "SELECT notification_id, originator_id, originator_version, topic, state "
        "FROM {schema}.{table} WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
    ).format(
        schema=sql.Identifier(reader.datastore.schema),
        table=sql.Identifier(reader.events_table_name),
    )


# Retried on the same errors, as often, as the recorder's own ``select_notifications``.
@retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
def _select_rows(
    datastore: PostgresDatastore, statement: sql.Composed, after: int, limit: int
) -> list[_Notification]:
    with datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as cursor:
        cursor.execute(statement, (after, limit), prepare=True, binary=True)
        return list(map(_Notification._make, cursor.fetchall()))


@contextmanager
def _sqlalchemy_errors(conn: Connection) -> Iterator[None]:
    """Raise errors of statements run on the psycopg connection as SQLAlchemy would have.

    Callers see ``sqlalchemy.exc.IntegrityError`` and friends whichever way a batch's
    statements went to the server.
    """
    dbapi_error = conn.dialect.loaded_dbapi.Error
    try:
        yield
    except dbapi_error as error:
        raise exc.DBAPIError.instance(
            "projection batch", None, error, dbapi_error, dialect=conn.dialect
        ) from error


@dataclass(frozen=True)
class _Batch:
    """The ``count`` notifications after ``after`` (up to ``last``), as the row operations
    they cause; the notifications themselves are let go once decoded."""

    after: int
    count: int
    last: int
    ops: list[Op]


class ProjectionRunner:
    def __init__(
        self,
        *,
        name: str,
        engine: Engine,
        reader: NotificationReader,
        mapper: EventMapper,
        ops_for: Callable[[int, Any], list[Op]],
        tables: Sequence[Table],
        listen_channel: str,
        batch_size: int = 2000,
        after_commit: Callable[[], None] | None = None,
    ) -> None:
        self.name = name
        self.engine = engine
        self.reader = reader
        self.mapper = mapper
        self.ops_for = ops_for
        self.tables = tables
        self.listen_channel = listen_channel
        self.batch_size = batch_size
        self.after_commit = after_commit
        # The PostgreSQL recorder's pool and table, for the fast read of the log.
        self._datastore: PostgresDatastore | None = None
        self._select_sql: sql.Composed | None = None
        if isinstance(reader, PostgresApplicationRecorder):
            self._datastore = reader.datastore
            self._select_sql = _select_statement(reader)

    def position(self) -> int:
        with self.engine.connect() as conn:
            value = conn.execute(
                select(projection_tracking.c.position).where(
                    projection_tracking.c.name == self.name
                )
            ).scalar()
        return int(value or 0)

    def process_batch(self, limit: int | None = None) -> int:
        """Project the next batch; return how many notifications it held."""
        count, _ = self._process_batch(limit or self.batch_size)
        return count

    def catch_up(self, progress: Callable[[int], None] | None = None) -> int:
        """Project until the log is exhausted; return how many notifications were projected."""
        total = 0
        ahead: _Batch | None = None
        while True:
            count, ahead = self._process_batch(self.batch_size, ahead, read_ahead=True)
            if count == 0:
                return total
            total += count
            if progress is not None:
                progress(total)

    def _select(self, after: int, limit: int) -> Sequence[Any]:
        """Up to ``limit`` notifications after ``after``, in order.

        On the PostgreSQL recorder this is the recorder's own query on its own pool, with
        plain tuple rows in binary format: half the cost of building its dict rows and
        frozen ``Notification`` objects, which only the mapper's four attributes need.
        """
        if self._datastore is None or self._select_sql is None:
            return self.reader.select_notifications(
                start=after, limit=limit, inclusive_of_start=False
            )
        return _select_rows(self._datastore, self._select_sql, after, limit)

    def _read(self, after: int, limit: int) -> _Batch:
        """The notifications after ``after``, decoded into the ops they cause."""
        notifications = self._select(after, limit)
        to_domain_event, ops_for = self.mapper.to_domain_event, self.ops_for
        ops: list[Op] = []
        for notification in notifications:
            ops.extend(ops_for(notification.id, to_domain_event(notification)))
        last = notifications[-1].id if notifications else after
        return _Batch(after, len(notifications), last, ops)

    def _read_ahead(self, after: int, limit: int) -> _Batch | None:
        try:
            return self._read(after, limit)
        except Exception:
            # Not this batch's failure: the next batch is read again, and fails, in its turn.
            log.debug("reading ahead after %d failed", after, exc_info=True)
            return None

    def _process_batch(
        self, limit: int, ahead: _Batch | None = None, *, read_ahead: bool = False
    ) -> tuple[int, _Batch | None]:
        """Project one batch; with ``read_ahead``, also read the next one, and return it.

        The batch's statements go to the server in pipeline mode: they are all sent at
        once, and while the server executes them this process reads and decodes the next
        batch (two cores busy instead of one). A batch read ahead is used only if it
        starts exactly at the position found under the row lock; otherwise (another
        runner moved on) it is dropped and read again. The log only ever grows by whole
        committed transactions in notification order, so a batch read a moment earlier
        is still a correct prefix of what follows.
        """
        upcoming: _Batch | None = None
        with self.engine.begin() as conn:
            conn.execute(
                pg_insert(projection_tracking)
                .values(name=self.name, position=0)
                .on_conflict_do_nothing()
            )
            # The row lock makes a second runner wait, then start after this batch.
            position = conn.execute(
                select(projection_tracking.c.position)
                .where(projection_tracking.c.name == self.name)
                .with_for_update()
            ).scalar_one()
            batch = ahead
            if batch is None or batch.after != position or not batch.count:
                batch = self._read(position, limit)
            if not batch.count:
                return 0, None
            last = batch.last
            driver = conn.connection.driver_connection
            assert driver is not None
            # Leaving the pipeline waits for the server and raises any statement's error.
            with _sqlalchemy_errors(conn), driver.pipeline(), driver.cursor() as cursor:
                execute_ops(conn, batch.ops)
                # The statements hold their parameters now: let the rows go before the
                # next batch is read (fewer live objects, fewer garbage collections).
                batch.ops.clear()
                cursor.execute(_ADVANCE, (last, self.name, last))
                cursor.execute(_NOTIFY, (PROJECTED_CHANNEL, str(last)))
                if read_ahead:
                    upcoming = self._read_ahead(last, limit)
        if self.after_commit is not None:
            self.after_commit()
        return batch.count, upcoming

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Empty the views and the tracking row together, then project the whole log again."""
        with self.engine.begin() as conn:
            empty_views(conn, self.name, self.tables)
        return self.catch_up(progress)

    def run(self, stop: threading.Event, poll_interval: float = 1.0) -> None:
        """Project until ``stop`` is set: on every NOTIFY of the log, and every poll interval."""
        backoff = 0.5
        while not stop.is_set():
            try:
                with listening(self.engine, self.listen_channel) as raw:
                    backoff = 0.5
                    while not stop.is_set():
                        self.catch_up()
                        if self.after_commit is not None:
                            self.after_commit()  # relays what a crash may have left behind
                        for _ in raw.notifies(timeout=poll_interval, stop_after=1):
                            break
            except Exception:
                log.exception("projection %s failed; retrying in %.1fs", self.name, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)


@contextmanager
def listening(engine: Engine, channel: str) -> Iterator[Any]:
    """A connection listening on ``channel``, in autocommit (notifications arrive only
    outside a transaction). It is closed afterwards, never given back to the pool: a pooled
    connection left in autocommit would run a later batch's statements each in a transaction
    of its own, so the batch's lock on its tracking row would not hold and two batches could
    project the same events at once (seen as deadlocks between a rebuild and a projector)."""
    with engine.connect() as sa_conn:
        raw = sa_conn.connection.driver_connection
        assert raw is not None
        sa_conn.commit()
        try:
            raw.autocommit = True
            raw.execute(f'LISTEN "{channel}"')
            yield raw
        finally:
            sa_conn.invalidate()


def wait_for_position(engine: Engine, name: str, position: int, timeout: float) -> bool:
    """Block until the projection has passed ``position`` (for scripts and tests)."""
    deadline = time.monotonic() + timeout
    with listening(engine, PROJECTED_CHANNEL) as raw:
        while True:
            current = raw.execute(
                "SELECT position FROM projection_tracking WHERE name = %s", (name,)
            ).fetchone()
            if current is not None and current[0] >= position:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            for _ in raw.notifies(timeout=remaining, stop_after=1):
                break
