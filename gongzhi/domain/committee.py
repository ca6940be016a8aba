"""业主委员会 homeowner committee and 物业管理委员会 interim property management committee.

One ``Committee`` aggregate per term (届) of one community. Terms are numbered 1, 2, 3 … per
community and the id is derived from (community, term number), so two terms formed at the same
time collide in the event store instead of both taking office.

Lifecycle of a homeowner committee (物业管理条例 arts. 16, 18 and local rules)::

    Formed (筹备组) → CandidateNominated … → Elected (by a passed owners' decision of matter
    COMMITTEE) → Filed (备案 with the street office; late after 30 days) → MembersChanged …
    → ReElectionStarted (换届: the next term's 筹备组 formed) → TermEnded (successor elected)
    or Dissolved (with its cause) at any point.

An interim committee (物业管理委员会) is appointed by the street office where no homeowner
committee can be formed: Formed + Appointed in one step, no decision, no filing.

Office. A committee is *in office* on day D when it took office on or before D, its term
(``term_ends_on``, the last day, inclusive) has not run out, and it has neither ended nor been
dissolved on or before D. At most one committee of a community is in office at a time: a new
term may only be formed when none is in office, or as the successor of the one in office —
its re-election from three months before its term ends (configurable), or a homeowner
committee replacing an interim one at any time. The predecessor's term ends on the day the
successor takes office. While a term is still being prepared (not elected, not dissolved) no
other term may be formed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.committee_rules import (
    DEFAULT_RULES,
    CommitteeKind,
    CommitteeRules,
    CommitteeStatus,
    ElectingDecision,
    Member,
    add_months,
    check_term,
    expires_soon,
    member_record,
    member_records,
    members_from,
    not_in_future,
    office_status,
)
from gongzhi.domain.errors import InvalidValue, RuleViolated
from gongzhi.domain.values import required_text

COMMITTEE_NAMESPACE = uuid5(NAMESPACE_URL, "https://gongzhi.example/committee")
MAX_GROUP_MEMBERS = 30
MAX_CANDIDATES = 60


class Committee(Aggregate):
    """业主委员会 / 物业管理委员会: one term (届) of a community's committee."""

    class Formed(Aggregate.Created):
        """筹备组 formed for a homeowner committee, or an interim committee set up."""

        community_id: UUID
        term_number: int
        kind: str
        group_members: list[str]
        formed_on: date
        predecessor_id: UUID | None
        rules: dict[str, Any]

    class CandidateNominated(Aggregate.Event):
        person_id: UUID
        name: str
        nominated_on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Committee)
            aggregate.candidates[self.person_id] = self.name

    class Elected(Aggregate.Event):
        """选举 by the owners' decision ``decision_id``; the term starts on ``elected_on``."""

        decision_id: UUID
        elected_on: date
        term_ends_on: date
        members: list[dict[str, str]]
        households: int

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Committee)
            aggregate.decision_id = self.decision_id
            aggregate.took_office_on = self.elected_on
            aggregate.term_ends_on = self.term_ends_on
            aggregate.members = members_from(self.members)

    class Appointed(Aggregate.Event):
        """物业管理委员会 appointed by the street office (街道办事处) for its term."""

        appointed_on: date
        term_ends_on: date
        members: list[dict[str, str]]
        households: int

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Committee)
            aggregate.took_office_on = self.appointed_on
            aggregate.term_ends_on = self.term_ends_on
            aggregate.members = members_from(self.members)

    class Filed(Aggregate.Event):
        """备案 with the street office; ``late`` when more than the allowed days after election."""

        filed_on: date
        filing_number: str
        days_after_election: int
        late: bool

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Committee)
            aggregate.filed_on = self.filed_on

    class MembersChanged(Aggregate.Event):
        """成员变更 (补选, 罢免, 辞职, offices reassigned): the full list from ``changed_on``."""

        members: list[dict[str, str]]
        changed_on: date
        decision_id: UUID | None
        households: int

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Committee)
            aggregate.members = members_from(self.members)

    class ReElectionStarted(Aggregate.Event):
        """换届: the next term's preparatory group is formed."""

        successor_id: UUID
        on: date

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Committee)
            aggregate.successor_id = self.successor_id

    class TermEnded(Aggregate.Event):
        """The successor took office on ``ended_on``."""

        ended_on: date
        successor_id: UUID

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Committee)
            aggregate.ended_on = self.ended_on
            aggregate.successor_id = self.successor_id

    class Dissolved(Aggregate.Event):
        dissolved_on: date
        cause: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Committee)
            aggregate.dissolved_on = self.dissolved_on

    def __init__(
        self,
        community_id: UUID,
        term_number: int,
        kind: str,
        group_members: list[str],
        formed_on: date,
        predecessor_id: UUID | None,
        rules: dict[str, Any],
    ) -> None:
        self.community_id = community_id
        self.term_number = term_number
        self.kind = kind
        self.group_members = group_members
        self.formed_on = formed_on
        self.predecessor_id = predecessor_id
        self.rules = CommitteeRules.from_record(rules)
        self.candidates: dict[UUID, str] = {}
        self.decision_id: UUID | None = None
        self.took_office_on: date | None = None
        self.term_ends_on: date | None = None
        self.members: list[Member] = []
        self.filed_on: date | None = None
        self.successor_id: UUID | None = None
        self.ended_on: date | None = None
        self.dissolved_on: date | None = None

    @staticmethod
    def id_for(community_id: UUID, term_number: int) -> UUID:
        """Term ``n`` of a community has one id: a second term ``n`` clashes in the store."""
        return uuid5(COMMITTEE_NAMESPACE, f"{community_id}/{term_number}")

    # --- Creation --------------------------------------------------------------------------

    @classmethod
    def form_preparatory_group(
        cls,
        *,
        community_id: UUID,
        terms: Sequence[Committee],
        group_members: Sequence[str],
        formed_on: date,
        today: date,
        rules: CommitteeRules = DEFAULT_RULES,
    ) -> Committee:
        """成立筹备组 for the next homeowner committee term.

        ``terms`` are all earlier terms of the community, in order. When a committee is in
        office this is its re-election (or the replacement of an interim committee): the
        predecessor records ``ReElectionStarted``; save both together.
        """
        names = [
            required_text(f"groupMembers.{i}", n, max_length=100)
            for i, n in enumerate(group_members)
        ]
        if not 1 <= len(names) <= MAX_GROUP_MEMBERS:
            raise InvalidValue("groupMembers", f"must name 1 to {MAX_GROUP_MEMBERS} people")
        if len(set(names)) != len(names):
            raise InvalidValue("groupMembers", "must name each person once")
        not_in_future("formedOn", formed_on, today)
        predecessor = _predecessor(terms, community_id, CommitteeKind.HOMEOWNER.value, formed_on)
        committee = cls._create(
            cls.Formed,
            id=cls.id_for(community_id, len(terms) + 1),
            community_id=community_id,
            term_number=len(terms) + 1,
            kind=CommitteeKind.HOMEOWNER.value,
            group_members=names,
            formed_on=formed_on,
            predecessor_id=predecessor.id if predecessor else None,
            rules=rules.to_record(),
        )
        if predecessor is not None:
            predecessor.trigger_event(
                predecessor.ReElectionStarted, successor_id=committee.id, on=formed_on
            )
        return committee

    @classmethod
    def appoint_interim(
        cls,
        *,
        community_id: UUID,
        terms: Sequence[Committee],
        appointed_on: date,
        term_ends_on: date,
        members: Sequence[Member],
        households: int,
        today: date,
        rules: CommitteeRules = DEFAULT_RULES,
    ) -> Committee:
        """组建物业管理委员会: the street office appoints it; it takes office at once.

        A committee in office (within its re-election window) ends its term that day.
        """
        kind = CommitteeKind.INTERIM.value
        not_in_future("appointedOn", appointed_on, today)
        check_term(rules, kind, appointed_on, term_ends_on)
        records = member_records(members, households, rules)
        predecessor = _predecessor(terms, community_id, kind, appointed_on)
        committee = cls._create(
            cls.Formed,
            id=cls.id_for(community_id, len(terms) + 1),
            community_id=community_id,
            term_number=len(terms) + 1,
            kind=kind,
            group_members=[],
            formed_on=appointed_on,
            predecessor_id=predecessor.id if predecessor else None,
            rules=rules.to_record(),
        )
        committee.trigger_event(
            cls.Appointed,
            appointed_on=appointed_on,
            term_ends_on=term_ends_on,
            members=records,
            households=households,
        )
        if predecessor is not None:
            predecessor._end_term(appointed_on, committee.id)
        return committee

    # --- Commands --------------------------------------------------------------------------

    def nominate(self, person_id: UUID, name: str, nominated_on: date, today: date) -> None:
        """候选人 proposed by the preparatory group."""
        self._must_be_preparing()
        label = required_text("name", name, max_length=100)
        not_in_future("nominatedOn", nominated_on, today)
        if nominated_on < self.formed_on:
            raise InvalidValue("nominatedOn", "must not be before the preparatory group was formed")
        if person_id in self.candidates:
            raise RuleViolated("personId", "is already a candidate")
        if len(self.candidates) >= MAX_CANDIDATES:
            raise RuleViolated("personId", f"at most {MAX_CANDIDATES} candidates")
        self.trigger_event(
            self.CandidateNominated, person_id=person_id, name=label, nominated_on=nominated_on
        )

    def elect(
        self,
        *,
        decision: ElectingDecision,
        elected_on: date,
        term_ends_on: date,
        members: Sequence[Member],
        households: int,
        today: date,
        predecessor: Committee | None = None,
    ) -> None:
        """选举: the owners elected ``members`` by ``decision``; the term starts that day.

        Every member must be a nominated candidate. Pass the predecessor (this term's
        ``predecessor_id``) so its term ends on ``elected_on``; save both together.
        """
        self._must_be_preparing()
        self._check_decision(decision)
        not_in_future("electedOn", elected_on, today)
        if elected_on < self.formed_on:
            raise InvalidValue("electedOn", "must not be before the preparatory group was formed")
        if decision.closed_on is not None and elected_on < decision.closed_on:
            raise InvalidValue("electedOn", "must not be before the owners' decision closed")
        check_term(self.rules, self.kind, elected_on, term_ends_on)
        records = member_records(members, households, self.rules)
        # Named by position, not by name: a name is personal data, kept out of messages.
        strangers = [
            f"members.{i}" for i, m in enumerate(members) if m.person_id not in self.candidates
        ]
        if strangers:
            raise RuleViolated("members", "not nominated as candidates: " + ", ".join(strangers))
        if (predecessor is None) != (self.predecessor_id is None) or (
            predecessor is not None and predecessor.id != self.predecessor_id
        ):
            raise RuleViolated("committeeId", "the predecessor term must be given")  # app bug
        self.trigger_event(
            self.Elected,
            decision_id=decision.id,
            elected_on=elected_on,
            term_ends_on=term_ends_on,
            members=records,
            households=households,
        )
        if predecessor is not None and predecessor.ended_on is None and not predecessor.dissolved:
            predecessor._end_term(elected_on, self.id)

    def file(self, filed_on: date, filing_number: str, today: date) -> bool:
        """备案 with the street office; returns whether it was late (> 30 days, configurable)."""
        if self.kind != CommitteeKind.HOMEOWNER.value:
            raise RuleViolated("committeeId", "an interim committee is appointed, not filed")
        if self.dissolved:
            raise RuleViolated("committeeId", "the committee is dissolved")
        if self.took_office_on is None:
            raise RuleViolated("committeeId", "the committee has not been elected yet")
        if self.filed_on is not None:
            raise RuleViolated("committeeId", f"already filed on {self.filed_on.isoformat()}")
        not_in_future("filedOn", filed_on, today)
        if filed_on < self.took_office_on:
            raise InvalidValue("filedOn", "must not be before the election")
        number = (filing_number or "").strip()
        if len(number) > 60:
            raise InvalidValue("filingNumber", "must be at most 60 characters")
        days = (filed_on - self.took_office_on).days
        late = days > self.rules.filing_days
        self.trigger_event(
            self.Filed, filed_on=filed_on, filing_number=number, days_after_election=days, late=late
        )
        return late

    def change_members(
        self,
        *,
        members: Sequence[Member],
        changed_on: date,
        households: int,
        today: date,
        decision: ElectingDecision | None = None,
    ) -> None:
        """成员变更: the full member list from ``changed_on``.

        Replacing members of a homeowner committee (更换业主委员会成员, Civil Code art. 278
        (三)) needs a passed owners' decision of matter COMMITTEE; reassigning the offices
        among the same members (主任, 副主任) and changes to an interim committee do not.
        """
        if not self.in_office_on(changed_on):
            raise RuleViolated("changedOn", "the committee is not in office on that day")
        not_in_future("changedOn", changed_on, today)
        records = member_records(members, households, self.rules)
        if records == [member_record(m) for m in self.members]:
            raise RuleViolated("members", "these are already the committee's members")
        same_people = {m.person_id for m in members} == {m.person_id for m in self.members}
        needs_decision = self.kind == CommitteeKind.HOMEOWNER.value and not same_people
        if needs_decision and decision is None:
            raise RuleViolated(
                "decisionId", "replacing members needs a passed owners' decision (matter COMMITTEE)"
            )
        if decision is not None:
            self._check_decision(decision)
            if decision.id == self.decision_id:
                raise RuleViolated("decisionId", "is the decision that elected this committee")
            if decision.closed_on is not None and changed_on < decision.closed_on:
                raise InvalidValue("changedOn", "must not be before the owners' decision closed")
        self.trigger_event(
            self.MembersChanged,
            members=records,
            changed_on=changed_on,
            decision_id=decision.id if decision else None,
            households=households,
        )

    def dissolve(self, dissolved_on: date, cause: str, today: date) -> None:
        """解散 (or 筹备失败 for a term never elected), with its cause."""
        if self.dissolved:
            raise RuleViolated("committeeId", "the committee is already dissolved")
        if self.ended_on is not None:
            raise RuleViolated("committeeId", "the committee's term has ended")
        text = required_text("cause", cause, max_length=500)
        not_in_future("dissolvedOn", dissolved_on, today)
        if dissolved_on < self.formed_on:
            raise InvalidValue("dissolvedOn", "must not be before the committee was formed")
        self.trigger_event(self.Dissolved, dissolved_on=dissolved_on, cause=text)

    # --- Queries ---------------------------------------------------------------------------

    @property
    def dissolved(self) -> bool:
        return self.dissolved_on is not None

    def in_office_on(self, day: date) -> bool:
        return self.status_on(day) == CommitteeStatus.IN_OFFICE.value

    def status_on(self, day: date) -> str:
        return office_status(
            day, self.took_office_on, self.term_ends_on, self.ended_on, self.dissolved_on
        )

    def expires_soon(self, day: date) -> bool:
        return expires_soon(
            day, self.term_ends_on, self.in_office_on(day), self.rules.warning_months
        )

    # --- Helpers ---------------------------------------------------------------------------

    def _must_be_preparing(self) -> None:
        if self.kind != CommitteeKind.HOMEOWNER.value:
            raise RuleViolated("committeeId", "an interim committee is appointed, not elected")
        if self.dissolved:
            raise RuleViolated("committeeId", "the preparatory group was dissolved")
        if self.took_office_on is not None:
            raise RuleViolated("committeeId", "the committee has already been elected")

    def _check_decision(self, decision: ElectingDecision) -> None:
        if decision.community_id != self.community_id:
            raise RuleViolated("decisionId", "is a decision of another community")
        if decision.matter != "COMMITTEE":
            raise RuleViolated(
                "decisionId", f"decided {decision.matter}, not the election of a committee"
            )
        if decision.scope != "COMMUNITY":
            raise RuleViolated("decisionId", "a committee is elected by the whole community")
        if not decision.closed:
            raise RuleViolated("decisionId", "the voting on this decision is not closed yet")
        if not decision.passed:
            raise RuleViolated("decisionId", "the owners did not approve this decision")

    def _end_term(self, on: date, successor_id: UUID) -> None:
        self.trigger_event(self.TermEnded, ended_on=on, successor_id=successor_id)


def _predecessor(
    terms: Sequence[Committee], community_id: UUID, kind: str, on: date
) -> Committee | None:
    """The committee the new term succeeds, or ``None``; refuses a second committee."""
    if [t.term_number for t in terms] != list(range(1, len(terms) + 1)) or any(
        t.community_id != community_id for t in terms
    ):
        raise ValueError("terms must be all earlier terms of the community, in order")
    if terms and on < terms[-1].formed_on:
        raise InvalidValue(
            "formedOn", f"must not be before term {terms[-1].term_number} was formed"
        )
    for term in terms:
        if not term.dissolved and term.took_office_on is None:
            raise RuleViolated(
                "communityId",
                f"term {term.term_number} is still being prepared; elect or dissolve it first",
            )
    current = next((t for t in terms if t.in_office_on(on)), None)
    if current is None:
        return None
    assert current.term_ends_on is not None
    if current.kind == CommitteeKind.INTERIM.value and kind == CommitteeKind.HOMEOWNER.value:
        return current
    window = add_months(current.term_ends_on, -current.rules.warning_months)
    if on >= window:
        return current
    raise RuleViolated(
        "communityId",
        f"term {current.term_number} is in office until {current.term_ends_on.isoformat()}; "
        f"its re-election may start on {window.isoformat()}, or dissolve it first",
    )
