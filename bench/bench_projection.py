"""Projection catch-up: our batched runner against the library's ``ProjectionRunner``.

Both project the same event log (written by ``bench.dataset``) into the same view tables
with the same rows: the library's side is a ``Projection`` whose view is a
``PostgresTrackingRecorder`` that runs our handlers' row operations one statement per
row and one event per transaction, recording the library's tracking in that transaction,
which is how the library processes events. The library runner is timed over a prefix of
the log (``--library-events``, default 20,000) because at its rate the whole log would
take minutes; our runner is timed over the whole log and, for a like-for-like figure,
over the same prefix (read off its progress as it passes that many events).

Order of the runs, so that drift of a shared machine hits both sides: ours, the library,
ours again (a rebuild from zero). The ratio uses the median of our runs.

    python -m bench.bench_projection [--communities 2000] [--library-events 20000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.projection import Projection, ProjectionRunner
from psycopg.types.json import Jsonb
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import psycopg as sa_psycopg

from bench.dataset import DEFAULT_COMMUNITIES, generate, open_platform, print_progress
from bench.support import temporary_database
from gongzhi.application.app import Gongzhi
from gongzhi.bootstrap import Platform
from gongzhi.infra.eventstore import eventstore_env
from gongzhi.infra.settings import PgParams
from gongzhi.projections.ops import Op, Statement
from gongzhi.projections.views import VIEW_TABLES, ops_for

_DIALECT = sa_psycopg.dialect()


class LibraryViews(PostgresTrackingRecorder):
    """Our view tables written the library's way: per event, one transaction holding the
    event's rows (one statement per row) and the tracking record."""

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self._sql: dict[tuple[Statement, tuple[str, ...]], str] = {}

    def _statement(self, op: Op) -> str:
        """The op's SQLAlchemy statement as psycopg SQL, compiled once per shape."""
        key = (op.statement, tuple(op.params))
        sql = self._sql.get(key)
        if sql is None:
            compiled = op.statement.sql.compile(dialect=_DIALECT, column_keys=list(op.params))
            sql = self._sql[key] = str(compiled)
        return sql

    def apply(self, ops: list[Op], tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            for op in ops:
                params = {
                    key: Jsonb(value) if isinstance(value, (dict, list)) else value
                    for key, value in op.params.items()
                }
                cursor.execute(self._statement(op), params, prepare=True)
            self._insert_tracking(cursor, tracking)


class LibraryProjection(Projection[LibraryViews]):
    """The platform's views (``ops_for``) as a library projection; stops the clock at
    ``target`` (the notification id that ends the timed prefix)."""

    name = "library_views"
    target = 0
    finished = threading.Event()
    finished_at = 0.0

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.apply(ops_for(tracking.notification_id, domain_event), tracking)
        cls = type(self)
        if tracking.notification_id >= cls.target and not cls.finished.is_set():
            cls.finished_at = time.perf_counter()
            cls.finished.set()


def truncate_views(platform: Platform) -> None:
    with platform.engine.begin() as conn:
        names = ", ".join(f'"{table.name}"' for table in VIEW_TABLES)
        conn.execute(text(f"TRUNCATE {names}"))
        conn.execute(text("DELETE FROM projection_tracking"))


def run_ours(platform: Platform, batch_size: int, prefix: int) -> tuple[float, float, int]:
    """Rebuild our views from zero: (events/s over the log, events/s over the prefix, events)."""
    runner = platform.projection_runner(batch_size=batch_size)
    prefix_seconds: list[float] = []
    prefix_events: list[int] = []

    def progress(done: int) -> None:
        if not prefix_seconds and done >= prefix:
            prefix_seconds.append(time.perf_counter() - started)
            prefix_events.append(done)

    started = time.perf_counter()
    events = runner.rebuild(progress)
    seconds = time.perf_counter() - started
    return events / seconds, prefix_events[0] / prefix_seconds[0], events


def run_library(pg: PgParams, prefix: int, timeout: float) -> float:
    """The library's runner from an empty view until it has tracked ``prefix``: events/s."""
    LibraryProjection.target = prefix
    LibraryProjection.finished.clear()
    started = time.perf_counter()
    runner = ProjectionRunner(
        application_class=Gongzhi,
        projection_class=LibraryProjection,
        view_class=LibraryViews,
        env=eventstore_env(pg),
    )
    deadline = started + timeout
    with runner:
        while not LibraryProjection.finished.wait(0.05):
            if runner.is_interrupted.is_set():
                runner.run_forever(timeout=0)  # re-raises the processing thread's error
            if time.perf_counter() > deadline:
                msg = f"the library runner did not reach {prefix} events in {timeout:.0f}s"
                raise TimeoutError(msg)
    return prefix / (LibraryProjection.finished_at - started)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_projection")
    parser.add_argument("--communities", type=int, default=DEFAULT_COMMUNITIES)
    parser.add_argument("--library-events", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=2000, help="our runner's batch")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)

    print(f"projection catch-up benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    with temporary_database("gongzhi_bench_projection") as pg:
        platform = open_platform(pg.url())
        try:
            dataset = generate(
                platform.app,
                communities=args.communities,
                seed=args.seed,
                progress=print_progress(),
            )
            print(
                f"dataset: {dataset.events:,} events ({dataset.communities:,} communities, "
                f"{dataset.units:,} units) written in {dataset.seconds:.1f}s"
            )
            prefix = min(args.library_events, dataset.events)

            ours: list[tuple[float, float, int]] = []
            ours.append(run_ours(platform, args.batch_size, prefix))
            print(
                f"ours    run 1: {ours[-1][0]:>9,.0f} events/s over {ours[-1][2]:,} events "
                f"({ours[-1][1]:,.0f} events/s over the first {prefix:,})",
                flush=True,
            )

            truncate_views(platform)
            library = run_library(pg, prefix, timeout=600)
            print(
                f"library      : {library:>9,.0f} events/s over the first {prefix:,} events",
                flush=True,
            )

            ours.append(run_ours(platform, args.batch_size, prefix))
            print(
                f"ours    run 2: {ours[-1][0]:>9,.0f} events/s over {ours[-1][2]:,} events "
                f"({ours[-1][1]:,.0f} events/s over the first {prefix:,})",
                flush=True,
            )
        finally:
            platform.close()

    full = statistics.median(run[0] for run in ours)
    same_prefix = statistics.median(run[1] for run in ours)
    print(
        f"RESULT ours (median) {full:,.0f} events/s over the whole log; "
        f"library {library:,.0f} events/s over the first {prefix:,}"
    )
    print(
        f"RATIO ours/library: {full / library:.1f}x (whole log vs prefix), "
        f"{same_prefix / library:.1f}x (same prefix)"
    )
    if full < 20_000 or full / library < 10:
        print("below target (>= 20k events/s and >= 10x the library runner)", file=sys.stderr)


if __name__ == "__main__":
    main()
