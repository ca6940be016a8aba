"""信用评价 service-quality indicators computed from the platform's own events: work orders
with a breach, complaints, fee bills and payments, survey answers of a company's community,
projected, evaluated by the worker's job body, and shown with their evidence.

Work orders take the time of the command, so everything happens in the current quarter and
that quarter is evaluated.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import text

from gongzhi.application.base import Meta, business_today
from gongzhi.application.billing import RunBilling
from gongzhi.application.communities import (
    AddBuilding,
    AddUnit,
    ChangeManagementMode,
    RegisterCommunity,
)
from gongzhi.application.companies import RegisterCompany
from gongzhi.application.complaints import (
    AcceptComplaint,
    CloseComplaint,
    FileComplaint,
    ReplyToComplaint,
)
from gongzhi.application.fee_payments import RecordPayment
from gongzhi.application.fee_schedules import SetFeeStandard
from gongzhi.application.surveys import AnswerSurvey, CreateSurvey, SurveyAnswer, SurveyQuestion
from gongzhi.application.work_orders import (
    DispatchWorkOrder,
    ReportWorkOrder,
    RespondToWorkOrder,
    WorkOrderPlace,
)
from gongzhi.bootstrap import Platform
from gongzhi.demo import credit_code
from gongzhi.domain.complaint import ComplaintCategory, ComplaintChannel, ComplaintOutcome
from gongzhi.domain.contract import PricingModel
from gongzhi.domain.credit_evaluation import CreditEvaluation
from gongzhi.domain.credit_rule_sets import DEFAULT_RULE_SET, LIANYUNGANG_BASE_90_V2
from gongzhi.domain.credit_rules import Period
from gongzhi.domain.fee_schedule import PropertyType
from gongzhi.domain.payment import PaymentChannel
from gongzhi.domain.survey import QuestionKind
from gongzhi.domain.work_order import Category, PlaceKind, Source, Urgency
from gongzhi.workers.actors import WATCHDOG
from gongzhi.workers.credit import evaluate_company

META = Meta(actor="tester", reason="信用评价指标测试", actor_role="PLATFORM_ADMIN")
RESIDENT = Meta(actor="owner-101", reason="报修", actor_role="RESIDENT")
STAFF = Meta(actor="staff-1", reason="处理", actor_role="COMPANY_STAFF")
FEN_PER_MONTH = 20_000  # 2.00 元/m² × 100 m²
SERVICE = (
    "sla_on_time_rate",
    "sla_breaches_per_100_orders",
    "complaint_rate",
    "fee_collection_rate",
    "satisfaction",
)


@dataclass
class Served:
    company: UUID
    community: UUID
    units: list[UUID]
    period: Period


def served_estate(platform: Platform, seed: int = 11, name: str = "幸福里") -> Served:
    """A company serving a community of four units of 100 m² since January 2026."""
    app = platform.app
    company = app.register_company(
        META, RegisterCompany(name=f"{name}物业", credit_code=credit_code(random.Random(seed)))
    ).id
    community = app.register_community(
        META,
        RegisterCommunity(
            name=name, district="芝罘区", street="向阳街道", registered_on=date(2025, 1, 1)
        ),
    ).id
    app.change_management_mode(
        META,
        ChangeManagementMode(
            community_id=community,
            mode="PROFESSIONAL",
            company_id=company,
            effective_from=date(2026, 1, 1),
        ),
    )
    building = app.add_building(
        META,
        AddBuilding(
            community_id=community,
            number="1栋",
            floors=6,
            has_elevator=False,
            entrance_numbers=["1单元"],
        ),
    ).part_id
    assert building is not None
    entrance = next(iter(app.community(community).buildings[building].entrances))
    units = []
    for floor in range(1, 5):
        unit = app.add_unit(
            META,
            AddUnit(
                community_id=community,
                entrance_id=entrance,
                number=f"{floor}01",
                floor=floor,
                area="100",
                area_source="REGISTER",
            ),
        ).part_id
        assert unit is not None
        units.append(unit)
    return Served(company, community, units, Period.containing(business_today()))


def report(platform: Platform, community: UUID, description: str) -> UUID:
    return platform.app.report_work_order(
        RESIDENT,
        ReportWorkOrder(
            community_id=community,
            source=Source.RESIDENT,
            category=Category.PLUMBING,
            urgency=Urgency.NORMAL,
            description=description,
            place=WorkOrderPlace(kind=PlaceKind.COMMON_AREA, area_name="中心花园"),
        ),
    ).id


def service_events(platform: Platform, e: Served) -> None:
    """Four work orders, three handled at once and one left to breach its dispatch deadline;
    two complaints, one found substantiated; the first month's bills, 3½ of 4 paid; eight
    ratings on the company's survey, seven of them 4 or 5."""
    app = platform.app
    # 报事报修
    for n in range(3):
        order = report(platform, e.community, f"水管漏水{n}")
        app.dispatch_work_order(
            STAFF, DispatchWorkOrder(work_order_id=order, team="维修一班", assignee="张师傅")
        )
        app.respond_to_work_order(STAFF, RespondToWorkOrder(work_order_id=order, note="已到场"))
    forgotten = report(platform, e.community, "井盖松动")
    app.record_sla_breaches(WATCHDOG, forgotten, datetime.now(UTC) + timedelta(days=2))
    # 投诉
    for outcome in ("SUBSTANTIATED", "NOT_SUBSTANTIATED"):
        complaint = app.file_complaint(
            META,
            FileComplaint(
                community_id=e.community,
                unit_id=e.units[0],
                category=ComplaintCategory.REPAIRS,
                channel=ComplaintChannel.RESIDENT,
                description="维修不及时",
            ),
        ).id
        app.accept_complaint(META, AcceptComplaint(complaint_id=complaint))
        app.reply_to_complaint(META, ReplyToComplaint(complaint_id=complaint, reply="已核实"))
        app.close_complaint(
            META,
            CloseComplaint(
                complaint_id=complaint, outcome=ComplaintOutcome(outcome), satisfaction=3
            ),
        )
    # 物业费: the quarter's first month, due 30 days after it starts
    app.set_fee_standard(
        META,
        SetFeeStandard(
            community_id=e.community,
            property_type=PropertyType.RESIDENTIAL,
            unit_price=Decimal("2.00"),
            pricing=PricingModel.LUMP_SUM,
            effective_from=date(2026, 1, 1),
        ),
    )
    month = e.period.start
    app.run_billing(META, RunBilling(e.community, f"{month.year}-{month.month:02d}"))
    for i, (unit, fen) in enumerate(zip(e.units, (20_000, 20_000, 20_000, 12_000), strict=True)):
        app.record_payment(
            META,
            RecordPayment(
                community_id=e.community,
                unit_id=unit,
                channel=PaymentChannel.WECHAT,
                transaction_id=f"wx-{e.community.hex[:8]}-{i}",
                amount_fen=fen,
            ),
        )
    # 满意度调查
    now = datetime.now(UTC)
    survey = app.create_survey(
        META,
        CreateSurvey(
            title="物业服务满意度",
            community_ids=[e.community],
            company_id=e.company,
            questions=[
                SurveyQuestion("总体", QuestionKind.RATING),
                SurveyQuestion("维修", QuestionKind.RATING),
            ],
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=7),
        ),
    ).id
    for unit, ratings in zip(e.units, ((5, 4), (4, 3), (5, 5), (4, 4)), strict=True):
        answers = [SurveyAnswer(q, rating=r) for q, r in enumerate(ratings)]
        app.answer_survey(META, AnswerSurvey(survey_id=survey, unit_id=unit, answers=answers))


def evaluated(platform: Platform, e: Served, rule_set: str | None = None) -> dict[str, Any]:
    """The worker's job body for the current quarter; the recorded assessment."""
    platform.projection_runner().catch_up()
    assert evaluate_company(
        platform.engine, platform.app, str(e.company), e.period.label, rule_set, business_today()
    )
    rules = LIANYUNGANG_BASE_90_V2 if rule_set else DEFAULT_RULE_SET
    evaluation = platform.app.load(
        CreditEvaluation, CreditEvaluation.id_for(e.company, e.period, rules), "id"
    )
    return evaluation.assessment  # type: ignore[no-any-return]


def lines(assessment: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["key"]: c for c in assessment["contributions"]}


def test_service_quality_is_scored_from_the_companys_events_with_the_figures_as_evidence(
    platform: Platform,
) -> None:
    # Given a company's community with work orders, complaints, bills, payments and a survey
    e = served_estate(platform)
    service_events(platform, e)

    # When the worker evaluates the current quarter under the latest Yantai rules
    assessment = evaluated(platform, e)

    # Then each indicator has its value, its points and the figures behind it
    shown = lines(assessment)
    # 6 of the 7 due steps on time (the forgotten order was never dispatched): 85.71 % → 3
    assert (shown["sla_on_time_rate"]["value"], shown["sla_on_time_rate"]["points"]) == (
        "85.71",
        3,
    )
    assert shown["sla_on_time_rate"]["evidence"] == [
        {
            "reported": "4",
            "dispatch_due": "4",
            "dispatched_on_time": "3",
            "response_due": "3",
            "responded_on_time": "3",
            "breaches": "1",
        }
    ]
    # One breach on four orders: 25 per 100, the largest deduction, in the bad section
    breaches = shown["sla_breaches_per_100_orders"]
    assert (breaches["value"], breaches["points"], breaches["section"]) == ("25.00", -6, "BAD")
    assert breaches["evidence"] == shown["sla_on_time_rate"]["evidence"]
    # One substantiated complaint of two filed, four households: 25 per 100 households
    complaints = shown["complaint_rate"]
    assert (complaints["value"], complaints["points"], complaints["section"]) == (
        "25.00",
        -6,
        "BAD",
    )
    assert complaints["evidence"] == [{"filed": "2", "substantiated": "1", "households": "4"}]
    # 72,000 of 80,000 fen collected: 90.00 % → 10, with the community's bills as evidence
    fees = shown["fee_collection_rate"]
    assert (fees["value"], fees["points"]) == ("90.00", 10)
    assert fees["evidence"] == [
        {
            "community_id": str(e.community),
            "name": "幸福里",
            "bills": "4",
            "billed_fen": str(4 * FEN_PER_MONTH),
            "collected_fen": "72000",
            "written_off_fen": "0",
        }
    ]
    # 7 of 8 ratings are 4 or 5: 87.50 % → 6, with the survey as evidence
    satisfied = shown["satisfaction"]
    assert (satisfied["value"], satisfied["points"]) == ("87.50", 6)
    assert [
        (row["title"], row["responses"], row["ratings"], row["satisfied"])
        for row in satisfied["evidence"]
    ] == [("物业服务满意度", "4", "8", "7")]
    # And the score: basic 10 (scale) + 1 (party members) + 3 + 10 + 6 = 30, bad -12: 18,
    # still B: event figures are not 不良记录
    assert assessment["sections"]["BASIC"]["counted"] == 30
    assert assessment["sections"]["BAD"]["counted"] == -12
    assert (assessment["score"], assessment["grade"]) == (18, "B")


def test_the_recorded_evaluation_shows_the_evidence_and_lianyungang_scores_the_same_figures(
    platform: Platform,
) -> None:
    # Given the same events, evaluated under Yantai and under Lianyungang version 2
    e = served_estate(platform, seed=12)
    service_events(platform, e)
    evaluated(platform, e)
    lyg = evaluated(platform, e, "lianyungang-base-90")

    # Then Lianyungang adds 2 (收费率 90 %) and 1 (满意度 87.5 %), the on-time rate below 90 %
    # earns nothing, and the deductions are the same: 90 + 1 (party members) + 3 - 12 = 82, B
    shown = lines(lyg)
    assert [shown[name]["points"] for name in SERVICE] == [0, -6, -6, 2, 1]
    assert (lyg["score"], lyg["grade"]) == (82, "B")

    # And the view regulators read holds the same evidence rows
    platform.projection_runner().catch_up()
    with platform.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT rule_set_name || '/' || rule_set_version AS rule_set, contributions "
                "FROM credit_evaluations WHERE company_id = :c ORDER BY rule_set_name"
            ),
            {"c": e.company},
        ).all()
    assert [row.rule_set for row in rows] == ["lianyungang-base-90/2", DEFAULT_RULE_SET.key]
    viewed = {c["key"]: c for c in rows[1].contributions}
    assert viewed["complaint_rate"]["evidence"] == [
        {"filed": "2", "substantiated": "1", "households": "4"}
    ]


def test_a_company_with_nothing_to_measure_gets_no_value_rather_than_zero_percent(
    platform: Platform,
) -> None:
    # Given a company serving a community with households but no orders, bills or surveys,
    # next to a company with all of those
    busy = served_estate(platform, seed=13, name="和平苑")
    service_events(platform, busy)
    quiet = served_estate(platform, seed=14)

    # When the quiet one is evaluated
    assessment = evaluated(platform, quiet)

    # Then the rates of nothing show no value and earn nothing; its complaint rate is 0 per
    # 100 households, and nothing of the busy company's events is counted
    shown = lines(assessment)
    for name in ("sla_on_time_rate", "sla_breaches_per_100_orders", "fee_collection_rate"):
        assert (shown[name]["value"], shown[name]["points"], shown[name]["evidence"]) == (
            None,
            0,
            [],
        )
    assert (shown["satisfaction"]["value"], shown["satisfaction"]["points"]) == (None, 0)
    assert (shown["complaint_rate"]["value"], shown["complaint_rate"]["points"]) == ("0.00", 0)
    assert shown["complaint_rate"]["evidence"] == [
        {"filed": "0", "substantiated": "0", "households": "4"}
    ]
    assert (assessment["score"], assessment["grade"]) == (11, "B")
