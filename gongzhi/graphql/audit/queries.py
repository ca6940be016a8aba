"""auditSeal and verifyAuditSeal: what a committee, a regulator or a company keeps and checks."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC
from typing import Annotated

import anyio
import strawberry
from strawberry.types import Info

from gongzhi.graphql.audit.types import (
    AuditCheckpoint,
    AuditCheckpointInput,
    AuditSealPayload,
    AuditVerification,
)
from gongzhi.graphql.context import Context
from gongzhi.graphql.errors import Forbidden, Refused, ValidationError, invalid
from gongzhi.graphql.permissions import Action, Target
from gongzhi.graphql.reading import lookup, require
from gongzhi.infra.audit_chain import ChainedRecorder
from gongzhi.infra.audit_seal import (
    Checkpoint,
    CheckpointVerdict,
    b64,
    latest_checkpoint,
    stored_checkpoint,
    verify_checkpoint,
)

AuditSealQueryResult = Annotated[
    AuditSealPayload | ValidationError | Forbidden, strawberry.union("AuditSealQueryResult")
]
AuditVerificationResult = Annotated[
    AuditVerification | ValidationError | Forbidden,
    strawberry.union("AuditVerificationResult"),
]

# One verification at a time in this process: each recomputes the chain from the first
# event, and a few callers asking at once must not take every connection of the pool.
_verifying = anyio.Lock()


def recorder(context: Context) -> ChainedRecorder:
    found = context.app.recorder
    assert isinstance(found, ChainedRecorder), "the platform records through ChainedRecorder"
    return found


def _may_audit(context: Context) -> None:
    require(context.principal, Action.READ_AUDIT_SEAL, Target())


async def seal_payload(context: Context, checkpoint_id: object = None) -> AuditSealPayload:
    """The platform's public key and a checkpoint: the one named, or else the latest."""
    store = recorder(context)

    def read() -> AuditCheckpoint | None:
        schema = store.datastore.schema
        with store.datastore.get_connection() as conn:
            found = (
                stored_checkpoint(conn, checkpoint_id, schema)  # type: ignore[arg-type]
                if checkpoint_id is not None
                else latest_checkpoint(conn, schema)
            )
        return AuditCheckpoint.of(found) if found is not None else None

    checkpoint = await context.in_thread(read)
    return AuditSealPayload(public_key=b64(context.app.audit_public_key), checkpoint=checkpoint)


def _checkpoint(value: AuditCheckpointInput) -> Checkpoint:
    """The kept checkpoint; a malformed field is refused by name."""
    try:
        position = int(value.position)
    except ValueError:
        raise Refused(invalid("checkpoint.position", "is not a log position")) from None
    try:
        head_hash = bytes.fromhex(value.head_hash)
    except ValueError:
        raise Refused(invalid("checkpoint.headHash", "is not hexadecimal")) from None
    try:
        signed = base64.b64decode(value.signature, validate=True)
    except (binascii.Error, ValueError):
        raise Refused(invalid("checkpoint.signature", "is not base64")) from None
    if value.sealed_at.tzinfo is None:
        raise Refused(invalid("checkpoint.sealedAt", "must say its time zone"))
    return Checkpoint(position, head_hash, value.sealed_at.astimezone(UTC), signed)


@strawberry.type
class AuditQueries:
    @strawberry.field(
        description="审计封存 the latest signed checkpoint of the event log and the platform's "
        "public key (committees, regulators, companies and admins)"
    )
    @lookup
    async def audit_seal(self, info: Info[Context, None]) -> AuditSealQueryResult:
        _may_audit(info.context)
        return await seal_payload(info.context)

    @strawberry.field(
        description="验证 a kept checkpoint: valid if its signature is the platform's and the "
        "log up to its position is unchanged; otherwise the first position that fails"
    )
    @lookup
    async def verify_audit_seal(
        self, info: Info[Context, None], checkpoint: AuditCheckpointInput
    ) -> AuditVerificationResult:
        context = info.context
        _may_audit(context)
        kept = _checkpoint(checkpoint)
        store = recorder(context)
        public_key = context.app.audit_public_key

        def verify() -> CheckpointVerdict:
            with store.datastore.get_connection() as conn:
                return verify_checkpoint(
                    conn, kept, public_key, store.datastore.schema, store.events_table_name
                )

        async with _verifying:
            verdict = await context.in_thread(verify)
        return AuditVerification(
            valid=verdict.valid,
            signature_valid=verdict.signature_valid,
            broken_at=str(verdict.broken.position) if verdict.broken else None,
            message=verdict.describe(),
            events_checked=verdict.events,
        )
