"""The demo district's daily operations: facilities and inspections (defects open work
orders), residents' repair requests, fee standards with last months' bills and payments,
complaints, and a request for this half-year's 健康指数 of every district (the worker, run by
``gongzhi run``, fills in the ranking)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from gongzhi.application.app import Gongzhi
from gongzhi.application.base import Meta, business_today
from gongzhi.application.billing import RunBilling
from gongzhi.application.complaints import FileComplaint
from gongzhi.application.facilities import Defect, RecordInspection, RegisterFacility
from gongzhi.application.fee_payments import RecordPayment
from gongzhi.application.fee_schedules import SetFeeStandard
from gongzhi.application.health import RequestHealthRun
from gongzhi.application.work_orders import (
    DispatchWorkOrder,
    ReportWorkOrder,
    RespondToWorkOrder,
    WorkOrderPlace,
)
from gongzhi.domain.community import Community
from gongzhi.domain.complaint import ComplaintCategory, ComplaintChannel
from gongzhi.domain.contract import PricingModel
from gongzhi.domain.credit_rules import Period
from gongzhi.domain.facility_rules import FacilityType, InspectionKind, InspectionOutcome, Severity
from gongzhi.domain.fee_schedule import PropertyType
from gongzhi.domain.payment import PaymentChannel
from gongzhi.domain.values import ManagementMode
from gongzhi.domain.work_order import Category, PlaceKind, Source, Urgency

FACILITIES = (
    # (type, name, share of communities that have it, expected life in years)
    ("FIRE_EXTINGUISHER", "灭火器组", 1.0, 8),
    ("FIRE_HYDRANT", "室外消火栓", 0.8, 20),
    ("FIRE_LANE", "消防车通道", 0.7, 30),
    ("CAMERA", "监控探头", 0.9, 8),
    ("LIGHTING", "路灯", 0.9, 10),
    ("EBIKE_CHARGING", "电动自行车充电桩", 0.6, 8),
)
DEFECTS = (
    ("压力不足", "MINOR"),
    ("箱门损坏", "MINOR"),
    ("出水不畅", "MAJOR"),
    ("无水", "CRITICAL"),
)
REPAIRS = (
    ("PLUMBING", "楼道水管渗漏"),
    ("ELECTRICAL", "楼道灯不亮"),
    ("SANITATION", "垃圾清运不及时"),
    ("GREENING", "绿化带杂草"),
    ("STRUCTURE", "外墙瓷砖松动"),
)


def load_operations(app: Gongzhi, meta: Meta, communities: list[UUID], seed: int) -> int:
    """Operations for every community; the log position of the last event."""
    rng = random.Random(seed + 5)
    today = business_today()
    position = 0
    for community_id in communities:
        community = app.community(community_id)
        position = max(position, _facilities(app, meta, community, rng, today))
        period = community.mode_on(today)
        if period is not None and period.mode == ManagementMode.PROFESSIONAL.value:
            position = max(position, _repairs(app, meta, community, rng))
            position = max(position, _fees(app, meta, community, rng, today))
    districts = sorted({app.community(c).district for c in communities})
    half = Period.containing(today, "H").label
    for district in districts:
        position = max(
            position,
            app.request_health_run(meta, RequestHealthRun(district=district, period=half)).position,
        )
    return position


def _facilities(
    app: Gongzhi, meta: Meta, community: Community, rng: random.Random, today: date
) -> int:
    position = 0
    found: dict[str, UUID] = {}
    for kind, name, share, life in FACILITIES:
        if rng.random() > share:
            continue
        done = app.register_facility(
            meta,
            RegisterFacility(
                community_id=community.id,
                type=FacilityType(kind),
                name=name,
                installed_on=date(rng.randint(2016, 2025), rng.randint(1, 12), 1),
                quantity=rng.randint(4, 30) if kind in {"FIRE_EXTINGUISHER", "CAMERA"} else 1,
                expected_life_years=life,
            ),
        )
        found[kind] = done.id
        position = done.position
    for building in community.buildings.values():
        if building.has_elevator:
            entrance = next(iter(building.entrances))
            done = app.register_facility(
                meta,
                RegisterFacility(
                    community_id=community.id,
                    type=FacilityType.ELEVATOR,
                    name=f"{building.number}电梯",
                    building_id=building.id,
                    entrance_id=entrance,
                    installed_on=date(rng.randint(2019, 2024), 6, 1),
                    expected_life_years=15,
                ),
            )
            position = done.position
    # This month's patrol of the fire equipment; a defect opens its work order.
    for kind in ("FIRE_EXTINGUISHER", "FIRE_HYDRANT"):
        if kind not in found or rng.random() < 0.3:
            continue
        defects = [rng.choice(DEFECTS)] if rng.random() < 0.35 else []
        position = app.record_inspection(
            meta,
            RecordInspection(
                facility_id=found[kind],
                kind=InspectionKind.ROUTINE,
                inspected_on=today - timedelta(days=rng.randint(0, 20)),
                inspector="物业消防专管员",
                outcome=InspectionOutcome.DEFECTS if defects else InspectionOutcome.PASS,
                defects=[Defect(description=d, severity=Severity(s)) for d, s in (defects)],
            ),
        ).position
    return position


def _repairs(app: Gongzhi, meta: Meta, community: Community, rng: random.Random) -> int:
    position = 0
    for _ in range(rng.randint(1, 4)):
        category, description = rng.choice(REPAIRS)
        order = app.report_work_order(
            meta,
            ReportWorkOrder(
                community_id=community.id,
                source=Source.RESIDENT,
                category=Category(category),
                urgency=Urgency(rng.choice(["NORMAL", "NORMAL", "URGENT"])),
                description=description,
                place=WorkOrderPlace(kind=PlaceKind.COMMON_AREA, area_name="小区公共区域"),
            ),
        )
        position = order.position
        if rng.random() < 0.7:
            position = app.dispatch_work_order(
                meta, DispatchWorkOrder(work_order_id=order.id, team="维修班", assignee="值班师傅")
            ).position
            if rng.random() < 0.8:
                position = app.respond_to_work_order(
                    meta, RespondToWorkOrder(work_order_id=order.id, note="已到场")
                ).position
    if rng.random() < 0.3:
        position = app.file_complaint(
            meta,
            FileComplaint(
                community_id=community.id,
                unit_id=None,
                category=ComplaintCategory.SERVICE_QUALITY,
                channel=ComplaintChannel.HOTLINE_12345,
                description="保洁不到位",
            ),
        ).position
    return position


def _fees(app: Gongzhi, meta: Meta, community: Community, rng: random.Random, today: date) -> int:
    """A residential standard from January; the two months before this one billed; most
    households pay 100 元 a month by WeChat (oldest bill first)."""
    price = f"{rng.choice(['0.80', '1.20', '1.50', '1.85', '2.10'])}"
    app.set_fee_standard(
        meta,
        SetFeeStandard(
            community_id=community.id,
            property_type=PropertyType.RESIDENTIAL,
            unit_price=Decimal(price),
            pricing=PricingModel.LUMP_SUM,
            effective_from=date(today.year, 1, 1),
        ),
    )
    first_of_month = today.replace(day=1)
    position = 0
    for back in (2, 1):
        month = first_of_month
        for _ in range(back):
            month = (month - timedelta(days=1)).replace(day=1)
        position = app.run_billing(meta, RunBilling(community.id, month.strftime("%Y-%m"))).position
    share = rng.uniform(0.6, 0.98)
    for unit in community.unit_index.values():
        if unit.retired or rng.random() > share:
            continue
        position = app.record_payment(
            meta,
            RecordPayment(
                community_id=community.id,
                unit_id=unit.id,
                channel=PaymentChannel.WECHAT,
                transaction_id=f"wx-{unit.id.hex[:16]}",
                amount_fen=10_000 * rng.randint(1, 2),
            ),
        ).position
    return position
