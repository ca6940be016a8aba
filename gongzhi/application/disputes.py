"""矛盾纠纷 dispute commands: open, record a mediation (调解) session, close."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from gongzhi.application.base import Done, GongzhiBase, Meta
from gongzhi.application.commands import Command, handles
from gongzhi.application.fields import (
    CommunityId,
    CompanyId,
    DisputeId,
    Doc,
    Items,
    Name,
    Text,
    UnitId,
)
from gongzhi.domain import dispute as domain
from gongzhi.domain.community import Community
from gongzhi.domain.dispute import MAX_TEXT, Dispute, DisputeOutcome, PartyKind, Referral

DisputeText = Annotated[str, Text(MAX_TEXT)]


@dataclass(frozen=True)
class DisputeParty:
    """当事人 by name, optionally linked to a unit or a company"""

    name: Name
    kind: PartyKind
    unit_id: UnitId | None = None
    company_id: CompanyId | None = None


@dataclass(frozen=True)
class OpenDispute(Command):
    """登记矛盾纠纷 in a community, with its parties"""

    community_id: CommunityId
    subject: Annotated[str, Text(MAX_TEXT, min_length=1)]
    parties: Annotated[list[DisputeParty], Items(50)]
    opened_on: date


@dataclass(frozen=True)
class RecordMediation(Command):
    """记录调解: one mediation session of a dispute"""

    dispute_id: DisputeId
    held_on: date
    mediator: Name
    attendees: Annotated[list[Name], Items(100)]
    notes: DisputeText = ""


@dataclass(frozen=True)
class CloseDispute(Command):
    """结案 a dispute with its outcome: agreement with terms, no agreement referred on, or
    withdrawn"""

    dispute_id: DisputeId
    outcome: DisputeOutcome
    closed_on: date
    terms: Annotated[str, Text(MAX_TEXT), Doc("调解协议 terms of an agreement")] = ""
    referred_to: Referral | None = None


class DisputeService(GongzhiBase):
    @handles(OpenDispute)
    def open_dispute(self, meta: Meta, command: OpenDispute) -> Done:
        self.load(Community, command.community_id, "communityId")
        dispute = Dispute.open(
            community_id=command.community_id,
            subject=command.subject,
            parties=[
                domain.DisputeParty(p.name, p.kind.value, p.unit_id, p.company_id)
                for p in command.parties
            ],
            opened_on=command.opened_on,
        )
        return self.create(meta, dispute, "the dispute exists already")

    @handles(RecordMediation)
    def record_mediation(self, meta: Meta, command: RecordMediation) -> Done:
        return self.change(
            meta,
            Dispute,
            command.dispute_id,
            lambda d: d.hold_mediation(
                held_on=command.held_on,
                mediator=command.mediator,
                attendees=list(command.attendees),
                notes=command.notes,
            ),
            field="disputeId",
        )

    @handles(CloseDispute)
    def close_dispute(self, meta: Meta, command: CloseDispute) -> Done:
        return self.change(
            meta,
            Dispute,
            command.dispute_id,
            lambda d: d.close(
                outcome=command.outcome,
                terms=command.terms,
                referred_to=command.referred_to,
                closed_on=command.closed_on,
            ),
            field="disputeId",
        )
