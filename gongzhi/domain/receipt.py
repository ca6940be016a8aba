"""回执 a command's receipt: what a command sent with a client's command id answered.

A command that books an amount and has no natural key of its own (a top-up, interest, an
entry of common income, a refund) may carry a command id chosen by the client. Its receipt
is saved in the same transaction as the command's events, under an id derived from who sent
it and that command id, so the event store refuses a second receipt: a retry after a lost
connection finds the first answer instead of booking the amount again.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

RECEIPT_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongzhi.example/command-receipt")


def receipt_id(issuer: str, command_id: str) -> UUID:
    """The receipt's id: a command id is the client's, unique among its sender's commands."""
    return uuid5(RECEIPT_NAMESPACE, f"{issuer}/{command_id}")


class CommandReceipt(Aggregate):
    """The answer a command gave: the thing it was about and the part it made, and which
    command with which input (a digest) it was, so that a reuse of the id for another
    command is told apart from a retry."""

    class Issued(Aggregate.Created):
        command: str
        digest: str
        answer_id: UUID
        part_id: UUID | None

    def __init__(self, command: str, digest: str, answer_id: UUID, part_id: UUID | None) -> None:
        self.command = command
        self.digest = digest
        self.answer_id = answer_id
        self.part_id = part_id

    @classmethod
    def issue(
        cls,
        *,
        issuer: str,
        command_id: str,
        command: str,
        digest: str,
        answer_id: UUID,
        part_id: UUID | None,
    ) -> CommandReceipt:
        return cls._create(
            cls.Issued,
            id=receipt_id(issuer, command_id),
            command=command,
            digest=digest,
            answer_id=answer_id,
            part_id=part_id,
        )

    def answers(self, command: str, digest: str) -> bool:
        """Whether this receipt is of the same command with the same input."""
        return (self.command, self.digest) == (command, digest)
