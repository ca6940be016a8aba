"""kill -9 of `gongzhi bill` half-way: the re-run completes with no duplicate and no half bill."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from sqlalchemy import text

from gongzhi.application.base import Meta
from gongzhi.application.fee_schedules import SetFeeStandard
from gongzhi.bootstrap import Platform
from gongzhi.domain.bill import Bill
from gongzhi.domain.billing_run import BillingRun, run_id
from gongzhi.domain.community import Community, ImportedUnit
from gongzhi.domain.contract import PricingModel
from gongzhi.domain.fee_schedule import PropertyType
from gongzhi.infra.settings import Settings
from tests.e2e.conftest import ROOT, process_env, start

META = Meta(actor="test", reason="计费测试", actor_role="PLATFORM_ADMIN")
BUILDINGS, PER_BUILDING = 120, 100


def big_community(platform: Platform) -> UUID:
    """12,000 units under professional management with a residential standard."""
    app = platform.app
    community = Community.register(
        name="大型小区", district="红塔区", street="玉兴街道", registered_on=date(2020, 1, 1)
    )
    for building in range(BUILDINGS):
        community.import_units(
            f"{building + 1}栋",
            25,
            True,
            [
                ImportedUnit(
                    entrance="1单元",
                    number=f"{slot + 1}",
                    floor=slot // 4 + 1,
                    area=f"{60 + slot % 30}.25",
                    area_source="REGISTER",
                )
                for slot in range(PER_BUILDING)
            ],
            date(2020, 1, 1),
        )
    community.change_management_mode("PROFESSIONAL", UUID(int=1), date(2024, 1, 1))
    app.record(META, community)
    app.set_fee_standard(
        META,
        SetFeeStandard(
            community_id=community.id,
            property_type=PropertyType.RESIDENTIAL,
            unit_price=Decimal("1.65"),
            pricing=PricingModel.LUMP_SUM,
            effective_from=date(2026, 1, 1),
        ),
    )
    return community.id


def run_events(platform: Platform, run: UUID) -> int:
    with platform.engine.connect() as conn:
        value = conn.execute(
            text("SELECT count(*) FROM gongzhi_events WHERE originator_id = :id"), {"id": run}
        ).scalar()
    return int(value or 0)


def bill_events(platform: Platform) -> tuple[int, int]:
    """Bill.Issued events in the log, and distinct bills among them."""
    with platform.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT count(*), count(DISTINCT originator_id) FROM gongzhi_events "
                "WHERE topic LIKE '%Bill.Issued'"
            )
        ).one()
    return int(row[0]), int(row[1])


def gongzhi_bill(settings: Settings, community: UUID) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "gongzhi.cli",
            "bill",
            "--community",
            str(community),
            "--period",
            "2026-10",
            "--batch-size",
            "300",
        ],
        env=process_env(settings),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_a_billing_run_killed_half_way_completes_on_a_rerun(
    platform: Platform, settings: Settings
) -> None:
    # Given a community of 12,000 units and `gongzhi bill` saving batches of 300 bills
    community = big_community(platform)
    units = BUILDINGS * PER_BUILDING
    run = run_id(community, "2026-10")
    process = start(
        ["bill", "--community", str(community), "--period", "2026-10", "--batch-size", "300"],
        process_env(settings),
    )
    # When it is killed with SIGKILL once a few batches are saved
    deadline = time.monotonic() + 120
    while run_events(platform, run) < 4:  # Started and three batches
        assert process.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline, "the run saved no batch in time"
        time.sleep(0.05)  # pacing of the poll, not synchronisation of a result
    process.send_signal(signal.SIGKILL)
    process.wait()

    # Then the run is incomplete, and every bill saved is whole and covered by its batch
    interrupted = platform.app.repository.get(run)
    assert isinstance(interrupted, BillingRun)
    assert not interrupted.completed
    saved, distinct = bill_events(platform)
    assert 0 < saved < units, "the kill should land mid-run"
    assert saved == distinct == len(interrupted.covered) == interrupted.bills

    # When the run is started again
    rerun = gongzhi_bill(settings, community)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"{saved} units covered by an earlier, interrupted run" in rerun.stdout

    # Then every unit has exactly one bill, and the run's total is the bills' total
    assert bill_events(platform) == (units, units)
    completed = platform.app.repository.get(run)
    assert completed.completed and completed.bills == units
    topic = f"{Bill.Issued.__module__}:{Bill.Issued.__qualname__}"
    notifications = platform.app.recorder.select_notifications(
        start=1, limit=units * 2, topics=[topic]
    )
    issued = [platform.app.mapper.to_domain_event(n) for n in notifications]
    assert len(issued) == units
    assert all(e.amount_fen == sum(line["amount_fen"] for line in e.lines) > 0 for e in issued)
    assert sum(e.amount_fen for e in issued) == completed.amount_fen

    # And a third run creates nothing new
    third = gongzhi_bill(settings, community)
    assert third.returncode == 0 and "nothing new" in third.stdout
    assert bill_events(platform) == (units, units)
