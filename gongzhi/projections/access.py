"""Read model of revoked access: checked on every request (graphql/access.py)."""

from __future__ import annotations

from functools import singledispatch

from sqlalchemy import Column, DateTime, Index, Table, Text, Uuid

from gongzhi.domain.access import AccessRevocation
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import CREATE, Op, insert_statement

# One row per act of revocation: a token by its id, or a subject's tokens issued up to a time.
revocations = Table(
    "revocations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("token_id", Uuid),
    Column("subject", Text, nullable=False),
    Column("issued_up_to", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True), nullable=False),
    Column("actor", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Index("revocations_token", "token_id"),
    Index("revocations_subject", "subject"),
)

INSERT_REVOCATION = insert_statement(
    "insert revocation", CREATE, revocations, on_conflict_do_nothing=True
)


@singledispatch
def access_ops(event: object) -> list[Op]:
    return []


@access_ops.register
def _(event: AccessRevocation.Revoked) -> list[Op]:
    meta = event.__dict__.get("meta", {})
    row = {
        "id": event.originator_id,
        "token_id": event.token_id,
        "subject": event.subject,
        "issued_up_to": event.issued_up_to,
        "revoked_at": event.timestamp,
        "actor": meta.get("actor", ""),
        "reason": meta.get("reason", ""),
    }
    return [Op(INSERT_REVOCATION, row)]
