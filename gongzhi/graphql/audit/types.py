"""封存 checkpoints of the event log's hash chain, as the API shows and takes them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from gongzhi.infra.audit_seal import Stored, b64


@strawberry.type(
    description="封存 a signed checkpoint: the event log's hash chain reached `headHash` at "
    "`position` at `sealedAt`. Keep it: `verifyAuditSeal` later proves that nothing up to "
    "that position has changed since."
)
class AuditCheckpoint:
    position: str = strawberry.field(description="Log position (notification id), as text")
    head_hash: str = strawberry.field(description="SHA-256 link of the chain there, hex")
    sealed_at: datetime
    signature: str = strawberry.field(description="Ed25519 signature, base64")
    made_by: str = strawberry.field(description="Who asked for it (a scheduler, an admin)")
    reason: str

    @classmethod
    def of(cls, stored: Stored) -> AuditCheckpoint:
        checkpoint = stored.checkpoint
        return cls(
            position=str(checkpoint.position),
            head_hash=checkpoint.head_hash.hex(),
            sealed_at=checkpoint.sealed_at,
            signature=b64(checkpoint.signature),
            made_by=stored.actor,
            reason=stored.reason,
        )


@strawberry.type(description="审计封存 the platform's latest checkpoint and its public key")
class AuditSealPayload:
    public_key: str = strawberry.field(
        description="The platform's Ed25519 public key (raw 32 bytes, base64) that signs them"
    )
    checkpoint: AuditCheckpoint | None = strawberry.field(
        description="The latest checkpoint; none before the first is made"
    )
    algorithm: str = "Ed25519"


@strawberry.input(description="A checkpoint kept from `auditSeal` (its four signed fields)")
class AuditCheckpointInput:
    position: str = strawberry.field(description="Log position, as text")
    head_hash: str = strawberry.field(description="hex")
    sealed_at: datetime
    signature: str = strawberry.field(description="base64")


@strawberry.type(description="Whether a kept checkpoint still holds")
class AuditVerification:
    valid: bool = strawberry.field(
        description="The signature is the platform's and nothing up to the position changed"
    )
    signature_valid: bool
    broken_at: str | None = strawberry.field(
        description="The first log position that fails (deleted, edited, inserted, reordered)"
    )
    message: str
    events_checked: int
