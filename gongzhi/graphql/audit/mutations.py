"""checkpointAudit: the platform admin has the event log sealed now."""

from __future__ import annotations

from gongzhi.application.audit import CheckpointAudit
from gongzhi.application.base import Done
from gongzhi.graphql.audit.queries import seal_payload
from gongzhi.graphql.audit.types import AuditSealPayload
from gongzhi.graphql.commands import mutation, mutations
from gongzhi.graphql.context import Context
from gongzhi.graphql.permissions import Action


async def checkpoint_reply(
    context: Context, done: Done, command: CheckpointAudit
) -> AuditSealPayload:
    return await seal_payload(context, done.id)


AuditMutations = mutations(
    "AuditMutations",
    # About the whole log, not about a stored thing: no target but the role.
    mutation(CheckpointAudit, Action.SEAL_AUDIT_LOG, reply=checkpoint_reply, target=None),
)
