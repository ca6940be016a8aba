"""防篡改: the hash chain over the event log names the first event edited, deleted, inserted or
reordered with plain SQL; a signed checkpoint proves a log rewritten together with its chain."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import psycopg
import pytest

from gongzhi.application.base import Meta
from gongzhi.bootstrap import Platform, bootstrap
from gongzhi.demo import load_demo
from gongzhi.domain.person import Person
from gongzhi.infra.audit_chain import GENESIS, Links, chain, verify_chain
from gongzhi.infra.audit_keys import AuditKey
from gongzhi.infra.audit_seal import ChainBroken, make_checkpoint, verify_checkpoint
from gongzhi.infra.eventstore import PIPELINE_LIMIT
from gongzhi.infra.settings import Settings
from gongzhi.workers.audit import periodic_checkpoint

META = Meta(actor="tester", reason="防篡改测试", actor_role="PLATFORM_ADMIN")


@pytest.fixture
def sql(platform: Platform) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A plain connection to the test database: the tamperer's, and the verifier's."""
    with psycopg.connect(platform.pg.url(), autocommit=True) as conn:
        yield conn


def record(platform: Platform, count: int, tag: str = "业主") -> list[int]:
    """``count`` events, one save each; their positions."""
    return [
        platform.app.record(META, Person.register(name=f"{tag}{index}")) for index in range(count)
    ]


def test_every_event_is_chained_through_small_and_large_saves(
    platform: Platform, sql: psycopg.Connection[tuple[object, ...]]
) -> None:
    # Given single saves (the pipelined insert) and one save too large for the pipeline
    # (the insert of arrays), one after the other
    record(platform, 3)
    platform.app.record(META, *[Person.register(name=f"户{i}") for i in range(PIPELINE_LIMIT + 1)])
    record(platform, 2, "后")

    # When the log is verified
    verified = verify_chain(sql)

    # Then every event has its link, and they agree
    total = 3 + PIPELINE_LIMIT + 1 + 2
    assert verified.intact, verified.broken
    assert verified.events == total
    assert sql.execute("SELECT count(*) FROM audit_chain").fetchone() == (total,)
    assert verified.position == platform.app.recorder.max_notification_id()


def test_the_demo_log_verifies(
    platform: Platform, sql: psycopg.Connection[tuple[object, ...]]
) -> None:
    load_demo(platform.app, communities=1)
    verified = verify_chain(sql)
    assert verified.intact, verified.broken
    assert (verified.events,) == sql.execute("SELECT count(*) FROM gongzhi_events").fetchone()


def _update_state(sql: psycopg.Connection[tuple[object, ...]], positions: list[int]) -> int:
    # The stored state made to say what another event of the same kind says
    target = positions[4]
    edit(sql, target, positions[1])
    return target


def _delete(sql: psycopg.Connection[tuple[object, ...]], positions: list[int]) -> int:
    target = positions[6]
    sql.execute("DELETE FROM gongzhi_events WHERE notification_id = %s", (target,))
    return target


def _insert(sql: psycopg.Connection[tuple[object, ...]], positions: list[int]) -> int:
    # Into the gap that a rolled-back save left between two recorded events: a forged
    # event placed in the past, a copy of a real one under another aggregate id
    target = positions[5] - 1
    sql.execute(
        "INSERT INTO gongzhi_events (originator_id, originator_version, topic, state, "
        "notification_id) SELECT gen_random_uuid(), 1, topic, state, %s "
        "FROM gongzhi_events WHERE notification_id = %s",
        (target, positions[2]),
    )
    return target


def _swap(sql: psycopg.Connection[tuple[object, ...]], positions: list[int]) -> int:
    # Two events change places in the log (their contents stay as they were)
    first, second = positions[3], positions[7]
    with sql.transaction():
        sql.execute(
            "UPDATE gongzhi_events SET notification_id = -1 WHERE notification_id = %s", (first,)
        )
        sql.execute(
            "UPDATE gongzhi_events SET notification_id = %s WHERE notification_id = %s",
            (first, second),
        )
        sql.execute(
            "UPDATE gongzhi_events SET notification_id = %s WHERE notification_id = -1", (second,)
        )
    return first


def edit(sql: psycopg.Connection[tuple[object, ...]], target: int, like: int) -> None:
    sql.execute(
        "UPDATE gongzhi_events SET state = (SELECT state FROM gongzhi_events "
        "WHERE notification_id = %s) WHERE notification_id = %s",
        (like, target),
    )


# Each tampering, and the words of the problem reported at its position.
EXPECTED = {
    "edited": "does not match its link",
    "deleted": "missing (deleted)",
    "inserted": "no link in the chain",
    "reordered": "does not match its link",
}
TAMPERINGS: dict[str, Callable[[psycopg.Connection[tuple[object, ...]], list[int]], int]] = {
    "edited": _update_state,
    "deleted": _delete,
    "inserted": _insert,
    "reordered": _swap,
}


def log_with_a_gap(platform: Platform, sql: psycopg.Connection[tuple[object, ...]]) -> list[int]:
    """Ten events; before the sixth, the sequence skipped ten ids, as rolled-back saves do."""
    positions = record(platform, 5)
    sql.execute(
        "SELECT setval(pg_get_serial_sequence('gongzhi_events', 'notification_id'), %s)",
        (positions[-1] + 10,),
    )
    positions += record(platform, 5, "后")
    assert positions[5] == positions[4] + 11
    return positions


@pytest.mark.parametrize("tampering", sorted(TAMPERINGS))
def test_a_tampered_event_is_named_by_its_position(
    platform: Platform, sql: psycopg.Connection[tuple[object, ...]], tampering: str
) -> None:
    # Given a log that verifies
    positions = log_with_a_gap(platform, sql)
    assert verify_chain(sql).intact

    # When an event is changed with plain SQL, beside the platform
    target = TAMPERINGS[tampering](sql, positions)

    # Then verification stops at that event and says so
    verified = verify_chain(sql)
    assert verified.broken is not None
    assert verified.broken.position == target, verified.broken
    assert EXPECTED[tampering] in verified.broken.problem
    # And the events before it are vouched for
    assert verified.events == len([p for p in positions if p < target])


def test_an_event_deleted_with_its_link_is_named(
    platform: Platform, sql: psycopg.Connection[tuple[object, ...]]
) -> None:
    positions = record(platform, 6)
    sql.execute("DELETE FROM gongzhi_events WHERE notification_id = %s", (positions[2],))
    sql.execute("DELETE FROM audit_chain WHERE position = %s", (positions[2],))
    broken = verify_chain(sql).broken
    assert broken is not None
    assert broken.position == positions[2]


def test_a_checkpoint_proves_a_log_rewritten_together_with_its_chain(
    platform: Platform, settings: Settings, sql: psycopg.Connection[tuple[object, ...]]
) -> None:
    # Given a checkpoint kept by a committee
    key = AuditKey(settings.audit_signing_key)
    positions = record(platform, 8)
    kept = make_checkpoint(sql, key, "committee", "年度审计")
    assert kept is not None and kept.checkpoint.position == positions[-1]
    assert verify_checkpoint(sql, kept.checkpoint, key.public_key).valid

    # When someone with the database's keys edits an event and recomputes every link after it
    edit(sql, positions[3], positions[0])
    links = rewrite_chain(sql)

    # Then the chain agrees with itself, but not with the checkpoint
    assert verify_chain(sql).intact
    verdict = verify_checkpoint(sql, kept.checkpoint, key.public_key)
    assert not verdict.valid and verdict.signature_valid
    assert verdict.broken is not None and verdict.broken.position == positions[-1]

    # And a checkpoint whose head was altered to match is not the platform's
    forged = type(kept.checkpoint)(
        kept.checkpoint.position,
        links.hashes[-1],
        kept.checkpoint.sealed_at,
        kept.checkpoint.signature,
    )
    assert not verify_checkpoint(sql, forged, key.public_key).signature_valid


def rewrite_chain(sql: psycopg.Connection[tuple[object, ...]]) -> Links:
    """The whole chain recomputed from the events as they are now, as a forger would."""
    rows = sql.execute(
        "SELECT notification_id, originator_id, originator_version, topic, state "
        "FROM gongzhi_events ORDER BY notification_id"
    ).fetchall()
    links = chain((0, GENESIS), rows)  # type: ignore[arg-type]
    with sql.transaction():
        sql.execute("DELETE FROM audit_chain")
        for position, previous, digest in zip(
            links.positions, links.previous, links.hashes, strict=True
        ):
            sql.execute("INSERT INTO audit_chain VALUES (%s, %s, %s)", (position, previous, digest))
    return links


def test_earlier_checkpoints_narrow_down_where_a_rewritten_log_changed(
    platform: Platform, settings: Settings, sql: psycopg.Connection[tuple[object, ...]]
) -> None:
    # Given checkpoints after the 2nd, the 6th and the 8th event
    key = AuditKey(settings.audit_signing_key)
    positions = record(platform, 2)
    make_checkpoint(sql, key, "scheduler", "定期封存")
    positions += record(platform, 4, "中")
    make_checkpoint(sql, key, "scheduler", "定期封存")
    positions += record(platform, 2, "后")
    kept = make_checkpoint(sql, key, "committee", "年度审计")
    assert kept is not None

    # When the 4th event is edited and the whole chain recomputed
    edit(sql, positions[3], positions[0])
    rewrite_chain(sql)

    # Then the kept checkpoint fails at the first earlier checkpoint that no longer holds,
    # and says after which position the change lies
    verdict = verify_checkpoint(sql, kept.checkpoint, key.public_key)
    assert verdict.broken is not None
    assert verdict.broken.position == positions[5]
    assert f"after position {positions[1]} up to this one" in verdict.broken.problem


def test_no_checkpoint_vouches_for_a_broken_chain(
    platform: Platform, settings: Settings, sql: psycopg.Connection[tuple[object, ...]]
) -> None:
    key = AuditKey(settings.audit_signing_key)
    positions = record(platform, 4)
    sql.execute("DELETE FROM gongzhi_events WHERE notification_id = %s", (positions[1],))
    with pytest.raises(ChainBroken) as refused:
        make_checkpoint(sql, key, "admin", "封存")
    assert refused.value.broken.position == positions[1]
    assert sql.execute("SELECT count(*) FROM audit_checkpoints").fetchone() == (0,)


def test_a_log_recorded_before_the_chain_existed_is_chained_once_on_start(
    platform: Platform, settings: Settings, sql: psycopg.Connection[tuple[object, ...]]
) -> None:
    # Given a log whose chain tables do not exist yet (a database from before this version)
    record(platform, 5)
    sql.execute("DROP TABLE audit_chain, audit_checkpoints")

    # When the platform starts on it
    started = bootstrap(settings)
    try:
        # Then the existing events are chained, and the next one follows them
        assert verify_chain(sql).events == 5
        started.app.record(META, Person.register(name="新"))
        verified = verify_chain(sql)
        assert verified.intact and verified.events == 6
    finally:
        started.close()


def test_the_periodic_checkpoint_seals_only_a_log_that_moved(
    platform: Platform, settings: Settings, sql: psycopg.Connection[tuple[object, ...]]
) -> None:
    seal = periodic_checkpoint(settings)
    count = "SELECT count(*), max(position) FROM audit_checkpoints"

    # Given a log of three events, sealed once by the job
    positions = record(platform, 3)
    seal()
    assert sql.execute(count).fetchone() == (1, positions[-1])

    # When the job runs again with nothing new, nothing is signed
    seal()
    assert sql.execute(count).fetchone() == (1, positions[-1])

    # When the log grows, the new head is sealed
    positions += record(platform, 2)
    seal()
    assert sql.execute(count).fetchone() == (2, positions[-1])

    # And an event edited after the latest checkpoint stops the job from sealing
    positions += record(platform, 2)
    edit(sql, positions[-1], positions[0])
    seal()
    assert sql.execute(count).fetchone() == (2, positions[-3])


def test_concurrent_saves_chain_in_commit_order(
    platform: Platform, sql: psycopg.Connection[tuple[object, ...]]
) -> None:
    # Given writers saving at the same time on their own connections (the pool's)
    failures: list[BaseException] = []

    def write(tag: str) -> None:
        try:
            record(platform, 25, tag)
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    writers = [threading.Thread(target=write, args=(f"并发{n}-",)) for n in range(3)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()

    # Then every save found the link before it: the chain is whole
    assert not failures
    verified = verify_chain(sql)
    assert verified.intact, verified.broken
    assert verified.events == 75
