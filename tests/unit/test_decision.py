"""Owners' decisions as aggregates: ownership gives voter keys, ballots, close, recount."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from uuid import UUID, uuid4

import pytest

from gongzhi.domain.community import DEVELOPER_VOTER, Community
from gongzhi.domain.decision import CountedBallot, Decision, ballot_id, electorate_at_close
from gongzhi.domain.elevator import FloorCoefficients, PayingUnit
from gongzhi.domain.errors import InvalidValue, RuleViolated
from gongzhi.domain.holding import UnitHolding
from gongzhi.domain.tally import VotingUnit

OPENS = datetime(2024, 5, 1, tzinfo=UTC)
CLOSES = OPENS + timedelta(days=14)
ALICE, BOB, CAROL = uuid4(), uuid4(), uuid4()


def entrance_with_units(floors: int = 6) -> tuple[Community, UUID, list[UUID]]:
    c = Community.register(
        name="幸福里", district="红塔区", street="玉兴街道", registered_on=date(2024, 1, 1)
    )
    c.add_building("1栋", floors, False, ["1单元"])
    entrance = next(iter(c.entrance_index))
    units = [c.add_unit(entrance, f"{f}01", f, "100", "REGISTER") for f in range(1, floors + 1)]
    return c, entrance, units


def holdings_of(c: Community, units: list[UUID]) -> dict[UUID, UnitHolding]:
    """Each unit's holding (its owners since the estate split of issue 13), none owned yet."""
    return {unit: UnitHolding.open(c.id, unit) for unit in units}


def electorate(c: Community, entrance: UUID, holdings: dict[UUID, UnitHolding]) -> list[VotingUnit]:
    return [
        VotingUnit(str(u.id), u.area, holdings[u.id].voter)
        for u in c.units_in("ENTRANCE", entrance)
    ]


def test_voter_keys_follow_the_headcount_rules() -> None:
    # Given six units: Alice owns two, Bob and Carol co-own one, the developer holds two
    c, _, units = entrance_with_units()
    h = holdings_of(c, units)
    h[units[0]].record_ownership([(ALICE, Fraction(1))], date(2000, 1, 1))
    h[units[1]].record_ownership([(ALICE, Fraction(1))], date(2000, 1, 1))
    h[units[2]].record_ownership([(BOB, Fraction(1, 2)), (CAROL, Fraction(1, 2))], date(2000, 1, 1))
    h[units[3]].hold_by_developer(date(2020, 1, 1))
    h[units[4]].hold_by_developer(date(2020, 1, 1))

    # When the voter keys are read
    keys = [h[u].voter for u in units]

    # Then Alice counts once, the co-owners once, the developer once, the unowned unit once
    assert keys[0] == keys[1] == f"owners:{ALICE}"
    assert keys[2] == "owners:" + "+".join(sorted([str(BOB), str(CAROL)]))
    assert keys[3] == keys[4] == DEVELOPER_VOTER
    assert keys[5] == f"unit:{units[5]}"
    assert len(set(keys)) == 4


def test_ownership_changes_are_named_and_shares_must_be_exact() -> None:
    c, _, units = entrance_with_units()
    h = holdings_of(c, units)
    h[units[0]].hold_by_developer(date(2020, 1, 1))
    assert h[units[0]].record_ownership([(ALICE, Fraction(1))], date(2021, 1, 1)) == "DELIVERED"
    assert h[units[0]].record_ownership([(BOB, Fraction(1))], date(2022, 1, 1)) == "TRANSFERRED"
    assert h[units[1]].record_ownership([(BOB, Fraction(1))], date(2022, 1, 1)) == "ACQUIRED"
    with pytest.raises(InvalidValue, match="add up to exactly one"):
        h[units[2]].record_ownership(
            [(ALICE, Fraction(1, 3)), (BOB, Fraction(1, 3))], date(2022, 1, 1)
        )
    with pytest.raises(InvalidValue, match="each owner once"):
        h[units[2]].record_ownership(
            [(ALICE, Fraction(1, 2)), (ALICE, Fraction(1, 2))], date(2022, 1, 1)
        )


def propose_elevator(entrance: UUID, c: Community) -> Decision:
    return Decision.propose(
        community_id=c.id,
        scope="ENTRANCE",
        scope_id=entrance,
        matter="ELEVATOR_ADDITION",
        title="1栋1单元加装电梯",
        opens_at=OPENS,
        closes_at=CLOSES,
    )


def test_a_ballot_can_be_changed_until_the_close_and_only_by_an_owner_in_scope() -> None:
    # Given an elevator proposal for an entrance where Alice owns a unit
    c, entrance, units = entrance_with_units()
    h = holdings_of(c, units)
    h[units[0]].record_ownership([(ALICE, Fraction(1))], date(2000, 1, 1))
    decision = propose_elevator(entrance, c)
    voters = [h[u.id].voter for u in c.units_in("ENTRANCE", entrance)]
    key = h[units[0]].voter

    # When Alice votes against, then changes her mind (her ballot is its own aggregate since
    # issue 13: the change is given her earlier ballot)
    ballot = None
    for choice in ("OPPOSE", "APPROVE"):
        ballot = decision.cast_ballot(
            voter=key,
            eligible_voters=voters,
            choice=choice,
            channel="PAPER",
            cast_by=ALICE,
            at=OPENS + timedelta(days=1),
            units=[units[0]],
            ballot=ballot,
        )

    # Then one ballot counts, the latest
    assert ballot is not None and ballot.id == ballot_id(decision.id, key)
    assert (ballot.voter, ballot.choice, ballot.version) == (key, "APPROVE", 2)
    # And strangers, bad choices and late ballots are refused
    with pytest.raises(RuleViolated, match="does not own a unit"):
        decision.cast_ballot(
            voter="owners:someone",
            eligible_voters=voters,
            choice="APPROVE",
            channel="ONLINE",
            cast_by=BOB,
            at=OPENS,
        )
    with pytest.raises(InvalidValue, match="must be one of APPROVE, OPPOSE, ABSTAIN"):
        decision.cast_ballot(
            voter=key,
            eligible_voters=voters,
            choice="MAYBE",
            channel="ONLINE",
            cast_by=ALICE,
            at=OPENS,
        )
    with pytest.raises(RuleViolated, match="ballots are accepted from"):
        decision.cast_ballot(
            voter=key,
            eligible_voters=voters,
            choice="APPROVE",
            channel="ONLINE",
            cast_by=ALICE,
            at=CLOSES,
        )
    # And the close freezes the latest ballot into the record
    decision.close(electorate(c, entrance, h), CLOSES, [ballot])
    assert decision.ballots == {key: "APPROVE"}
    with pytest.raises(RuleViolated, match="the voting is closed"):
        decision.cast_ballot(
            voter=key,
            eligible_voters=voters,
            choice="OPPOSE",
            channel="ONLINE",
            cast_by=ALICE,
            at=OPENS,
            ballot=ballot,
        )


def test_close_tallies_records_the_electorate_and_a_recount_agrees() -> None:
    # Given six owners of an entrance, five of whom approve an elevator
    c, entrance, units = entrance_with_units()
    people = [uuid4() for _ in units]
    h = holdings_of(c, units)
    for unit, person in zip(units, people, strict=True):
        h[unit].record_ownership([(person, Fraction(1))], date(2000, 1, 1))
    decision = propose_elevator(entrance, c)
    voters = [h[u.id].voter for u in c.units_in("ENTRANCE", entrance)]
    ballots = [
        decision.cast_ballot(
            voter=h[unit].voter,
            eligible_voters=voters,
            choice="APPROVE",
            channel="ONLINE",
            cast_by=person,
            at=OPENS,
            units=[unit],
        )
        for unit, person in list(zip(units, people, strict=True))[:5]
    ]

    # When the voting closes and the result is recounted
    with pytest.raises(RuleViolated, match="runs until"):
        decision.close(electorate(c, entrance, h), OPENS, ballots)
    result = decision.close(electorate(c, entrance, h), CLOSES, ballots)

    # Then the decision passed with every figure recorded, and a recount agrees
    assert result.quorum_met and decision.passed()
    assert result.total_area == Decimal("600") and result.total_headcount == 6
    assert decision.challengeable_until == CLOSES.date() + timedelta(days=365)
    assert decision.recount() is True

    # And the cost is shared by floor coefficients, exactly to the fen
    sharing = decision.share_elevator_cost(
        1_000_000,
        [PayingUnit(str(u.id), u.floor, u.area) for u in c.units_in("ENTRANCE", entrance)],
        FloorCoefficients.common_scheme(6),
    )
    assert sum(s.fen for s in sharing.shares) == 1_000_000
    with pytest.raises(RuleViolated, match="already been shared"):
        decision.share_elevator_cost(1_000_000, [], FloorCoefficients.common_scheme(6))


def test_proposals_are_checked() -> None:
    c, _, _ = entrance_with_units()
    with pytest.raises(InvalidValue, match="decided by one entrance"):
        Decision.propose(
            community_id=c.id,
            scope="COMMUNITY",
            scope_id=c.id,
            matter="ELEVATOR_ADDITION",
            title="加装电梯",
            opens_at=OPENS,
            closes_at=CLOSES,
        )
    with pytest.raises(InvalidValue, match="after the voting opens"):
        Decision.propose(
            community_id=c.id,
            scope="COMMUNITY",
            scope_id=c.id,
            matter="OTHER_MAJOR",
            title="x",
            opens_at=CLOSES,
            closes_at=OPENS,
        )
    with pytest.raises(InvalidValue, match="time zone"):
        Decision.propose(
            community_id=c.id,
            scope="COMMUNITY",
            scope_id=c.id,
            matter="OTHER_MAJOR",
            title="x",
            opens_at=datetime(2024, 1, 1),
            closes_at=datetime(2024, 2, 1),
        )


def test_at_ten_thousand_units_heads_count_once_and_the_two_thirds_quorum_is_exact() -> None:
    # Given 10,000 units of 100 m²: the developer holds 1,000, one owner holds two, a couple
    # co-owns one, and 8,997 owners hold one each: 9,000 heads (Art. 278, SPC art. 9)
    c = Community.register(
        name="大型小区", district="红塔区", street="玉兴街道", registered_on=date(2024, 1, 1)
    )
    for b in range(50):
        c.add_building(f"{b + 1}栋", 25, True, ["1单元", "2单元"])
    entrances = list(c.entrance_index)
    units = [
        c.add_unit(entrances[i // 100], f"{i % 100 + 101}", i % 100 // 4 + 1, "100", "REGISTER")
        for i in range(10_000)
    ]
    h = holdings_of(c, units)
    for unit in units[:1000]:
        h[unit].hold_by_developer(date(2010, 1, 1))
    for unit in units[1000:1002]:
        h[unit].record_ownership([(ALICE, Fraction(1))], date(2001, 1, 1))
    h[units[1002]].record_ownership([(BOB, Fraction(1, 2)), (CAROL, Fraction(1, 2))], OPENS.date())
    for unit in units[1003:]:
        h[unit].record_ownership([(uuid4(), Fraction(1))], date(2001, 1, 1))
    rows = [(u.id, u.area, h[u.id].voter) for u in c.units_in("COMMUNITY", c.id)]
    keys = {voter: sorted(u for u, _, v in rows if v == voter) for _, _, voter in rows}
    assert len(keys) == 9_000
    voting = [DEVELOPER_VOTER, f"owners:{ALICE}", h[units[1002]].voter]
    voting += [h[u].voter for u in units[1003 : 1003 + 5_997]]

    def close_with(voters: list[str]) -> Decision:
        decision = Decision.propose(
            community_id=c.id,
            scope="COMMUNITY",
            scope_id=c.id,
            matter="PROPERTY_COMPANY",
            title="续聘物业",
            opens_at=OPENS,
            closes_at=CLOSES,
        )
        ballots = [
            decision.cast_ballot(
                voter=v,
                eligible_voters=[v],
                choice="APPROVE",
                channel="PAPER",
                cast_by=uuid4(),
                at=OPENS,
                units=keys[v],
            )
            for v in voters
        ]
        decision.close(electorate_at_close(rows, ballots), CLOSES, ballots)
        return decision

    # When exactly two thirds of the heads vote (6,000 of 9,000, with 7,000 of 10,000 units)
    exact = close_with(voting)
    # Then the developer's 1,000 units, the two-unit owner and the couple each count once
    result = exact.result
    assert result is not None
    assert (result.total_headcount, result.participating_headcount) == (9_000, 6_000)
    assert (result.total_area, result.participating_area) == (Decimal(1_000_000), Decimal(700_000))
    assert result.quorum_met and exact.passed() and exact.recount()
    # And one head fewer misses the quorum
    short = close_with(voting[:-1])
    assert short.result is not None and not short.result.quorum_met


def test_a_counted_ballot_folds_its_events_as_the_aggregate_does() -> None:
    # Given a ballot cast against and changed to for, and what its events recorded
    decision = Decision.propose(
        community_id=uuid4(),
        scope="COMMUNITY",
        scope_id=uuid4(),
        matter="PROPERTY_COMPANY",
        title="续聘物业",
        opens_at=OPENS,
        closes_at=CLOSES,
    )
    first, second = uuid4(), uuid4()
    ballot = None
    for choice, unit in (("OPPOSE", first), ("APPROVE", second)):
        ballot = decision.cast_ballot(
            voter="owners:a",
            eligible_voters=["owners:a"],
            choice=choice,
            channel="PAPER",
            cast_by=uuid4(),
            at=OPENS,
            units=[unit],
            ballot=ballot,
        )
    assert ballot is not None and ballot.version == 2
    recorded = [
        {name: getattr(event, name) for name in CountedBallot.FIELDS}
        for event in ballot.collect_events()
    ]

    # When the count folds the recorded fields
    counted = CountedBallot.of(*recorded)

    # Then it reads what the aggregate holds: the later choice, every unit, the first cast
    assert counted == CountedBallot(
        decision.id, "owners:a", tuple(ballot.units), "APPROVE", ballot.created_on
    )
    assert counted.units == tuple(sorted([str(first), str(second)]))
    # And the electorate frozen from either is the same
    rows = [(first, Decimal("80"), "owners:b"), (second, Decimal("90"), "owners:a")]
    assert electorate_at_close(rows, [counted]) == electorate_at_close(rows, [ballot])
