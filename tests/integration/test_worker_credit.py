"""信用评价 on the real broker: the job records once however often it is delivered, a new
record makes an explicit revision, requests and upheld objections travel through the outbox."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from uuid import UUID

import dramatiq
import pytest
from sqlalchemy import text

from gongzhi.application.base import BUSINESS_TZ, Meta, business_today
from gongzhi.application.communities import ChangeManagementMode, RegisterCommunity
from gongzhi.application.companies import RegisterCompany
from gongzhi.application.credit import (
    DecideCreditObjection,
    EnterCreditRecord,
    ObjectToCreditEvaluation,
    PublishCreditEvaluation,
    RequestCreditEvaluation,
    WithdrawCreditRecord,
)
from gongzhi.application.red_property import (
    AddPartyMember,
    ApprovePartyOrganisation,
    SetUpPartyOrganisation,
)
from gongzhi.bootstrap import Platform
from gongzhi.demo import credit_code
from gongzhi.domain.credit_evaluation import CreditEvaluation, ObjectionDecision
from gongzhi.domain.credit_rule_sets import DEFAULT_RULE_SET
from gongzhi.domain.credit_rules import HonourLevel, Period, RecordKind
from gongzhi.domain.party import PartyOrganisationKind
from gongzhi.infra.broker import RetryPolicy, close_broker, make_broker, purge
from gongzhi.infra.settings import Settings
from gongzhi.projections.runner import ProjectionRunner
from gongzhi.workers.actors import CREDIT_QUEUE, Actors
from gongzhi.workers.credit import previous_quarter
from gongzhi.workers.outbox import outbox_relay
from gongzhi.workers.scheduler import QUARTERLY_EVALUATION, send_quarterly_evaluation

META = Meta(actor="regulator-1", reason="信用评价测试", actor_role="REGULATOR")
DEADLINE_MS = 20_000
Q3 = Period.parse("2026Q3")


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
    actors.broker.join(CREDIT_QUEUE, timeout=DEADLINE_MS)
    worker.join()


def yantai_company(platform: Platform) -> tuple[UUID, UUID]:
    """芝罘区: 安居物业 serves 幸福里 since January; an approved party organisation with 4
    party members; a provincial honour in May. Returns (company, community)."""
    app = platform.app
    company = app.register_company(
        META, RegisterCompany(name="烟台安居物业", credit_code=credit_code(random.Random(1)))
    )
    community = app.register_community(
        META,
        RegisterCommunity(
            name="幸福里", district="芝罘区", street="向阳街道", registered_on=date(2025, 1, 1)
        ),
    ).id
    app.change_management_mode(
        META,
        ChangeManagementMode(
            community_id=community,
            mode="PROFESSIONAL",
            company_id=company.id,
            effective_from=date(2026, 1, 1),
        ),
    )
    organisation = app.set_up_party_organisation(
        META,
        SetUpPartyOrganisation(
            kind=PartyOrganisationKind.COMPANY_PARTY_ORGANISATION,
            name="安居物业党支部",
            company_id=company.id,
            set_up_on=date(2026, 1, 5),
        ),
    ).id
    app.approve_party_organisation(
        META,
        ApprovePartyOrganisation(
            organisation_id=organisation, approved_on=date(2026, 2, 1), approved_by="区两新工委"
        ),
    )
    for name in ("张三", "李四", "王五", "赵六"):
        app.add_party_member(
            META,
            AddPartyMember(
                organisation_id=organisation,
                person_id=None,
                name=name,
                party_member=True,
                joined_on=date(2026, 2, 2),
            ),
        )
    app.enter_credit_record(
        META,
        EnterCreditRecord(
            company_id=company.id,
            kind=RecordKind.HONOUR,
            level=HonourLevel.PROVINCIAL,
            recorded_on=date(2026, 5, 1),
            authority="山东省住建厅",
            document_number="鲁建房字〔2026〕8号",
        ),
    )
    return company.id, community


def court_loss(platform: Platform, company: UUID) -> UUID:
    done = platform.app.enter_credit_record(
        META,
        EnterCreditRecord(
            company_id=company,
            kind=RecordKind.COURT_LOSS,
            recorded_on=date(2026, 8, 20),
            authority="芝罘区人民法院",
            document_number="(2026)鲁0602民初123号",
        ),
    )
    assert done.part_id is not None
    return done.part_id


def evaluated(
    platform: Platform,
    actors: Actors,
    worker: dramatiq.Worker,
    projector_broker: dramatiq.Broker,
    company: UUID,
) -> ProjectionRunner:
    """A projector relaying its outbox to the workers, after the company's 2026Q3 evaluation."""
    runner = platform.projection_runner(
        after_commit=outbox_relay(platform.engine, projector_broker)
    )
    runner.catch_up()
    actors.evaluate_company.send(str(company), "2026Q3", None)
    drain(actors, worker)
    return runner


def events_of(platform: Platform, aggregate_id: UUID) -> list[str]:
    return [e.topic.rsplit(".", 1)[-1] for e in platform.app.recorder.select_events(aggregate_id)]


def evaluation_row(platform: Platform, evaluation_id: UUID) -> Any:
    with platform.engine.connect() as conn:
        return conn.execute(
            text("SELECT * FROM credit_evaluations WHERE id = :id"), {"id": evaluation_id}
        ).one()


def test_the_job_sent_twice_records_the_evaluation_once(
    platform: Platform, actors: Actors, worker: dramatiq.Worker
) -> None:
    # Given a company with a served community, a party organisation and an honour, projected
    company, _ = yantai_company(platform)
    platform.projection_runner().catch_up()

    # When the evaluation job for 2026Q3 is delivered twice
    actors.evaluate_company.send(str(company), "2026Q3", None)
    actors.evaluate_company.send(str(company), "2026Q3", None)
    drain(actors, worker)

    # Then one evaluation was recorded, once, under the latest Yantai rules: 10 (scale) + 5 + 3
    # (party) + 15 (honour) = 33, below 60 with no bad record: B
    evaluation_id = CreditEvaluation.id_for(company, Q3, DEFAULT_RULE_SET)
    assert events_of(platform, evaluation_id) == ["Evaluated"]
    evaluation = platform.app.load(CreditEvaluation, evaluation_id, "id")
    assert (evaluation.assessment["score"], evaluation.assessment["grade"]) == (33, "B")
    lines = {c["key"]: c for c in evaluation.assessment["contributions"]}
    assert lines["management_scale"]["points"] == 10
    assert lines["management_scale"]["evidence"][0]["name"] == "幸福里"
    assert len(lines["party_members_among_staff"]["evidence"]) == 4


def test_a_new_record_then_a_request_records_an_explicit_revision_through_the_outbox(
    platform: Platform, broker_url: str, actors: Actors, worker: dramatiq.Worker
) -> None:
    # Given the company evaluated for 2026Q3
    company, _ = yantai_company(platform)
    projector_broker = make_broker(broker_url, namespace=actors.broker.namespace)
    runner = evaluated(platform, actors, worker, projector_broker, company)

    # When a court loss is recorded and the regulator asks for the evaluation again
    loss = court_loss(platform, company)
    platform.app.request_credit_evaluation(
        META,
        RequestCreditEvaluation(
            company_id=company, period="2026Q3", rule_set="shandong-yantai-2022"
        ),
    )
    runner.catch_up()
    close_broker(projector_broker)
    drain(actors, worker)

    # Then the evaluation has an explicit second revision naming the record; 33 - 5 = 28: C
    evaluation_id = CreditEvaluation.id_for(company, Q3, DEFAULT_RULE_SET)
    assert events_of(platform, evaluation_id) == ["Evaluated", "Revised"]
    runner.catch_up()
    row = evaluation_row(platform, evaluation_id)
    assert (row.revision, row.cause, row.score, row.grade) == (2, "RE_EVALUATED", 28, "C")
    assert str(loss) in [c["key"] for c in row.contributions]


def test_an_upheld_objection_is_corrected_by_the_worker(
    platform: Platform, broker_url: str, actors: Actors, worker: dramatiq.Worker
) -> None:
    # Given a published evaluation that counted a court loss entered in error
    company, _ = yantai_company(platform)
    loss = court_loss(platform, company)
    projector_broker = make_broker(broker_url, namespace=actors.broker.namespace)
    runner = evaluated(platform, actors, worker, projector_broker, company)
    evaluation_id = CreditEvaluation.id_for(company, Q3, DEFAULT_RULE_SET)
    platform.app.publish_credit_evaluation(
        META, PublishCreditEvaluation(evaluation_id=evaluation_id)
    )
    objection = platform.app.object_to_credit_evaluation(
        Meta("staff-1", "异议", "COMPANY_STAFF"),
        ObjectToCreditEvaluation(evaluation_id=evaluation_id, grounds="该案已撤诉"),
    ).part_id
    assert objection is not None

    # When the regulator withdraws the record and upholds the objection, having the
    # management scale recomputed too (an indicator: the worker's part)
    platform.app.withdraw_credit_record(
        META, WithdrawCreditRecord(company_id=company, record_id=loss)
    )
    platform.app.decide_credit_objection(
        META,
        DecideCreditObjection(
            evaluation_id=evaluation_id,
            objection_id=objection,
            decision=ObjectionDecision.UPHELD,
            recompute_indicators=["management_scale"],
        ),
    )
    runner.catch_up()
    close_broker(projector_broker)
    drain(actors, worker)

    # Then the worker recorded the correction: back to 33, B
    runner.catch_up()
    row = evaluation_row(platform, evaluation_id)
    assert (row.revision, row.cause, row.score, row.grade) == (2, "CORRECTED", 33, "B")
    assert (row.status, row.correction_pending) == ("PUBLISHED", False)
    # And the objection shows what the correction changed
    with platform.engine.connect() as conn:
        corrected = conn.execute(
            text(
                "SELECT score_before, grade_before, score_after, grade_after "
                "FROM credit_objections WHERE id = :id"
            ),
            {"id": objection},
        ).one()
    assert tuple(corrected) == (28, "C", 33, "B")


def test_the_district_run_fans_out_to_the_companies_serving_it(
    platform: Platform, actors: Actors, worker: dramatiq.Worker
) -> None:
    # Given a company serving 芝罘区 and one serving nowhere
    company, _ = yantai_company(platform)
    platform.app.register_company(
        META, RegisterCompany(name="闲置物业", credit_code=credit_code(random.Random(2)))
    )
    platform.projection_runner().catch_up()

    # When the district run for 2026Q3 is sent
    actors.evaluate_district.send("芝罘区", "2026Q3", None)
    drain(actors, worker)

    # Then the serving company is evaluated and the idle one is not
    platform.projection_runner().catch_up()
    with platform.engine.connect() as conn:
        evaluated = conn.execute(text("SELECT company_id FROM credit_evaluations")).scalars()
        assert list(evaluated) == [company]


def test_the_quarterly_job_fires_on_the_first_day_of_a_quarter_for_the_one_before() -> None:
    # Given noon on 23 November 2026 in Shanghai
    noon = datetime(2026, 11, 23, 12, 0, tzinfo=BUSINESS_TZ)
    # Then the next run is 1 January 2027 at 01:00, and it evaluates 2026Q4
    fires = QUARTERLY_EVALUATION.get_next_fire_time(None, noon)
    assert fires == datetime(2027, 1, 1, 1, 0, tzinfo=BUSINESS_TZ)
    assert previous_quarter(fires.date()) == "2026Q4"
    assert previous_quarter(date(2026, 4, 1)) == "2026Q1"


def test_the_quarterly_run_evaluates_every_registered_company(
    platform: Platform, actors: Actors, worker: dramatiq.Worker
) -> None:
    # Given a serving company and an idle one
    company, _ = yantai_company(platform)
    idle = platform.app.register_company(
        META, RegisterCompany(name="闲置物业", credit_code=credit_code(random.Random(3)))
    )
    platform.projection_runner().catch_up()

    # When the scheduler's quarterly job is sent
    send_quarterly_evaluation(actors)
    drain(actors, worker)

    # Then both are evaluated for the quarter before today's
    quarter = Period.parse(previous_quarter(business_today()))
    for company_id in (company, idle.id):
        evaluation_id = CreditEvaluation.id_for(company_id, quarter, DEFAULT_RULE_SET)
        assert events_of(platform, evaluation_id) == ["Evaluated"]
