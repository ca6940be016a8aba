"""Read model of 业主共同决定 owners' decisions: proposals, ballots, results, cost shares."""

from __future__ import annotations

from functools import singledispatch
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB

from gongzhi.domain.decision import Ballot, Decision, approved
from gongzhi.domain.tally import TallyResult
from gongzhi.domain.values import mask_personal_text
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import (
    ADD,
    CHANGE,
    CREATE,
    TOUCH,
    Op,
    event_insert,
    event_update,
    insert_statement,
    project_events,
    update_statement,
    upsert_statement,
)

decisions = Table(
    "decisions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_id", Uuid, nullable=False, index=True),
    Column("scope", String(20), nullable=False),
    Column("scope_id", Uuid, nullable=False),
    Column("matter", String(40), nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("options", JSONB, nullable=False),
    Column("opens_at", DateTime(timezone=True), nullable=False),
    Column("closes_at", DateTime(timezone=True), nullable=False),
    Column("rules", JSONB, nullable=False),
    Column("party_deliberation_id", Uuid),
    Column("closed", Boolean, nullable=False),
    Column("passed", Boolean),
    Column("result", JSONB),
    # The electorate at the close (unit, area, voter key): the 公示 lists each ballot by the
    # rooms and area it speaks for, never by the voter.
    Column("electorate", JSONB),
    Column("challengeable_until", Date),
    Column("recounts", Integer, nullable=False),
    Column("recounts_agreeing", Integer, nullable=False),
    Column("version", Integer, nullable=False),
)

ballots = Table(
    "ballots",
    metadata,
    Column("decision_id", Uuid, primary_key=True),
    Column("voter", Text, primary_key=True),
    Column("choice", String(100), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("cast_by", Uuid, nullable=False),
    Column("proxy_authorisation", Text, nullable=False),
    Column("cast_at", DateTime(timezone=True), nullable=False),
    Column("position", BigInteger, nullable=False),
)

elevator_shares = Table(
    "elevator_shares",
    metadata,
    Column("decision_id", Uuid, primary_key=True),
    Column("unit_id", Uuid, primary_key=True),
    Column("floor", Integer, nullable=False),
    Column("area", Numeric(12, 2), nullable=False),
    Column("coefficient", Numeric(8, 4), nullable=False),
    Column("fen", BigInteger, nullable=False),
)

INSERT_DECISION = event_insert(
    "insert decision",
    CREATE,
    decisions,
    Decision.Proposed,
    constants={"closed": False, "recounts": 0, "recounts_agreeing": 0},
)
UPSERT_BALLOT = upsert_statement("upsert ballot", ADD, ballots, key=("decision_id", "voter"))
CLOSE_DECISION = event_update(
    "close decision",
    CHANGE,
    decisions,
    Decision.Closed,
    version_column=None,  # stamped by TOUCH_DECISION
    constants={"closed": True},
    computed=("passed",),
)
TOUCH_DECISION = update_statement(
    "touch decision",
    TOUCH,
    decisions,
    key=("id", "b_id"),
    assign={"version": "v"},
    add={"recounts": "recounts", "recounts_agreeing": "agreeing"},
)
INSERT_SHARE = insert_statement("insert elevator share", ADD, elevator_shares)


@singledispatch
def decision_ops(event: object) -> list[Op]:
    return []


def _touch(event: Decision.Event, recounts: int = 0, agreeing: int = 0) -> Op:
    params = {
        "b_id": event.originator_id,
        "v": event.originator_version,
        "recounts": recounts,
        "agreeing": agreeing,
    }
    return Op(TOUCH_DECISION, params)


project_events(decision_ops, INSERT_DECISION)


def _ballot_row(event: Any, decision_id: UUID) -> dict[str, Any]:
    """A ballot's row, from the decision's own BallotCast (before issue 13) or a Ballot's
    event; ``position`` is the version of the aggregate that recorded it."""
    return {
        "decision_id": decision_id,
        "voter": event.voter,
        "choice": event.choice,
        "channel": event.channel,
        "cast_by": event.cast_by,
        # 委托书 references often quote the proxy's ID number or phone; no reader needs them in
        # clear (the event keeps the record), so the view holds them masked, as the trail does.
        "proxy_authorisation": mask_personal_text(event.proxy_authorisation),
        "cast_at": event.timestamp,
        "position": event.originator_version,
    }


@decision_ops.register
def _(event: Decision.BallotCast) -> list[Op]:
    return [Op(UPSERT_BALLOT, _ballot_row(event, event.originator_id)), _touch(event)]


@decision_ops.register(Ballot.BallotCast)
@decision_ops.register(Ballot.BallotChanged)
def _(event: Ballot.BallotCast | Ballot.BallotChanged) -> list[Op]:
    return [Op(UPSERT_BALLOT, _ballot_row(event, event.decision_id))]


@decision_ops.register
def _(event: Decision.Closed) -> list[Op]:
    passed = approved(TallyResult.from_record(event.result))
    return [CLOSE_DECISION.op(event, passed=passed), _touch(event)]


@decision_ops.register
def _(event: Decision.Recounted) -> list[Op]:
    return [_touch(event, recounts=1, agreeing=1 if event.agrees else 0)]


@decision_ops.register
def _(event: Decision.CostShared) -> list[Op]:
    rows = [
        Op(
            INSERT_SHARE,
            {
                "decision_id": event.originator_id,
                "unit_id": UUID(share["unit_id"]),
                "floor": share["floor"],
                "area": share["area"],
                "coefficient": share["coefficient"],
                "fen": share["fen"],
            },
        )
        for share in event.shares
    ]
    return [*rows, _touch(event)]
