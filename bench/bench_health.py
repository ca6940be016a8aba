"""Issue 5's figure: a district run of the 健康指数 over 10,000 communities, two workers.

The district: 10,000 communities (one building of 20 units each, professional management,
an extinguisher group, a hydrant and an elevator each, so the facility figures have rows to
read), recorded and projected beforehand (untimed). Timed: from sending the district job
(``assess_district_health``) to the 10,000th ``HealthAssessment.Assessed`` event in the
store, with ``gongzhi work --processes 2`` running on the broker: the fan-out job sends one
message per community, and each job reads its community's figures from the views in one
snapshot and records its assessment. Target: ≤ 60 s.

Anchor, in the same run and database: the same number of assessments (same results,
another half-year) saved with a plain ``app.save()`` loop in this process, one per call as
the jobs save them. The ratio says what reading the figures and the broker round trip add.

    python -m bench.bench_health [--communities 10000] [--threads 4]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import date

from sqlalchemy import text

from bench.dataset import BENCH_META, open_platform
from bench.support import temporary_database
from gongzhi.bootstrap import Platform
from gongzhi.domain.community import Community, ImportedUnit
from gongzhi.domain.facility import Facility
from gongzhi.domain.health import (
    DEFAULT_HEALTH_CONFIG,
    HealthAssessment,
    HealthInputs,
    assess_health,
    half_year,
)
from gongzhi.infra.broker import make_broker, purge
from gongzhi.workers.actors import Actors

DISTRICT = "红塔区"
BATCH = 200  # communities per save
BROKER_URL = os.environ.get("GONGZHI_BENCH_BROKER_URL", "redis://127.0.0.1:6379/0")


def build_district(platform: Platform, communities: int) -> None:
    app = platform.app
    company = uuid.uuid4()
    today = date(2026, 11, 23)
    for start in range(0, communities, BATCH):
        aggregates: list[object] = []
        for index in range(start, min(start + BATCH, communities)):
            community = Community.register(
                name=f"小区{index}",
                district=DISTRICT,
                street="玉兴街道",
                registered_on=date(2020, 1, 1),
            )
            community.import_units(
                "1栋",
                6,
                True,
                [
                    ImportedUnit(
                        entrance="1单元",
                        number=f"{slot // 4 + 1}0{slot % 4 + 1}",
                        floor=slot // 4 + 1,
                        area="80.00",
                        area_source="REGISTER",
                    )
                    for slot in range(20)
                ],
                date(2020, 1, 1),
            )
            community.change_management_mode("PROFESSIONAL", company, date(2024, 1, 1))
            building = next(iter(community.buildings))
            entrance = next(iter(community.buildings[building].entrances))
            aggregates.append(community)
            for kind, extra in (
                ("FIRE_EXTINGUISHER", {"quantity": 10}),
                ("FIRE_HYDRANT", {}),
                ("ELEVATOR", {"building_id": building, "entrance_id": entrance}),
            ):
                aggregates.append(
                    Facility.register(
                        community=community,
                        facility_type=kind,
                        name=kind,
                        installed_on=date(2024, 1, 1),
                        expected_life_years=15,
                        today=today,
                        **extra,  # type: ignore[arg-type]
                    )
                )
        app.record(BENCH_META, *aggregates)  # type: ignore[arg-type]


def assessed(platform: Platform) -> int:
    with platform.engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM gongzhi_events "
                    "WHERE topic LIKE '%HealthAssessment.Assessed'"
                )
            ).scalar_one()
        )


def raw_save_loop(platform: Platform, communities: list[uuid.UUID]) -> float:
    """The anchor: one plain ``app.save()`` per assessment, as each job saves one."""
    result = assess_health(DEFAULT_HEALTH_CONFIG, HealthInputs(facilities_in_use=3))
    period = half_year("2026H1")
    aggregates = [
        HealthAssessment.assess(
            community_id=c,
            district=DISTRICT,
            period=period,
            config=DEFAULT_HEALTH_CONFIG,
            as_of=period.end,
            result=result,
        )
        for c in communities
    ]
    started = time.perf_counter()
    for aggregate in aggregates:
        platform.app.save(aggregate, meta=BENCH_META)
    return time.perf_counter() - started


def wait_for(check: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not happen within {timeout:.0f} s")
        threading.Event().wait(0.05)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_health")
    parser.add_argument("--communities", type=int, default=10_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args(argv)
    with temporary_database("bench_health") as pg:
        platform = open_platform(pg.url())
        try:
            started = time.perf_counter()
            build_district(platform, args.communities)
            platform.projection_runner().catch_up()
            print(
                f"district of {args.communities} communities ready in "
                f"{time.perf_counter() - started:.1f} s"
            )
            with platform.engine.connect() as conn:
                ids = list(conn.execute(text("SELECT id FROM communities ORDER BY id")).scalars())
            anchor = raw_save_loop(platform, ids)
            print(f"anchor: {len(ids)} assessments by a raw app.save() loop: {anchor:.2f} s")
            run(platform, pg.url(), args, len(ids), anchor)
        finally:
            platform.close()


def run(
    platform: Platform, database_url: str, args: argparse.Namespace, n: int, anchor: float
) -> None:
    namespace = f"gongzhi-bench-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "GONGZHI_DATABASE_URL": database_url,
        "GONGZHI_BROKER_URL": BROKER_URL,
        "GONGZHI_BROKER_NAMESPACE": namespace,
        "GONGZHI_JWT_SECRET": "bench-" + uuid.uuid4().hex,
        "GONGZHI_ENV": "bench",
        "GONGZHI_LOG_LEVEL": "WARNING",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gongzhi.cli",
            "work",
            "--processes",
            str(args.processes),
            "--threads",
            str(args.threads),
        ],
        env=env,
        start_new_session=True,
    )
    actors = Actors(make_broker(BROKER_URL, namespace), database_url)
    try:
        # Warm up: both processes booted and connected (one job per thread, another period).
        warm = half_year("2025H2")
        for community in ids_of(platform, args.processes * args.threads):
            actors.assess_community_health.send(str(community), warm.label, None)
        wait_for(lambda: assessed(platform) >= args.processes * args.threads, 120, "warm-up")
        before = assessed(platform)
        started = time.perf_counter()
        actors.assess_district_health.send(DISTRICT, "2026H2", None)
        wait_for(lambda: assessed(platform) >= before + n, 600, "the district run")
        elapsed = time.perf_counter() - started
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(60)
        purge(actors.broker)
        actors.close()
    print(
        f"district run: {n} communities with {args.processes} workers × {args.threads} threads "
        f"in {elapsed:.2f} s ({n / elapsed:.0f} assessments/s); target ≤ 60 s"
    )
    print(f"ratio to the raw save loop: {elapsed / anchor:.2f}×")


def ids_of(platform: Platform, count: int) -> list[uuid.UUID]:
    with platform.engine.connect() as conn:
        return list(
            conn.execute(
                text("SELECT id FROM communities ORDER BY id LIMIT :n"), {"n": count}
            ).scalars()
        )


if __name__ == "__main__":
    main()
