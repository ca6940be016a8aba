"""信用评价 views: the same rows whatever the batch size, for a file and an evaluation whose
states go back and forth (a repair refused then granted, a revision, an upheld objection)."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from sqlalchemy import text

from gongzhi.application.base import Meta, business_today
from gongzhi.application.companies import RegisterCompany
from gongzhi.application.credit import (
    DecideCreditObjection,
    DecideCreditRepair,
    EnterCreditRecord,
    ObjectToCreditEvaluation,
    PublishCreditEvaluation,
    RequestCreditRepair,
)
from gongzhi.bootstrap import Platform
from gongzhi.demo import credit_code
from gongzhi.domain.credit_evaluation import ObjectionDecision
from gongzhi.domain.credit_file import RepairDecision
from gongzhi.domain.credit_rules import IndicatorValue, RecordKind
from tests.integration.test_projection_runner import dump_views

META = Meta(actor="regulator-1", reason="信用评价", actor_role="REGULATOR")
STAFF = Meta(actor="staff-1", reason="异议", actor_role="COMPANY_STAFF")


def credit_history(platform: Platform) -> None:
    app = platform.app
    company = app.register_company(
        META, RegisterCompany(name="安居物业", credit_code=credit_code(random.Random(9)))
    ).id
    penalty = app.enter_credit_record(
        META,
        EnterCreditRecord(
            company_id=company,
            kind=RecordKind.PENALTY,
            recorded_on=date(2026, 1, 10),
            authority="区住建局",
            document_number="罚〔2026〕1号",
        ),
    ).part_id
    assert penalty is not None
    wrong = app.enter_credit_record(
        META,
        EnterCreditRecord(
            company_id=company,
            kind=RecordKind.COURT_LOSS,
            recorded_on=date(2025, 12, 1),
            authority="区法院",
            document_number="民初1号",
        ),
    ).part_id
    assert wrong is not None
    app.request_credit_repair_on(
        META,
        RequestCreditRepair(company_id=company, record_id=penalty, grounds="已整改"),
        date(2026, 7, 2),
    )
    app.decide_credit_repair(
        META,
        DecideCreditRepair(company_id=company, record_id=penalty, decision=RepairDecision.REFUSED),
    )
    app.request_credit_repair_on(
        META,
        RequestCreditRepair(company_id=company, record_id=penalty, grounds="再次整改"),
        date(2026, 8, 2),
    )
    app.decide_credit_repair(
        META,
        DecideCreditRepair(company_id=company, record_id=penalty, decision=RepairDecision.GRANTED),
    )

    def evaluate(scale: int) -> None:
        app.evaluate_credit(
            META,
            company_id=company,
            period="2026Q1",
            rule_set=None,
            indicators={"management_scale": IndicatorValue(Decimal(scale))},
            districts=["芝罘区"],
            evaluated_on=business_today(),
        )

    evaluate(1)
    evaluate(5)  # a revision
    done = app.evaluate_credit(
        META,
        company_id=company,
        period="2026Q2",
        rule_set=None,
        indicators={},
        districts=[],
        evaluated_on=business_today(),
    )
    assert done is not None
    evaluation_id = done.id
    app.publish_credit_evaluation(META, PublishCreditEvaluation(evaluation_id=evaluation_id))
    first = app.object_to_credit_evaluation(
        STAFF, ObjectToCreditEvaluation(evaluation_id=evaluation_id, grounds="漏计")
    ).part_id
    assert first is not None
    app.decide_credit_objection(
        META,
        DecideCreditObjection(
            evaluation_id=evaluation_id, objection_id=first, decision=ObjectionDecision.REJECTED
        ),
    )
    second = app.object_to_credit_evaluation(
        STAFF, ObjectToCreditEvaluation(evaluation_id=evaluation_id, grounds="判决已撤销")
    ).part_id
    assert second is not None
    app.decide_credit_objection(
        META,
        DecideCreditObjection(
            evaluation_id=evaluation_id,
            objection_id=second,
            decision=ObjectionDecision.UPHELD,
            withdraw_record_ids=[wrong],
        ),
    )
    app.evaluate_credit(
        META,
        company_id=company,
        period="2026Q2",
        rule_set=None,
        indicators={},
        districts=[],
        evaluated_on=business_today(),
    )


def test_credit_views_are_the_same_in_batches_of_one_and_of_a_thousand(
    platform: Platform,
) -> None:
    # Given a credit file and evaluations going back and forth, projected one event at a time
    credit_history(platform)
    platform.projection_runner(batch_size=1).catch_up()
    expected = dump_views(platform.engine)

    # When the same log is rebuilt in one batch
    platform.projection_runner(batch_size=1000).rebuild()

    # Then the rows are identical, and they show the final states
    assert dump_views(platform.engine) == expected
    with platform.engine.connect() as conn:
        repairs = conn.execute(
            text("SELECT decision FROM credit_repairs ORDER BY requested_on")
        ).scalars()
        assert list(repairs) == ["REFUSED", "GRANTED"]
        rows = conn.execute(
            text(
                "SELECT period, revision, cause, status, correction_pending "
                "FROM credit_evaluations ORDER BY period"
            )
        ).all()
        assert [tuple(r) for r in rows] == [
            ("2026Q1", 2, "RE_EVALUATED", "EVALUATED", False),
            ("2026Q2", 2, "CORRECTED", "PUBLISHED", False),
        ]
