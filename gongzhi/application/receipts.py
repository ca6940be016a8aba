"""Commands safe to retry: a client's command id, and the receipt saved with the change.

A command that books an amount with no natural key of its own declares one field::

    command_id: CommandId | None = None

and a client that sends one gets these guarantees, whatever happens to the connection:

- the first run saves a ``CommandReceipt`` in the same transaction as the command's events
  (it joins the aggregates of the one save path, ``GongzhiBase.retrying``), so either both
  are recorded or neither is;
- a repeat (the same sender, the same command id, the same input) books nothing and returns
  the first answer: the same ids and the same log position, so the reply built from the views
  is the same;
- a repeat racing the first run loses on the receipt's id in the event store and is answered
  as a repeat;
- the same command id with another command or another input is a ``Conflict``.

The receipt is known by (sender, command id): a command id is unique among one sender's
commands, and another sender's ids neither collide with nor reveal anything about it.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Annotated, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from gongzhi.application.base import (
    SAVE_ATTEMPTS,
    Changed,
    Conflict,
    Done,
    GongzhiBase,
    Meta,
    R,
)
from gongzhi.application.commands import Command
from gongzhi.application.fields import Doc, Text
from gongzhi.domain.receipt import CommandReceipt, receipt_id

CommandId = Annotated[
    str,
    Text(64, min_length=1),
    Doc(
        "Your id for this command (e.g. a UUID made when the user pressed the button): send "
        "it again with the same input to retry safely; the first answer is returned and "
        "nothing is booked twice"
    ),
]

REUSED = (
    "this command id was already used for another command or another input; "
    "send a new command id for a new command"
)


@dataclass
class _Pending:
    """The receipt a running command owes, and whether its save recorded it."""

    id: UUID
    issuer: str
    command_id: str
    command: str
    digest: str
    issued: bool = False


# The command running in this thread that carries a command id (commands run one per thread).
_pending: contextvars.ContextVar[_Pending | None] = contextvars.ContextVar(
    "gongzhi_pending_receipt", default=None
)


class _Repeated(Exception):
    """Raised inside a save attempt when a twin of the command was recorded meanwhile."""

    def __init__(self, done: Done) -> None:
        super().__init__("repeated command")
        self.done = done


def command_id_of(command: Command) -> str | None:
    value = getattr(command, "command_id", None)
    return value.strip() if isinstance(value, str) and value.strip() else None


def digest(command: Command) -> str:
    """A digest of the command's input (without its command id), to tell a retry from a
    reuse of the id."""
    values = {k: v for k, v in asdict(command).items() if k != "command_id"}
    text = json.dumps(values, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


class CommandReceipts(GongzhiBase):
    """Answers a repeated command id from its receipt; saves the receipt with the change."""

    def execute(self, meta: Meta, command: Command) -> Done:
        command_id = command_id_of(command)
        if command_id is None:
            return super().execute(meta, command)
        pending = _Pending(
            id=receipt_id(meta.actor, command_id),
            issuer=meta.actor,
            command_id=command_id,
            command=type(command).__name__,
            digest=digest(command),
        )
        earlier = self._answer(pending)
        if earlier is not None:
            return earlier
        token = _pending.set(pending)
        try:
            done = super().execute(meta, command)
        except _Repeated as repeated:
            return repeated.done
        except Conflict:
            # Every attempt lost, the last one perhaps to a twin carrying the same id.
            earlier = self._answer(pending)
            if earlier is not None:
                return earlier
            raise
        finally:
            _pending.reset(token)
        if done.position and not pending.issued:
            msg = (
                f"{pending.command} declares a command id but saved without its receipt: "
                "its handler must save through GongzhiBase.retrying (change, save_together)"
            )
            raise TypeError(msg)
        return done

    def retrying(
        self,
        meta: Meta,
        attempt: Callable[[], Changed | R],
        *,
        what: str,
        attempts: int = SAVE_ATTEMPTS,
    ) -> Done | R:
        pending = _pending.get()
        if pending is None or pending.issued:
            return super().retrying(meta, attempt, what=what, attempts=attempts)
        tries = 0
        saving: list[Aggregate] = []

        def with_receipt() -> Changed | R:
            nonlocal tries
            tries += 1
            if tries > 1:
                # The last save lost a race: perhaps to a twin of this very command.
                earlier = self._answer(pending)
                if earlier is not None:
                    raise _Repeated(earlier)
            saving.clear()
            outcome = attempt()
            if not isinstance(outcome, Changed):
                return outcome
            receipt = CommandReceipt.issue(
                issuer=pending.issuer,
                command_id=pending.command_id,
                command=pending.command,
                digest=pending.digest,
                answer_id=outcome.aggregates[0].id,
                part_id=outcome.part_id,
            )
            saving.append(receipt)
            # Last, so that its event's position is the save's position: a repeat answers
            # with the same position as the first run.
            return Changed((*outcome.aggregates, receipt), outcome.part_id, outcome.expect)

        result = super().retrying(meta, with_receipt, what=what, attempts=attempts)
        pending.issued = bool(saving)
        return result

    def _answer(self, pending: _Pending) -> Done | None:
        """The first answer of a command id already used by its sender, or None; a Conflict
        when it was used for another command or input."""
        try:
            receipt: Any = self.repository.get(pending.id)
        except AggregateNotFoundError:
            return None
        if not isinstance(receipt, CommandReceipt) or not receipt.answers(
            pending.command, pending.digest
        ):
            raise Conflict(REUSED)
        return Done(receipt.answer_id, self._position_of(pending.id), receipt.part_id)

    def _position_of(self, aggregate_id: UUID) -> int:
        """The log position of an aggregate's first event (0 when the store cannot say)."""
        datastore = getattr(self.recorder, "datastore", None)
        table = getattr(self.recorder, "events_table_name", None)
        if datastore is None or table is None:
            return 0
        with datastore.transaction(commit=False) as cursor:
            cursor.execute(
                f"SELECT notification_id FROM {table} "
                "WHERE originator_id = %s AND originator_version = 1",
                (aggregate_id,),
            )
            row = cursor.fetchone()
        return int(row["notification_id"]) if row else 0
