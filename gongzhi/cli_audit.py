"""gongzhi verify / seal / db-roles: tamper evidence and least privilege from the command line.

``verify`` only reads: it recomputes the hash chain from the event table and compares it with
the stored links (exit 0: intact; exit 1: the first position that fails is named), and with
``--checkpoint`` also proves that nothing up to a kept checkpoint changed.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from gongzhi.infra.audit_chain import verify_chain
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
        print(
            f"the event log is intact: {verified.events} events, head at position "
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

    roles = commands.add_parser(
        "db-roles", help="as the database owner: migrate, then create the platform's role"
    )
    roles.add_argument("--role", default=APP_ROLE)
    roles.set_defaults(handler=cmd_db_roles, wiring=wiring)
