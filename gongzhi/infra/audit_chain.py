"""防篡改 tamper evidence: a SHA-256 hash chain over the event log, written with the events.

Every event's link is SHA-256 over the previous link and the event as stored: its position
(notification id), originator id, originator version, topic and stored state (the state holds
the event's timestamp, so it is covered too). The links live in ``audit_chain`` beside the log,
one row per event, with the position of the link before it.

**Why in the same transaction, not by a sealer that follows the log.** The recorder takes a
write lock before it inserts, and holds it until the commit (see the library's
``_lock_table``, and below why ours is an advisory lock): saves are serialised, so
notification ids commit in order and the chain's head, read under that lock, is the link just
before this save's first event. Chaining there costs one more insert per save, sent without a
round trip of its own (the head comes back with the ids the event insert returns; measured in
BENCHMARKS.md), and leaves nothing to catch up: no window in which an event is committed but
not chained, no gap handling (a sealer must never pass a notification id that a slower
transaction may still commit), no extra process to keep alive. It also gives the verifier a
sharp rule: every event has its link and every link its event, so a row written beside the
platform with plain SQL is found as an event without a link. (Someone who can write both
tables can rewrite both; that is what the signed checkpoints in ``gongzhi.infra.audit_seal``
are for.)

**Resealed events.** ``gongzhi reseal`` rewrites stored events that hold personal values in
clear (written before their fields were declared personal) with those values sealed: their
state no longer matches their link, and the links are left as they were (every later link and
every signed checkpoint stays valid). What it did is recorded in the log, as an event chained
like any other (``gongzhi.domain.reseal``): per rewritten event, its originator, version and
topic, the SHA-256 of its state before and after, the JSON paths it sealed and the SHA-256 of
the state with those paths blanked. Verification accepts an event that does not match its link
exactly when a reseal recorded after it describes it: the same originator, version and topic,
the state's digest the one recorded after the reseal, and the rest of the state (blanked at
the sealed paths) the digest recorded before, so that nothing but the sealed paths changed;
the reseal's own event is verified too, wherever the verification was asked to stop. What the
chain can no longer prove for such an event is the clear value it held: by design, that is
what sealing removed. A reseal that is forged or altered fails as any event does (no link,
or not its link), so it cannot vouch for an edit.

The library pairs the ids an insert returns with the events it was given by index (``save``
returns them as recordings); the chain relies on the same pairing, and ``verify_chain`` would
report any event it ever got wrong.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from eventsourcing.persistence import ProgrammingError, StoredEvent
from psycopg import Connection, Cursor
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Composed, Identifier, Literal

from gongzhi.infra.eventstore import GongzhiRecorder

CHAIN_TABLE = "audit_chain"
CHECKPOINT_TABLE = "audit_checkpoints"
# The link before the first event.
GENESIS = bytes(32)
# Rows per read while verifying or starting a chain over an existing log.
BATCH = 5000
# The log's record of a reseal (gongzhi/domain/reseal.py ``Reseal.Recorded``), found by its
# topic: named here without importing the domain (tests/unit/test_reseal.py checks it).
RESEAL_TOPIC = "gongzhi.domain.reseal:Reseal.Recorded"

CREATE_CHAIN = SQL(
    "CREATE TABLE IF NOT EXISTS {schema}.{chain} ("
    "position bigint PRIMARY KEY, "  # the event's notification id
    "previous bigint NOT NULL, "  # the position of the link before (0 for the first)
    "hash bytea NOT NULL)"
)
CREATE_CHECKPOINTS = SQL(
    "CREATE TABLE IF NOT EXISTS {schema}.{checkpoints} ("
    "id uuid PRIMARY KEY, "
    "position bigint NOT NULL, "
    "head_hash bytea NOT NULL, "
    "sealed_at timestamptz NOT NULL, "
    "signature bytea NOT NULL, "
    "public_key bytea NOT NULL, "  # which key signed: keys can be replaced over the years
    "actor text NOT NULL, "
    "reason text NOT NULL)"
)
CREATE_CHECKPOINT_INDEX = SQL(
    "CREATE INDEX IF NOT EXISTS audit_checkpoints_latest "
    "ON {schema}.{checkpoints} (sealed_at DESC, position DESC)"
)


def _length(data: bytes) -> bytes:
    return len(data).to_bytes(8, "big")


def link(
    previous: bytes,
    position: int,
    originator_id: object,
    originator_version: int,
    topic: str,
    state: bytes,
) -> bytes:
    """The chain's link for one stored event. Every variable-length part is prefixed with its
    length, so no two different events can be made to hash the same by moving bytes between
    parts."""
    digest = hashlib.sha256(previous)
    digest.update(position.to_bytes(8, "big", signed=True))
    for part in (str(originator_id).encode(), topic.encode()):
        digest.update(_length(part))
        digest.update(part)
    digest.update(originator_version.to_bytes(8, "big", signed=True))
    digest.update(_length(state))
    digest.update(state)
    return digest.digest()


@dataclass(frozen=True)
class Links:
    """Links of consecutive events, ready for one insert."""

    positions: list[int]
    previous: list[int]
    hashes: list[bytes]

    @property
    def head(self) -> tuple[int, bytes]:
        return self.positions[-1], self.hashes[-1]


def chain(head: tuple[int, bytes], rows: Sequence[tuple[int, Any, int, str, bytes]]) -> Links:
    """The links of ``rows`` (position, originator id, version, topic, state, in position
    order) after the link ``head`` (position, hash)."""
    position, digest = head
    links = Links([], [], [])
    for row_position, originator_id, version, topic, state in rows:
        digest = link(digest, row_position, originator_id, version, topic, bytes(state))
        links.positions.append(row_position)
        links.previous.append(position)
        links.hashes.append(digest)
        position = row_position
    return links


class Tables:
    """The statements on the log and its chain, for one schema and event table."""

    def __init__(self, schema: str, events_table: str) -> None:
        names = {
            "schema": Identifier(schema),
            "events": Identifier(events_table),
            "chain": Identifier(CHAIN_TABLE),
            "checkpoints": Identifier(CHECKPOINT_TABLE),
        }
        self.create = [
            statement.format(**names)
            for statement in (CREATE_CHAIN, CREATE_CHECKPOINTS, CREATE_CHECKPOINT_INDEX)
        ]
        # The chain's head, returned by the insert of a save's events beside their ids: the
        # insert runs after the write lock is taken, so its snapshot holds the latest link.
        self.returning_head = SQL(
            ", (SELECT position FROM {schema}.{chain} ORDER BY position DESC LIMIT 1) "
            "AS chain_head_position, "
            "(SELECT hash FROM {schema}.{chain} ORDER BY position DESC LIMIT 1) "
            "AS chain_head_hash"
        ).format(**names)
        self.insert = SQL(
            "INSERT INTO {schema}.{chain} (position, previous, hash) "
            "SELECT * FROM unnest(%b::bigint[], %b::bigint[], %b::bytea[])"
        ).format(**names)
        self.events_after = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {schema}.{events} WHERE notification_id > %s "
            "ORDER BY notification_id LIMIT %s"
        ).format(**names)
        self.links_after = SQL(
            "SELECT position, previous, hash FROM {schema}.{chain} WHERE position > %s "
            "ORDER BY position LIMIT %s"
        ).format(**names)
        self.reseals = SQL(
            "SELECT notification_id, state FROM {schema}.{events} WHERE topic = %s "
            "ORDER BY notification_id"
        ).format(**names)
        self.never_sealed = SQL(
            "SELECT NOT EXISTS (SELECT FROM {schema}.{chain}) "
            "AND NOT EXISTS (SELECT FROM {schema}.{checkpoints})"
        ).format(**names)
        self.exists = SQL("SELECT to_regclass(%s) IS NOT NULL AND to_regclass(%s) IS NOT NULL")
        self.qualified = (f'"{schema}"."{events_table}"', f'"{schema}"."{CHAIN_TABLE}"')

    def append(self, cursor: Cursor[Any], links: Links) -> None:
        cursor.execute(self.insert, (links.positions, links.previous, links.hashes), binary=True)


def write_lock_key(schema: str, events_table: str) -> int:
    """The advisory lock that serialises the saves to one event table (a signed 64-bit key)."""
    digest = hashlib.blake2b(f"gongzhi.write:{schema}.{events_table}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


class ChainedRecorder(GongzhiRecorder):
    """The platform's recorder, which chains every event in the transaction that inserts it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.audit = Tables(self.datastore.schema, self.events_table_name)
        self.insert_events_statement += self.audit.returning_head
        # Saves are serialised by a transaction-level advisory lock instead of the library's
        # EXCLUSIVE lock on the event table: PostgreSQL lets only a role that may UPDATE,
        # DELETE or TRUNCATE a table take that lock, and the platform's role may do none of
        # these to the log (gongzhi/infra/db_roles.py). Every writer of the log is this
        # recorder, so the effect is the same (commit order is notification order, and the
        # chain's head read under the lock is the last link); the lock timeout applies to
        # advisory locks too, so a save still never waits for a stuck writer.
        self.lock_table_statements = [
            SQL("SET LOCAL lock_timeout = '{0}s'").format(self.datastore.lock_timeout),
            SQL("SELECT pg_advisory_xact_lock({0})").format(
                Literal(write_lock_key(self.datastore.schema, self.events_table_name))
            ),
        ]

    def create_table(self) -> None:
        """Create the log and its chain, unless they exist: then no DDL at all, so that the
        platform can run as a role that may not create or alter tables (``gongzhi
        db-roles``). A log recorded before the chain existed is chained once, here."""
        with self.datastore.get_connection() as conn:
            row = conn.execute(self.audit.exists, self.audit.qualified).fetchone()
        if row is not None and next(iter(row.values())):
            self.datastore.register_type_adapters()
            return
        super().create_table()
        with self.datastore.transaction(commit=True) as curs:
            for statement in self.audit.create:
                curs.execute(statement)
        self._chain_existing_log()

    def _chain_existing_log(self) -> None:
        """Chain a log that was recorded before the chain existed (only a chain that never
        held a link nor a checkpoint starts this way: a chain emptied later stays empty, and
        ``gongzhi verify`` reports its first unchained event)."""
        with self.datastore.transaction(commit=True) as curs:
            self._lock_table(curs)
            curs.execute(self.audit.never_sealed)
            never = curs.fetchone()
            if never is None or not next(iter(never.values())):
                return
            head = (0, GENESIS)
            with curs.connection.cursor(row_factory=tuple_row) as rows:
                while True:
                    rows.execute(self.audit.events_after, (head[0], BATCH), binary=True)
                    batch = rows.fetchall()
                    if not batch:
                        return
                    links = chain(head, batch)
                    self.audit.append(curs, links)
                    head = links.head

    def _insert_arrays_statement(self) -> Composed:
        return super()._insert_arrays_statement() + self.audit.returning_head

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """The ids the insert returned, and the links of its events appended after the head
        that the insert returned beside them (no round trip of its own: a pipelined save of
        one event still costs one)."""
        assert curs.statusmessage and curs.statusmessage.startswith("INSERT")
        rows = curs.fetchall()
        if len(rows) != len(stored_events):
            msg = f"the insert returned {len(rows)} ids for {len(stored_events)} events"
            raise ProgrammingError(msg)
        ids = [row["notification_id"] for row in rows]
        if rows:
            first = rows[0]
            head = (
                (first["chain_head_position"], bytes(first["chain_head_hash"]))
                if first["chain_head_hash"] is not None
                else (0, GENESIS)
            )
            events = [
                (position, e.originator_id, e.originator_version, e.topic, e.state)
                for position, e in zip(ids, stored_events, strict=True)
            ]
            self.audit.append(curs, chain(head, events))
        return ids


# ---------------------------------------------------------------------------------------------
# Verification


@dataclass(frozen=True)
class Broken:
    """The first position at which the log and its chain disagree, and how."""

    position: int
    problem: str

    def __str__(self) -> str:
        return f"position {self.position}: {self.problem}"


@dataclass(frozen=True)
class Verified:
    """What a verification found: the first break (or none), and the last link it checked."""

    broken: Broken | None
    position: int  # the last position checked
    head: bytes  # its recomputed link
    events: int  # how many events were checked
    # The recomputed links at the positions asked for (``watch``), to compare with checkpoints.
    links_at: dict[int, bytes] = field(default_factory=dict)
    # Events accepted as rewritten by a recorded reseal (their positions).
    resealed: tuple[int, ...] = ()

    @property
    def intact(self) -> bool:
        return self.broken is None


# -- reseals ------------------------------------------------------------------------------

Path = tuple[str | int, ...]


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def blanked_digest(state: bytes, paths: Sequence[Path]) -> bytes | None:
    """SHA-256 of a stored state's JSON with the texts at ``paths`` blanked (keys sorted, so
    that only values count); None when a path does not hold a text."""
    try:
        data = json.loads(state)
        for path in paths:
            container = data
            for step in path[:-1]:
                container = container[step]
            value = container[path[-1]]
            if not isinstance(value, str):
                return None
            container[path[-1]] = ""
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return sha256(canonical.encode())


@dataclass(frozen=True)
class ResealRow:
    """One rewritten event, as a reseal recorded it (gongzhi/domain/reseal.py)."""

    recorded_at: int  # the position of the reseal's own event
    originator_id: str
    originator_version: int
    topic: str
    before: bytes
    after: bytes
    kept: bytes
    paths: tuple[Path, ...]

    @classmethod
    def parse(cls, recorded_at: int, row: Mapping[str, Any]) -> tuple[int, ResealRow]:
        return int(row["position"]), cls(
            recorded_at,
            str(row["originator_id"]),
            int(row["originator_version"]),
            str(row["topic"]),
            bytes.fromhex(row["before"]),
            bytes.fromhex(row["after"]),
            bytes.fromhex(row["kept"]),
            tuple(tuple(p) for p in row["paths"]),
        )

    def as_json(self, position: int) -> dict[str, Any]:
        return {
            "position": position,
            "originator_id": self.originator_id,
            "originator_version": self.originator_version,
            "topic": self.topic,
            "before": self.before.hex(),
            "after": self.after.hex(),
            "kept": self.kept.hex(),
            "paths": [list(p) for p in self.paths],
        }


def recorded_reseals(conn: Connection[Any], tables: Tables) -> dict[int, list[ResealRow]]:
    """Every rewritten event's reseals (position → in the order recorded), read from the log.
    Trusted only as far as the chain verifies the reseals' own events."""
    found: dict[int, list[ResealRow]] = {}
    with conn.cursor(row_factory=tuple_row) as cursor:
        for recorded_at, state in cursor.execute(tables.reseals, (RESEAL_TOPIC,)):
            try:
                rows = json.loads(bytes(state))["rows"]
                parsed = [ResealRow.parse(recorded_at, row) for row in rows]
            except (ValueError, KeyError, TypeError):
                continue  # not a reseal we wrote: its own link decides whether it is forged
            for position, row in parsed:
                found.setdefault(position, []).append(row)
    return found


def _described(event: tuple[Any, ...], rows: Sequence[ResealRow]) -> ResealRow | None:
    """The last of ``rows`` when together they describe how the event came to hold its state:
    each reseal recorded after it, each starting from the state the one before left, the
    last leaving exactly this state and nothing changed but the sealed paths."""
    at, originator_id, version, topic, state = event
    state = bytes(state)
    last = rows[-1]
    ordered = all(row.recorded_at > at for row in rows) and all(
        later.before == earlier.after for earlier, later in pairwise(rows)
    )
    same = (str(originator_id), version, topic) == (
        last.originator_id,
        last.originator_version,
        last.topic,
    )
    if not ordered or not same or sha256(state) != last.after:
        return None
    return last if blanked_digest(state, last.paths) == last.kept else None


def _batches(conn: Connection[Any], statement: Composed, after: int) -> Iterator[tuple[Any, ...]]:
    """Rows of ``statement`` after ``after`` (keyset by the first column), read in batches."""
    with conn.cursor(row_factory=tuple_row) as cursor:
        while True:
            cursor.execute(statement, (after, BATCH), binary=True)
            rows = cursor.fetchall()
            if not rows:
                return
            yield from rows
            after = rows[-1][0]


_END = (None,)
EDITED = "the event does not match its link (edited, replaced or reordered)"


def verify_chain(
    conn: Connection[Any],
    schema: str = "public",
    events_table: str = "gongzhi_events",
    *,
    after: tuple[int, bytes] = (0, GENESIS),
    upto: int | None = None,
    watch: frozenset[int] = frozenset(),
) -> Verified:
    """Recompute the chain from the stored events and compare it with the stored links, in
    position order, from the link ``after`` (position, hash; default: the start) up to
    ``upto`` (default: everything); stop at the first disagreement. An event rewritten by a
    recorded reseal is accepted as described above; the reseal's own event is then verified
    too, even beyond ``upto``.

    Read in one REPEATABLE READ transaction (``conn`` in autocommit mode), so that events
    saved meanwhile are either wholly seen (with their links: the same transaction wrote
    both) or not at all."""
    tables = Tables(schema, events_table)
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        reseals = recorded_reseals(conn, tables)
        verified, vouching = _walk(conn, tables, after, upto, watch, reseals)
        beyond = max(vouching, default=0)
        if verified.broken is None and beyond > verified.position:
            # The reseals that vouched for events up to ``upto`` lie after it: they count
            # only if their own events are intact.
            rest, _ = _walk(
                conn, tables, (verified.position, verified.head), beyond, watch, reseals
            )
            if rest.broken is not None:
                return Verified(
                    rest.broken,
                    verified.position,
                    verified.head,
                    verified.events,
                    verified.links_at,
                    verified.resealed,
                )
    return verified


def _walk(
    conn: Connection[Any],
    tables: Tables,
    after: tuple[int, bytes],
    upto: int | None,
    watch: frozenset[int],
    reseals: Mapping[int, list[ResealRow]],
) -> tuple[Verified, set[int]]:
    """The verification from ``after`` up to ``upto``, and the positions of the reseals that
    vouched for a rewritten event on the way."""
    checked = 0
    links_at: dict[int, bytes] = {}
    resealed: list[int] = []
    vouching: set[int] = set()
    position, digest = after
    events = _batches(conn, tables.events_after, position)
    links = _batches(conn, tables.links_after, position)
    event, stored = next(events, _END), next(links, _END)
    while event is not _END or stored is not _END:
        at = min(row[0] for row in (event, stored) if row is not _END)
        if upto is not None and at > upto:
            break
        broken = _compare(event, stored, at, position, digest)
        if isinstance(broken, Broken) and broken.problem == EDITED and at in reseals:
            # The event and its link are both there, in place: was it rewritten by a reseal?
            described = _described(event, reseals[at])
            if described is not None:
                # Rewritten as recorded: the link stays the one it was chained with.
                broken = bytes(stored[2])
                resealed.append(at)
                vouching.add(described.recorded_at)
        if isinstance(broken, Broken):
            verified = Verified(broken, position, digest, checked, links_at, tuple(resealed))
            return verified, vouching
        digest, position, checked = broken, at, checked + 1
        if at in watch:
            links_at[at] = digest
        event, stored = next(events, _END), next(links, _END)
    return Verified(None, position, digest, checked, links_at, tuple(resealed)), vouching


def _compare(
    event: tuple[Any, ...], stored: tuple[Any, ...], at: int, previous: int, digest: bytes
) -> Broken | bytes:
    """The link recomputed at ``at``, or how the event and its stored link disagree."""
    if event is _END or event[0] != at:
        return Broken(at, "the event recorded here is missing (deleted)")
    if stored is _END or stored[0] != at:
        return Broken(at, "this event has no link in the chain (inserted outside the platform)")
    if stored[1] != previous:
        # The link before this one was removed together with its event.
        return Broken(stored[1], "the event and its link are missing (deleted)")
    _, originator_id, version, topic, state = event
    recomputed = link(digest, at, originator_id, version, topic, bytes(state))
    if recomputed != bytes(stored[2]):
        return Broken(at, EDITED)
    return recomputed
