"""健康指数 on the real broker: the job reads a community's figures from the views and records
its assessment once however often it is delivered; changed data gives an explicit revision;
a district run requested by a regulator fans out through the outbox to its communities."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import dramatiq
import pytest
from sqlalchemy import text

from gongzhi.application.base import BUSINESS_TZ, Meta, business_today
from gongzhi.application.committees import AppointInterimCommittee, CommitteeMember
from gongzhi.application.communities import ChangeManagementMode
from gongzhi.application.companies import RegisterCompany
from gongzhi.application.complaints import FileComplaint
from gongzhi.application.facilities import Defect, RecordInspection, RegisterFacility, ResolveDefect
from gongzhi.application.health import RequestHealthRun
from gongzhi.application.work_orders import (
    DispatchWorkOrder,
    ReportWorkOrder,
    RespondToWorkOrder,
    WorkOrderPlace,
)
from gongzhi.bootstrap import Platform
from gongzhi.demo import credit_code, load_demo
from gongzhi.domain.committee_rules import MemberRole
from gongzhi.domain.community import Community
from gongzhi.domain.complaint import ComplaintCategory, ComplaintChannel
from gongzhi.domain.facility_rules import FacilityType, InspectionKind, InspectionOutcome, Severity
from gongzhi.domain.health import DEFAULT_HEALTH_CONFIG, HealthAssessment, half_year
from gongzhi.domain.work_order import Category, PlaceKind, Source, Urgency
from gongzhi.infra.broker import RetryPolicy, close_broker, make_broker, purge
from gongzhi.infra.settings import Settings
from gongzhi.workers.actors import HEALTH_QUEUE, WATCHDOG, Actors
from gongzhi.workers.health import previous_half_year_label
from gongzhi.workers.outbox import outbox_relay
from gongzhi.workers.scheduler import HALF_YEARLY_HEALTH, send_half_yearly_health

META = Meta(actor="regulator-1", reason="健康指数测试", actor_role="REGULATOR")
STAFF = Meta(actor="staff-1", reason="物业服务", actor_role="COMPANY_STAFF")
DEADLINE_MS = 20_000
HYDRANTS: dict[UUID, UUID] = {}  # each estate's hydrant, by community
# The half-year the tests' data falls in (work orders and complaints are recorded now).
PERIOD = half_year(f"{business_today().year}H{1 if business_today().month <= 6 else 2}")


@pytest.fixture
def broker(broker_url: str) -> Iterator[dramatiq.Broker]:
    broker = make_broker(
        broker_url,
        namespace=f"gongzhi-test-{uuid.uuid4().hex}",
        retry=RetryPolicy(max_retries=3, min_backoff_ms=20, max_backoff_ms=200),
    )
    yield broker
    purge(broker)


@pytest.fixture
def actors(broker: dramatiq.Broker, settings: Settings) -> Iterator[Actors]:
    assert settings.database_url is not None
    actors = Actors(broker, settings.database_url, master_key_file=settings.master_key_file)
    yield actors
    actors.close()


@pytest.fixture
def worker(actors: Actors) -> Iterator[dramatiq.Worker]:
    worker = dramatiq.Worker(actors.broker, worker_threads=2, worker_timeout=50)
    worker.start()
    yield worker
    worker.stop()


def drain(actors: Actors, worker: dramatiq.Worker) -> None:
    actors.broker.join(HEALTH_QUEUE, timeout=DEADLINE_MS)
    worker.join()


def estate(platform: Platform, name: str = "幸福里", district: str = "红塔区") -> UUID:
    """Four households served by a company (no contract recorded); an interim committee in
    office; an extinguisher group and a hydrant but no fire lane; an order answered on time
    and one left to breach its dispatch deadline; one complaint this half-year."""
    app = platform.app
    company = app.register_company(
        STAFF, RegisterCompany(name=f"{name}物业", credit_code=_code(name))
    ).id
    community = Community.register(
        name=name, district=district, street="玉兴街道", registered_on=date(2024, 1, 1)
    )
    building = community.add_building("1栋", 6, False, ["1单元"])
    entrance = next(iter(community.buildings[building].entrances))
    for floor in range(1, 5):
        community.add_unit(entrance, f"{floor}01", floor, "80.00", "REGISTER")
    app.record(META, community)
    cid = community.id
    app.change_management_mode(
        META,
        ChangeManagementMode(
            community_id=cid,
            mode="PROFESSIONAL",
            company_id=company,
            effective_from=date(2024, 1, 1),
        ),
    )
    app.appoint_interim_committee(
        META,
        AppointInterimCommittee(
            community_id=cid,
            appointed_on=business_today() - timedelta(days=10),
            term_ends_on=business_today() + timedelta(days=600),
            members=[
                CommitteeMember(
                    uuid4(), f"委员{i}", MemberRole.DIRECTOR if i == 0 else MemberRole.MEMBER
                )
                for i in range(5)
            ],
        ),
    )
    app.register_facility(
        STAFF,
        RegisterFacility(
            community_id=cid,
            type=FacilityType.FIRE_EXTINGUISHER,
            name="灭火器组",
            installed_on=date(2025, 1, 1),
            quantity=20,
            expected_life_years=10,
        ),
    )
    hydrant = app.register_facility(
        STAFF,
        RegisterFacility(
            community_id=cid,
            type=FacilityType.FIRE_HYDRANT,
            name="室外消火栓",
            installed_on=date(2025, 1, 1),
            expected_life_years=20,
        ),
    ).id

    def report(description: str) -> UUID:
        return app.report_work_order(
            STAFF,
            ReportWorkOrder(
                community_id=cid,
                source=Source.COMPANY,
                category=Category.PLUMBING,
                urgency=Urgency.NORMAL,
                description=description,
                place=WorkOrderPlace(kind=PlaceKind.COMMON_AREA, area_name="中心花园"),
            ),
        ).id

    answered, forgotten = report("喷泉漏水"), report("井盖松动")
    app.dispatch_work_order(
        STAFF, DispatchWorkOrder(work_order_id=answered, team="一班", assignee="张")
    )
    app.respond_to_work_order(STAFF, RespondToWorkOrder(work_order_id=answered, note="到"))
    app.record_sla_breaches(WATCHDOG, forgotten, datetime.now(UTC) + timedelta(days=2))
    app.file_complaint(
        META,
        FileComplaint(
            community_id=cid,
            unit_id=None,
            category=ComplaintCategory.SERVICE_QUALITY,
            channel=ComplaintChannel.HOTLINE_12345,
            description="垃圾清运不及时",
        ),
    )
    HYDRANTS[cid] = hydrant
    return cid


def _code(seed: str) -> str:
    return credit_code(random.Random(seed))  # a valid 统一社会信用代码 per seed


def inspect_hydrant(platform: Platform, community: UUID) -> tuple[UUID, UUID]:
    """An inspection of the hydrant finds a critical defect. Returns (facility, defect)."""
    hydrant = HYDRANTS[community]
    platform.app.record_inspection(
        STAFF,
        RecordInspection(
            facility_id=hydrant,
            kind=InspectionKind.ROUTINE,
            inspected_on=business_today(),
            inspector="消防检查员",
            outcome=InspectionOutcome.DEFECTS,
            defects=[Defect(description="消火栓无水", severity=Severity.CRITICAL)],
        ),
    )
    defect = next(iter(platform.app.facility(hydrant).defects))
    return hydrant, defect


def assessment_id(community: UUID) -> UUID:
    return HealthAssessment.id_for(community, PERIOD, DEFAULT_HEALTH_CONFIG)


def events_of(platform: Platform, aggregate_id: UUID) -> list[str]:
    return [e.topic.rsplit(".", 1)[-1] for e in platform.app.recorder.select_events(aggregate_id)]


def component(result: dict[str, Any], key: str) -> dict[str, Any]:
    return next(c for c in result["components"] if c["key"] == key)


def test_the_job_sent_twice_records_the_assessment_once_with_its_inputs(
    platform: Platform, actors: Actors, worker: dramatiq.Worker
) -> None:
    # Given a community with facilities, work orders, a committee and a complaint, projected
    community = estate(platform)
    inspect_hydrant(platform, community)
    platform.projection_runner().catch_up()

    # When its assessment job is delivered twice
    actors.assess_community_health.send(str(community), PERIOD.label, None)
    actors.assess_community_health.send(str(community), PERIOD.label, None)
    drain(actors, worker)

    # Then one assessment was recorded, once, from the community's figures
    assert events_of(platform, assessment_id(community)) == ["Assessed"]
    result = platform.app.health_assessment(assessment_id(community)).result
    assert component(result, "sla")["inputs"] == {"sla_deadlines": 3, "sla_met": 2}
    assert component(result, "sla")["score"] == "66.7"
    assert component(result, "complaints")["inputs"] == {"complaints": 1, "households": 4}
    assert component(result, "complaints")["score"] == "0.0"  # 25 per 100 households
    assert component(result, "open_defects")["inputs"] == {
        "defects_minor": 0,
        "defects_major": 0,
        "defects_critical": 1,
    }
    assert component(result, "open_defects")["score"] == "60.0"
    assert component(result, "governance")["inputs"] == {
        "committee_in_office": True,
        "contract_in_force": False,
        "party_organisation": False,
    }
    assert component(result, "governance")["score"] == "40.0"
    # No bills, no fund, no survey: those components have no data and are left out
    for key in ("fee_collection", "fund_adequacy", "satisfaction"):
        assert component(result, key)["score"] is None
    assert result["coverage"] == 70
    assert set(result["flags"]) == {"FIRE_SAFETY_INCOMPLETE", "CRITICAL_DEFECT_OPEN", "NO_SERVICE"}


def test_changed_data_records_an_explicit_revision(
    platform: Platform, actors: Actors, worker: dramatiq.Worker
) -> None:
    # Given an assessment counting a critical defect
    community = estate(platform)
    hydrant, defect = inspect_hydrant(platform, community)
    platform.projection_runner().catch_up()
    actors.assess_community_health.send(str(community), PERIOD.label, None)
    drain(actors, worker)
    first = platform.app.health_assessment(assessment_id(community)).result

    # When the defect is resolved and the job runs again
    platform.app.resolve_defect(
        STAFF, ResolveDefect(facility_id=hydrant, defect_id=defect, resolved_on=business_today())
    )
    platform.projection_runner().catch_up()
    actors.assess_community_health.send(str(community), PERIOD.label, None)
    drain(actors, worker)

    # Then a second revision is recorded: the defect score is back to 100, the flag is gone
    assert events_of(platform, assessment_id(community)) == ["Assessed", "Revised"]
    assessment = platform.app.health_assessment(assessment_id(community))
    assert assessment.revision == 2
    assert component(assessment.result, "open_defects")["score"] == "100.0"
    assert "CRITICAL_DEFECT_OPEN" not in assessment.result["flags"]
    assert float(assessment.result["index"]) > float(first["index"])
    # And the view shows the latest revision
    platform.projection_runner().catch_up()
    with platform.engine.connect() as conn:
        row = conn.execute(
            text("SELECT revision, health_index FROM health_assessments WHERE id = :id"),
            {"id": assessment_id(community)},
        ).one()
    assert (row.revision, str(row.health_index)) == (2, assessment.result["index"])


def test_a_requested_district_run_fans_out_through_the_outbox(
    platform: Platform, broker_url: str, actors: Actors, worker: dramatiq.Worker
) -> None:
    # Given two communities in 红塔区 and one in 江川区
    ours = [estate(platform, "幸福里"), estate(platform, "和平苑")]
    theirs = estate(platform, "江川小区", district="江川区")
    projector_broker = make_broker(broker_url, namespace=actors.broker.namespace)
    runner = platform.projection_runner(
        after_commit=outbox_relay(platform.engine, projector_broker)
    )

    # When a regulator requests the run of 红塔区 and the projector relays it
    platform.app.request_health_run(META, RequestHealthRun(district="红塔区", period=PERIOD.label))
    runner.catch_up()
    close_broker(projector_broker)
    drain(actors, worker)

    # Then both communities of the district are assessed, and the other district's is not
    for community in ours:
        assert events_of(platform, assessment_id(community)) == ["Assessed"]
    assert events_of(platform, assessment_id(theirs)) == []
    runner.catch_up()
    with platform.engine.connect() as conn:
        assessed = conn.execute(text("SELECT community_id FROM health_assessments")).scalars()
        assert sorted(assessed) == sorted(ours)


def test_the_half_yearly_job_fires_on_1_january_and_1_july_for_the_half_before(
    platform: Platform, actors: Actors, worker: dramatiq.Worker
) -> None:
    # Given noon on 23 November 2026 in Shanghai
    noon = datetime(2026, 11, 23, 12, 0, tzinfo=BUSINESS_TZ)
    # Then the next run is 1 January 2027 at 02:00, and it assesses 2026H2
    fires = HALF_YEARLY_HEALTH.get_next_fire_time(None, noon)
    assert fires == datetime(2027, 1, 1, 2, 0, tzinfo=BUSINESS_TZ)
    assert previous_half_year_label(fires.date()) == "2026H2"
    assert previous_half_year_label(date(2026, 7, 1)) == "2026H1"

    # When the scheduler's job is sent, every registered community is assessed
    community = estate(platform)
    platform.projection_runner().catch_up()
    send_half_yearly_health(actors)
    drain(actors, worker)
    before = half_year(previous_half_year_label(business_today()))
    assert events_of(
        platform, HealthAssessment.id_for(community, before, DEFAULT_HEALTH_CONFIG)
    ) == ["Assessed"]


def test_the_demo_has_service_contracts_so_no_service_means_none(platform: Platform) -> None:
    # Given the demo loaded (seed 11: a community in custody, one nobody manages): its first
    # community, which has owners, is served by a company
    demo = load_demo(platform.app, communities=10, seed=11)
    platform.projection_runner().catch_up()
    with platform.engine.connect() as conn:
        rows = conn.execute(
            text(
                """SELECT c.id, m.mode,
                     EXISTS (SELECT 1 FROM service_contracts s WHERE s.community_id = c.id
                             AND s.started_on IS NOT NULL) AS contract
                   FROM communities c
                   LEFT JOIN LATERAL management_on(c.id, CAST(:today AS date)) m ON TRUE"""
            ),
            {"today": business_today()},
        ).all()
    # Then every community in custody has its contract in force, and so does a
    # professionally managed community whose owners voted to hire its company
    custody = [r for r in rows if r.mode == "COMMUNITY_CUSTODY"]
    assert custody and all(r.contract for r in custody)
    showcase = next(r for r in rows if r.id == demo.communities[0])
    assert (showcase.mode, showcase.contract) == ("PROFESSIONAL", True)
    # And a community nobody manages has none, so its NO_SERVICE flag says what it means
    assert all(not r.contract for r in rows if r.mode in (None, "NONE"))
