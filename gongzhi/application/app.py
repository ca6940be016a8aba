"""The platform's one event-sourced application: all services over one event log."""

from __future__ import annotations

from typing import Any, ClassVar

from gongzhi.application.access import AccessService
from gongzhi.application.audit import AuditService
from gongzhi.application.billing import BillingService
from gongzhi.application.committees import CommitteeService
from gongzhi.application.common_income import CommonIncomeService
from gongzhi.application.communities import CommunityService
from gongzhi.application.community_companies import CommunityCompanyService
from gongzhi.application.community_snapshot import CommunitySnapshot
from gongzhi.application.companies import CompanyService
from gongzhi.application.complaints import ComplaintService
from gongzhi.application.contracts import ContractService
from gongzhi.application.credit import CreditService
from gongzhi.application.decisions import DecisionService
from gongzhi.application.disputes import DisputeService
from gongzhi.application.facilities import FacilityService
from gongzhi.application.fee_payments import FeePaymentService
from gongzhi.application.fee_schedules import FeeScheduleService
from gongzhi.application.funds import FundService
from gongzhi.application.health import HealthService
from gongzhi.application.invoices import InvoiceService
from gongzhi.application.meter_adjustments import MeterAdjustmentService
from gongzhi.application.meters import MeterService
from gongzhi.application.notices import NoticeService
from gongzhi.application.owners import OwnerService
from gongzhi.application.payment_orders import PaymentOrderService
from gongzhi.application.points import PointsService
from gongzhi.application.receipts import CommandReceipts
from gongzhi.application.reconciliation import ReconciliationService
from gongzhi.application.red_property import RedPropertyService
from gongzhi.application.roster import RosterService
from gongzhi.application.snapshots import GongzhiSnapshot
from gongzhi.application.surveys import SurveyService
from gongzhi.application.work_orders import WorkOrderService
from gongzhi.domain.committee import Committee
from gongzhi.domain.community import Community
from gongzhi.domain.fee_account import FeeAccount
from gongzhi.domain.fund import MaintenanceFund
from gongzhi.domain.meter import MeterBook


class Gongzhi(
    CommandReceipts,  # first: a command id's receipt is saved with the change it answers
    FeeScheduleService,  # 物业费: schedules, billing runs, payments (issue 4)
    BillingService,
    FeePaymentService,
    InvoiceService,  # 电子发票 (issue 16)
    PaymentOrderService,  # 在线缴费 (issue 16)
    MeterService,  # 抄表, 公摊 (issue 16)
    MeterAdjustmentService,  # 更正读数, a billed one with its 调账
    ReconciliationService,  # 对账 (issue 16)
    CreditService,
    DecisionService,
    RedPropertyService,
    OwnerService,
    RosterService,
    CommitteeService,
    CommunityService,
    CompanyService,
    ContractService,
    FundService,  # 维修资金
    CommonIncomeService,  # 公共收益
    CommunityCompanyService,
    ComplaintService,
    DisputeService,
    PointsService,  # 积分
    SurveyService,
    WorkOrderService,  # 报事报修
    NoticeService,  # 通知, 公示 read receipts, 催缴
    FacilityService,  # 设施与巡检
    HealthService,  # 健康指数
    AccessService,  # 吊销令牌
    AuditService,  # 审计封存
):
    """共治: every operation recorded as an event in the ``gongzhi_events`` log."""

    name = "gongzhi"
    # The community holds every building, entrance and unit (their owners and residents
    # are each unit's holding since the estate split): copying it for each command cost
    # more than the command (issue 13).
    # A meter book (抄表) holds every meter of its community and their readings: the same.
    changed_in_place = (Community, MeterBook)
    # Aggregates whose events grow without bound, with a snapshot every so many events, so a
    # cold load (a new process, an eviction after a failed command) replays only the tail.
    # The community too, every 1,000 events (mostly one per unit), in a compact shape of its
    # own: the generic one decoded slower than replaying the events (bench_owners: 10,000
    # units, 1.4 s against 0.7 s), the compact one reads 10,000 units in tens of ms; a
    # process's first ballot or close in a large community starts from it (issue 13).
    snapshotting_intervals: ClassVar[dict[Any, int]] = {
        MaintenanceFund: 100,
        FeeAccount: 100,
        Committee: 100,
        Community: 1000,
    }
    snapshot_classes: ClassVar[dict[Any, type[GongzhiSnapshot]]] = {Community: CommunitySnapshot}
