"""封存 at intervals: the scheduler's leader signs the hash chain's head when it has moved."""

from __future__ import annotations

import logging
from collections.abc import Callable

import psycopg

from gongzhi.infra.audit_keys import AuditKey
from gongzhi.infra.audit_seal import ChainBroken, make_checkpoint
from gongzhi.infra.settings import PgParams, Settings

log = logging.getLogger(__name__)

ACTOR = "scheduler"
REASON = "定期封存 periodic checkpoint"


def periodic_checkpoint(settings: Settings) -> Callable[[], None]:
    """A job that makes a checkpoint unless the log has not grown since the latest one. A
    broken chain is logged (its position, never an event's content) and nothing is signed."""
    if settings.database_url is None:
        raise ValueError("resolve_urls(settings) first: checkpoints need the database URL")
    url = PgParams.from_url(settings.database_url).url()
    key = AuditKey(settings.audit_signing_key)

    def seal() -> None:
        try:
            with psycopg.connect(url, autocommit=True, application_name="gongzhi-seal") as conn:
                stored = make_checkpoint(
                    conn, key, ACTOR, REASON, only_if_moved=True, whole_log=False
                )
        except ChainBroken as error:
            log.error("the event log fails verification at %s: no checkpoint made", error.broken)
            return
        except psycopg.Error as error:
            log.warning("no checkpoint this time: %s", error)
            return
        if stored is not None:
            log.info("sealed the event log at position %d", stored.checkpoint.position)

    return seal
