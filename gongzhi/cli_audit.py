"""gongzhi verify / seal / reseal / db-roles: tamper evidence, sealing records written before
sealing, and least privilege from the command line.

``verify`` only reads: it recomputes the hash chain from the event table and compares it with
the stored links (exit 0: intact; exit 1: the first position that fails is named), and with
``--checkpoint`` also proves that nothing up to a kept checkpoint changed.

``reseal`` rewrites the stored events that still hold a declared personal value in clear
(application/personal_data.py ``PERSONAL_FIELDS``: written before sealing existed, or before
the field was declared) with those values sealed, and records in the log, in the same
transaction, which events it rewrote and how (gongzhi/domain/reseal.py); ``verify`` accepts
exactly the rewrites so recorded (gongzhi/infra/audit_chain.py). It refuses to start on a log
that fails verification, so that it never vouches for a forgery.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic
from psycopg.sql import SQL, Identifier

from gongzhi.application.base import GongzhiBase, Meta
from gongzhi.application.personal_data import DECLARED
from gongzhi.application.snapshots import GongzhiSnapshot
from gongzhi.domain.reseal import Reseal
from gongzhi.infra.audit_chain import (
    ChainedRecorder,
    ResealRow,
    blanked_digest,
    sha256,
    verify_chain,
)
from gongzhi.infra.audit_keys import AuditKey, new_key_pem
from gongzhi.infra.audit_seal import (
    ChainBroken,
    Checkpoint,
    checkpoint_json,
    make_checkpoint,
    verify_checkpoint,
)
from gongzhi.infra.db_roles import create_app_role
from gongzhi.infra.settings import PgParams, Settings

APP_ROLE = "gongzhi_app"
APP_ROLE_PASSWORD_ENV = "GONGZHI_APP_DB_PASSWORD"


@dataclass(frozen=True)
class Wiring:
    """What the commands need from the CLI's wiring (``gongzhi.cli`` hands it over): settings
    with every URL resolved (and the embedded servers started for them, or None), and the
    platform's bootstrap (which creates or migrates the schema)."""

    settings: Callable[[], tuple[Settings, Any]]
    bootstrap: Callable[[Settings], Any]


def _connect(wiring: Wiring) -> tuple[psycopg.Connection[Any], Settings, Any]:
    settings, embedded = wiring.settings()
    assert settings.database_url
    return psycopg.connect(settings.database_url, autocommit=True), settings, embedded


def _read_checkpoint(value: str) -> Checkpoint:
    """A checkpoint from a file, or given inline as JSON."""
    text = value if value.lstrip().startswith("{") else Path(value).read_text(encoding="utf-8")
    data = json.loads(text)
    # The JSON of `gongzhi seal`, or the `auditSeal` answer's checkpoint (or the whole answer).
    data = data.get("checkpoint", data) if isinstance(data, dict) else data
    return Checkpoint.from_json(data)


def cmd_verify(args: argparse.Namespace) -> int:
    conn, settings, embedded = _connect(args.wiring)
    try:
        status = 0
        if args.checkpoint:
            try:
                checkpoint = _read_checkpoint(args.checkpoint)
            except (OSError, ValueError) as error:
                print(f"cannot read the checkpoint: {error}")
                return 2
            public_key = (
                base64.b64decode(args.public_key)
                if args.public_key
                else AuditKey(settings.audit_signing_key).public_key
            )
            verdict = verify_checkpoint(conn, checkpoint, public_key)
            print(f"checkpoint at position {checkpoint.position}: {verdict.describe()}")
            if not verdict.valid:
                status = 1
        verified = verify_chain(conn)
        if verified.broken is not None:
            print(f"TAMPERED at {verified.broken}")
            print(f"the {verified.events} events before it are intact")
            return 1
        resealed = (
            f" ({len(verified.resealed)} of them resealed, as `gongzhi reseal` recorded)"
            if verified.resealed
            else ""
        )
        print(
            f"the event log is intact: {verified.events} events{resealed}, head at position "
            f"{verified.position} ({verified.head.hex()})"
        )
        return status
    finally:
        conn.close()
        if embedded:
            embedded.close()


def cmd_seal(args: argparse.Namespace) -> int:
    if args.new_key:
        print(new_key_pem(), end="")
        return 0
    conn, settings, embedded = _connect(args.wiring)
    try:
        key = AuditKey(settings.audit_signing_key)
        try:
            stored = make_checkpoint(conn, key, args.actor, args.reason)
        except ChainBroken as error:
            print(f"not sealed: the event log fails verification at {error.broken}")
            return 1
        assert stored is not None
        print(checkpoint_json(stored))
        return 0
    finally:
        conn.close()
        if embedded:
            embedded.close()


RESEAL_BATCH = 200  # events rewritten (and recorded) per transaction


@dataclass
class Resealed:
    """What a reseal did: events examined and rewritten, and those it could not prove (a
    rewrite that would change more than the sealed values: left as they are)."""

    examined: int = 0
    rewritten: list[int] = field(default_factory=list)
    unproved: list[int] = field(default_factory=list)
    snapshots: int = 0  # snapshots taken in clear, replaced by ones taken sealed


def reseal_log(app: GongzhiBase, meta: Meta, batch: int = RESEAL_BATCH) -> Resealed:
    """Rewrite sealed every stored event holding a declared personal value in clear, a batch
    per transaction: the batch's rows updated (only if unchanged since read), the data keys
    made for them and the ``Reseal`` that records it, together."""
    report = Resealed()
    topics = sorted(get_topic(cls) for cls in DECLARED)
    made: set[UUID] = set()
    recorder = app.recorder
    assert isinstance(recorder, ChainedRecorder), "the platform's recorder chains the log"
    table = recorder.events_table_name
    # One statement for a batch, each row only if unchanged since it was read; its RETURNING
    # says which (a save's cursor may be pipelined, where a row count is not yet known).
    update = SQL(
        "UPDATE {} AS e SET state = c.new "
        "FROM unnest(%s::bigint[], %s::bytea[], %s::bytea[]) AS c(position, old, new) "
        "WHERE e.notification_id = c.position AND e.state = c.old RETURNING e.notification_id"
    ).format(Identifier(table))
    start: int | None = 1
    while start is not None:
        found = recorder.select_notifications(start, batch, topics=topics)
        start = found[-1].id + 1 if found else None
        rows: list[dict[str, Any]] = []
        writes: list[Callable[[Any], None]] = []
        changes: list[tuple[int, bytes, bytes]] = []
        for n in found:
            report.examined += 1
            old = bytes(n.state)
            stored = StoredEvent(n.originator_id, n.originator_version, n.topic, old)
            outcome = app.sealing.resealed(stored, made)
            if outcome is None:
                continue
            new, write, paths = outcome
            if write is not None:
                writes.append(write)  # keys made are stored even if the row is not proved
            kept = blanked_digest(old, paths)
            if not paths or kept is None or kept != blanked_digest(new.state, paths):
                report.unproved.append(n.id)
                continue
            row = ResealRow(
                0,
                str(n.originator_id),
                n.originator_version,
                n.topic,
                sha256(old),
                sha256(new.state),
                kept,
                tuple(paths),
            )
            rows.append(row.as_json(n.id))
            changes.append((n.id, old, new.state))

        def rewrite(cursor: Any, changes: list[tuple[int, bytes, bytes]] = changes) -> None:
            positions, olds, news = (list(c) for c in zip(*changes, strict=True))
            cursor.execute(update, (positions, olds, news))
            changed = set(positions) - {row["notification_id"] for row in cursor.fetchall()}
            if changed:
                msg = f"the events at positions {sorted(changed)} changed while being resealed"
                raise RuntimeError(msg)

        if not rows and writes:
            # Only keys to store (for rows left as they were): the keys are cached already,
            # so they are stored before anything seals with them.
            with recorder.datastore.transaction(commit=True) as cursor:
                for write in writes:
                    write(cursor)
        elif rows:
            try:
                app.save(
                    *([Reseal.record(rows)] if rows else []),
                    meta=meta,
                    alongside=(*writes, rewrite),
                )
            except Exception:
                app.sealing.forget(made)
                raise
            report.rewritten.extend(int(r["position"]) for r in rows)
    report.snapshots = retake_clear_snapshots(app)
    return report


def retake_clear_snapshots(app: GongzhiBase) -> int:
    """Replace each snapshot holding a personal value in clear (taken before snapshots were
    sealed) by one taken again, sealed, from the (resealed) events. Snapshots are not part of
    the log nor of its hash chain (infra/audit_chain.py chains ``gongzhi_events`` only): a
    shortcut, deleted and retaken without a trace to keep."""
    assert app.snapshots is not None
    table = Identifier(app.snapshots.recorder.events_table_name)  # type: ignore[attr-defined]
    select = SQL(
        "SELECT originator_id, originator_version, topic, state FROM {} WHERE topic = %s "
        "ORDER BY originator_id, originator_version"
    )
    delete = SQL("DELETE FROM {} WHERE originator_id = %s AND originator_version = %s")
    recorder = app.recorder
    assert isinstance(recorder, ChainedRecorder)
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(select.format(table), (get_topic(GongzhiSnapshot),))
        rows = cursor.fetchall()
    clear = [
        (row["originator_id"], row["originator_version"])
        for row in rows
        if app.sealing.snapshot_in_clear(
            StoredEvent(
                row["originator_id"], row["originator_version"], row["topic"], bytes(row["state"])
            )
        )
    ]
    for originator_id, version in clear:
        with recorder.datastore.transaction(commit=True) as cursor:
            cursor.execute(delete.format(table), (originator_id, version))
        app.take_snapshot(originator_id, version=version)
    return len(clear)


RESEAL_REFUSED = 3  # exit code: the database role may not rewrite the log


def not_owner(role: str) -> str:
    return (
        f"not resealed: the database role {role} may not UPDATE the event log (nor DELETE "
        "old snapshots); the platform's role only appends, by design. Run `gongzhi reseal` "
        "with GONGZHI_DATABASE_URL of the database's owner"
    )


def _privilege_refused(error: BaseException | None) -> bool:
    """Whether PostgreSQL refused a privilege, however the library wrapped its error."""
    while error is not None:
        if isinstance(error, psycopg.errors.InsufficientPrivilege):
            return True
        error = error.__cause__ or error.__context__
    return False


def cmd_reseal(args: argparse.Namespace) -> int:
    settings, embedded = args.wiring.settings()
    try:
        with psycopg.connect(settings.database_url or "", autocommit=True) as conn:
            verified = verify_chain(conn)
            role = conn.execute(
                "SELECT current_user, has_table_privilege(current_user, 'gongzhi_events', 'UPDATE')"
            ).fetchone()
        if verified.broken is not None:
            print(f"not resealed: the event log fails verification at {verified.broken}")
            return 1
        # Checked before any work: the platform's own role (``gongzhi db-roles``) may only
        # append to the log, by design, and a refusal halfway would leave keys made for nothing.
        if role is None or not role[1]:
            print(not_owner(role[0] if role else "?"))
            return RESEAL_REFUSED
        platform = args.wiring.bootstrap(settings)
        try:
            meta = Meta(actor=args.actor, reason=args.reason, actor_role="PLATFORM_ADMIN")
            report = reseal_log(platform.app, meta)
        except Exception as error:
            if not _privilege_refused(error):
                raise
            print(not_owner(platform.pg.user))
            return RESEAL_REFUSED
        finally:
            platform.close()
        print(
            f"examined {report.examined} events with personal fields; resealed "
            f"{len(report.rewritten)}"
            + (
                f" (positions {report.rewritten[0]}..{report.rewritten[-1]})"
                if report.rewritten
                else ""
            )
            + f"; snapshots retaken sealed: {report.snapshots}"
        )
        if report.unproved:
            print(
                f"left as they were (a rewrite would change more than the sealed values): "
                f"{report.unproved[:20]}"
            )
            return 1
        return 0
    finally:
        if embedded:
            embedded.close()


def cmd_db_roles(args: argparse.Namespace) -> int:
    """As the database owner: migrate the schema, then create or update the platform's role."""
    settings, embedded = args.wiring.settings()
    try:
        platform = args.wiring.bootstrap(settings)  # every table exists before its privileges
        platform.close()
        pg = PgParams.from_url(settings.database_url or "")
        password = os.environ.get(APP_ROLE_PASSWORD_ENV) or None
        with psycopg.connect(pg.url(), autocommit=True) as conn:
            create_app_role(conn, args.role, password, pg.dbname)
        print(
            f"role {args.role}: reads and writes the views, appends to the event log, its "
            "chain and checkpoints; may not UPDATE, DELETE or TRUNCATE them"
        )
        return 0
    finally:
        if embedded:
            embedded.close()


def add_audit_commands(commands: Any, wiring: Wiring) -> None:
    verify = commands.add_parser(
        "verify", help="recompute the event log's hash chain; exit 1 naming the first break"
    )
    verify.add_argument(
        "--checkpoint", help="a kept checkpoint (a JSON file, or the JSON itself) to prove"
    )
    verify.add_argument(
        "--public-key", help="the platform's published key (base64); default: the configured"
    )
    verify.set_defaults(handler=cmd_verify, wiring=wiring)

    seal = commands.add_parser("seal", help="sign the hash chain's head now; print the JSON")
    seal.add_argument("--reason", default="按需封存 checkpoint on demand")
    seal.add_argument("--actor", default="cli-seal")
    seal.add_argument("--new-key", action="store_true", help="print a new signing key (PEM)")
    seal.set_defaults(handler=cmd_seal, wiring=wiring)

    reseal = commands.add_parser(
        "reseal",
        help="as the database owner: seal the personal values that stored events still hold in "
        "clear (written before sealing); each rewrite is recorded in the log, and verify "
        "accepts exactly the rewrites so recorded",
    )
    reseal.add_argument("--reason", default="存量个人信息加密 seal personal data stored in clear")
    reseal.add_argument("--actor", default="cli-reseal")
    reseal.set_defaults(handler=cmd_reseal, wiring=wiring)

    roles = commands.add_parser(
        "db-roles", help="as the database owner: migrate, then create the platform's role"
    )
    roles.add_argument("--role", default=APP_ROLE)
    roles.set_defaults(handler=cmd_db_roles, wiring=wiring)
