"""An event log written by an earlier model, replayed into today's (issue 13).

``tests/fixtures/demo_log.json.gz`` holds the log ``load_demo(communities=4, seed=7)`` wrote
before ballots and units got aggregates of their own, and the views that log projected to
then. Replaying it must give the same views, and the aggregates it names must still load:
moving state between aggregates is a migration of the model, never a fresh start.

Personal values are compared sealed, as the views hold them (the projections read the log
without the key, application/base.py ``log_mapper``): the fixture carries no data keys and
no master key, so names, phones and ID numbers are not opened by this test.

Record the fixture again (only with the model that wrote it) with
``python -m tests.integration.test_demo_log_replay``.
"""

from __future__ import annotations

import base64
import gzip
import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.engine import Engine

from gongzhi.application.base import Meta
from gongzhi.application.decisions import CastBallot, CloseDecision, RecountDecision
from gongzhi.bootstrap import Platform
from gongzhi.domain.community import Community
from gongzhi.domain.decision import Channel, Decision
from gongzhi.projections.views import VIEW_TABLES

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "demo_log.json.gz"
META = Meta(actor="replay-test", reason="旧日志回放", actor_role="PLATFORM_ADMIN")
# The outbox is a queue of jobs, emptied as they are sent; not a view of the log.
SKIPPED = {"outbox"}


def plain(value: Any) -> Any:
    """A view value as it compares across runs: UUIDs, Decimals and times as text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def view_rows(engine: Engine) -> dict[str, list[str]]:
    """Every view row as sorted JSON text, table by table."""
    with engine.connect() as conn:
        return {
            table.name: sorted(
                json.dumps(plain(dict(row._mapping)), sort_keys=True, ensure_ascii=False)
                for row in conn.execute(text(f'SELECT * FROM "{table.name}"'))
            )
            for table in VIEW_TABLES
            if table.name not in SKIPPED
        }


def stored_events(engine: Engine) -> list[list[Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT notification_id, originator_id, originator_version, topic, state "
                "FROM gongzhi_events ORDER BY notification_id"
            )
        )
        return [
            [n, str(i), v, topic, base64.b64encode(bytes(state)).decode()]
            for n, i, v, topic, state in rows
        ]


def load_fixture() -> dict[str, Any]:
    with gzip.open(FIXTURE, "rt", encoding="utf-8") as file:
        data: dict[str, Any] = json.load(file)
    return data


def write_log(engine: Engine, events: list[list[Any]]) -> None:
    """The old log, as it was stored, into the empty event table of a fresh database."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO gongzhi_events "
                "(notification_id, originator_id, originator_version, topic, state) "
                "VALUES (:n, :i, :v, :topic, :state)"
            ),
            [
                {"n": n, "i": UUID(i), "v": v, "topic": topic, "state": base64.b64decode(state)}
                for n, i, v, topic, state in events
            ],
        )
        conn.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('gongzhi_events', 'notification_id'), "
                "(SELECT max(notification_id) FROM gongzhi_events))"
            )
        )


def compare(recorded: dict[str, list[str]], now: dict[str, list[str]]) -> dict[str, str]:
    """Differences per table, comparing the columns the fixture recorded (a view may have
    gained a column since: its old rows are compared on the old columns)."""
    problems = {}
    for table, rows in recorded.items():
        old = [json.loads(r) for r in rows]
        columns = set(old[0]) if old else set()
        new = sorted(
            json.dumps({k: v for k, v in json.loads(r).items() if k in columns}, sort_keys=True)
            for r in now.get(table, [])
        )
        old_text = sorted(json.dumps(r, sort_keys=True) for r in old)
        if new != old_text:
            missing = [r for r in old_text if r not in set(new)]
            extra = [r for r in new if r not in set(old_text)]
            problems[table] = f"{len(missing)} missing, e.g. {missing[:1]}; {len(extra)} extra"
    return problems


def test_the_log_of_the_earlier_model_replays_into_the_same_views(platform: Platform) -> None:
    # Given the log the demo wrote with the earlier model, in a fresh database
    fixture = load_fixture()
    write_log(platform.engine, fixture["events"])

    # When the views are projected from it
    platform.projection_runner(batch_size=500).rebuild()

    # Then every view row equals the one the earlier model projected
    assert compare(fixture["views"], view_rows(platform.engine)) == {}
    # And every community and decision of the old log loads into today's model
    ids = {(topic, i) for _, i, v, topic, _ in fixture["events"] if v == 1}
    app = platform.app
    for topic, aggregate_id in ids:
        if topic.endswith("Community.Registered"):
            community = app.load(Community, UUID(aggregate_id), "id")
            assert community.units_in("COMMUNITY", community.id) is not None
        if topic.endswith("Decision.Proposed"):
            app.load(Decision, UUID(aggregate_id), "id")


def test_decisions_voted_under_the_earlier_model_recount_and_close_in_todays(
    platform: Platform,
) -> None:
    # Given the old log: closed decisions whose ballots are the decision's own events, and
    # decisions still open
    fixture = load_fixture()
    write_log(platform.engine, fixture["events"])
    app = platform.app
    decisions = [
        app.load(Decision, UUID(i), "id")
        for _, i, v, topic, _ in fixture["events"]
        if v == 1 and topic.endswith("Decision.Proposed")
    ]
    closed = [d for d in decisions if d.closed]
    still_open = [d for d in decisions if not d.closed]
    assert closed and still_open and all(d.ballots for d in closed)

    # When each closed one is recounted in today's model
    for decision in closed:
        app.recount_decision(META, RecountDecision(decision_id=decision.id))

    # Then each recount agrees with the result recorded then
    assert all(app.load(Decision, d.id, "id").result == d.result for d in closed)
    platform.projection_runner(batch_size=500).catch_up()
    with platform.engine.connect() as conn:
        agreeing = conn.execute(
            text("SELECT recounts, recounts_agreeing FROM decisions WHERE closed")
        ).all()
    assert agreeing and set(agreeing) == {(1, 1)}

    # When an owner votes on an old open decision today (a ballot aggregate) and it closes
    decision = still_open[0]
    community = app.community(decision.community_id)
    unit = next(u for u in community.units_in(decision.scope, decision.scope_id) if u.owners)
    app.cast_ballot(
        META,
        CastBallot(
            decision_id=decision.id,
            unit_id=unit.id,
            person_id=unit.owners[0][0],
            choice="APPROVE",
            channel=Channel.PAPER,
        ),
        at=decision.opens_at + timedelta(hours=1),
    )
    app.close_decision(META, CloseDecision(decision_id=decision.id), at=decision.closes_at)

    # Then the close counts that ballot, by its voter's key
    done = app.load(Decision, decision.id, "id")
    assert done.ballots == {unit.voter: "APPROVE"}
    assert done.result is not None and done.result.participating_headcount == 1


def record() -> None:  # pragma: no cover (run by hand, with the model that wrote the log)
    import uuid

    from gongzhi.bootstrap import bootstrap
    from gongzhi.demo import load_demo
    from gongzhi.infra.database import drop_database
    from gongzhi.infra.settings import PgParams
    from tests.conftest import _settings
    from tests.support import server_urls

    database_url, broker_url, _ = server_urls()
    pg = PgParams.from_url(database_url).with_db(f"gongzhi_fixture_{uuid.uuid4().hex[:8]}")
    platform = bootstrap(_settings(pg, broker_url))
    try:
        load_demo(platform.app, communities=4, seed=7)
        platform.projection_runner(batch_size=500).rebuild()
        data = {"events": stored_events(platform.engine), "views": view_rows(platform.engine)}
    finally:
        platform.close()
        drop_database(pg)
    FIXTURE.parent.mkdir(exist_ok=True)
    with gzip.open(FIXTURE, "wt", encoding="utf-8") as file:
        json.dump(data, file, ensure_ascii=False)


if __name__ == "__main__":  # pragma: no cover
    record()
