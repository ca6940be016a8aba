"""A community is changed in place, not deep-copied for every command (issue 13): a failed
command must never leave a changed aggregate behind in the cache. Long-lived aggregates are
snapshotted, and a snapshot reads back equal to the events it stands for."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest
from sqlalchemy import text

from gongzhi.application.base import Meta
from gongzhi.application.communities import AddBuilding, AddUnit, RegisterCommunity
from gongzhi.bootstrap import Platform, bootstrap
from gongzhi.demo import load_demo
from gongzhi.domain.community import Community
from gongzhi.domain.errors import RuleViolated
from gongzhi.domain.fee_account import FeeAccount
from gongzhi.domain.fund import MaintenanceFund
from gongzhi.infra.settings import Settings

META = Meta(actor="tester", reason="integration test", actor_role="PLATFORM_ADMIN")


def community_with_entrance(platform: Platform, floors: int = 6) -> tuple[UUID, UUID]:
    """幸福里 with one building of ``floors`` floors and its one entrance: (community, entrance)."""
    app = platform.app
    community = app.register_community(
        META,
        RegisterCommunity(
            name="幸福里", district="红塔区", street="玉兴街道", registered_on=date(2024, 1, 1)
        ),
    ).id
    app.add_building(
        META,
        AddBuilding(
            community_id=community,
            number="1栋",
            floors=floors,
            has_elevator=False,
            entrance_numbers=["1单元"],
        ),
    )
    entrance = next(iter(app.community(community).entrance_index))
    return community, entrance


def add_unit(community: UUID, entrance: UUID, number: str) -> AddUnit:
    return AddUnit(
        community_id=community,
        entrance_id=entrance,
        number=number,
        floor=1,
        area="80.00",
        area_source="REGISTER",
    )


def cached(platform: Platform, aggregate_id: UUID) -> object:
    try:
        return platform.app.repository.cache.get(aggregate_id)  # type: ignore[union-attr]
    except KeyError:
        return None


def test_a_command_failing_after_it_changed_the_community_leaves_no_change_behind(
    platform: Platform,
) -> None:
    # Given a community with one unit, cached
    app = platform.app
    community, entrance = community_with_entrance(platform)
    app.add_unit(META, add_unit(community, entrance, "101"))
    before = app.community(community)

    # When a command adds a unit in memory and then fails
    def add_then_fail(c: Community) -> None:
        c.add_unit(entrance, "102", 1, "80.00", "REGISTER")
        raise RuleViolated("number", "refused after the change")

    with pytest.raises(RuleViolated):
        app.change(META, Community, community, add_then_fail, field="communityId")

    # Then the community read next is the recorded one: no unit 102, the same version
    after = app.community(community)
    assert after.version == before.version
    assert sorted(u.number for u in after.unit_index.values()) == ["101"]
    # And a refusal that changed nothing keeps the cached community (no rebuild from the log)
    kept = cached(platform, community)
    with pytest.raises(RuleViolated, match="already exists"):
        app.add_unit(META, add_unit(community, entrance, "101"))
    assert cached(platform, community) is kept is not None


def test_a_save_lost_to_another_process_is_retried_on_the_community_as_recorded(
    platform: Platform, settings: Settings
) -> None:
    # Given a community cached in this process, and a second process on the same log
    app = platform.app
    community, entrance = community_with_entrance(platform)
    other = bootstrap(settings)
    try:
        raced = []

        # When the other process adds unit 201 while this one is adding 102
        def add_while_the_other_saves(c: Community) -> UUID:
            if not raced:
                raced.append(other.app.add_unit(META, add_unit(community, entrance, "201")))
            return c.add_unit(entrance, "102", 1, "80.00", "REGISTER")

        done = app.change(
            META, Community, community, add_while_the_other_saves, field="communityId"
        )
    finally:
        other.close()

    # Then this save lost the race once, and its retry on the community as recorded saved
    assert len(raced) == 1
    recorded = app.community(community)
    assert sorted(u.number for u in recorded.unit_index.values()) == ["102", "201"]
    assert done.part_id in recorded.unit_index
    # And the cached community equals one built from the log alone
    fresh = bootstrap(settings)
    try:
        again = fresh.app.community(community)
    finally:
        fresh.close()
    assert again.version == recorded.version
    assert set(again.unit_index) == set(recorded.unit_index)


def test_snapshots_of_long_lived_aggregates_read_back_equal_to_their_events(
    platform: Platform, settings: Settings
) -> None:
    # Given a demo district: communities with owners and residents, funds, fee accounts
    app = platform.app
    load_demo(app, communities=3, seed=11)
    kinds = (Community, MaintenanceFund, FeeAccount)
    with platform.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT originator_id, topic FROM gongzhi_events WHERE originator_version = 1")
        ).all()
    ids = [
        i
        for i, topic in rows
        if topic.rsplit(":", 1)[1].split(".")[0] in {k.__name__ for k in kinds}
    ]
    assert len(ids) > 5

    # When each is snapshotted and read by another process (from the snapshot, then the tail)
    for aggregate_id in ids:
        app.take_snapshot(aggregate_id)
    other = bootstrap(settings)
    try:
        for aggregate_id in ids:
            from_snapshot = other.app.repository.get(aggregate_id)
            # Then it equals the aggregate folded from its events alone
            folded = None
            for event in app.events.get(aggregate_id):
                folded = event.mutate(folded)  # type: ignore[attr-defined]
            assert type(from_snapshot) is type(folded)
            assert vars(from_snapshot) == vars(folded), aggregate_id
    finally:
        other.close()
    assert app.snapshots is not None
    assert len(list(app.snapshots.get(ids[0]))) == 1
