"""The outbox relay (发件箱): jobs the projector committed, sent to the broker afterwards.

The projector writes an outbox row in the same transaction as the event that calls for a
job, so a job is sent only after the commit that causes it and never lost by a crash.
The relay sends, then deletes: a crash in between sends the job again, which the actors
tolerate (they are idempotent).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from dramatiq import Broker, Message
from sqlalchemy import delete, select, tuple_
from sqlalchemy.engine import Engine

from gongzhi.infra.broker import BROKER_ERRORS
from gongzhi.projections.statistics import outbox
from gongzhi.workers.actors import ACTOR_QUEUES

log = logging.getLogger(__name__)

BATCH_SIZE = 500


def outbox_relay(
    engine: Engine, broker: Broker, *, batch_size: int = BATCH_SIZE
) -> Callable[[], None]:
    """A callable for the projector's ``after_commit``: send every outbox row, then delete it.

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

    def relay() -> None:
        while True:
            with engine.connect() as conn:
                rows = conn.execute(pending).all()
            if not rows:
                return
            sent: list[tuple[str, Any, datetime]] = []
            for row in rows:
                try:
                    _send(broker, row.actor_name, row.args)
                except UnknownActor:
                    log.error("outbox names an unknown actor %r; row kept", row.actor_name)
                    continue
                except BROKER_ERRORS:
                    log.warning("broker unavailable; %d outbox rows kept", len(rows) - len(sent))
                    break
                sent.append((row.actor_name, row.args, row.created_at))
            _forget(engine, sent)
            if len(rows) < batch_size or len(sent) < len(rows):
                return

    return relay


def _send(broker: Broker, actor_name: str, args: Any) -> None:
    queue_name = ACTOR_QUEUES.get(actor_name)
    if queue_name is None:
        raise UnknownActor(actor_name)
    broker.declare_queue(queue_name)
    broker.enqueue(
        Message(
            queue_name=queue_name,
            actor_name=actor_name,
            args=() if isinstance(args, dict) else tuple(args),
            kwargs=args if isinstance(args, dict) else {},
            options={},
        )
    )


def _forget(engine: Engine, sent: list[tuple[str, Any, datetime]]) -> None:
    """Delete the rows as they were read: a row queued again meanwhile is newer and stays."""
    if not sent:
        return
    key = tuple_(outbox.c.actor_name, outbox.c.args, outbox.c.created_at)
    with engine.begin() as conn:
        conn.execute(delete(outbox).where(key.in_(sent)))


class UnknownActor(LookupError):
    """Raised when an outbox row names an actor that ``ACTOR_QUEUES`` does not list."""
