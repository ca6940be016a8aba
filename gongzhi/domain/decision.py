"""业主共同决定 owners' decision: a proposal, one ballot per owner, close, tally, recount.

The closing event keeps the electorate (every unit in scope with its area and voter key),
the ballots it counted and the result with every figure, so the decision can be recomputed
from the record for as long as it can be challenged in court (one year, SPC interpretation
art. 12).

A ballot is one owner's act, so it is an aggregate of its own (:class:`Ballot`), one per
(decision, voter key) with a derived id: owners voting at the same time never touch the same
aggregate, and a repeat or a change before the close is the same ballot again. The decision
itself changes only when it is proposed, closed, recounted and its cost shared. Ballots
recorded on the decision by the earlier model (``Decision.BallotCast``) still count.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate

from gongzhi.domain.business_time import business_date
from gongzhi.domain.elevator import CostSharing, FloorCoefficients, PayingUnit, share_cost
from gongzhi.domain.errors import InvalidValue, RuleViolated
from gongzhi.domain.tally import (
    ABSTAIN,
    APPROVE,
    CIVIL_CODE_RULES,
    YES_NO,
    Matter,
    RuleSet,
    TallyResult,
    VotingUnit,
    tally,
)
from gongzhi.domain.values import enum_value, optional_text, required_text

CHALLENGE_PERIOD = timedelta(days=365)
MAX_OPTIONS = 50


class Scope(enum.Enum):
    """Whose owners decide: the whole community, one building, or one entrance (单元)."""

    COMMUNITY = "COMMUNITY"
    BUILDING = "BUILDING"
    ENTRANCE = "ENTRANCE"


class Channel(enum.Enum):
    """表决方式: a paper ballot collected door to door, or online."""

    PAPER = "PAPER"
    ONLINE = "ONLINE"


class Decision(Aggregate):
    """业主共同决定 one matter put to the owners of a scope."""

    class Proposed(Aggregate.Created):
        community_id: UUID
        scope: str
        scope_id: UUID
        matter: str
        title: str
        description: str
        options: list[str]
        opens_at: datetime
        closes_at: datetime
        rules: dict[str, Any]
        party_deliberation_id: UUID | None

    class BallotCast(Aggregate.Event):
        """A voter's choice recorded on the decision itself, as the earlier model did (no
        longer written: ballots are :class:`Ballot` aggregates). Kept so that decisions
        voted then still read, count and recount the same."""

        voter: str
        choice: str
        channel: str
        cast_by: UUID
        proxy_authorisation: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Decision)
            aggregate.ballots[self.voter] = self.choice

    class Closed(Aggregate.Event):
        """The close with the electorate and, since ballots are aggregates of their own, the
        ballots counted (voter key → choice). A close recorded before carries no ballots:
        the default reads it as it is stored (the ballots are then the decision's own
        ``BallotCast`` events), so no upcaster is needed and its trail stays as it was."""

        electorate: list[dict[str, str]]
        result: dict[str, Any]
        challengeable_until: date
        ballots: dict[str, str] | None = None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Decision)
            if self.ballots is not None:
                aggregate.ballots = dict(self.ballots)
            aggregate.electorate = [
                VotingUnit(e["unit_id"], Decimal(e["area"]), e["voter"]) for e in self.electorate
            ]
            aggregate.result = TallyResult.from_record(self.result)
            aggregate.challengeable_until = self.challengeable_until

    class Recounted(Aggregate.Event):
        """A recount from the recorded electorate and ballots; it must equal the result."""

        result: dict[str, Any]
        agrees: bool

        def apply(self, aggregate: Aggregate) -> None:
            pass

    class CostShared(Aggregate.Event):
        """加装电梯 cost shared over the entrance's units by floor coefficients."""

        total_fen: int
        scheme: dict[str, Any]
        shares: list[dict[str, Any]]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Decision)
            aggregate.cost_shared = True

    def __init__(
        self,
        community_id: UUID,
        scope: str,
        scope_id: UUID,
        matter: str,
        title: str,
        description: str,
        options: list[str],
        opens_at: datetime,
        closes_at: datetime,
        rules: dict[str, Any],
        party_deliberation_id: UUID | None,
    ) -> None:
        self.community_id = community_id
        self.scope = scope
        self.scope_id = scope_id
        self.matter = matter
        self.title = title
        self.description = description
        self.options = options
        self.opens_at = opens_at
        self.closes_at = closes_at
        self.rules = rules
        self.party_deliberation_id = party_deliberation_id
        self.ballots: dict[str, str] = {}
        self.electorate: list[VotingUnit] = []
        self.result: TallyResult | None = None
        self.challengeable_until: date | None = None
        self.cost_shared = False

    @classmethod
    def propose(
        cls,
        *,
        community_id: UUID,
        scope: str,
        scope_id: UUID,
        matter: str,
        title: str,
        description: str = "",
        options: Sequence[str] = YES_NO,
        opens_at: datetime,
        closes_at: datetime,
        rules: RuleSet = CIVIL_CODE_RULES,
        party_deliberation_id: UUID | None = None,
    ) -> Decision:
        scope_value = enum_value("scope", Scope, scope)
        matter_value = enum_value("matter", Matter, matter)
        if matter_value == Matter.ELEVATOR_ADDITION.value and scope_value != Scope.ENTRANCE.value:
            raise InvalidValue("scope", "an elevator addition is decided by one entrance")
        choices = [required_text(f"options.{i}", o, max_length=100) for i, o in enumerate(options)]
        if len(choices) < 2 or len(choices) > MAX_OPTIONS:
            raise InvalidValue("options", f"must list between 2 and {MAX_OPTIONS} options")
        if len(set(choices)) != len(choices) or ABSTAIN in choices:
            raise InvalidValue("options", "must differ from each other and not be ABSTAIN")
        if _naive(opens_at) or _naive(closes_at):
            raise InvalidValue("closesAt", "times must carry a time zone")
        if closes_at <= opens_at:
            raise InvalidValue("closesAt", "must be after the voting opens")
        rules.approval(Matter(matter_value))  # the rule set must cover the matter
        return cls._create(
            cls.Proposed,
            id=uuid4(),
            community_id=community_id,
            scope=scope_value,
            scope_id=scope_id,
            matter=matter_value,
            title=required_text("title", title),
            description=optional_text("description", description, max_length=5000),
            options=choices,
            opens_at=opens_at,
            closes_at=closes_at,
            rules=rules.to_record(),
            party_deliberation_id=party_deliberation_id,
        )

    @property
    def rule_set(self) -> RuleSet:
        return RuleSet.from_record(self.rules)

    @property
    def closed(self) -> bool:
        return self.result is not None

    def cast_ballot(
        self,
        *,
        voter: str,
        eligible_voters: Iterable[str],
        choice: str,
        channel: str,
        cast_by: UUID,
        at: datetime,
        proxy_authorisation: str = "",
        units: Sequence[UUID] = (),
        ballot: Ballot | None = None,
    ) -> Ballot:
        """投票: ``voter`` is the key of the units the caster owns (or holds a proxy for),
        ``units`` those of them the ballot speaks for. Returns the voter's ballot, new, or
        ``ballot`` (the voter's earlier one) changed; the decision itself does not change."""
        if self.closed:
            raise RuleViolated("decisionId", "the voting is closed")
        if not self.opens_at <= at < self.closes_at:
            raise RuleViolated(
                "decisionId",
                f"ballots are accepted from {self.opens_at.isoformat()} "
                f"until {self.closes_at.isoformat()}",
            )
        if voter not in set(eligible_voters):
            raise RuleViolated("voter", "does not own a unit in this decision's scope")
        if choice != ABSTAIN and choice not in self.options:
            raise InvalidValue("choice", f"must be one of {', '.join([*self.options, ABSTAIN])}")
        channel_value = enum_value("channel", Channel, channel)
        authorisation = optional_text("proxyAuthorisation", proxy_authorisation)
        if ballot is None:
            return Ballot.cast(
                decision_id=self.id,
                voter=voter,
                units=units,
                choice=choice,
                channel=channel_value,
                cast_by=cast_by,
                proxy_authorisation=authorisation,
            )
        if ballot.decision_id != self.id or ballot.voter != voter:
            raise RuleViolated("voter", "the ballot is another voter's or another decision's")
        ballot.change(
            units=units,
            choice=choice,
            channel=channel_value,
            cast_by=cast_by,
            proxy_authorisation=authorisation,
        )
        return ballot

    def close(
        self, electorate: Sequence[VotingUnit], at: datetime, ballots: Iterable[Counted] = ()
    ) -> TallyResult:
        """截止并计票 with the electorate as it stands at the close (see
        :func:`electorate_at_close`) and the voters' ballots, both frozen into the record.

        Ballots recorded on the decision by the earlier model count unless the same voter
        cast a :class:`Ballot` since; a ballot whose voter no longer stands for any unit of
        the electorate (all its units retired) does not count."""
        if self.closed:
            raise RuleViolated("decisionId", "the voting is already closed")
        if at < self.closes_at:
            raise RuleViolated("decisionId", f"the voting runs until {self.closes_at.isoformat()}")
        counted = dict(self.ballots)
        counted.update({b.voter: b.choice for b in ballots if b.decision_id == self.id})
        voters = {u.voter for u in electorate}
        counted = {voter: choice for voter, choice in sorted(counted.items()) if voter in voters}
        result = tally(Matter(self.matter), self.options, electorate, counted, self.rule_set)
        self.trigger_event(
            self.Closed,
            electorate=[
                {"unit_id": u.unit_id, "area": str(u.area), "voter": u.voter}
                for u in sorted(electorate, key=lambda u: u.unit_id)
            ],
            result=result.to_record(),
            challengeable_until=business_date(at) + CHALLENGE_PERIOD,
            ballots=counted,
        )
        return result

    def recount(self) -> bool:
        """复核: recompute from the recorded electorate and ballots; record whether it agrees."""
        if self.result is None:
            raise RuleViolated("decisionId", "the voting is not closed yet")
        again = tally(
            Matter(self.matter), self.options, self.electorate, self.ballots, self.rule_set
        )
        agrees = again == self.result
        self.trigger_event(self.Recounted, result=again.to_record(), agrees=agrees)
        return agrees

    def passed(self) -> bool:
        return self.result is not None and approved(self.result)

    def share_elevator_cost(
        self, total_fen: int, units: Sequence[PayingUnit], coefficients: FloorCoefficients
    ) -> CostSharing:
        if self.matter != Matter.ELEVATOR_ADDITION.value:
            raise RuleViolated("decisionId", "only an elevator addition shares its cost")
        if not self.passed():
            raise RuleViolated("decisionId", "the elevator addition has not been approved")
        if self.cost_shared:
            raise RuleViolated("decisionId", "the cost has already been shared")
        sharing = share_cost(total_fen, units, coefficients)
        self.trigger_event(
            self.CostShared,
            total_fen=total_fen,
            scheme={
                "name": sharing.scheme,
                "version": sharing.scheme_version,
                "coefficients": {str(f): str(c) for f, c in coefficients.coefficients.items()},
            },
            shares=[
                {
                    "unit_id": s.unit_id,
                    "floor": s.floor,
                    "area": str(s.area),
                    "coefficient": str(s.coefficient),
                    "fen": s.fen,
                }
                for s in sharing.shares
            ],
        )
        return sharing


def ballot_id(decision_id: UUID, voter: str) -> UUID:
    """The id of a voter key's ballot on a decision: derived, so a repeat finds it and two
    voters' ballots are never the same aggregate."""
    return uuid5(decision_id, f"ballot:{voter}")


class Ballot(Aggregate):
    """投票 one voter key's ballot on one decision: the choice, who cast it and how, and the
    units it speaks for. The units matter when one is sold during the voting: the ballot
    already cast keeps speaking for it (北京 rule), and the buyer cannot vote for it again."""

    class BallotCast(Aggregate.Created):
        decision_id: UUID
        voter: str
        units: list[str]
        choice: str
        channel: str
        cast_by: UUID
        proxy_authorisation: str

    class BallotChanged(Aggregate.Event):
        """投票 again before the close: the later choice replaces the earlier. It names the
        decision and the voter again, so that the trail and the views read it alone."""

        decision_id: UUID
        voter: str
        units: list[str]
        choice: str
        channel: str
        cast_by: UUID
        proxy_authorisation: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Ballot)
            aggregate.units = list(self.units)
            aggregate.choice = self.choice
            aggregate.channel = self.channel
            aggregate.cast_by = self.cast_by
            aggregate.proxy_authorisation = self.proxy_authorisation

    def __init__(
        self,
        decision_id: UUID,
        voter: str,
        units: list[str],
        choice: str,
        channel: str,
        cast_by: UUID,
        proxy_authorisation: str,
    ) -> None:
        self.decision_id = decision_id
        self.voter = voter
        self.units = list(units)
        self.choice = choice
        self.channel = channel
        self.cast_by = cast_by
        self.proxy_authorisation = proxy_authorisation

    @classmethod
    def cast(
        cls,
        *,
        decision_id: UUID,
        voter: str,
        units: Sequence[UUID],
        choice: str,
        channel: str,
        cast_by: UUID,
        proxy_authorisation: str,
    ) -> Ballot:
        """Validated by :meth:`Decision.cast_ballot`, the only caller."""
        return cls._create(
            cls.BallotCast,
            id=ballot_id(decision_id, voter),
            decision_id=decision_id,
            voter=voter,
            units=sorted(str(u) for u in units),
            choice=choice,
            channel=channel,
            cast_by=cast_by,
            proxy_authorisation=proxy_authorisation,
        )

    def change(
        self,
        *,
        units: Sequence[UUID],
        choice: str,
        channel: str,
        cast_by: UUID,
        proxy_authorisation: str,
    ) -> None:
        """The voter's new choice. The units the ballot spoke for stay with it (a unit sold
        since is still spoken for by this ballot), with the voter's units now added."""
        self.trigger_event(
            self.BallotChanged,
            decision_id=self.decision_id,
            voter=self.voter,
            units=sorted({*self.units, *(str(u) for u in units)}),
            choice=choice,
            channel=channel,
            cast_by=cast_by,
            proxy_authorisation=proxy_authorisation,
        )

    def speaks_for(self, unit_id: UUID | str) -> bool:
        return str(unit_id) in self.units


class Counted(Protocol):
    """What the count reads of a ballot: a :class:`Ballot`, or its :class:`CountedBallot`."""

    @property
    def decision_id(self) -> UUID: ...
    @property
    def voter(self) -> str: ...
    @property
    def units(self) -> Sequence[str]: ...
    @property
    def choice(self) -> str: ...
    @property
    def created_on(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class CountedBallot:
    """A ballot as the count reads it: its decision, voter key, the units it speaks for,
    the choice and when it was first cast (which ballot keeps a unit two ballots speak for).
    A close reads these from the ballots' recorded fields without building the aggregates
    (application/decisions.py); :meth:`of` folds them from the events' fields, in order."""

    decision_id: UUID
    voter: str
    units: tuple[str, ...]
    choice: str
    created_on: datetime

    # The fields of ``Ballot.BallotCast`` and ``Ballot.BallotChanged`` the count reads.
    FIELDS = ("decision_id", "voter", "units", "choice", "timestamp")

    @classmethod
    def of(cls, cast: dict[str, Any], *changes: dict[str, Any]) -> CountedBallot:
        """From the fields of the ballot's ``BallotCast`` and of its ``BallotChanged``
        events, in order: a change replaces the units and the choice, as it does on the
        aggregate."""
        last = changes[-1] if changes else cast
        return cls(
            cast["decision_id"],
            cast["voter"],
            tuple(last["units"]),
            last["choice"],
            cast["timestamp"],
        )


def electorate_at_close(
    units: Iterable[tuple[UUID, Decimal, str]], ballots: Iterable[Counted]
) -> list[VotingUnit]:
    """The electorate frozen at the close from (unit, area, voter key now) of every unit in
    scope: a unit sold during the voting votes with the ballot cast for it before the sale
    (its seller's, 北京 rule), not with its buyer; any other unit with its voter now. Should
    two ballots speak for one unit (a buyer's and a seller's saved at the same moment), the
    earlier cast keeps it: the order of the record decides, the same on every recount."""
    first: dict[str, Counted] = {}
    for ballot in ballots:
        for unit in ballot.units:
            held = first.get(unit)
            if held is None or (ballot.created_on, ballot.voter) < (held.created_on, held.voter):
                first[unit] = ballot
    electorate = []
    for unit_id, area, voter in units:
        unit = str(unit_id)
        held = first.get(unit)
        electorate.append(VotingUnit(unit, area, voter if held is None else held.voter))
    return electorate


def _naive(moment: datetime) -> bool:
    return moment.tzinfo is None or moment.utcoffset() is None


def approved(result: TallyResult) -> bool:
    """通过: a yes/no decision passes with its APPROVE option; a choice among options
    passes when one option reached the thresholds."""
    if any(option.option == APPROVE for option in result.options):
        return result.option(APPROVE).passed
    return bool(result.passed_options)
