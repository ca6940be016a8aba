"""Receipts (回执): a worker that has run a job the relay sent says so, and the relay stops
watching it.

The relay keeps every job it sent in ``outbox_sent`` until this middleware deletes it: after
the job succeeded, or failed for good (a domain error, or its retries ran out; sending it
again would fail the same way). A job the broker lost is never processed, stays, and the
relay's sweep sends it again. A job retried after a transient failure keeps its row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import dramatiq
from dramatiq.broker import MessageProxy
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from gongzhi.projections.statistics import outbox_sent

log = logging.getLogger(__name__)


class Receipts(dramatiq.Middleware):
    """Delete the ``outbox_sent`` row of each message a worker is done with (by message id;
    a message the relay did not send has none, and the delete finds nothing)."""

    def __init__(self, engine: Callable[[], Engine]) -> None:
        # A callable: the worker's engine is built on its first job, in the worker process.
        self._engine = engine

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: MessageProxy,
        *,
        result: Any | None = None,
        exception: BaseException | None = None,
    ) -> None:
        if exception is not None and not message.failed:
            return  # retried later: still pending
        try:
            with self._engine().begin() as conn:
                conn.execute(
                    delete(outbox_sent).where(outbox_sent.c.message_id == message.message_id)
                )
        except SQLAlchemyError:
            # The job's effect is recorded; the sweep sends it again and the actor, being
            # idempotent, records nothing new.
            log.warning("receipt for message %s not recorded", message.message_id, exc_info=True)
