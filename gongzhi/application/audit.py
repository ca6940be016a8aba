"""审计封存 audit checkpoints on demand: the platform signs the event log's hash chain now.

The chain and the signature are infrastructure (``gongzhi/infra/audit_chain.py``,
``audit_seal.py``); the wiring (``gongzhi.bootstrap``) hands this service the function that
makes a checkpoint, as it hands the roster import its table reader. Who asked and why are
stored with the checkpoint itself: it records no event (it changes no fact, it vouches for
the log as it stands, and an event recording it would itself be past the position it seals).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from gongzhi.application.base import Done, GongzhiBase, Meta
from gongzhi.application.commands import Command, handles


class Sealer(Protocol):
    def __call__(self, actor: str, reason: str) -> UUID:
        """Make a signed checkpoint of the chain's head; return its id. Raises
        ``gongzhi.application.base.Conflict`` when the chain is broken."""
        ...


@dataclass(frozen=True)
class CheckpointAudit(Command):
    """审计封存 sign the event log's hash chain now (a checkpoint committees can keep)"""


class AuditService(GongzhiBase):
    # Set by the wiring (gongzhi.bootstrap): how a checkpoint is made and signed, and the
    # public key (raw Ed25519) that verifies the signatures.
    audit_sealer: Sealer | None = None
    audit_public_key: bytes = b""

    @handles(CheckpointAudit)
    def checkpoint_audit(self, meta: Meta, command: CheckpointAudit) -> Done:
        if self.audit_sealer is None:
            msg = "no audit sealer is wired: set audit_sealer (gongzhi.bootstrap does)"
            raise RuntimeError(msg)
        # Position 0: nothing was recorded, so there is nothing for the views to catch up on.
        return Done(id=self.audit_sealer(meta.actor, meta.reason), position=0)
