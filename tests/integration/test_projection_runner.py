"""The batched projection runner on real PostgreSQL: rows, tracking, batching, rebuild."""

from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import text
from sqlalchemy.engine import Engine

from gongzhi.application.base import Meta
from gongzhi.application.communities import (
    AddBuilding,
    AddEntrance,
    AddUnit,
    ChangeManagementMode,
    RegisterCommunity,
    RenameCommunity,
    RetireUnit,
)
from gongzhi.application.companies import RegisterCompany
from gongzhi.bootstrap import Platform
from gongzhi.demo import load_demo
from gongzhi.projections.runner import wait_for_position
from gongzhi.projections.views import PROJECTION_NAME, VIEW_TABLES

META = Meta(actor="tester", reason="integration test", actor_role="PLATFORM_ADMIN")


def dump_views(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every view row, sorted, so two databases (or two moments) can be compared.

    The outbox is left out: it is a queue of jobs, emptied as they are sent.
    """
    with engine.connect() as conn:
        return {
            table.name: sorted(
                (tuple(row) for row in conn.execute(text(f'SELECT * FROM "{table.name}"'))),
                key=repr,
            )
            for table in VIEW_TABLES
            if table.name != "outbox"
        }


def test_events_become_rows_with_tracking_in_step(platform: Platform) -> None:
    # Given a community with a building, two units and a management mode
    app = platform.app
    company = app.register_company(
        META, RegisterCompany(name="玉溪安居物业", credit_code="91350100M000100Y43")
    )
    community = app.register_community(
        META,
        RegisterCommunity(
            name="幸福里", district="红塔区", street="玉兴街道", registered_on=date(2024, 1, 1)
        ),
    )
    building = app.add_building(
        META,
        AddBuilding(
            community_id=community.id,
            number="1栋",
            floors=6,
            has_elevator=False,
            entrance_numbers=[],
        ),
    )
    assert building.part_id is not None
    entrance = app.add_entrance(
        META, AddEntrance(community_id=community.id, building_id=building.part_id, number="1单元")
    ).part_id
    assert entrance is not None
    retired = app.add_unit(
        META,
        AddUnit(
            community_id=community.id,
            entrance_id=entrance,
            number="101",
            floor=1,
            area="88.50",
            area_source="REGISTER",
        ),
    )
    unit = app.add_unit(
        META,
        AddUnit(
            community_id=community.id,
            entrance_id=entrance,
            number="102",
            floor=1,
            area="70.25",
            area_source="SURVEY",
        ),
    )
    assert retired.part_id is not None
    app.retire_unit(META, RetireUnit(community_id=community.id, unit_id=retired.part_id))
    last = app.change_management_mode(
        META,
        ChangeManagementMode(
            community_id=community.id,
            mode="PROFESSIONAL",
            company_id=company.id,
            effective_from=date(2024, 3, 1),
        ),
    )

    # When the runner catches up
    runner = platform.projection_runner()
    projected = runner.catch_up()

    # Then the views hold the community's current state and tracking is at the last event
    assert projected == last.position
    assert runner.position() == last.position
    with platform.engine.connect() as conn:
        row = conn.execute(
            text("SELECT name, unit_count, total_area, version FROM communities WHERE id = :id"),
            {"id": community.id},
        ).one()
        assert (row.name, row.unit_count, str(row.total_area)) == ("幸福里", 1, "70.25")
        assert row.version == app.community(community.id).version
        assert (
            conn.execute(
                text("SELECT retired FROM units WHERE id = :id"), {"id": unit.part_id}
            ).scalar_one()
            is False
        )
        history = conn.execute(
            text("SELECT actor, reason FROM event_history ORDER BY position")
        ).all()
        assert len(history) == last.position
        assert set(history) == {("tester", "integration test")}
    # And nothing is projected twice
    assert runner.catch_up() == 0


def test_batch_size_does_not_change_the_views(platform: Platform, settings) -> None:  # type: ignore[no-untyped-def]
    # Given a demo district projected one event per transaction
    load_demo(platform.app, communities=4, seed=7)
    one_by_one = platform.projection_runner(batch_size=1)
    one_by_one.catch_up()
    expected = dump_views(platform.engine)

    # When the same log is rebuilt in large batches
    large = platform.projection_runner(batch_size=1000)
    large.rebuild()

    # Then the views are identical
    assert dump_views(platform.engine) == expected


def test_rebuild_from_zero_equals_incremental_projection(platform: Platform) -> None:
    # Given views built incrementally while commands arrived
    app = platform.app
    runner = platform.projection_runner(batch_size=50)
    summary = load_demo(app, communities=3, seed=11)
    runner.catch_up()
    app.rename_community(
        META, RenameCommunity(community_id=summary.communities[0], name="更名后的小区")
    )
    runner.catch_up()
    incremental = dump_views(platform.engine)

    # When the views are rebuilt from the log
    rebuilt = runner.rebuild()

    # Then every event was projected again and the rows are the same
    assert rebuilt == runner.position()
    assert dump_views(platform.engine) == incremental


def test_two_runners_at_once_project_each_event_once(platform: Platform) -> None:
    # Given a log of a few thousand events
    load_demo(platform.app, communities=4, seed=3)
    runners = [platform.projection_runner(batch_size=100) for _ in range(2)]
    counts: list[int] = []

    # When two runners catch up concurrently
    threads = [threading.Thread(target=lambda r=r: counts.append(r.catch_up())) for r in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then between them they projected every notification exactly once
    assert sum(counts) == runners[0].position()
    with platform.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM event_history")).scalar_one() == sum(counts)


def test_rebuild_beside_a_running_batch_waits_for_it_instead_of_deadlocking(
    platform: Platform,
) -> None:
    # Given a projector in the middle of a batch: it holds the tracking row and has yet to
    # write to a view table
    runner = platform.projection_runner()
    runner.catch_up()
    batch = platform.engine.connect()
    batch.begin()
    batch.execute(
        text("SELECT position FROM projection_tracking WHERE name = :n FOR UPDATE"),
        {"n": runner.name},
    )

    # When a rebuild starts beside it
    failures: list[BaseException] = []

    def rebuild() -> None:
        try:
            runner.rebuild()
        except BaseException as error:  # reported to the test below
            failures.append(error)

    rebuilding = threading.Thread(target=rebuild)
    rebuilding.start()
    with platform.engine.connect() as watcher:
        # the rebuild is blocked on a lock (polled from pg_stat_activity, not slept for)
        for _ in range(10_000):
            waiting = watcher.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
            watcher.rollback()
            if waiting:
                break
        assert waiting, "the rebuild never waited for the running batch"

    # Then the batch can still write its view and commit (the rebuild waits for the
    # tracking row before it takes the views' tables) and the rebuild then completes
    try:
        # (the lock an INSERT into the view takes)
        batch.execute(text("LOCK TABLE companies IN ROW EXCLUSIVE MODE"))
        batch.commit()
    finally:
        batch.close()
    rebuilding.join(timeout=60)
    assert not rebuilding.is_alive()
    assert failures == []


def test_waiting_for_the_views_leaves_no_autocommit_connection_in_the_pool(
    platform: Platform,
) -> None:
    # Given the views caught up
    platform.projection_runner().catch_up()

    # When a caller waits for a position (a LISTEN needs its connection in autocommit)
    assert wait_for_position(platform.engine, PROJECTION_NAME, 0, timeout=5)

    # Then every connection the pool hands out again is transactional, so a batch's row
    # lock on its tracking row holds until the batch commits
    pooled = [platform.engine.connect() for _ in range(platform.engine.pool.checkedin())]  # type: ignore[attr-defined]
    try:
        assert pooled, "the pool kept no connection to check"
        assert [c.connection.driver_connection.autocommit for c in pooled] == [False] * len(pooled)  # type: ignore[union-attr]
    finally:
        for connection in pooled:
            connection.close()
