"""The batched projection runner.

Reads the event log in batches, writes the view rows and the tracking position in one
transaction (so a crash at any point leaves either all of a batch or none of it), wakes
on the log's NOTIFY and also polls, and rebuilds its views from zero on demand.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from sqlalchemy import Table, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Engine

from gongzhi.projections.metadata import projection_tracking
from gongzhi.projections.ops import Op, execute_ops

log = logging.getLogger(__name__)

PROJECTED_CHANNEL = "gongzhi_projected"


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
            notifications = self.reader.select_notifications(
                start=position, limit=limit or self.batch_size, inclusive_of_start=False
            )
            if not notifications:
                return 0
            ops: list[Op] = []
            for notification in notifications:
                event = self.mapper.to_domain_event(notification)
                ops.extend(self.ops_for(notification.id, event))
            execute_ops(conn, ops)
            last = notifications[-1].id
            conn.execute(
                update(projection_tracking)
                .where(projection_tracking.c.name == self.name)
                .where(projection_tracking.c.position < last)
                .values(position=last, updated_at=text("now()"))
            )
            conn.execute(text("SELECT pg_notify(:channel, :position)"), {
                "channel": PROJECTED_CHANNEL,
                "position": str(last),
            })
        if self.after_commit is not None:
            self.after_commit()
        return len(notifications)

    def catch_up(self, progress: Callable[[int], None] | None = None) -> int:
        """Project until the log is exhausted; return how many notifications were projected."""
        total = 0
        while True:
            count = self.process_batch()
            if count == 0:
                return total
            total += count
            if progress is not None:
                progress(total)

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Empty the views and the tracking row together, then project the whole log again."""
        with self.engine.begin() as conn:
            names = ", ".join(f'"{table.name}"' for table in self.tables)
            conn.execute(text(f"TRUNCATE {names}"))
            conn.execute(
                update(projection_tracking)
                .where(projection_tracking.c.name == self.name)
                .values(position=0, updated_at=text("now()"))
            )
        return self.catch_up(progress)

    def run(self, stop: threading.Event, poll_interval: float = 1.0) -> None:
        """Project until ``stop`` is set: on every NOTIFY of the log, and every poll interval."""
        backoff = 0.5
        while not stop.is_set():
            try:
                with self.engine.connect() as sa_conn:
                    raw = sa_conn.connection.driver_connection
                    assert raw is not None
                    sa_conn.commit()
                    raw.autocommit = True
                    raw.execute(f'LISTEN "{self.listen_channel}"')
                    backoff = 0.5
                    while not stop.is_set():
                        self.catch_up()
                        if self.after_commit is not None:
                            self.after_commit()  # relays what a crash may have left behind
                        for _ in raw.notifies(timeout=poll_interval, stop_after=1):
                            break
                    raw.execute("UNLISTEN *")
            except Exception:
                log.exception("projection %s failed; retrying in %.1fs", self.name, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)


def wait_for_position(engine: Engine, name: str, position: int, timeout: float) -> bool:
    """Block until the projection has passed ``position`` (for scripts and tests)."""
    deadline = time.monotonic() + timeout
    with engine.connect() as sa_conn:
        raw = sa_conn.connection.driver_connection
        assert raw is not None
        sa_conn.commit()
        raw.autocommit = True
        raw.execute(f'LISTEN "{PROJECTED_CHANNEL}"')
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
