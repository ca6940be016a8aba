"""GraphQL types of 投诉 complaints and 矛盾纠纷 disputes with their 调解 sessions."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from gongzhi.domain.complaint import (
    ComplaintCategory,
    ComplaintChannel,
    ComplaintOutcome,
    ComplaintStatus,
)
from gongzhi.domain.dispute import DisputeOutcome, PartyKind, Referral
from gongzhi.graphql.errors import NotFound, ValidationError
from gongzhi.graphql.pagination import PageInfo
from gongzhi.graphql.personal_data import Opener
from gongzhi.graphql.rows import from_row


@strawberry.type(description="投诉 a complaint against the company serving a community")
class Complaint:
    id: strawberry.ID
    community_id: strawberry.ID
    company_id: strawberry.ID = strawberry.field(description="The company complained about")
    unit_id: strawberry.ID | None
    category: ComplaintCategory
    channel: ComplaintChannel
    description: str
    status: ComplaintStatus
    filed_at: datetime.datetime
    accepted_at: datetime.datetime | None
    reply: str
    replied_at: datetime.datetime | None
    outcome: ComplaintOutcome | None
    satisfaction: int | None = strawberry.field(description="满意度 1–5 of the complainant")
    closed_at: datetime.datetime | None
    version: int


def complaint_from_row(row: Any) -> Complaint:
    return from_row(Complaint, row)


@strawberry.type(description="当事人 a party to a dispute")
class DisputeParty:
    name: str
    kind: PartyKind
    unit_id: strawberry.ID | None
    company_id: strawberry.ID | None


@strawberry.type(description="调解 one mediation session")
class MediationSession:
    held_on: datetime.date
    mediator: str
    attendees: list[str]
    notes: str


@strawberry.type(description="矛盾纠纷 a dispute in a community, mediated until closed")
class Dispute:
    id: strawberry.ID
    community_id: strawberry.ID
    subject: str
    parties: list[DisputeParty]
    opened_on: datetime.date
    status: str = strawberry.field(description="OPEN or CLOSED")
    sessions: list[MediationSession]
    outcome: DisputeOutcome | None
    terms: str = strawberry.field(description="调解协议 terms of an agreement")
    referred_to: Referral | None
    closed_on: datetime.date | None
    version: int


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def dispute_from_row(row: Any, opened: Opener) -> Dispute:
    """The dispute of a view's row; its parties', mediators' and attendees' names sealed under
    the dispute's own key, opened (``opener_for`` the row)."""
    sessions = _json(row["sessions"]) or []
    return Dispute(
        id=strawberry.ID(str(row["id"])),
        community_id=strawberry.ID(str(row["community_id"])),
        subject=row["subject"],
        parties=[
            DisputeParty(
                name=opened(p["name"], "name"),
                kind=PartyKind(p["kind"]),
                unit_id=strawberry.ID(p["unit_id"]) if p.get("unit_id") else None,
                company_id=strawberry.ID(p["company_id"]) if p.get("company_id") else None,
            )
            for p in _json(row["parties"])
        ],
        opened_on=row["opened_on"],
        status=row["status"],
        sessions=[
            MediationSession(
                held_on=datetime.date.fromisoformat(s["held_on"]),
                mediator=opened(s["mediator"], "mediator"),
                attendees=[opened(a, "attendees") for a in s["attendees"]],
                notes=s["notes"],
            )
            for s in sessions
        ],
        outcome=DisputeOutcome(row["outcome"]) if row["outcome"] else None,
        terms=row["terms"],
        referred_to=Referral(row["referred_to"]) if row["referred_to"] else None,
        closed_on=row["closed_on"],
        version=row["version"],
    )


@strawberry.type
class ComplaintPayload:
    complaint: Complaint | None
    position: str


@strawberry.type
class DisputePayload:
    dispute: Dispute | None
    position: str


@strawberry.type
class ComplaintConnection:
    complaints: list[Complaint]
    page_info: PageInfo


@strawberry.type
class DisputeConnection:
    disputes: list[Dispute]
    page_info: PageInfo


@strawberry.type(description="矛盾纠纷统计 of a community over [from, until)")
class DisputeStatistics:
    community_id: strawberry.ID
    opened: int
    resolved_by_mediation: int = strawberry.field(description="closed with an agreement")
    closed: int
    resolved_percentage: Decimal | None = strawberry.field(
        description="resolved by mediation ÷ opened × 100, to the hundredth (none opened: null)"
    )


ComplaintsResult = Annotated[
    ComplaintConnection | ValidationError | NotFound, strawberry.union("ComplaintsResult")
]
DisputesResult = Annotated[
    DisputeConnection | ValidationError | NotFound, strawberry.union("DisputesResult")
]
DisputeStatisticsResult = Annotated[
    DisputeStatistics | ValidationError | NotFound, strawberry.union("DisputeStatisticsResult")
]
