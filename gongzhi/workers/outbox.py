"""The outbox relay (发件箱): jobs the projector committed, sent to the broker afterwards.

The projector writes an outbox row in the same transaction as the event that calls for a
job, so a job is sent only after the commit that causes it and never lost by a crash.
The relay sends, then moves the row to ``outbox_sent`` (one transaction), where it stays
until a worker records the job's effect (``gongzhi.workers.receipts``). A job still there
``resend_after`` its sending was lost by the broker (a purged queue, a Redis that lost
its data, a message dropped on the way) and the relay's sweep sends it again. A crash
between send and move, or a job that was only slow, sends a job twice, which the actors
tolerate (they are idempotent).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from dramatiq import Broker, Message
from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Engine

from gongzhi.infra.broker import BROKER_ERRORS
from gongzhi.projections.statistics import outbox, outbox_sent
from gongzhi.workers.actors import ACTOR_QUEUES

log = logging.getLogger(__name__)

BATCH_SIZE = 500
# Longer than a job waits in a busy queue plus its retries (RetryPolicy's backoff reaches
# a minute), so a job merely slow is seldom sent twice.
RESEND_AFTER = timedelta(minutes=15)


def outbox_relay(
    engine: Engine,
    broker: Broker,
    *,
    batch_size: int = BATCH_SIZE,
    resend_after: timedelta = RESEND_AFTER,
) -> Callable[[], None]:
    """A callable for the projector's ``after_commit`` (run after every batch and every poll
    interval): send every outbox row and move it to ``outbox_sent``, then send again the
    sent jobs no worker has recorded within ``resend_after``.

    Messages go by actor name to the actor's queue, so the actors need not be declared on
    ``broker`` (the projector only sends). When the broker is unreachable the rows stay
    and the next call sends them: the broker never stops the projector.
    """
    # Ordered by the primary key, so an empty outbox costs one index probe.
    pending = (
        select(outbox.c.actor_name, outbox.c.args, outbox.c.created_at)
        .order_by(outbox.c.actor_name, outbox.c.args)
        .limit(batch_size)
    )
    # By the sent_at index: nothing overdue costs one index probe.
    overdue = (
        select(outbox_sent.c.actor_name, outbox_sent.c.args, outbox_sent.c.message_id)
        .where(outbox_sent.c.sent_at < func.now() - resend_after)
        .order_by(outbox_sent.c.sent_at)
        .limit(batch_size)
    )

    def relay() -> None:
        if _send_pending(engine, broker, pending, batch_size):
            _send_overdue(engine, broker, overdue)

    return relay


def _send_pending(engine: Engine, broker: Broker, pending: Any, batch_size: int) -> bool:
    """Send the outbox; whether it was emptied (False: the broker is away, try later)."""
    while True:
        with engine.connect() as conn:
            rows = conn.execute(pending).all()
        if not rows:
            return True
        sent: list[tuple[str, Any, datetime, str]] = []
        for row in rows:
            try:
                message_id = _send(broker, row.actor_name, row.args)
            except UnknownActor:
                log.error("outbox names an unknown actor %r; row kept", row.actor_name)
                continue
            except BROKER_ERRORS:
                log.warning("broker unavailable; %d outbox rows kept", len(rows) - len(sent))
                _mark_sent(engine, sent)
                return False
            sent.append((row.actor_name, row.args, row.created_at, message_id))
        _mark_sent(engine, sent)
        if len(rows) < batch_size:
            return True
        if not sent:
            return False  # a full batch of unknown actors: nothing more will move now


def _send_overdue(engine: Engine, broker: Broker, overdue: Any) -> None:
    """Send again, under their first message id, the sent jobs with no effect recorded."""
    with engine.connect() as conn:
        rows = conn.execute(overdue).all()
    resent: list[str] = []
    for row in rows:
        try:
            _send(broker, row.actor_name, row.args, message_id=row.message_id)
        except UnknownActor:
            log.error("outbox_sent names an unknown actor %r; row kept", row.actor_name)
            continue
        except BROKER_ERRORS:
            log.warning("broker unavailable; %d overdue jobs kept", len(rows) - len(resent))
            break
        resent.append(row.message_id)
    if resent:
        log.warning("%d sent jobs had no recorded effect; sent again", len(resent))
        with engine.begin() as conn:
            conn.execute(
                update(outbox_sent)
                .where(outbox_sent.c.message_id.in_(resent))
                .values(sent_at=func.now())
            )


def _send(broker: Broker, actor_name: str, args: Any, *, message_id: str | None = None) -> str:
    queue_name = ACTOR_QUEUES.get(actor_name)
    if queue_name is None:
        raise UnknownActor(actor_name)
    broker.declare_queue(queue_name)
    message: Message[Any] = Message(
        queue_name=queue_name,
        actor_name=actor_name,
        args=() if isinstance(args, dict) else tuple(args),
        kwargs=args if isinstance(args, dict) else {},
        options={},
    )
    if message_id is not None:
        # The same id: whichever copy a worker finishes is the receipt for the job.
        message = message.copy(message_id=message_id)
    return broker.enqueue(message).message_id


def _mark_sent(engine: Engine, sent: list[tuple[str, Any, datetime, str]]) -> None:
    """Move the rows as they were read to ``outbox_sent``: a row queued again meanwhile is
    newer and stays in the outbox. A job sent again before the last sending's receipt takes
    the new message id (the request came after the old job ran or was queued)."""
    if not sent:
        return
    key = tuple_(outbox.c.actor_name, outbox.c.args, outbox.c.created_at)
    moved = insert(outbox_sent).values(
        [
            {"actor_name": name, "args": args, "message_id": message_id, "sent_at": func.now()}
            for name, args, _, message_id in sent
        ]
    )
    with engine.begin() as conn:
        conn.execute(delete(outbox).where(key.in_([(n, a, c) for n, a, c, _ in sent])))
        conn.execute(
            moved.on_conflict_do_update(
                index_elements=[outbox_sent.c.actor_name, outbox_sent.c.args],
                set_={"message_id": moved.excluded.message_id, "sent_at": moved.excluded.sent_at},
            )
        )


class UnknownActor(LookupError):
    """Raised when an outbox row names an actor that ``ACTOR_QUEUES`` does not list."""
