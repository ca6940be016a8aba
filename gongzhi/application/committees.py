"""业主委员会 / 物业管理委员会 commands: the lifecycle of a community's committee terms.

The service finds a community's terms by their derived ids (term 1, 2, … until one is
missing), counts the community's households (active units) for the member-count rule, and
loads owners' decisions to hand the committee their plain facts. Where a command touches two
terms (a re-election, a successor taking office) both are saved in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from gongzhi.application.base import (
    BUSINESS_TZ,
    Conflict,
    Done,
    GongzhiBase,
    Meta,
    NotFound,
    business_today,
    lost_race,
)
from gongzhi.application.communities import CommunityFacts
from gongzhi.domain.committee import Committee
from gongzhi.domain.committee_rules import ElectingDecision, Member
from gongzhi.domain.community import Community
from gongzhi.domain.decision import Decision

MAX_TERMS = 1000


class CommitteeService(GongzhiBase):
    def committee(self, committee_id: UUID) -> Committee:
        return self.load(Committee, committee_id, "committeeId")

    def committee_terms(self, community_id: UUID) -> list[Committee]:
        """All terms of a community, oldest first."""
        terms: list[Committee] = []
        for number in range(1, MAX_TERMS + 1):
            try:
                terms.append(self.committee(Committee.id_for(community_id, number)))
            except NotFound:
                break
        return terms

    def committee_facts(self, committee_id: UUID) -> CommunityFacts:
        """The facts of the community a committee belongs to, for access decisions."""
        community_id = self.committee(committee_id).community_id
        community = self.load(Community, community_id, "communityId")
        return CommunityFacts(
            id=community.id,
            district=community.district,
            serving_company_id=community.serving_company(business_today()),
        )

    def households(self, community_id: UUID) -> int:
        """户数: the community's units that are not retired."""
        community = self.load(Community, community_id, "communityId")
        return len([u for u in community.unit_index.values() if not u.retired])

    def form_preparatory_group(
        self,
        meta: Meta,
        community_id: UUID,
        *,
        group_members: Sequence[str],
        formed_on: date | None = None,
    ) -> Done:
        self.load(Community, community_id, "communityId")
        terms = self.committee_terms(community_id)
        committee = Committee.form_preparatory_group(
            community_id=community_id,
            terms=terms,
            group_members=list(group_members),
            formed_on=formed_on or business_today(),
            today=business_today(),
        )
        return self._save(meta, committee, *terms)

    def appoint_interim_committee(
        self,
        meta: Meta,
        community_id: UUID,
        *,
        appointed_on: date,
        term_ends_on: date,
        members: Sequence[Member],
    ) -> Done:
        households = self.households(community_id)
        terms = self.committee_terms(community_id)
        committee = Committee.appoint_interim(
            community_id=community_id,
            terms=terms,
            appointed_on=appointed_on,
            term_ends_on=term_ends_on,
            members=members,
            households=households,
            today=business_today(),
        )
        return self._save(meta, committee, *terms)

    def nominate_committee_candidate(
        self,
        meta: Meta,
        committee_id: UUID,
        *,
        person_id: UUID,
        name: str,
        nominated_on: date | None = None,
    ) -> Done:
        today = business_today()
        return self.change(
            meta,
            Committee,
            committee_id,
            lambda c: c.nominate(person_id, name, nominated_on or today, today),
            field="committeeId",
        )

    def elect_committee(
        self,
        meta: Meta,
        committee_id: UUID,
        *,
        decision_id: UUID,
        elected_on: date,
        term_ends_on: date,
        members: Sequence[Member],
    ) -> Done:
        committee = self.committee(committee_id)
        decision = self.electing_decision(decision_id)
        households = self.households(committee.community_id)
        predecessor = self.committee(committee.predecessor_id) if committee.predecessor_id else None
        committee.elect(
            decision=decision,
            elected_on=elected_on,
            term_ends_on=term_ends_on,
            members=members,
            households=households,
            today=business_today(),
            predecessor=predecessor,
        )
        return self._save(meta, committee, *([predecessor] if predecessor else []))

    def file_committee(
        self, meta: Meta, committee_id: UUID, *, filed_on: date, filing_number: str = ""
    ) -> Done:
        return self.change(
            meta,
            Committee,
            committee_id,
            lambda c: c.file(filed_on, filing_number, business_today()),
            field="committeeId",
        )

    def change_committee_members(
        self,
        meta: Meta,
        committee_id: UUID,
        *,
        members: Sequence[Member],
        changed_on: date,
        decision_id: UUID | None = None,
    ) -> Done:
        community_id = self.committee(committee_id).community_id
        households = self.households(community_id)
        decision = self.electing_decision(decision_id) if decision_id else None
        return self.change(
            meta,
            Committee,
            committee_id,
            lambda c: c.change_members(
                members=members,
                changed_on=changed_on,
                households=households,
                today=business_today(),
                decision=decision,
            ),
            field="committeeId",
        )

    def dissolve_committee(
        self, meta: Meta, committee_id: UUID, *, dissolved_on: date, cause: str
    ) -> Done:
        return self.change(
            meta,
            Committee,
            committee_id,
            lambda c: c.dissolve(dissolved_on, cause, business_today()),
            field="committeeId",
        )

    def electing_decision(self, decision_id: UUID) -> ElectingDecision:
        decision = self.load(Decision, decision_id, "decisionId")
        return ElectingDecision(
            id=decision.id,
            community_id=decision.community_id,
            matter=decision.matter,
            scope=decision.scope,
            closed=decision.closed,
            passed=decision.passed(),
            closed_on=decision.closes_at.astimezone(BUSINESS_TZ).date(),
        )

    def _save(self, meta: Meta, committee: Committee, *others: Aggregate) -> Done:
        """Save the term with whichever other terms have new events, in one transaction."""
        touched = [a for a in others if a.pending_events and a.id != committee.id]
        try:
            return Done(committee.id, self.record(meta, committee, *touched))
        except IntegrityError:
            raise Conflict(lost_race("the community's committee")) from None
