"""个人信息 personal data at rest: per-person data keys, wrapped by a master key, and sealed values.

A natural person's name, phone and 身份证号 are stored (in the event log and in the views) only
as *sealed values*: ``pd1:`` and the base64 of the person's id, a nonce and the AES-256-GCM
ciphertext under that person's data key. The data keys live in ``person_keys``, outside the
event log, wrapped by the master key of a ``KeyProvider``; destroying a person's row there
(erasure by key shredding, PIPL art. 47) leaves every sealed value of that person unreadable
for good, while the events stay and still replay.

A keyed hash (HMAC-SHA256 under a key derived from the master key) of the phone and of the
name sits beside the wrapped key, so that a roster re-import can match a person by phone and a
list can be searched by exact name without the clear value ever being stored. It goes with
the key on erasure.

An erasure also leaves the person's id in ``erased_persons``: a record made afterwards that
names the person (a committee's member list copied again, a party member's name copied into
a 红管家 assignment) finds no key to seal the name with, and must tell an erased person (whose
name is stored as erased) from an id that never had a key (a party member not on the roster,
whose name stays as recorded).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    LargeBinary,
    MetaData,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.engine import Engine

SEALED_PREFIX = "pd1:"
NONCE_BYTES = 12
KEY_BYTES = 32
MAX_CACHED_KEYS = 200_000  # about 20 MB of keys; the cache starts over beyond it

# Tables that must survive a projection rebuild (they are not views of the log): their own
# MetaData, created by ``create_tables`` at start-up.
key_metadata = MetaData()

person_keys = Table(
    "person_keys",
    key_metadata,
    Column("person_id", Uuid, primary_key=True),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("phone_digest", LargeBinary),
    Column("name_digest", LargeBinary),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("person_keys_phone", "phone_digest"),
    Index("person_keys_name", "name_digest"),
)

# Data keys of records (an aggregate whose free text names people who are not registered
# persons: a 筹备组, a mediation's attendees, a proxy authorisation), wrapped as persons' are;
# apart from ``person_keys`` so that a person's key stays one per registered person.
record_keys = Table(
    "record_keys",
    key_metadata,
    Column("record_id", Uuid, primary_key=True),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


def wrapped_keys_sql(subjects: str) -> str:
    """The one query for the wrapped data keys of ``subjects`` (persons and records alike):
    ``subjects`` is the driver's parameter of a uuid array (``$1::uuid[]``, ``%(ids)s``)."""
    return (
        f"SELECT person_id AS subject, wrapped_key FROM person_keys "
        f"WHERE person_id = ANY({subjects}) UNION ALL "
        f"SELECT record_id, wrapped_key FROM record_keys WHERE record_id = ANY({subjects})"
    )


# Persons erased, and records whose free text was erased (ids only, nothing personal):
# appended to by the erasure, never changed.
erased_persons = Table(
    "erased_persons",
    key_metadata,
    Column("person_id", Uuid, primary_key=True),
    Column("erased_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Who was shown whose unmasked phone or ID number, when: appended to by the API only.
personal_data_access = Table(
    "personal_data_access",
    key_metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("actor", Text, nullable=False),
    Column("actor_role", Text, nullable=False),
    Column("person_id", Uuid, nullable=False),
    Column("field", Text, nullable=False),
    Index("personal_data_access_person", "person_id", "at", "id"),
    Index("personal_data_access_at", "at", "id"),
)


def create_tables(engine: Engine) -> None:
    """Create the key and access-log tables; widen the person view's columns, which hold
    sealed values now (longer than the clear phone and ID number they replace)."""
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(7741002)"))
        key_metadata.create_all(conn, checkfirst=True)
        conn.execute(
            text(
                "DO $$ BEGIN IF EXISTS (SELECT 1 FROM information_schema.columns "
                "WHERE table_name = 'persons' AND column_name = 'phone' "
                "AND data_type <> 'text') THEN "
                "ALTER TABLE persons ALTER COLUMN phone TYPE text, "
                "ALTER COLUMN id_number TYPE text; END IF; END $$"
            )
        )
        # Persons erased before ``erased_persons`` existed (as far as the view has caught up).
        conn.execute(
            text(
                "DO $$ BEGIN IF EXISTS (SELECT 1 FROM information_schema.columns "
                "WHERE table_name = 'persons' AND column_name = 'erased') THEN "
                "INSERT INTO erased_persons (person_id) SELECT id FROM persons WHERE erased "
                "ON CONFLICT DO NOTHING; END IF; END $$"
            )
        )


# -- the master key ------------------------------------------------------------------------


class KeyProvider(Protocol):
    """Wraps and unwraps data keys under a master key it never hands out; a KMS can stand in
    for the file implementation."""

    def wrap(self, data_key: bytes, subject: UUID) -> bytes: ...

    def unwrap(self, wrapped: bytes, subject: UUID) -> bytes: ...

    def digest_key(self) -> bytes:
        """The key of the keyed hashes (phone, name), derived from the master key."""
        ...


class FileKeyProvider:
    """The master key (32 random bytes, base64) in a file readable by the platform only."""

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != KEY_BYTES:
            msg = f"the master key must be {KEY_BYTES} bytes"
            raise ValueError(msg)
        self._aead = AESGCM(master_key)
        self._digest_key = hmac.digest(master_key, b"gongzhi personal data digest v1", "sha256")

    @classmethod
    def from_file(cls, path: Path) -> FileKeyProvider:
        return cls(read_master_key(path))

    def wrap(self, data_key: bytes, subject: UUID) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, data_key, subject.bytes)

    def unwrap(self, wrapped: bytes, subject: UUID) -> bytes:
        return self._aead.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], subject.bytes)

    def digest_key(self) -> bytes:
        return self._digest_key


def read_master_key(path: Path) -> bytes:
    key = base64.b64decode(path.read_text().strip(), validate=True)
    if len(key) != KEY_BYTES:
        msg = f"the master key file {path} must hold {KEY_BYTES} bytes in base64"
        raise ValueError(msg)
    return key


def create_master_key(path: Path) -> None:
    """A new random master key in ``path`` (mode 0600), for development data folders. Written
    aside and linked into place, so that processes starting together all read one whole key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode() + "\n")
    try:
        os.link(aside, path)
    except FileExistsError:
        pass  # another process made it first: theirs is the key
    finally:
        aside.unlink()


# -- sealed values --------------------------------------------------------------------------


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(SEALED_PREFIX)


def seal(data_key: bytes, subject: UUID, clear: str) -> str:
    """``clear`` under the subject's data key; the empty string stays empty (nothing to hide,
    and "no phone" stays visible as such)."""
    if not clear:
        return ""
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(data_key).encrypt(nonce, clear.encode(), subject.bytes)
    return SEALED_PREFIX + base64.b64encode(subject.bytes + nonce + sealed).decode()


def sealed_subject(value: str) -> UUID:
    raw = base64.b64decode(value[len(SEALED_PREFIX) :])
    return UUID(bytes=raw[:16])


def unseal(data_key: bytes, value: str) -> str:
    raw = base64.b64decode(value[len(SEALED_PREFIX) :])
    subject, nonce, sealed = raw[:16], raw[16 : 16 + NONCE_BYTES], raw[16 + NONCE_BYTES :]
    return AESGCM(data_key).decrypt(nonce, sealed, subject).decode()


def keyed_digest(digest_key: bytes, value: str) -> bytes:
    """HMAC-SHA256 of a normalised value (no spaces): equal values, equal digests."""
    return hmac.digest(digest_key, "".join(value.split()).encode(), hashlib.sha256)


# -- the key ring --------------------------------------------------------------------------


class Connector(Protocol):
    def __call__(self) -> AbstractContextManager[Any]:
        """A psycopg connection in a transaction, committed on leaving."""
        ...


Writer = Callable[[Any], None]  # statements run by a save's transaction, given its cursor


class KeyRing:
    """Data keys of persons: created with the person, unwrapped on demand and cached in this
    process, destroyed on erasure. Sync (psycopg), for the application's thread pool."""

    def __init__(self, provider: KeyProvider, connect: Connector) -> None:
        self.provider = provider
        self._connect = connect
        self._cache: dict[UUID, bytes] = {}
        self._by_wrapped: dict[tuple[UUID, bytes], bytes] = {}
        self._lock = threading.Lock()

    def digest(self, value: str) -> bytes:
        return keyed_digest(self.provider.digest_key(), value)

    def prepare(
        self,
        created: Mapping[UUID, Mapping[str, str]],
        phones: Mapping[UUID, str],
        named: Iterable[UUID] = (),
        records: Iterable[UUID] = (),
    ) -> Writer | None:
        """Before a save: a new data key for each person ``created`` (id → {"phone", "name"}
        for the digests) and the digests of the ``phones`` changed, to be written by the save's
        own transaction (the returned writer), so that a key exists exactly when its person
        does; every key the save will seal with (those of the persons ``named`` by other
        records included, in one query) is in the cache when this returns. Each of the
        ``records`` that has no key of its own yet gets one, stored by the same writer."""
        others = (set(named) | set(records)) - set(created)
        found = self.keys(others) if others else {}
        unkeyed_records = set(records) - found.keys()
        # A record whose text was erased gets no new key: its later text is stored as erased.
        unkeyed_records -= self.erased(unkeyed_records)
        if not created and not phones and not unkeyed_records:
            return None
        # A person registered before sealing existed has no key yet: the first phone change
        # makes one (its clear registration stays as it was recorded).
        unkeyed = set(phones) - set(created) - self.keys(phones).keys()
        created = {**created, **{p: {"phone": phones[p]} for p in unkeyed}}
        phones = {p: phone for p, phone in phones.items() if p not in unkeyed}
        ids, wrapped, phone_digests, name_digests = [], [], [], []
        fresh: dict[UUID, bytes] = {}
        for person_id, values in created.items():
            key = fresh[person_id] = AESGCM.generate_key(bit_length=256)
            ids.append(person_id)
            wrapped.append(self.provider.wrap(key, person_id))
            phone_digests.append(self.digest(values["phone"]) if values.get("phone") else None)
            name_digests.append(self.digest(values["name"]) if values.get("name") else None)
        changed = [(self.digest(p) if p else None, person_id) for person_id, p in phones.items()]
        record_ids: list[UUID] = []
        record_wrapped: list[bytes] = []
        for record_id in unkeyed_records:
            key = fresh[record_id] = AESGCM.generate_key(bit_length=256)
            record_ids.append(record_id)
            record_wrapped.append(self.provider.wrap(key, record_id))
        with self._lock:
            self._cache.update(fresh)

        def write(cursor: Any) -> None:
            if record_ids:
                # A save racing this one for the same record loses on its events' version
                # (the same aggregate), not here: its key is then forgotten (``forget``).
                cursor.execute(
                    "INSERT INTO record_keys (record_id, wrapped_key) "
                    "SELECT * FROM unnest(%s::uuid[], %s::bytea[]) ON CONFLICT DO NOTHING",
                    (record_ids, record_wrapped),
                )
            if ids:
                cursor.execute(
                    "INSERT INTO person_keys (person_id, wrapped_key, phone_digest, name_digest) "
                    "SELECT * FROM unnest(%s::uuid[], %s::bytea[], %s::bytea[], %s::bytea[])",
                    (ids, wrapped, phone_digests, name_digests),
                )
            for digest, person_id in changed:
                cursor.execute(
                    "UPDATE person_keys SET phone_digest = %s WHERE person_id = %s",
                    (digest, person_id),
                )

        return write

    def forget(self, person_ids: Iterable[UUID]) -> None:
        """Drop cached keys of persons whose save failed: their keys were never stored."""
        with self._lock:
            for person_id in person_ids:
                self._cache.pop(person_id, None)

    def seal(self, person_id: UUID, clear: str) -> str:
        key = self._cache.get(person_id) or self.keys((person_id,)).get(person_id)
        if key is None:
            msg = "the person has no data key (erased, or registered without one)"
            raise LookupError(msg)
        return seal(key, person_id, clear)

    @staticmethod
    def is_sealed(value: object) -> bool:
        return is_sealed(value)

    def open(self, values: Sequence[str]) -> list[str | None]:
        """The clear values (None where the person is erased), in one query. The wrapped keys
        are read from the table every time (only their unwrapping is cached), so that no
        process opens an erased person's data with a key it cached before the erasure."""
        subjects = {sealed_subject(value) for value in values}
        with self._connect() as conn:
            rows = conn.execute(
                wrapped_keys_sql("%(ids)s::uuid[]"), {"ids": list(subjects)}
            ).fetchall()
        keys = {
            r["subject"]: self.unwrap_stored(r["subject"], bytes(r["wrapped_key"])) for r in rows
        }
        opened: list[str | None] = []
        for value in values:
            key = keys.get(sealed_subject(value))
            opened.append(None if key is None else unseal(key, value))
        return opened

    def keys(self, person_ids: Iterable[UUID]) -> dict[UUID, bytes]:
        """The data keys of those persons (or records) that have one (an erased person has
        none)."""
        wanted = set(person_ids)
        with self._lock:
            found = {p: self._cache[p] for p in wanted if p in self._cache}
        missing = list(wanted - found.keys())
        if missing:
            with self._connect() as conn:
                rows = conn.execute(
                    wrapped_keys_sql("%(ids)s::uuid[]"), {"ids": missing}
                ).fetchall()
            unwrapped = {
                row["subject"]: self.provider.unwrap(bytes(row["wrapped_key"]), row["subject"])
                for row in rows
            }
            with self._lock:
                self._cache.update(unwrapped)
            found.update(unwrapped)
        return found

    def shred(self, person_id: UUID) -> None:
        """Destroy the person's data key (and digests): every sealed value of the person is
        unreadable from now on, in every copy of the log and of the views. The person's id
        is kept as erased, in the same transaction."""
        with self._lock:
            self._cache.pop(person_id, None)
        with self._connect() as conn:
            conn.execute("DELETE FROM person_keys WHERE person_id = %s", (person_id,))
            conn.execute(
                "INSERT INTO erased_persons (person_id) VALUES (%s) ON CONFLICT DO NOTHING",
                (person_id,),
            )

    def shred_record(self, record_id: UUID) -> None:
        """Destroy a record's own data key (``record_keys``): its free text is unreadable from
        now on. The id is kept as erased (``erased_persons`` holds ids of either kind), so
        that no later save of the record makes it a new key and seals its text again."""
        with self._lock:
            self._cache.pop(record_id, None)
        with self._connect() as conn:
            conn.execute("DELETE FROM record_keys WHERE record_id = %s", (record_id,))
            conn.execute(
                "INSERT INTO erased_persons (person_id) VALUES (%s) ON CONFLICT DO NOTHING",
                (record_id,),
            )

    def erased(self, ids: Iterable[UUID]) -> set[UUID]:
        """Those of ``ids`` erased (persons or records), in one query."""
        wanted = list(set(ids))
        if not wanted:
            return set()
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT person_id FROM erased_persons WHERE person_id = ANY(%s)", (wanted,)
            ).fetchall()
        return {row["person_id"] for row in rows}

    def is_erased(self, person_id: UUID) -> bool:
        """Whether the person's key was destroyed by erasure (not merely never made)."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT 1 FROM erased_persons WHERE person_id = %s", (person_id,)
            ).fetchone()
        return row is not None

    def unwrap_stored(self, person_id: UUID, wrapped: bytes) -> bytes:
        """The data key of a wrapped key the caller has just read from ``person_keys`` (for the
        read side, which reads the wrapped keys with its own pool in the same query as the
        rows): the cache only saves the unwrap, so it never serves an erased person, whose
        row is gone."""
        with self._lock:
            key = self._by_wrapped.get((person_id, wrapped))
        if key is None:
            key = self.provider.unwrap(wrapped, person_id)
            with self._lock:
                if len(self._by_wrapped) > MAX_CACHED_KEYS:
                    self._by_wrapped.clear()
                self._by_wrapped[(person_id, wrapped)] = key
        return key

    def persons_with_phones(self, phones: Iterable[str]) -> dict[str, list[UUID]]:
        """The persons registered with each phone, found by its keyed digest (one query)."""
        by_digest = {self.digest(phone): phone for phone in phones}
        if not by_digest:
            return {}
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT person_id, phone_digest FROM person_keys WHERE phone_digest = ANY(%s)",
                (list(by_digest),),
            ).fetchall()
        found: dict[str, list[UUID]] = {}
        for row in rows:
            found.setdefault(by_digest[bytes(row["phone_digest"])], []).append(row["person_id"])
        return found


def datastore_connector(datastore: Any) -> Connector:
    """Connections of the event store's own pool (eventsourcing's ``PostgresDatastore``), each
    in a transaction committed on leaving; rows come as dicts."""

    @contextmanager
    def connect() -> Iterator[Any]:
        with datastore.transaction(commit=True) as cursor:
            yield cursor.connection

    return connect


def file_key_ring(master_key_file: Path, recorder: object) -> KeyRing:
    """The key ring of an application: the master key file's provider, and connections of the
    application's own event-store pool (``recorder`` is eventsourcing's PostgreSQL recorder)."""
    datastore = getattr(recorder, "datastore")  # noqa: B009 - the PostgreSQL recorder's
    return KeyRing(FileKeyProvider.from_file(master_key_file), datastore_connector(datastore))
