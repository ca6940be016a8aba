"""Revoking tokens: one by its id (``jti``), or every token a subject holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from gongzhi.application.base import Done, GongzhiBase, Meta
from gongzhi.application.commands import Command, handles
from gongzhi.application.fields import Doc, Text
from gongzhi.domain.access import AccessRevocation
from gongzhi.domain.errors import InvalidValue

# A token's id is the ``jti`` claim, a UUID the platform never stores as a thing of its own
# (tokens are issued offline): text here, checked as a UUID by the handler.
TokenId = Annotated[str, Text(36, min_length=1), Doc("The token's id (its jti claim)")]
Subject = Annotated[str, Text(200, min_length=1), Doc("The token's subject (its sub claim)")]


@dataclass(frozen=True)
class RevokeToken(Command):
    """Revoke one token at once: from the next request on it opens nothing (yours, or any
    for the platform admin)"""

    token_id: TokenId


@dataclass(frozen=True)
class RevokeTokensOf(Command):
    """Revoke every token of a subject issued until now (yours, or anyone's for the
    platform admin); tokens issued afterwards open again"""

    subject: Subject


def token_id_of(raw: str) -> UUID:
    try:
        return UUID(raw.strip())
    except ValueError:
        raise InvalidValue("tokenId", "is not a token id") from None


class AccessService(GongzhiBase):
    @handles(RevokeToken)
    def revoke_token(self, meta: Meta, command: RevokeToken) -> Done:
        revocation = AccessRevocation.of_token(token_id_of(command.token_id))
        return self.create(meta, revocation, "this token is revoked already")

    @handles(RevokeTokensOf)
    def revoke_tokens_of(self, meta: Meta, command: RevokeTokensOf) -> Done:
        revocation = AccessRevocation.of_subject(command.subject, datetime.now(UTC))
        return self.create(meta, revocation, "these tokens were revoked at the same time")
