"""A process started later reads a community and its estate from what was stored (issue 13):
the community from its compact snapshot, the owners of every unit from the stored estate and
the holding events after it, equal to what the events alone give; an owner change after the
estate was stored is seen, and the 北京 rule holds in a process that never saw the sale."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import text

from gongzhi.application.base import GongzhiBase, Meta
from gongzhi.application.communities import CorrectUnitArea, RetireUnit
from gongzhi.application.community_snapshot import CommunitySnapshot
from gongzhi.application.decisions import CastBallot, CloseDecision, ProposeDecision
from gongzhi.application.estate import Estate, StoredHolding, estate_read, stored_id
from gongzhi.application.owners import (
    HoldByDeveloper,
    MoveIn,
    OwnerShare,
    RecordOwnership,
    RegisterPerson,
)
from gongzhi.bootstrap import Platform, bootstrap
from gongzhi.domain.community import Community
from gongzhi.domain.decision import Ballot, Channel, Decision, Scope, ballot_id
from gongzhi.domain.errors import RuleViolated
from gongzhi.domain.tally import Matter
from gongzhi.infra.settings import PgParams, Settings
from tests.integration.test_db_roles import app_role  # noqa: F401 (the fixture)
from tests.integration.test_estate_split import community_of
from tests.unit.test_holding import recorded_before_the_split

META = Meta(actor="tester", reason="integration test", actor_role="PLATFORM_ADMIN")


def owners(*people: UUID) -> list[OwnerShare]:
    share = f"1/{len(people)}"
    return [OwnerShare(person, share) for person in people]


def estate_as_read(app: GongzhiBase, community: UUID) -> dict[str, Any]:
    """Everything a reader of the estate sees, as plain values."""

    def read(_: Community, estate: Estate) -> dict[str, Any]:
        return {
            "holdings": {
                unit: (
                    h.voter,
                    h.owners,
                    h.developer_held,
                    set(h.residents),
                    h.delivered_on,
                    h.former_voters,
                )
                for unit, h in estate.holdings.items()
            },
            "voters": estate.voters,
            "persons": estate.persons(),
        }

    return estate_read(app, community, "communityId", read)


def kept(app: GongzhiBase, community: UUID) -> Estate:
    estate: Estate = app.__dict__["_estates"][community]
    return estate


def test_a_fresh_process_reads_the_community_and_its_estate_as_their_events_give_them(
    platform: Platform, settings: Settings
) -> None:
    # Given a community whose units were owned every way there is: one before the split
    # (the community's own events), a couple, a transfer, a developer's unit delivered, one
    # held, a resident, a corrected area and a retired unit
    app = platform.app
    community_id, units = community_of(platform, 8)
    a, b, c, d = (app.register_person(META, RegisterPerson(name=n)).id for n in "甲乙丙丁")
    community = app.load(Community, community_id, "communityId")
    recorded_before_the_split(community, units[0], [(a, Fraction(1))], date(2001, 1, 1))
    app.record(META, community)
    record = app.record_ownership
    record(META, RecordOwnership(community_id, units[1], owners(b, c), date(2020, 1, 1)))
    record(META, RecordOwnership(community_id, units[2], owners(c), date(2020, 1, 1)))
    record(META, RecordOwnership(community_id, units[2], owners(d), date(2021, 1, 1)))
    app.hold_by_developer(META, HoldByDeveloper(community_id, units[3], date(2019, 1, 1)))
    record(META, RecordOwnership(community_id, units[3], owners(a), date(2022, 1, 1)))
    app.hold_by_developer(META, HoldByDeveloper(community_id, units[4], date(2019, 1, 1)))
    app.move_in(META, MoveIn(community_id, units[5], d, date(2022, 3, 1)))
    app.correct_unit_area(META, CorrectUnitArea(community_id, units[6], "91.25", "SURVEY"))
    app.retire_unit(META, RetireUnit(community_id, units[7]))
    # ... its snapshot taken and its estate stored by the process that read it first
    app.take_snapshot(community_id)
    built = estate_as_read(app, community_id)
    assert kept(app, community_id).stored_version == 1

    # When a process started later reads both
    later = bootstrap(settings)
    try:
        assert later.app.snapshots is not None
        (snapshot,) = later.app.snapshots.get(community_id, desc=True, limit=1)
        assert isinstance(snapshot, CommunitySnapshot)
        from_snapshot = later.app.community(community_id)
        read_later = estate_as_read(later.app, community_id)
        estate = kept(later.app, community_id)
    finally:
        later.close()

    # Then the community equals the one its events alone fold to
    folded = None
    for event in app.events.get(community_id):
        folded = event.mutate(folded)  # type: ignore[attr-defined]
    assert vars(from_snapshot) == vars(folded)
    # And the estate equals the one built from every holding's events, started from the
    # stored one (its holdings not read again)
    assert read_later == built
    assert estate.stored_version == 1
    assert isinstance(estate.holdings[units[1]], StoredHolding)
    assert read_later["holdings"][units[0]][0] == f"owners:{a}"
    assert read_later["holdings"][units[3]][4] == date(2022, 1, 1)  # delivered
    assert read_later["voters"][f"owners:{a}"] == {units[0], units[3]}


def test_an_owner_change_after_the_estate_was_stored_is_seen_by_a_fresh_process(
    platform: Platform, settings: Settings
) -> None:
    # Given a community's estate stored with the owner of its first unit
    app = platform.app
    community_id, units = community_of(platform, 3)
    seller, buyer = (app.register_person(META, RegisterPerson(name=n)).id for n in "卖买")
    app.record_ownership(
        META, RecordOwnership(community_id, units[0], owners(seller), date(2020, 1, 1))
    )
    estate_as_read(app, community_id)

    # When the unit is sold afterwards, and a process started later reads the estate
    app.record_ownership(
        META, RecordOwnership(community_id, units[0], owners(buyer), date(2024, 1, 1))
    )
    later = bootstrap(settings)
    try:
        seen = estate_as_read(later.app, community_id)
        stored_version = kept(later.app, community_id).stored_version
    finally:
        later.close()

    # Then it starts from the stored estate and sees the buyer, the seller's key ended
    assert stored_version == 1
    voter, _, _, _, _, former = seen["holdings"][units[0]]
    assert voter == f"owners:{buyer}"
    assert [key for key, _ in former] == [f"unit:{units[0]}", f"owners:{seller}"]
    assert seen["voters"][f"owners:{buyer}"] == {units[0]}
    assert f"owners:{seller}" not in seen["voters"]


def test_a_stored_estate_of_another_shape_is_built_again(
    platform: Platform, settings: Settings
) -> None:
    # Given a community whose stored estate has a shape this code does not read
    app = platform.app
    community_id, units = community_of(platform, 2)
    owner = app.register_person(META, RegisterPerson(name="业主")).id
    app.record_ownership(
        META, RecordOwnership(community_id, units[1], owners(owner), date(2020, 1, 1))
    )
    built = estate_as_read(app, community_id)
    assert app.snapshots is not None
    table = app.snapshots.recorder.events_table_name  # type: ignore[attr-defined]
    with platform.engine.begin() as conn:
        conn.execute(
            text(
                f"UPDATE {table} SET state = convert_to('{{\"shape\": 0}}', 'UTF8') "
                "WHERE originator_id = :id"
            ),
            {"id": stored_id(community_id)},
        )

    # When a process started later reads the estate, and then another
    later, last = bootstrap(settings), bootstrap(settings)
    try:
        seen = estate_as_read(later.app, community_id)
        rebuilt = kept(later.app, community_id)
        seen_last = estate_as_read(last.app, community_id)
        restored = kept(last.app, community_id)
    finally:
        later.close()
        last.close()

    # Then the first built it from the holdings' events, equal, and stored it anew, and the
    # next started from that one
    assert seen == built == seen_last
    assert rebuilt.stored_version == restored.stored_version == 2
    assert isinstance(restored.holdings[units[1]], StoredHolding)


def test_the_beijing_rule_holds_in_fresh_processes_that_never_saw_the_sale(
    platform: Platform, settings: Settings
) -> None:
    # Given an open vote in a community of three owners whose estate is stored, and the
    # first owner's approval
    app = platform.app
    community_id, units = community_of(platform, 3)
    people = [app.register_person(META, RegisterPerson(name=f"业主{i}")).id for i in range(3)]
    for unit, person in zip(units, people, strict=True):
        app.record_ownership(
            META, RecordOwnership(community_id, unit, owners(person), date(2020, 1, 1))
        )
    now = datetime.now(UTC)
    closes = now + timedelta(days=7)
    decision = app.propose_decision(
        META,
        ProposeDecision(
            community_id=community_id,
            scope=Scope.COMMUNITY,
            matter=Matter.PROPERTY_COMPANY,
            title="续聘物业服务企业",
            opens_at=now - timedelta(days=1),
            closes_at=closes,
        ),
    ).id

    def cast(app: GongzhiBase, unit: UUID, person: UUID, choice: str) -> None:
        command = CastBallot(decision, unit, person, choice, Channel.PAPER)
        app.cast_ballot(META, command)  # type: ignore[attr-defined]

    cast(app, units[0], people[0], "APPROVE")
    # When the first unit is sold during the voting (after the estate was stored)
    buyer = app.register_person(META, RegisterPerson(name="买受人")).id
    app.record_ownership(META, RecordOwnership(community_id, units[0], owners(buyer), date.today()))

    # Then a process started later refuses its buyer's ballot for it
    voting = bootstrap(settings)
    try:
        with pytest.raises(RuleViolated, match="before it changed hands"):
            cast(voting.app, units[0], buyer, "OPPOSE")
        cast(voting.app, units[1], people[1], "OPPOSE")
    finally:
        voting.close()
    # And another closes with the seller's ballot counting for the unit
    closing = bootstrap(settings)
    try:
        closing.app.close_decision(META, CloseDecision(decision), at=closes)
        closed = closing.app.load(Decision, decision, "decisionId")
    finally:
        closing.close()
    assert closed.ballots == {f"owners:{people[0]}": "APPROVE", f"owners:{people[1]}": "OPPOSE"}
    assert {e.unit_id: e.voter for e in closed.electorate}[str(units[0])] == f"owners:{people[0]}"
    assert closed.result is not None
    assert (closed.result.total_headcount, closed.result.participating_headcount) == (3, 2)


def test_a_stored_estate_the_database_refuses_does_not_fail_the_ballot(
    platform: Platform,
    settings: Settings,
    app_role: PgParams,  # noqa: F811 (the fixture)
) -> None:
    # Given an open vote in a community whose estate no process stored yet, and the
    # platform's role refused the snapshots' table (a shortcut, never the record)
    app = platform.app
    community_id, units = community_of(platform, 2)
    owner = app.register_person(META, RegisterPerson(name="业主")).id
    app.record_ownership(
        META, RecordOwnership(community_id, units[0], owners(owner), date(2020, 1, 1))
    )
    now = datetime.now(UTC)
    decision = app.propose_decision(
        META,
        ProposeDecision(
            community_id=community_id,
            scope=Scope.COMMUNITY,
            matter=Matter.PROPERTY_COMPANY,
            title="续聘物业服务企业",
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=7),
        ),
    ).id
    assert app.snapshots is not None
    table = app.snapshots.recorder.events_table_name  # type: ignore[attr-defined]
    with platform.engine.begin() as conn:
        conn.execute(
            text(f"DELETE FROM {table} WHERE originator_id = :id"), {"id": stored_id(community_id)}
        )
        conn.execute(text(f'REVOKE INSERT ON {table} FROM "{app_role.user}"'))

    # When the owner votes in a process running as that role
    as_role = bootstrap(replace(settings, database_url=app_role.url()))
    try:
        done = as_role.app.cast_ballot(
            META, CastBallot(decision, units[0], owner, "APPROVE", Channel.PAPER)
        )
        estate = kept(as_role.app, community_id)
    finally:
        as_role.close()

    # Then the ballot is recorded, from the estate built from the events, stored nowhere
    assert done.position > 0
    assert app.load(Decision, decision, "decisionId").id == decision
    assert app.find(Ballot, ballot_id(decision, f"owners:{owner}")) is not None
    assert estate.voter_of[units[0]] == f"owners:{owner}"
    with platform.engine.connect() as conn:
        stored = conn.execute(
            text(f"SELECT count(*) FROM {table} WHERE originator_id = :id"),
            {"id": stored_id(community_id)},
        ).scalar_one()
    assert stored == 0
