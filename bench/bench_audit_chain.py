"""What the hash chain costs a write: saves into the chained event store against the same
saves into the plain one (the anchor), in the same run.

Both sides record ``Person.Registered`` events through ``app.record(meta, …)`` into their own
database on the same server:

* chained: the platform's recorder (``ChainedRecorder``): the advisory write lock, the insert,
  then one read of the chain's head and one insert of the links, in the save's transaction;
* anchor: the recorder without the chain (``GongzhiRecorder``, the library's EXCLUSIVE table
  lock), everything else equal.

Two shapes: one event per save (the command path: the chain's extra round trip weighs most)
and saves of 1,000 events (a roster import, a billing batch: the hashing weighs most). The
sides alternate in rounds so machine drift hits both; the ratio is the median of the rounds'.

    python -m bench.bench_audit_chain [--saves 1000] [--batches 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime

import psycopg

from bench.dataset import BENCH_META
from bench.support import temporary_database
from gongzhi.application.app import Gongzhi
from gongzhi.domain.person import Person
from gongzhi.infra.audit_chain import GENESIS, chain, verify_chain
from gongzhi.infra.database import ensure_database
from gongzhi.infra.eventstore import eventstore_env
from gongzhi.infra.settings import PgParams

PLAIN = {"APPLICATION_RECORDER_TOPIC": "gongzhi.infra.eventstore:GongzhiRecorder"}
BATCH = 1000


def single_saves(app: Gongzhi, count: int, tag: str) -> float:
    """``count`` saves of one event each; events per second."""
    people = [Person.register(name=f"{tag}{index}") for index in range(count)]
    started = time.perf_counter()
    for person in people:
        app.record(BENCH_META, person)
    return count / (time.perf_counter() - started)


def batch_saves(app: Gongzhi, batches: int, tag: str) -> float:
    """``batches`` saves of ``BATCH`` events each; events per second."""
    groups = [
        [Person.register(name=f"{tag}{batch}-{index}") for index in range(BATCH)]
        for batch in range(batches)
    ]
    started = time.perf_counter()
    for group in groups:
        app.record(BENCH_META, *group)
    return batches * BATCH / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_audit_chain")
    parser.add_argument("--saves", type=int, default=1000, help="single saves per side, round")
    parser.add_argument("--batches", type=int, default=20, help=f"saves of {BATCH} per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    print(f"hash chain write cost, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    rates: dict[str, list[float]] = {
        f"{side} {shape}": [] for side in ("chained", "anchor") for shape in ("single", "batch")
    }
    with (
        temporary_database("gongzhi_bench_chain") as chained_pg,
        temporary_database("gongzhi_bench_plain") as plain_pg,
    ):
        apps: dict[str, Gongzhi] = {}
        for side, pg, extra in (("chained", chained_pg, {}), ("anchor", plain_pg, PLAIN)):
            ensure_database(pg)
            apps[side] = Gongzhi(env={**eventstore_env(pg), **extra})
        try:
            for side, app in apps.items():  # uncounted: connections, prepared statements
                single_saves(app, 100, f"warm-{side}")
            for round_no in range(1, args.rounds + 1):
                for side, app in apps.items():
                    rates[f"{side} single"].append(single_saves(app, args.saves, f"r{round_no}"))
                    rates[f"{side} batch"].append(batch_saves(app, args.batches, f"r{round_no}"))
                print(
                    "round {}: single saves chained {:,.0f}/s, anchor {:,.0f}/s; "
                    "batches chained {:,.0f} events/s, anchor {:,.0f}/s".format(
                        round_no,
                        *(rates[k][-1] for k in rates if "single" in k),
                        *(rates[k][-1] for k in rates if "batch" in k),
                    ),
                    flush=True,
                )
            verified = f"{_verify(chained_pg)}; {_hashing_cost(chained_pg)}"
        finally:
            for app in apps.values():
                app.close()

    def median_ratio(shape: str) -> float:
        pairs = zip(rates[f"chained {shape}"], rates[f"anchor {shape}"], strict=True)
        return statistics.median(chained / anchor for chained, anchor in pairs)

    print(
        "RESULT single saves: chained {:,.0f} events/s, anchor {:,.0f}/s; batches of {}: "
        "chained {:,.0f} events/s, anchor {:,.0f}/s (medians); {}".format(
            statistics.median(rates["chained single"]),
            statistics.median(rates["anchor single"]),
            BATCH,
            statistics.median(rates["chained batch"]),
            statistics.median(rates["anchor batch"]),
            verified,
        )
    )
    print(
        f"RATIO chained/anchor: single saves {median_ratio('single'):.2f}, "
        f"batches {median_ratio('batch'):.2f}"
    )


def _hashing_cost(pg: PgParams) -> str:
    """The chain's own CPU work, without the database: links of the stored events, per event."""
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM gongzhi_events ORDER BY notification_id LIMIT 50000"
        ).fetchall()
    started = time.perf_counter()
    chain((0, GENESIS), rows)
    per_event = (time.perf_counter() - started) / len(rows) * 1e6
    size = statistics.mean(len(row[4]) for row in rows)
    return f"hashing alone: {per_event:.1f} µs per event of {size:.0f} bytes"


def _verify(pg: PgParams) -> str:
    """The chained side's log verified whole, timed (what `gongzhi verify` costs)."""
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        started = time.perf_counter()
        verified = verify_chain(conn)
        seconds = time.perf_counter() - started
    assert verified.intact, verified.broken
    return f"gongzhi verify of its {verified.events:,} events: {seconds:.1f} s"


if __name__ == "__main__":
    main()
