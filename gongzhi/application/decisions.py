"""业主共同决定 owners' decisions: propose, vote, close with the tally, recount, share costs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar
from uuid import UUID

from eventsourcing.utils import get_topic

from gongzhi.application.base import Changed, Done, GongzhiBase, Meta, bulk_work
from gongzhi.application.commands import Command, handles
from gongzhi.application.estate import Estate, estate_read
from gongzhi.application.fields import (
    CommunityId,
    DecisionId,
    Description,
    Doc,
    Fen,
    Floor,
    Items,
    Kind,
    Name,
    PersonId,
    Range,
    Ref,
    Text,
    UnitId,
)
from gongzhi.application.red_property import community_party_deliberation
from gongzhi.domain.community import Community
from gongzhi.domain.decision import (
    MAX_OPTIONS,
    Ballot,
    Channel,
    CountedBallot,
    Decision,
    Scope,
    ballot_id,
    electorate_at_close,
)
from gongzhi.domain.elevator import FloorCoefficients, PayingUnit
from gongzhi.domain.errors import InvalidValue, RuleViolated, UnknownPart
from gongzhi.domain.holding import voters_since
from gongzhi.domain.person import Person
from gongzhi.domain.tally import YES_NO, Matter

Option = Annotated[str, Text(100)]


@dataclass(frozen=True)
class ProposeDecision(Command):
    """提出表决事项 put a matter to the owners of a scope"""

    community_id: CommunityId
    scope: Scope
    matter: Matter
    title: Name
    opens_at: datetime
    closes_at: datetime
    scope_id: (
        Annotated[
            UUID,
            Ref(Kind.BUILDING, Kind.ENTRANCE),
            Doc("The building or entrance; omit for the whole community"),
        ]
        | None
    ) = None
    description: Description = ""
    options: (
        Annotated[list[Option], Items(MAX_OPTIONS), Doc("Defaults to APPROVE and OPPOSE")] | None
    ) = None
    party_deliberation_id: Annotated[UUID, Ref(Kind.PARTY_DELIBERATION)] | None = None


@dataclass(frozen=True)
class CastBallot(Command):
    """投票 cast (or change) the ballot of a unit's owner: one ballot per owner; a later one
    replaces the earlier"""

    decision_id: DecisionId
    unit_id: UnitId
    person_id: PersonId
    choice: Annotated[Option, Doc("One of the options, or ABSTAIN")]
    channel: Channel
    proxy_authorisation: Annotated[
        str, Text(500), Doc("委托书 reference when a proxy votes for the owner")
    ] = ""


# Who may record a ballot by which channel: an owner votes online; a paper ballot is entered
# by a committee member (or imported by the platform). Work done in process (no role) says.
CHANNELS_BY_ROLE: dict[str, tuple[Channel, ...]] = {
    "RESIDENT": (Channel.ONLINE,),
    "COMMITTEE_MEMBER": (Channel.PAPER, Channel.ONLINE),
    "PLATFORM_ADMIN": (Channel.PAPER, Channel.ONLINE),
}


def ballot_channel(actor_role: str, channel: Channel) -> Channel:
    allowed = CHANNELS_BY_ROLE.get(actor_role, tuple(Channel))
    if Channel(channel) not in allowed:
        names = " or ".join(c.value for c in allowed)
        raise InvalidValue(
            "channel", f"a {actor_role} casts {names} ballots; a committee member enters paper ones"
        )
    return Channel(channel)


@dataclass(frozen=True)
class BallotCast(Done):
    """A ballot's result: ``replaced_earlier`` when the voter's earlier ballot in this
    decision was replaced by this one (one ballot per owner)."""

    replaced_earlier: bool = False


@dataclass(frozen=True)
class CloseDecision(Command):
    """截止计票 close the voting and tally it (Art. 278)"""

    input_name: ClassVar[str | None] = "DecisionStepInput"
    decision_id: DecisionId


@dataclass(frozen=True)
class RecountDecision(CloseDecision):
    """复核 recount from the recorded ballots; must agree"""


@dataclass(frozen=True)
class FloorCoefficient:
    floor: Floor
    coefficient: Annotated[Decimal, Range(Decimal(0), Decimal(100), places=4)]


@dataclass(frozen=True)
class ShareElevatorCost(Command):
    """加装电梯 share the cost over the entrance's units: the cost in fen, shared by floor
    coefficients"""

    decision_id: DecisionId
    total_fen: Fen
    coefficients: (
        Annotated[
            list[FloorCoefficient],
            Items(250),
            Doc("The building's coefficients; the common scheme if omitted"),
        ]
        | None
    ) = None


class DecisionService(GongzhiBase):
    """业主共同决定: a proposal may cite the party organisation's 先议, found through red
    property's ``community_party_deliberation``."""

    @handles(ProposeDecision)
    def propose_decision(self, meta: Meta, command: ProposeDecision) -> Done:
        community_id = command.community_id
        scope = Scope(command.scope).value
        target = community_id if scope == Scope.COMMUNITY.value else command.scope_id
        if target is None:
            self.load(Community, community_id, "communityId")
            raise UnknownPart("scopeId", "is required for a building or entrance scope")
        # Read with the community's estate: the process proposing builds it if no process
        # stored it yet, so the first ballot or close of any process starts from it.
        if not estate_read(
            self, community_id, "communityId", lambda c, _: bool(c.units_in(scope, target))
        ):
            raise RuleViolated("scopeId", "has no units: nobody could vote")
        if command.party_deliberation_id is not None:
            community_party_deliberation(self, community_id, command.party_deliberation_id)
        decision = Decision.propose(
            community_id=community_id,
            scope=scope,
            scope_id=target,
            matter=Matter(command.matter).value,
            title=command.title,
            description=command.description,
            options=command.options if command.options is not None else YES_NO,
            opens_at=command.opens_at,
            closes_at=command.closes_at,
            party_deliberation_id=command.party_deliberation_id,
        )
        return self.create(meta, decision, "a decision with this id already exists")

    @handles(CastBallot)
    def cast_ballot(
        self, meta: Meta, command: CastBallot, *, at: datetime | None = None
    ) -> BallotCast:
        """投票 for the owner(s) of ``unit_id``: by an owner, or by a proxy with authorisation.
        ``at`` backdates the ballot (imports, tests); the API casts it now.

        Only the voter's :class:`Ballot` is saved: the decision and the community are read
        without being copied or changed, so voters never conflict with each other; a race
        is possible only between two casts of the same voter key, and the retry makes the
        later one a change of the earlier."""
        unit_id, person_id = command.unit_id, command.person_id
        proxy_authorisation = command.proxy_authorisation
        channel = ballot_channel(meta.actor_role, command.channel)
        self.exists(Person, person_id, "personId")
        decision = self.load(Decision, command.decision_id, "decisionId")
        scope = estate_read(
            self,
            decision.community_id,
            "communityId",
            lambda c, e: _scope_facts(c, e, decision, unit_id),
        )
        if scope.unit is None:
            raise UnknownPart("unitId", "is not a unit in this decision's scope")
        owners, voter, mine = scope.unit
        if person_id not in owners and not proxy_authorisation.strip():
            raise RuleViolated(
                "personId",
                "is not an owner of the unit; a proxy needs a recorded authorisation",
            )
        # 北京 rule: a unit sold during the voting stays with the ballot its seller cast;
        # the buyer's ballot speaks for the buyer's other units only.
        kept = self._units_kept_by_earlier_owners(decision.id, voter, scope.former)
        if unit_id in kept:
            raise RuleViolated(
                "unitId",
                "was voted for by its owner before it changed hands during this voting; "
                "that ballot counts for the unit",
            )
        units = [u for u in mine if u not in kept]

        tries = []
        replaced: list[bool] = []

        def attempt() -> Changed:
            # Most ballots are a voter's first: the first try saves a new ballot without
            # reading; a repeat finds its id taken, and the retry changes the earlier one.
            tries.append(1)
            nonlocal decision
            if len(tries) > 1:  # the decision may have closed meanwhile
                decision = self.load(Decision, command.decision_id, "decisionId")
            earlier = self.find(Ballot, ballot_id(decision.id, voter)) if len(tries) > 1 else None
            replaced[:] = [earlier is not None or voter in decision.ballots]
            ballot = decision.cast_ballot(
                voter=voter,
                eligible_voters=scope.voters,
                choice=command.choice,
                channel=channel.value,
                cast_by=person_id,
                at=at or datetime.now(UTC),
                proxy_authorisation=proxy_authorisation,
                units=units,
                ballot=earlier,
            )
            # The decision must still be as read (open) when the ballot commits: a close
            # saved in between counted the ballots without this one, and the retry then
            # meets the closed decision and says so.
            return Changed((ballot,), expect={"versions": {decision.id: decision.version}})

        done = self.retrying(meta, attempt, what="the ballot")
        assert isinstance(done, Done)
        # The reply is about the decision, as it was when ballots were the decision's events.
        return BallotCast(decision.id, done.position, replaced_earlier=replaced[-1])

    def _units_kept_by_earlier_owners(
        self, decision_id: UUID, voter: str, former: dict[str, list[UUID]]
    ) -> set[UUID]:
        """Of the units that had other voter keys during the voting (``former``: key → its
        units), those a ballot of such a key speaks for."""
        keys = [key for key in former if key != voter]
        if not keys:
            return set()
        kept: set[UUID] = set()
        for ballot in self.load_many(Ballot, [ballot_id(decision_id, k) for k in keys]):
            kept.update(u for u in former[ballot.voter] if ballot.speaks_for(u))
        return kept

    @handles(CloseDecision)
    def close_decision(
        self, meta: Meta, command: CloseDecision, *, at: datetime | None = None
    ) -> Done:
        """截止计票 with the electorate as the community's records stand at the close, and the
        ballots of its voters (and of earlier owners of units sold during the voting), both
        frozen into the closing event. The collector pauses meanwhile: a close of 10,000
        ballots makes hundreds of thousands of objects, none in a cycle."""

        def attempt() -> Changed:
            decision = self.load(Decision, command.decision_id, "decisionId")
            units, former_keys = estate_read(
                self,
                decision.community_id,
                "communityId",
                lambda c, e: _electorate_facts(c, e, decision),
            )
            keys = {voter for _, _, voter in units} | former_keys
            ids = [ballot_id(decision.id, k) for k in sorted(keys)]
            # The ballots as of this position: one committed after it and before the close
            # (cast just before the closing time) fails the close's check, and the retry
            # counts it.
            read_at = self.recorder.max_notification_id() or 0
            ballots = self.counted_ballots(ids)
            decision.close(electorate_at_close(units, ballots), at or datetime.now(UTC), ballots)
            return Changed((decision,), expect={"none_after": (read_at, ids)})

        with bulk_work():
            return self.retrying(meta, attempt, what="the decision")

    def counted_ballots(self, ids: list[UUID]) -> list[CountedBallot]:
        """The ballots of ``ids`` as the count reads them, from the fields of their recorded
        events (no aggregate built, no personal field opened): what the close reads."""
        cast, changed = get_topic(Ballot.BallotCast), get_topic(Ballot.BallotChanged)
        events: dict[UUID | str, list[dict[str, Any]]] = {}
        for ballot, topic, fields in self.recorded_fields(ids, CountedBallot.FIELDS):
            if topic == cast:
                events[ballot] = [fields]
            elif topic == changed:
                events[ballot].append(fields)
        return [CountedBallot.of(*fields) for fields in events.values()]

    @handles(RecountDecision)
    def recount_decision(self, meta: Meta, command: RecountDecision) -> Done:
        return self.change(
            meta, Decision, command.decision_id, lambda d: d.recount(), field="decisionId"
        )

    @handles(ShareElevatorCost)
    def share_elevator_cost(self, meta: Meta, command: ShareElevatorCost) -> Done:
        """加装电梯 cost over the entrance's units; the building's coefficients, or the common
        scheme (floors 1–2 pay nothing, then 0.7, 0.8 …) when none are given."""
        given = command.coefficients or []
        coefficients = {c.floor: c.coefficient for c in given}
        if len(coefficients) != len(given):
            raise InvalidValue("coefficients", "must name each floor once")

        def share(decision: Decision) -> None:
            units = self.peek(
                Community,
                decision.community_id,
                "communityId",
                lambda c: [
                    (u.id, u.floor, u.area) for u in c.units_in(decision.scope, decision.scope_id)
                ],
            )
            floors = max(floor for _, floor, _ in units)
            scheme = (
                FloorCoefficients(name="BUILDING", version=1, coefficients=coefficients)
                if coefficients
                else FloorCoefficients.common_scheme(floors)
            )
            paying = [PayingUnit(str(unit), floor, area) for unit, floor, area in units]
            decision.share_elevator_cost(command.total_fen, paying, scheme)

        return self.change(meta, Decision, command.decision_id, share, field="decisionId")


@dataclass(frozen=True)
class _ScopeFacts:
    """What a ballot needs from the community, as plain values: every voter key in the
    decision's scope; for the unit voted for, its owners, voter key and that key's units in
    scope; for units whose voter key changed during the voting, the earlier keys' units."""

    voters: frozenset[str]
    unit: tuple[frozenset[UUID], str, list[UUID]] | None
    former: dict[str, list[UUID]]


def _scope_facts(
    community: Community, estate: Estate, decision: Decision, unit_id: UUID
) -> _ScopeFacts:
    """Looks at the voter's units only, never at every unit of the community."""
    unit = community.unit_index.get(unit_id)
    if (
        unit is None
        or unit.retired
        or not community.in_scope(unit, decision.scope, decision.scope_id)
    ):
        return _ScopeFacts(frozenset(), None, {})
    holding = estate.holding(unit_id)
    mine = [
        u
        for u in (community.unit_index[i] for i in estate.units_of_voter(holding.voter))
        if not u.retired and community.in_scope(u, decision.scope, decision.scope_id)
    ]
    former: dict[str, list[UUID]] = {}
    for u in mine:
        for key in estate.holding(u.id).voters_since(decision.opens_at):
            former.setdefault(key, []).append(u.id)
    owners = frozenset(owner for owner, _ in holding.owners)
    # The voter's key is eligible by construction: it is the key of a unit in scope.
    return _ScopeFacts(
        frozenset({holding.voter}), (owners, holding.voter, sorted(u.id for u in mine)), former
    )


def _electorate_facts(
    community: Community, estate: Estate, decision: Decision
) -> tuple[list[tuple[UUID, Decimal, str]], set[str]]:
    """(unit, area, voter key now) of every unit in scope, and the voter keys units had
    during the voting before a sale: their ballots may still speak for those units."""
    units = community.units_in(decision.scope, decision.scope_id)
    voter_of, holdings = estate.voter_of, estate.holdings
    former: set[str] = set()
    for u in units:
        if holdings[u.id].former_voters:  # few: units that changed hands
            former |= voters_since(holdings[u.id].former_voters, voter_of[u.id], decision.opens_at)
    return [(u.id, u.area, voter_of[u.id]) for u in units], former
