"""矛盾纠纷 dispute commands: open, record a mediation (调解) session, close."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from gongzhi.application.base import Done, GongzhiBase, Meta
from gongzhi.domain.community import Community
from gongzhi.domain.dispute import Dispute, DisputeParty


class DisputeService(GongzhiBase):
    def open_dispute(
        self,
        meta: Meta,
        *,
        community_id: UUID,
        subject: str,
        parties: list[DisputeParty],
        opened_on: date,
    ) -> Done:
        self.load(Community, community_id, "communityId")
        dispute = Dispute.open(
            community_id=community_id, subject=subject, parties=parties, opened_on=opened_on
        )
        return self.create(meta, dispute, "the dispute exists already")

    def record_mediation(
        self,
        meta: Meta,
        dispute_id: UUID,
        *,
        held_on: date,
        mediator: str,
        attendees: list[str],
        notes: str = "",
    ) -> Done:
        return self.change(
            meta,
            Dispute,
            dispute_id,
            lambda d: d.hold_mediation(
                held_on=held_on, mediator=mediator, attendees=attendees, notes=notes
            ),
            field="disputeId",
        )

    def close_dispute(
        self,
        meta: Meta,
        dispute_id: UUID,
        *,
        outcome: object,
        terms: str = "",
        referred_to: object | None = None,
        closed_on: date,
    ) -> Done:
        return self.change(
            meta,
            Dispute,
            dispute_id,
            lambda d: d.close(
                outcome=outcome, terms=terms, referred_to=referred_to, closed_on=closed_on
            ),
            field="disputeId",
        )

    def dispute_community(self, dispute_id: UUID) -> UUID:
        return self.load(Dispute, dispute_id, "disputeId").community_id
