"""Revocation of access: one token, or every token a subject holds, refused from now on.

Each act of revocation is its own aggregate, created once: revoking is a fact with an actor
and a reason (the event's metadata), never a row edited in place. Revoking one token twice
is one fact: its id is derived from the token's.
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.values import required_text

_TOKENS = uuid5(NAMESPACE_URL, "gongzhi:revoked-token")


def revocation_id(token_id: UUID) -> UUID:
    """The one revocation of a token."""
    return uuid5(_TOKENS, str(token_id))


class AccessRevocation(Aggregate):
    """A token (``token_id``), or every token of ``subject`` issued up to ``issued_up_to``,
    no longer opens the platform."""

    class Revoked(Aggregate.Created):
        token_id: UUID | None
        subject: str
        issued_up_to: datetime | None

    def __init__(self, token_id: UUID | None, subject: str, issued_up_to: datetime | None) -> None:
        self.token_id = token_id
        self.subject = subject
        self.issued_up_to = issued_up_to

    @classmethod
    def of_token(cls, token_id: UUID, subject: str = "") -> AccessRevocation:
        """``subject`` when known (a user revoking their own token), for the record."""
        return cls._create(
            cls.Revoked,
            id=revocation_id(token_id),
            token_id=token_id,
            subject=subject,
            issued_up_to=None,
        )

    @classmethod
    def of_subject(cls, subject: str, at: datetime) -> AccessRevocation:
        """Every token of ``subject`` issued up to ``at``: a token issued later opens again
        (a subject is a person's account, not a ban)."""
        return cls._create(
            cls.Revoked,
            id=uuid4(),
            token_id=None,
            subject=required_text("subject", subject),
            issued_up_to=at,
        )
