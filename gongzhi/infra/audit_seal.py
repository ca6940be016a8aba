"""封存 signed checkpoints of the hash chain (Ed25519, key in gongzhi/infra/audit_keys.py).

A checkpoint says: at ``sealed_at`` the chain's link at ``position`` was ``head_hash``, signed
with the platform's audit key. A committee keeps one (the JSON of ``gongzhi seal`` or of the
``auditSeal`` query) and can later prove that nothing up to that position changed: the
signature must be the platform's, and the chain recomputed from the events as they are then
must reach the same link at that position. Whoever can write the database could recompute the
whole chain after a forgery; without the signing key they cannot make a checkpoint that
agrees with it.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PublicKey,
)
from psycopg import Connection
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composed, Identifier

from gongzhi.infra.audit_chain import (
    CHAIN_TABLE,
    CHECKPOINT_TABLE,
    GENESIS,
    Broken,
    Verified,
    verify_chain,
)
from gongzhi.infra.audit_keys import AuditKey

SEAL_FORMAT = "gongzhi-audit-seal/1"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement of the chain's link at one position."""

    position: int
    head_hash: bytes
    sealed_at: datetime
    signature: bytes

    def message(self) -> bytes:
        """The signed bytes: every field in one fixed text form."""
        sealed = self.sealed_at.astimezone(UTC).isoformat(timespec="microseconds")
        return (
            f"{SEAL_FORMAT}\nposition={self.position}\nhead={self.head_hash.hex()}\n"
            f"sealed_at={sealed}\n"
        ).encode()

    def signed_by(self, public_key: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(public_key).verify(self.signature, self.message())
        except (InvalidSignature, ValueError):
            return False
        return True

    def as_json(self, public_key: bytes | None = None) -> dict[str, Any]:
        """The form a committee keeps (the GraphQL type has the same field names)."""
        value: dict[str, Any] = {
            "position": self.position,
            "headHash": self.head_hash.hex(),
            "sealedAt": self.sealed_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "signature": b64(self.signature),
        }
        if public_key is not None:
            value["publicKey"] = b64(public_key)
        return value

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Checkpoint:
        """Read a kept checkpoint; ``ValueError`` naming the field that is wrong."""
        field = "position"
        try:
            position = int(value["position"])
            field = "headHash"
            head_hash = bytes.fromhex(str(value["headHash"]))
            field = "sealedAt"
            sealed_at = datetime.fromisoformat(str(value["sealedAt"]))
            field = "signature"
            signature = base64.b64decode(str(value["signature"]), validate=True)
        except (KeyError, ValueError, TypeError):
            msg = f"{field} is missing or malformed"
            raise ValueError(msg) from None
        if sealed_at.tzinfo is None:
            msg = "sealedAt must say its time zone"
            raise ValueError(msg)
        return cls(position, head_hash, sealed_at, signature)


@dataclass(frozen=True)
class Stored:
    """A checkpoint as stored: who made it and why, and the key that signed it."""

    id: uuid.UUID
    checkpoint: Checkpoint
    public_key: bytes
    actor: str
    reason: str


def _names(schema: str) -> dict[str, Identifier]:
    return {
        "schema": Identifier(schema),
        "chain": Identifier(CHAIN_TABLE),
        "checkpoints": Identifier(CHECKPOINT_TABLE),
    }


_SELECT = (
    "SELECT id, position, head_hash, sealed_at, signature, public_key, actor, reason "
    "FROM {schema}.{checkpoints} "
)
_LATEST = SQL(_SELECT + "ORDER BY sealed_at DESC, position DESC LIMIT 1")
_BY_ID = SQL(_SELECT + "WHERE id = %s")
_BELOW = SQL(_SELECT + "WHERE position < %s ORDER BY position")
_INSERT = SQL(
    "INSERT INTO {schema}.{checkpoints} "
    "(id, position, head_hash, sealed_at, signature, public_key, actor, reason) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
)


def latest_checkpoint(conn: Connection[Any], schema: str = "public") -> Stored | None:
    return _read(conn, _LATEST.format(**_names(schema)), ())


def stored_checkpoint(
    conn: Connection[Any], checkpoint_id: uuid.UUID, schema: str = "public"
) -> Stored | None:
    return _read(conn, _BY_ID.format(**_names(schema)), (checkpoint_id,))


def _read(conn: Connection[Any], statement: Composed, params: tuple[Any, ...]) -> Stored | None:
    with conn.cursor(row_factory=tuple_row) as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    return None if row is None else _stored(row)


def _stored(row: tuple[Any, ...]) -> Stored:
    id_, position, head, sealed_at, signature, public_key, actor, reason = row
    checkpoint = Checkpoint(position, bytes(head), sealed_at, bytes(signature))
    return Stored(id_, checkpoint, bytes(public_key), actor, reason)


class ChainBroken(Exception):
    """Raised when a checkpoint is asked for while the chain since the last one is broken:
    signing it would vouch for a forgery."""

    def __init__(self, broken: Broken) -> None:
        super().__init__(str(broken))
        self.broken = broken


def make_checkpoint(
    conn: Connection[Any],
    key: AuditKey,
    actor: str,
    reason: str,
    schema: str = "public",
    events_table: str = "gongzhi_events",
    *,
    only_if_moved: bool = False,
    whole_log: bool = True,
) -> Stored | None:
    """Sign the chain's head now, once the log is verified, so that a checkpoint never follows
    a forgery: the whole log by default (on demand: an admin, ``gongzhi seal``), or with
    ``whole_log=False`` only the events since the latest checkpoint, from its signed link on
    (the periodic job: the earlier ones were verified when that checkpoint was made). With
    ``only_if_moved``, no checkpoint is made while the head is where the latest one left it."""
    names = _names(schema)
    latest = latest_checkpoint(conn, schema)
    start = (0, GENESIS)
    if not whole_log and latest is not None and latest.checkpoint.signed_by(key.public_key):
        start = (latest.checkpoint.position, latest.checkpoint.head_hash)
    verified = verify_chain(conn, schema, events_table, after=start)
    if verified.broken is not None:
        raise ChainBroken(verified.broken)
    # The head as verified: events saved meanwhile are sealed by the next checkpoint.
    position, head = verified.position, verified.head
    if only_if_moved and latest is not None and latest.checkpoint.position == position:
        return None
    sealed_at = datetime.now(UTC)
    unsigned = Checkpoint(position, head, sealed_at, b"")
    checkpoint = Checkpoint(position, head, sealed_at, key.sign(unsigned.message()))
    stored = Stored(uuid.uuid4(), checkpoint, key.public_key, actor, reason)
    with conn.transaction(), conn.cursor() as cursor:
        cursor.execute(
            _INSERT.format(**names),
            (
                stored.id,
                position,
                head,
                sealed_at,
                checkpoint.signature,
                key.public_key,
                actor,
                reason,
            ),
        )
    return stored


@dataclass(frozen=True)
class CheckpointVerdict:
    """Whether a kept checkpoint still holds, and if not, where the log first fails."""

    signature_valid: bool
    broken: Broken | None
    events: int

    @property
    def valid(self) -> bool:
        return self.signature_valid and self.broken is None

    def describe(self) -> str:
        if not self.signature_valid:
            return "the signature is not the platform's: this checkpoint was altered or forged"
        if self.broken is not None:
            return str(self.broken)
        return f"valid: the {self.events} events up to this checkpoint are unchanged"


def verify_checkpoint(
    conn: Connection[Any],
    checkpoint: Checkpoint,
    public_key: bytes,
    schema: str = "public",
    events_table: str = "gongzhi_events",
) -> CheckpointVerdict:
    """Prove that nothing up to ``checkpoint.position`` changed since it was signed."""
    if not checkpoint.signed_by(public_key):
        return CheckpointVerdict(signature_valid=False, broken=None, events=0)
    # The platform's own earlier checkpoints narrow down a log rewritten with its chain.
    earlier = {
        stored.checkpoint.position: stored.checkpoint.head_hash
        for stored in _checkpoints_below(conn, checkpoint.position, schema)
        if stored.checkpoint.signed_by(public_key)
    }
    verified = verify_chain(
        conn, schema, events_table, upto=checkpoint.position, watch=frozenset(earlier)
    )
    if verified.broken is not None:
        return CheckpointVerdict(True, verified.broken, verified.events)
    if verified.position != checkpoint.position:
        # The events up to the sealed one are gone, their links with them.
        return CheckpointVerdict(
            True,
            Broken(checkpoint.position, "the sealed event is missing (deleted with its link)"),
            verified.events,
        )
    if verified.head != checkpoint.head_hash:
        return CheckpointVerdict(True, _rewritten(checkpoint, earlier, verified), verified.events)
    return CheckpointVerdict(True, None, verified.events)


def _rewritten(checkpoint: Checkpoint, earlier: dict[int, bytes], verified: Verified) -> Broken:
    """A log that agrees with its chain but not with a signed head was rewritten together with
    its chain: no stored link shows where. The platform's earlier checkpoints do: the change
    lies after the last one that still holds, up to the first that does not."""
    holds = 0
    for position in sorted(earlier):
        if verified.links_at.get(position) != earlier[position]:
            return Broken(
                position,
                f"the events after position {holds} up to this one were rewritten together "
                "with their chain (this earlier checkpoint fails too)",
            )
        holds = position
    return Broken(
        checkpoint.position,
        f"the events after position {holds} up to this one were rewritten together with "
        "their chain",
    )


def _checkpoints_below(conn: Connection[Any], position: int, schema: str) -> list[Stored]:
    statement = _BELOW.format(**_names(schema))
    with conn.cursor(row_factory=tuple_row) as cursor:
        rows = cursor.execute(statement, (position,)).fetchall()
    return [_stored(row) for row in rows]


def checkpoint_json(stored: Stored) -> str:
    return json.dumps(stored.checkpoint.as_json(stored.public_key), ensure_ascii=False)
