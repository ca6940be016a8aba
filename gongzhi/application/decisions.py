"""业主共同决定 owners' decisions: propose, vote, close with the tally, recount, share costs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

from gongzhi.application.base import Done, Meta
from gongzhi.application.red_property import RedPropertyService
from gongzhi.domain.community import Community
from gongzhi.domain.decision import Decision, Scope
from gongzhi.domain.elevator import FloorCoefficients, PayingUnit
from gongzhi.domain.errors import RuleViolated, UnknownPart
from gongzhi.domain.person import Person
from gongzhi.domain.tally import YES_NO, VotingUnit


class DecisionService(RedPropertyService):
    """Decisions may cite the party organisation's 先议, so they build on red property."""

    def propose_decision(
        self,
        meta: Meta,
        *,
        community_id: UUID,
        scope: str,
        scope_id: UUID | None,
        matter: str,
        title: str,
        description: str = "",
        options: Sequence[str] = YES_NO,
        opens_at: datetime,
        closes_at: datetime,
        party_deliberation_id: UUID | None = None,
    ) -> Done:
        community = self.load(Community, community_id, "communityId")
        target = community_id if scope == Scope.COMMUNITY.value else scope_id
        if target is None:
            raise UnknownPart("scopeId", "is required for a building or entrance scope")
        if not community.units_in(scope, target):
            raise RuleViolated("scopeId", "has no units: nobody could vote")
        if party_deliberation_id is not None:
            self.community_party_deliberation(community_id, party_deliberation_id)
        decision = Decision.propose(
            community_id=community_id,
            scope=scope,
            scope_id=target,
            matter=matter,
            title=title,
            description=description,
            options=options,
            opens_at=opens_at,
            closes_at=closes_at,
            party_deliberation_id=party_deliberation_id,
        )
        return self.create(meta, decision, "a decision with this id already exists")

    def decision_community(self, decision_id: UUID) -> UUID:
        community_id: UUID = self.load(Decision, decision_id, "decisionId").community_id
        return community_id

    def cast_ballot(
        self,
        meta: Meta,
        decision_id: UUID,
        *,
        unit_id: UUID,
        person_id: UUID,
        choice: str,
        channel: str,
        proxy_authorisation: str = "",
        at: datetime | None = None,
    ) -> Done:
        """投票 for the owner(s) of ``unit_id``: by an owner, or by a proxy with authorisation."""
        self.load(Person, person_id, "personId")

        def vote(decision: Decision) -> None:
            community = self.load(Community, decision.community_id, "communityId")
            units = community.units_in(decision.scope, decision.scope_id)
            unit = next((u for u in units if u.id == unit_id), None)
            if unit is None:
                raise UnknownPart("unitId", "is not a unit in this decision's scope")
            owns = any(owner == person_id for owner, _ in unit.owners)
            if not owns and not proxy_authorisation.strip():
                raise RuleViolated(
                    "personId",
                    "is not an owner of the unit; a proxy needs a recorded authorisation",
                )
            decision.cast_ballot(
                voter=unit.voter,
                eligible_voters={u.voter for u in units},
                choice=choice,
                channel=channel,
                cast_by=person_id,
                at=at or datetime.now(UTC),
                proxy_authorisation=proxy_authorisation,
            )

        return self.change(meta, Decision, decision_id, vote, field="decisionId")

    def close_decision(self, meta: Meta, decision_id: UUID, at: datetime | None = None) -> Done:
        """截止计票 with the electorate as the community's records stand at the close."""

        def close(decision: Decision) -> None:
            community = self.load(Community, decision.community_id, "communityId")
            electorate = [
                VotingUnit(str(u.id), u.area, u.voter)
                for u in community.units_in(decision.scope, decision.scope_id)
            ]
            decision.close(electorate, at or datetime.now(UTC))

        return self.change(meta, Decision, decision_id, close, field="decisionId")

    def recount_decision(self, meta: Meta, decision_id: UUID) -> Done:
        return self.change(meta, Decision, decision_id, lambda d: d.recount(), field="decisionId")

    def share_elevator_cost(
        self,
        meta: Meta,
        decision_id: UUID,
        total_fen: int,
        coefficients: Mapping[int, Decimal] | None = None,
    ) -> Done:
        """加装电梯 cost over the entrance's units; the building's coefficients, or the common
        scheme (floors 1–2 pay nothing, then 0.7, 0.8 …) when none are given."""

        def share(decision: Decision) -> None:
            community = self.load(Community, decision.community_id, "communityId")
            units = community.units_in(decision.scope, decision.scope_id)
            floors = max(u.floor for u in units)
            scheme = (
                FloorCoefficients(name="BUILDING", version=1, coefficients=dict(coefficients))
                if coefficients
                else FloorCoefficients.common_scheme(floors)
            )
            paying = [PayingUnit(str(u.id), u.floor, u.area) for u in units]
            decision.share_elevator_cost(total_fen, paying, scheme)

        return self.change(meta, Decision, decision_id, share, field="decisionId")
