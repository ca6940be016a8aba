"""Revoking tokens: ``revokeToken`` and ``revokeTokensOf``."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import strawberry

from gongzhi.application.access import RevokeToken, RevokeTokensOf
from gongzhi.application.base import Done
from gongzhi.application.commands import Command
from gongzhi.graphql.commands import mutation, mutations
from gongzhi.graphql.context import Context
from gongzhi.graphql.permissions import Action, Target


@strawberry.type(description="A revocation, in force from the next request on")
class RevocationPayload:
    revocation_id: strawberry.ID
    position: str


async def revocation_reply(_: Context, done: Done, __: Command) -> RevocationPayload:
    return RevocationPayload(revocation_id=strawberry.ID(str(done.id)), position=str(done.position))


def own_token(context: Context, command: RevokeToken, _: Any) -> Target:
    """The caller's own token is the one they sign in with: a token's holder is known
    from the token alone, and no one else's token id is ever shown to them."""
    principal = context.principal
    try:
        mine = principal.token_id is not None and UUID(command.token_id) == principal.token_id
    except ValueError:
        mine = False
    return Target(holder=principal.subject if mine else None)


def of_subject(_: Context, command: RevokeTokensOf, __: Any) -> Target:
    return Target(holder=command.subject)


TokenMutations = mutations(
    "TokenMutations",
    mutation(RevokeToken, Action.REVOKE_ACCESS, reply=revocation_reply, target=own_token),
    mutation(RevokeTokensOf, Action.REVOKE_ACCESS, reply=revocation_reply, target=of_subject),
)
