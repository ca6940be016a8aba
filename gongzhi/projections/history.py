"""Every event of every aggregate, in order, with who, when, why and what: the audit trail."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, String, Table, Text, Uuid
from sqlalchemy.dialects.postgresql import JSONB

from gongzhi.domain.community import Community
from gongzhi.domain.decision import Ballot
from gongzhi.domain.holding import UnitHolding
from gongzhi.domain.record_text import RecordTextErasure
from gongzhi.domain.values import mask_personal, mask_personal_text
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import RECORD, Op, insert_statement, plain

event_history = Table(
    "event_history",
    metadata,
    Column("position", BigInteger, primary_key=True),
    Column("aggregate_id", Uuid, nullable=False),
    Column("aggregate_type", String(60), nullable=False),
    Column("version", Integer, nullable=False),
    Column("event_type", String(120), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("actor", Text, nullable=False),
    Column("actor_role", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("data", JSONB, nullable=False),
    Column("community_id", Uuid),
    # Another thing the entry is about, whose history lists it too (issue 13): a ballot's
    # decision (ballots are aggregates of their own; the decision's trail still shows them),
    # a unit's events of its community (a unit's trail shows its ownership and residence).
    Column("about_id", Uuid),
    Index("event_history_aggregate", "aggregate_id", "version"),
    Index("event_history_about", "about_id", "position"),
)

INSERT_HISTORY = insert_statement(
    "insert history", RECORD, event_history, on_conflict_do_nothing=True
)

_ENVELOPE = {"originator_id", "originator_version", "timestamp", "meta", "originator_topic"}
# Personal data (个人信息) is masked before the trail is stored (the view never holds it in
# clear: phones and 身份证号 under any key and inside any text), and again when it is read
# (graphql/history), so that a stricter rule applies to rows stored before it, without a rebuild.


def _names(cls: type) -> tuple[str, str, bool]:
    """(aggregate type, event type, whether it is a community's event) of an event class."""
    names = _names_by_class.get(cls)
    if names is None:
        aggregate_type, _, event_type = cls.__qualname__.partition(".")
        names = (aggregate_type, event_type, issubclass(cls, Community.Event))
        _names_by_class[cls] = names
    return names


_names_by_class: dict[type, tuple[str, str, bool]] = {}


def _about(event: Any, of_community: bool) -> Any:
    if isinstance(event, RecordTextErasure.Erased):
        return event.record_id  # the record's trail shows its text's erasure
    if isinstance(event, Ballot.BallotCast | Ballot.BallotChanged):
        return event.decision_id
    if isinstance(event, UnitHolding.Opened):
        # A holding's opening repeats what the unit's trail already shows (or the roster's
        # owners, as a roster import's entry did before the split): not in the unit's trail.
        return None
    if of_community or isinstance(event, UnitHolding.Event):
        return getattr(event, "unit_id", None)  # one unit's event; a roster import names many
    return None


def _community(event: Any, of_community: bool) -> Any:
    if of_community:
        return event.originator_id
    if isinstance(event, UnitHolding.Event):  # its opening included
        return event.community_id  # a unit's holding: its trail is read as its community's
    return None


def history_op(position: int, event: Any) -> Op:
    aggregate_type, event_type, of_community = _names(type(event))
    state = vars(event)
    meta = state.get("meta") or {}
    data = {key: plain(value) for key, value in state.items() if key not in _ENVELOPE}
    return Op(
        INSERT_HISTORY,
        {
            "position": position,
            "aggregate_id": event.originator_id,
            "aggregate_type": aggregate_type,
            "version": event.originator_version,
            "event_type": event_type,
            "occurred_at": event.timestamp,
            "actor": mask_personal_text(meta.get("actor", "")),
            "actor_role": meta.get("actor_role", ""),
            "reason": mask_personal_text(meta.get("reason", "")),
            "data": mask_personal(data),
            "community_id": _community(event, of_community),
            "about_id": _about(event, of_community),
        },
    )
