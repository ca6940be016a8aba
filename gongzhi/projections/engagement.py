"""Read model of 投诉 complaints and 矛盾纠纷 disputes with their 调解 sessions, and the
figures other modules (credit evaluation, health index) compute from them.

The figure functions take a SQLAlchemy connection (as workers hold) and a half-open period
[start, end): timezone-aware instants for complaints, dates for disputes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import singledispatch
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection
from sqlalchemy.sql import text

from gongzhi.domain.complaint import Complaint
from gongzhi.domain.dispute import Dispute
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import (
    ADD,
    CHANGE,
    CREATE,
    Op,
    event_insert,
    event_update,
    project_events,
)

complaints = Table(
    "complaints",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_id", Uuid, nullable=False),
    Column("company_id", Uuid, nullable=False),
    Column("unit_id", Uuid),
    Column("category", String(30), nullable=False),
    Column("channel", String(30), nullable=False),
    Column("description", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("filed_at", DateTime(timezone=True), nullable=False),
    Column("accepted_at", DateTime(timezone=True)),
    Column("reply", Text, nullable=False, server_default=""),
    Column("replied_at", DateTime(timezone=True)),
    Column("outcome", String(30)),
    Column("satisfaction", SmallInteger),
    Column("closed_at", DateTime(timezone=True)),
    Column("version", Integer, nullable=False),
    Index("complaints_community", "community_id", "filed_at", "id"),
    Index("complaints_company", "company_id", "filed_at", "id"),
)

disputes = Table(
    "disputes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_id", Uuid, nullable=False),
    Column("subject", Text, nullable=False),
    Column("parties", JSONB, nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("session_count", Integer, nullable=False, server_default="0"),
    Column("outcome", String(30)),
    Column("terms", Text, nullable=False, server_default=""),
    Column("referred_to", String(20)),
    Column("closed_on", Date),
    Column("version", Integer, nullable=False),
    Index("disputes_community", "community_id", "opened_on", "id"),
)

mediation_sessions = Table(
    "mediation_sessions",
    metadata,
    Column("dispute_id", Uuid, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("held_on", Date, nullable=False),
    Column("mediator", Text, nullable=False),
    Column("attendees", JSONB, nullable=False),
    Column("notes", Text, nullable=False),
)

ENGAGEMENT_TABLES = (complaints, disputes, mediation_sessions)

# Each statement takes its event's fields by name (``event_insert``/``event_update``): a
# column named like a field of the event is filled from it, with nothing else to write.
INSERT_COMPLAINT = event_insert(
    "insert complaint", CREATE, complaints, Complaint.Filed, constants={"status": "FILED"}
)
ACCEPT = event_update(
    "accept complaint",
    CHANGE,
    complaints,
    Complaint.Accepted,
    constants={"status": "ACCEPTED"},
)
REPLY = event_update(
    "reply to complaint",
    CHANGE,
    complaints,
    Complaint.Replied,
    constants={"status": "REPLIED"},
    after=(ACCEPT,),
)
# A complaint is accepted, replied to and closed in that order; one batch may hold all three.
CLOSE_COMPLAINT = event_update(
    "close complaint",
    CHANGE,
    complaints,
    Complaint.Closed,
    constants={"status": "CLOSED"},
    after=(REPLY,),
)
INSERT_DISPUTE = event_insert(
    "insert dispute", CREATE, disputes, Dispute.Opened, constants={"status": "OPEN"}
)
INSERT_SESSION = event_insert(
    "insert mediation session",
    ADD,
    mediation_sessions,
    Dispute.MediationHeld,
    id_column="dispute_id",
)
COUNT_SESSION = event_update(
    "count mediation session",
    CHANGE,
    disputes,
    Dispute.MediationHeld,
    add={"session_count": "sessions"},
)
CLOSE_DISPUTE = event_update(
    "close dispute",
    CHANGE,
    disputes,
    Dispute.Closed,
    constants={"status": "CLOSED"},
    after=(COUNT_SESSION,),
)


@singledispatch
def engagement_ops(event: Any) -> list[Op]:
    return []


project_events(
    engagement_ops,
    INSERT_COMPLAINT,
    ACCEPT,
    REPLY,
    CLOSE_COMPLAINT,
    INSERT_DISPUTE,
    CLOSE_DISPUTE,
)


@engagement_ops.register
def _(event: Dispute.MediationHeld) -> list[Op]:
    return [INSERT_SESSION.op(event), COUNT_SESSION.op(event, sessions=1)]


# --- Figures for credit evaluation and the health index ------------------------------------
# Workers (credit evaluation, health index) call these on their SQLAlchemy connection.

# Active units of the communities a company managed on any day of [:start, :end): a
# management period runs until the community's next change.
_SERVED_HOUSEHOLDS = text("""
SELECT count(*) FROM units u
WHERE NOT u.retired AND u.community_id IN (
    SELECT p.community_id FROM management_periods p
    WHERE p.company_id = :owner
      AND p.effective_from < CAST(:end AT TIME ZONE 'Asia/Shanghai' AS date)
      AND (p.until IS NULL OR p.until > CAST(:start AT TIME ZONE 'Asia/Shanghai' AS date))
)""")

_COMPLAINT_COUNTS = """
SELECT count(*) AS filed, count(*) FILTER (WHERE outcome = 'SUBSTANTIATED') AS substantiated
FROM complaints WHERE {column} = :owner AND filed_at >= :start AND filed_at < :end"""
_BY_COMPANY = text(_COMPLAINT_COUNTS.format(column="company_id"))
_BY_COMMUNITY = text(_COMPLAINT_COUNTS.format(column="community_id"))
_COMMUNITY_HOUSEHOLDS = text(
    "SELECT count(*) FROM units WHERE community_id = :owner AND NOT retired"
)


@dataclass(frozen=True)
class ComplaintFigures:
    """投诉 filed in [start, end) against a company or in a community, and the households."""

    filed: int
    substantiated: int  # closed 属实
    households: int

    @property
    def rate_per_100_households(self) -> Decimal | None:
        """投诉率: complaints per 100 households, to the hundredth (half up)."""
        return per_hundred(self.filed, self.households)


def company_complaint_figures(
    conn: Connection, company_id: UUID, start: datetime, end: datetime
) -> ComplaintFigures:
    """Complaints against the company (the one serving when each was filed); households it
    served on any day of the period."""
    params = {"owner": company_id, "start": start, "end": end}
    row = conn.execute(_BY_COMPANY, params).one()
    households = conn.execute(_SERVED_HOUSEHOLDS, params).scalar_one()
    return ComplaintFigures(row.filed, row.substantiated, households)


def community_complaint_figures(
    conn: Connection, community_id: UUID, start: datetime, end: datetime
) -> ComplaintFigures:
    """Complaints about the community's property service, whichever company was serving."""
    params = {"owner": community_id, "start": start, "end": end}
    row = conn.execute(_BY_COMMUNITY, params).one()
    households = conn.execute(_COMMUNITY_HOUSEHOLDS, params).scalar_one()
    return ComplaintFigures(row.filed, row.substantiated, households)


def per_hundred(count: int, total: int) -> Decimal | None:
    if not total:
        return None
    return (Decimal(count) * 100 / Decimal(total)).quantize(Decimal("0.01"), ROUND_HALF_UP)


# $1 community, [$2, $3) dates. Resolved by mediation: closed with an agreement.
DISPUTE_FIGURES = """
SELECT count(*)::int AS opened,
       count(*) FILTER (WHERE outcome = 'AGREEMENT')::int AS mediated,
       count(*) FILTER (WHERE status = 'CLOSED')::int AS closed
FROM disputes WHERE community_id = $1 AND opened_on >= $2 AND opened_on < $3"""
_DISPUTE_FIGURES = text(
    DISPUTE_FIGURES.replace("$1", ":community").replace("$2", ":start").replace("$3", ":end")
)


@dataclass(frozen=True)
class DisputeFigures:
    """矛盾纠纷 opened in a community in [start, end), and how they ended."""

    opened: int
    resolved_by_mediation: int
    closed: int

    @property
    def resolved_percentage(self) -> Decimal | None:
        return per_hundred(self.resolved_by_mediation, self.opened)


def community_dispute_figures(
    conn: Connection, community_id: UUID, start: date, end: date
) -> DisputeFigures:
    row = conn.execute(
        _DISPUTE_FIGURES, {"community": community_id, "start": start, "end": end}
    ).one()
    return DisputeFigures(row.opened, row.mediated, row.closed)
