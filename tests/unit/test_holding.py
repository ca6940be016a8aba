"""A unit's holding (issue 13): the ownership rules of the community's units before the
split, on an aggregate of the unit's own."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from uuid import UUID, uuid4

import pytest

from gongzhi.domain.community import Community
from gongzhi.domain.errors import InvalidValue, RuleViolated
from gongzhi.domain.holding import (
    DEVELOPER_VOTER,
    OwnershipChange,
    UnitHolding,
    holding_id,
    owner_records,
)

ALICE, BOB = uuid4(), uuid4()


def recorded_before_the_split(
    community: Community,
    unit_id: UUID,
    owners: list[tuple[UUID, Fraction]],
    on: date,
    residents: tuple[UUID, ...] = (),
) -> None:
    """The unit's owners (and residents) as the community's own events recorded them before
    the split: logs written then hold these events, and they still replay."""
    community.trigger_event(
        Community.UnitOwnershipRecorded,
        unit_id=unit_id,
        owners=owner_records(owners),
        change=OwnershipChange.ACQUIRED.value,
        on=on,
    )
    for person in residents:
        community.trigger_event(Community.ResidentMovedIn, unit_id=unit_id, person_id=person, on=on)


def test_a_holding_is_found_from_its_unit_and_names_the_voter_as_the_community_did() -> None:
    unit, community = uuid4(), uuid4()
    holding = UnitHolding.open(community, unit)
    assert holding.id == holding_id(unit) == UnitHolding.open(community, unit).id
    assert holding.voter == f"unit:{unit}"
    holding.hold_by_developer(date(2020, 1, 1))
    assert holding.voter == DEVELOPER_VOTER
    assert holding.record_ownership([(ALICE, Fraction(1))], date(2021, 1, 1)) == "DELIVERED"
    assert holding.delivered_on == date(2021, 1, 1)
    assert holding.record_ownership([(BOB, Fraction(1))], date(2022, 1, 1)) == "TRANSFERRED"
    assert [voter for voter, _ in holding.former_voters] == [
        f"unit:{unit}",
        DEVELOPER_VOTER,
        f"owners:{ALICE}",
    ]
    # The voter keys it had since a moment, as a ballot's 北京 rule reads them
    assert holding.voters_since(holding.former_voters[1][1]) == {f"owners:{ALICE}"}


def test_the_holdings_rules_refuse_as_the_communitys_did() -> None:
    holding = UnitHolding.open(uuid4(), uuid4(), owners=[(ALICE, Fraction(1))])
    with pytest.raises(RuleViolated, match="already the unit's owners"):
        holding.record_ownership([(ALICE, Fraction(1))], date(2022, 1, 1))
    with pytest.raises(InvalidValue, match="add up to exactly one"):
        holding.record_ownership([(BOB, Fraction(1, 3))], date(2022, 1, 1))
    with pytest.raises(RuleViolated, match="transfer"):
        holding.hold_by_developer(date(2022, 1, 1))
    holding.move_in(BOB, date(2022, 1, 1))
    with pytest.raises(RuleViolated, match="already lives"):
        holding.move_in(BOB, date(2022, 1, 2))
    holding.move_out(BOB, date(2022, 2, 1))
    with pytest.raises(RuleViolated, match="does not live"):
        holding.move_out(BOB, date(2022, 2, 2))
    with pytest.raises(InvalidValue, match="developer holds"):
        UnitHolding.open(uuid4(), uuid4(), owners=[(ALICE, Fraction(1))], developer_held=True)


def test_a_holding_opened_from_a_unit_of_before_the_split_carries_on() -> None:
    # Given a unit owned and lived in through the community's own events
    c = Community.register(
        name="幸福里", district="红塔区", street="玉兴街道", registered_on=date(2024, 1, 1)
    )
    building = c.add_building("1栋", 6, False, ["1单元"])
    entrance = next(iter(c.buildings[building].entrances))
    unit_id = c.add_unit(entrance, "101", 1, "80.00", "REGISTER")
    recorded_before_the_split(c, unit_id, [(ALICE, Fraction(1))], date(2001, 1, 1), (ALICE,))
    unit = c.unit_index[unit_id]

    # When its holding opens from it and the unit is sold
    holding = UnitHolding.open(
        c.id,
        unit_id,
        owners=unit.owners,
        developer_held=unit.developer_held,
        residents=unit.residents,
        delivered_on=unit.delivered_on,
        former_voters=unit.former_voters,
    )
    assert holding.voter == unit.voter
    assert holding.record_ownership([(BOB, Fraction(1))], date(2024, 1, 1)) == "TRANSFERRED"

    # Then the earlier keys and the resident carried over, replayed from its events alike
    assert [v for v, _ in holding.former_voters] == [f"unit:{unit_id}", f"owners:{ALICE}"]
    assert holding.residents == {ALICE}
    replayed = None
    for event in holding.collect_events():
        replayed = event.mutate(replayed)
    assert isinstance(replayed, UnitHolding)
    assert (replayed.voter, replayed.former_voters, replayed.residents) == (
        holding.voter,
        holding.former_voters,
        holding.residents,
    )
