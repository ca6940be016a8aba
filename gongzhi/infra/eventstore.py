"""The eventsourcing library's environment for a PostgreSQL database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg.sql import SQL, Composed, Identifier

from gongzhi.infra.settings import PgParams

# Above this many events in one save, the insert goes without psycopg's pipeline mode: a
# pipelined insert of a few megabytes (about 15k small events) stalls forever, the server
# waiting for input the client never sends. Below it, the pipeline saves round trips.
PIPELINE_LIMIT = 2000


class GongzhiRecorder(PostgresApplicationRecorder):
    """The library's recorder, safe for large atomic saves (a roster of 10,000 units)."""

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if len(stored_events) <= PIPELINE_LIMIT or self.datastore.enable_db_functions:
            return super().insert_events(stored_events, **kwargs)
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
        "APPLICATION_RECORDER_TOPIC": "gongzhi.infra.eventstore:GongzhiRecorder",
    }
