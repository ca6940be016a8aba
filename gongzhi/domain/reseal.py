"""重新加密 the record of a reseal: stored events written before their personal fields were
declared (or before sealing existed) were rewritten with those fields sealed.

Rewriting a stored event breaks its link in the hash chain (the link covers the state as it
was stored). The reseal says, in the log itself (so that the chain covers what it says), which
events it rewrote and how: for each, its position, originator, version and topic, the SHA-256
of the state before and after, the JSON paths of the values it sealed, and the SHA-256 of the
state with those paths blanked (the same before and after: nothing else changed). ``gongzhi
verify`` accepts a rewritten event exactly when a later reseal in the chain describes the state
it now holds (gongzhi/infra/audit_chain.py).
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate


class Reseal(Aggregate):
    """One run of ``gongzhi reseal`` (a batch of its rewritten events)."""

    class Recorded(Aggregate.Created):
        # [{"position", "originator_id", "originator_version", "topic", "before", "after",
        #   "kept", "paths"}]: digests as hex, paths as lists of keys and indexes.
        rows: list[dict[str, Any]]

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    @classmethod
    def record(cls, rows: list[dict[str, Any]]) -> Reseal:
        return cls._create(cls.Recorded, rows=rows)
