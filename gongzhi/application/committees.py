"""业主委员会 / 物业管理委员会 commands: the lifecycle of a community's committee terms.

The service finds a community's terms by their derived ids (term 1, 2, … until one is
missing), counts the community's households (active units) for the member-count rule, and
loads owners' decisions to hand the committee their plain facts. Where a command touches two
terms (a re-election, a successor taking office) both are saved in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated
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
from gongzhi.application.commands import Command, handles
from gongzhi.application.fields import (
    CommitteeId,
    CommunityId,
    DecisionId,
    Doc,
    Items,
    PersonId,
    Text,
)
from gongzhi.domain.committee import MAX_GROUP_MEMBERS, Committee
from gongzhi.domain.committee_rules import ElectingDecision, Member, MemberRole
from gongzhi.domain.community import Community
from gongzhi.domain.decision import Decision

MAX_TERMS = 1000

PersonName = Annotated[str, Text(100, min_length=1)]


@dataclass(frozen=True)
class CommitteeMember:
    """A member: person id from the owners registry, name, office"""

    person_id: PersonId
    name: PersonName
    role: MemberRole = MemberRole.MEMBER


Members = Annotated[list[CommitteeMember], Items(50)]


def _members(members: Sequence[CommitteeMember]) -> list[Member]:
    return [Member(m.person_id, m.name, m.role.value) for m in members]


@dataclass(frozen=True)
class FormPreparatoryGroup(Command):
    """成立筹备组 for the next homeowner committee term (换届 when one is in office)"""

    community_id: CommunityId
    group_members: Annotated[
        list[PersonName], Items(MAX_GROUP_MEMBERS), Doc("筹备组 members' names")
    ]
    formed_on: Annotated[date | None, Doc("Today if omitted")] = None


@dataclass(frozen=True)
class NominateCommitteeCandidate(Command):
    """提名候选人 for a committee being prepared (by the preparatory group)"""

    committee_id: CommitteeId
    person_id: PersonId
    name: PersonName
    nominated_on: date | None = None


@dataclass(frozen=True)
class ElectCommittee(Command):
    """选举业主委员会: the owners elected the members by a passed decision"""

    committee_id: CommitteeId
    decision_id: Annotated[
        DecisionId, Doc("A closed, passed owners' decision of matter COMMITTEE of the community")
    ]
    elected_on: date
    term_ends_on: Annotated[date, Doc("Last day; at most 5 years")]
    members: Members


@dataclass(frozen=True)
class AppointInterimCommittee(Command):
    """组建物业管理委员会: the street office appoints an interim committee where no homeowner
    committee can be formed"""

    community_id: CommunityId
    appointed_on: date
    term_ends_on: Annotated[date, Doc("Last day; at most 3 years")]
    members: Members


@dataclass(frozen=True)
class FileCommittee(Command):
    """业委会备案 with the street office; late after 30 days"""

    committee_id: CommitteeId
    filed_on: date
    filing_number: Annotated[str, Text(60)] = ""


@dataclass(frozen=True)
class ChangeCommitteeMembers(Command):
    """成员变更: the full member list from a date; replacing people of a homeowner committee
    needs a passed owners' decision of matter COMMITTEE"""

    committee_id: CommitteeId
    members: Members
    changed_on: date
    decision_id: DecisionId | None = None


@dataclass(frozen=True)
class DissolveCommittee(Command):
    """解散 a committee (or a preparatory group that failed), with its cause"""

    committee_id: CommitteeId
    dissolved_on: date
    cause: Annotated[str, Text(500, min_length=1), Doc("解散原因, kept in the record")]


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

    def households(self, community_id: UUID) -> int:
        """户数: the community's units that are not retired."""
        community = self.load(Community, community_id, "communityId")
        return len([u for u in community.unit_index.values() if not u.retired])

    @handles(FormPreparatoryGroup)
    def form_preparatory_group(self, meta: Meta, command: FormPreparatoryGroup) -> Done:
        community_id, group_members = command.community_id, command.group_members
        formed_on = command.formed_on
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

    @handles(AppointInterimCommittee)
    def appoint_interim_committee(self, meta: Meta, command: AppointInterimCommittee) -> Done:
        community_id, appointed_on = command.community_id, command.appointed_on
        term_ends_on, members = command.term_ends_on, _members(command.members)
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

    @handles(NominateCommitteeCandidate)
    def nominate_committee_candidate(self, meta: Meta, command: NominateCommitteeCandidate) -> Done:
        committee_id, person_id = command.committee_id, command.person_id
        name, nominated_on = command.name, command.nominated_on
        today = business_today()
        return self.change(
            meta,
            Committee,
            committee_id,
            lambda c: c.nominate(person_id, name, nominated_on or today, today),
            field="committeeId",
        )

    @handles(ElectCommittee)
    def elect_committee(self, meta: Meta, command: ElectCommittee) -> Done:
        committee_id, decision_id = command.committee_id, command.decision_id
        elected_on, term_ends_on = command.elected_on, command.term_ends_on
        members = _members(command.members)
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

    @handles(FileCommittee)
    def file_committee(self, meta: Meta, command: FileCommittee) -> Done:
        committee_id, filed_on = command.committee_id, command.filed_on
        filing_number = command.filing_number
        return self.change(
            meta,
            Committee,
            committee_id,
            lambda c: c.file(filed_on, filing_number, business_today()),
            field="committeeId",
        )

    @handles(ChangeCommitteeMembers)
    def change_committee_members(self, meta: Meta, command: ChangeCommitteeMembers) -> Done:
        committee_id, members = command.committee_id, _members(command.members)
        changed_on, decision_id = command.changed_on, command.decision_id
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

    @handles(DissolveCommittee)
    def dissolve_committee(self, meta: Meta, command: DissolveCommittee) -> Done:
        committee_id, dissolved_on = command.committee_id, command.dissolved_on
        cause = command.cause
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
