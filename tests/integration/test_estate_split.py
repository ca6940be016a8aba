"""The estate split (issue 13): a unit's owners and residents are its own aggregate, so two
writers changing different units of one community never meet, in one process or two; a
unit owned through the community's events of before the split carries on from them."""

from __future__ import annotations

import threading
from datetime import date
from fractions import Fraction
from uuid import UUID

from gongzhi.application.base import Meta
from gongzhi.application.communities import AddUnit
from gongzhi.application.estate import estate_read
from gongzhi.application.owners import MoveIn, OwnerShare, RecordOwnership, RegisterPerson
from gongzhi.bootstrap import Platform, bootstrap
from gongzhi.domain.community import Community
from gongzhi.domain.holding import UnitHolding, holding_id
from gongzhi.infra.settings import Settings
from tests.integration.test_command_in_place import community_with_entrance
from tests.unit.test_holding import recorded_before_the_split

META = Meta(actor="tester", reason="integration test", actor_role="PLATFORM_ADMIN")


def community_of(platform: Platform, units: int) -> tuple[UUID, list[UUID]]:
    app = platform.app
    community, entrance = community_with_entrance(platform, floors=30)
    ids = [
        app.add_unit(
            META,
            AddUnit(
                community_id=community,
                entrance_id=entrance,
                number=f"{n + 1}01",
                floor=n + 1,
                area="80.00",
                area_source="REGISTER",
            ),
        ).part_id
        for n in range(units)
    ]
    return community, [i for i in ids if i is not None]


def test_two_processes_writing_different_units_of_one_community_never_conflict(
    platform: Platform, settings: Settings
) -> None:
    # Given a community of 24 units and a second application on the same store (a second
    # API process, with its own cache)
    community, units = community_of(platform, 24)
    other = bootstrap(settings)
    try:
        apps = [platform.app, other.app]
        people = [
            platform.app.register_person(META, RegisterPerson(name=f"业主{i}")).id
            for i in range(len(units))
        ]
        version = platform.app.community(community).version
        start = threading.Barrier(2)
        failures: list[BaseException] = []

        # When each writes owners and residents of its own half of the units at once
        def write(number: int) -> None:
            app = apps[number]
            start.wait()
            try:
                for unit, person in list(zip(units, people, strict=True))[number::2]:
                    app.record_ownership(
                        META,
                        RecordOwnership(
                            community, unit, [OwnerShare(person, "1")], date(2024, 5, 1)
                        ),
                    )
                    app.move_in(META, MoveIn(community, unit, person, date(2024, 6, 1)))
            except BaseException as error:  # collected, the test fails on it below
                failures.append(error)

        threads = [threading.Thread(target=write, args=(n,)) for n in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        # Then every command succeeded, the community itself was not written, and each unit's
        # holding holds its owner and resident, read alike by both processes
        assert failures == []
        assert platform.app.community(community).version == version
        for app in apps:
            seen = estate_read(
                app,
                community,
                "communityId",
                lambda _, e: {u: (e.holding(u).voter, set(e.holding(u).residents)) for u in units},
            )
            assert seen == {u: (f"owners:{p}", {p}) for u, p in zip(units, people, strict=True)}
        holding = platform.app.find(UnitHolding, holding_id(units[0]))
        assert holding is not None and holding.version == 3  # opened, owned, moved in
    finally:
        other.close()


def test_a_unit_owned_before_the_split_carries_on_in_its_holding(platform: Platform) -> None:
    # Given a unit whose first owner the community's own events recorded (before the split)
    app = platform.app
    community_id, units = community_of(platform, 2)
    seller = app.register_person(META, RegisterPerson(name="卖方")).id
    buyer = app.register_person(META, RegisterPerson(name="买方")).id
    community = app.load(Community, community_id, "communityId")
    recorded_before_the_split(
        community, units[0], [(seller, Fraction(1))], date(2001, 1, 1), residents=(seller,)
    )
    app.record(META, community)
    assert (
        estate_read(app, community_id, "communityId", lambda _, e: e.holding(units[0]).voter)
        == f"owners:{seller}"
    )

    # When the unit is sold through today's command
    app.record_ownership(
        META, RecordOwnership(community_id, units[0], [OwnerShare(buyer, "1")], date(2024, 5, 1))
    )

    # Then its holding took over the seller's residence and the earlier voter key, and the
    # sale is a transfer (the seller was on record), not a first acquisition
    holding = app.find(UnitHolding, holding_id(units[0]))
    assert holding is not None
    assert holding.residents == {seller}
    assert [voter for voter, _ in holding.former_voters] == [f"unit:{units[0]}", f"owners:{seller}"]
    assert holding.voter == f"owners:{buyer}"
    changes = [
        e.change
        for e in app.events.get(holding.id)
        if isinstance(e, UnitHolding.UnitOwnershipRecorded)
    ]
    assert changes == ["TRANSFERRED"]
    # And the estate read finds the unit under its buyer's voter key
    assert estate_read(
        app, community_id, "communityId", lambda _, e: e.units_of_voter(f"owners:{buyer}")
    ) == {units[0]}
