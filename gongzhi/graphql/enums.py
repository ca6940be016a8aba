"""Every domain enum the API shows, registered with strawberry once, in place: the domain
class itself is the GraphQL enum (no copy to keep in step, no ``type: ignore`` where it is used).
An enum a reader meets in Chinese is described from its values' names in ``domain/labels.py``."""

from __future__ import annotations

import enum

import strawberry

from gongzhi.application.meters import ReadingFileFormat
from gongzhi.application.reconciliation import ResolveAction, StatementFileFormat
from gongzhi.application.roster import RosterFormat
from gongzhi.domain.committee_rules import CommitteeKind, CommitteeStatus, MemberRole
from gongzhi.domain.common_income import IncomeCategory
from gongzhi.domain.community_ledger import BusinessLine, EntryKind
from gongzhi.domain.complaint import (
    ComplaintCategory,
    ComplaintChannel,
    ComplaintOutcome,
    ComplaintStatus,
)
from gongzhi.domain.contract import ContractStatus, NoticeKind, PricingModel
from gongzhi.domain.credit_evaluation import EvaluationStatus, ObjectionDecision
from gongzhi.domain.credit_file import RepairDecision
from gongzhi.domain.credit_rules import HonourLevel, RecordKind, VetoKind
from gongzhi.domain.decision import Channel, Scope
from gongzhi.domain.demonstration import Measure, Subject, TitleStatus
from gongzhi.domain.dispute import DisputeOutcome, PartyKind, Referral
from gongzhi.domain.facility_rules import (
    FacilityCategory,
    FacilityStatus,
    FacilityType,
    InspectionKind,
    InspectionOutcome,
    Severity,
)
from gongzhi.domain.fee_account import LedgerKind
from gongzhi.domain.fee_rules import PaymentOrder
from gongzhi.domain.fee_schedule import PropertyType
from gongzhi.domain.fund_rules import Emergency, FundLedgerKind, HousingKind, UseKind
from gongzhi.domain.health import RiskFlag
from gongzhi.domain.invoice import InvoiceBuyer
from gongzhi.domain.labels import LABELS
from gongzhi.domain.meter import MeterKind, SharingMethod
from gongzhi.domain.notice import NoticeAudience, NoticeRoles, NoticeType, PublicityKind
from gongzhi.domain.party import Body, PartyOrganisationKind
from gongzhi.domain.payment import PaymentChannel
from gongzhi.domain.payment_order import OrderStatus
from gongzhi.domain.person import CommunityRole
from gongzhi.domain.points import PointsRule
from gongzhi.domain.reconciliation import ItemKind, Resolution
from gongzhi.domain.survey import QuestionKind
from gongzhi.domain.tally import Matter
from gongzhi.domain.values import AreaSource, ManagementMode, RenovationCategory
from gongzhi.domain.work_order import (
    BreachKind,
    Category,
    PlaceKind,
    Source,
    Urgency,
    WorkOrderStatus,
)


def named(heading: str, kind: type[enum.Enum], note: str = "") -> str:
    """A description that gives each value's Chinese name, from ``domain/labels.py``."""
    names = ", ".join(f"{LABELS[kind][member.value]} {member.name}" for member in kind)
    return f"{heading}: {names}" + (f"; {note}" if note else "")


# (the domain enum, its GraphQL name, its description)
GRAPHQL_ENUMS = (
    (
        CommitteeKind,
        "CommitteeKind",
        "业主委员会 HOMEOWNER (elected by the owners), 物业管理委员会 INTERIM (appointed by the street office)",
    ),
    (MemberRole, "CommitteeMemberRole", "主任 DIRECTOR, 副主任 DEPUTY_DIRECTOR, 委员 MEMBER"),
    (
        CommitteeStatus,
        "CommitteeStatus",
        "筹备中 PREPARING, 在任 IN_OFFICE, 届满未换届 EXPIRED, 已换届 ENDED, 已解散 DISSOLVED",
    ),
    (
        IncomeCategory,
        "CommonIncomeCategory",
        named("公共收益来源", IncomeCategory),
    ),
    (
        ManagementMode,
        "ManagementMode",
        named("管理模式", ManagementMode),
    ),
    (AreaSource, "AreaSource", "面积来源: 登记 register, 测绘 survey, 合同 contract"),
    (
        RenovationCategory,
        "RenovationCategory",
        "改造内容类别: 基础类 BASIC, 完善类 IMPROVEMENT, 提升类 ENHANCEMENT",
    ),
    (
        BusinessLine,
        "CommunityBusinessLine",
        "强社惠民 business lines: 社区食堂 CANTEEN, 托育 CHILDCARE, 居家养老 HOME_ELDERLY_CARE, 来料加工 PROCESSING_WORK, 电商直播 LIVESTREAM_ECOMMERCE, 停车 PARKING, 绿化 GREENING, 保洁 CLEANING, 维修 REPAIRS, 资产租赁 ASSET_RENTAL",
    ),
    (EntryKind, "CommunityEntryKind", "收入 REVENUE or 成本 COST"),
    (PricingModel, "PricingModel", named("计费方式", PricingModel)),
    (
        NoticeKind,
        "ContractNoticeKind",
        "解聘 DISMISSAL by the owners; 不续聘 NON_RENEWAL by the company",
    ),
    (
        ContractStatus,
        "ContractStatus",
        "合同状态 on a day, computed from the contract's dates: AWARDED (签订, not in force yet), IN_FORCE (履行中), RUNNING_ON_INDEFINITELY (期满未决, 不定期), ENDING (notice given or successor awarded; the company serves until the hand-over), HANDED_OVER (已交接)",
    ),
    (
        RecordKind,
        "CreditRecordKind",
        "信用记录: 表彰 HONOUR (good); 行政处罚 PENALTY, 诉讼败诉 COURT_LOSS, 仲裁败诉 ARBITRATION_LOSS, 未公示共有收益 COMMON_INCOME_NOT_PUBLISHED, 擅自调价 UNAUTHORISED_PRICE_CHANGE, 一票否决 VETO (bad)",
    ),
    (HonourLevel, "HonourLevel", "表彰级别: 国家/省/市/区/街道"),
    (
        VetoKind,
        "VetoKind",
        "否决事项: 挪用维修资金 MAINTENANCE_FUND_MISUSED, 合同终止拒不退出 REFUSED_TO_LEAVE",
    ),
    (RepairDecision, "CreditRepairDecision", "信用修复: 准予 GRANTED / 不予 REFUSED"),
    (ObjectionDecision, "CreditObjectionDecision", "异议复核: 成立 UPHELD / 不成立 REJECTED"),
    (EvaluationStatus, "CreditEvaluationStatus", named("信用评价状态", EvaluationStatus)),
    (LedgerKind, "FeeLedgerKind", named("物业费台账分录", LedgerKind)),
    (FundLedgerKind, "FundLedgerKind", named("维修资金台账分录", FundLedgerKind)),
    (Matter, "Matter", "表决事项: the nine matters of Civil Code Art. 278, and 加装电梯"),
    (Scope, "DecisionScope", "小区, 楼栋 or 单元"),
    (Channel, "BallotChannel", "纸质 paper or 线上 online"),
    (
        ComplaintCategory,
        "ComplaintCategory",
        "投诉类别: 服务质量, 收费, 安保, 保洁, 维修, 服务态度, 其他",
    ),
    (
        ComplaintChannel,
        "ComplaintChannel",
        "投诉渠道: 业主自报 RESIDENT, 12345 热线, 业委会 COMMITTEE, 主管部门 REGULATOR",
    ),
    (ComplaintStatus, "ComplaintStatus", "已登记, 已受理, 已答复, 已办结"),
    (ComplaintOutcome, "ComplaintOutcome", "办结结果: 属实, 不属实, 撤回"),
    (PartyKind, "DisputePartyKind", "当事人: 业主, 物业, 业委会, 邻里, 其他"),
    (
        DisputeOutcome,
        "DisputeOutcome",
        "达成调解协议 AGREEMENT, 调解不成 NO_AGREEMENT (诉讼/仲裁), 撤回 WITHDRAWN",
    ),
    (Referral, "DisputeReferral", "诉讼 or 仲裁"),
    (
        FacilityType,
        "FacilityType",
        named(
            "设施类型",
            FacilityType,
            "the public-service spaces (养老 … 文化活动室) carry their area",
        ),
    ),
    (FacilityCategory, "FacilityCategory", "设施类别"),
    (
        FacilityStatus,
        "FacilityStatus",
        "设施状态: IN_SERVICE 在用, FAULTY 故障, OUT_OF_SERVICE 停用 (not inspected or counted while so), RETIRED 报废 (final)",
    ),
    (
        InspectionKind,
        "InspectionKind",
        "巡检类别: ROUTINE 日常巡检, MAINTENANCE 维保 (elevators, every 15 days), STATUTORY 定期检验 (elevators, yearly), SPOT_CHECK 抽查 (recorded; schedule unchanged)",
    ),
    (InspectionOutcome, "InspectionOutcome", "巡检结果: PASS 合格, DEFECTS 有问题"),
    (Severity, "DefectSeverity", "隐患等级: MINOR 一般, MAJOR 较大, CRITICAL 重大"),
    (
        PropertyType,
        "PropertyType",
        named("物业类型", PropertyType, "RESIDENTIAL is every unit's default"),
    ),
    (
        PaymentOrder,
        "PaymentOrder",
        "缴费冲抵顺序: BILLS_FIRST every open bill oldest first, then their 滞纳金 (the default); "
        "BILL_BY_BILL each bill with its 滞纳金, oldest first (when the contract says so)",
    ),
    (
        PaymentChannel,
        "PaymentChannel",
        named(
            "缴费渠道",
            PaymentChannel,
            "SANDBOX is the test channel: development only, moves no money",
        ),
    ),
    (HousingKind, "HousingKind", "房屋性质: 商品房 COMMODITY, 房改房 REFORM"),
    (
        UseKind,
        "FundUseKind",
        named("维修资金使用", UseKind, "ORDINARY by the owners' decision and the committee"),
    ),
    (
        Emergency,
        "FundEmergency",
        named("The six emergencies", Emergency),
    ),
    (
        RiskFlag,
        "HealthRiskFlag",
        "风险提示: 消防设施不全 FIRE_SAFETY_INCOMPLETE, 电梯检验超期 ELEVATOR_INSPECTION_OVERDUE, 维修资金低于30% FUND_BELOW_30, 业委会任期届满 COMMITTEE_TERM_EXPIRED, 重大隐患未整改 CRITICAL_DEFECT_OPEN, 无物业服务合同 NO_SERVICE",
    ),
    (
        CommunityRole,
        "CommunityRole",
        "楼栋长 building leader, 网格员 grid worker, 党员 party member, 党员中心户",
    ),
    (QuestionKind, "SurveyQuestionKind", "评分 1–5, 单选, 意见建议 free text"),
    (
        PointsRule,
        "PointsRule",
        "积分规则: 参与表决 VOTED, 志愿服务 VOLUNTEERED (per hour), 按时缴费 PAID_ON_TIME (per bill), 参与满意度调查 SURVEY_ANSWERED",
    ),
    (
        PartyOrganisationKind,
        "PartyOrganisationKind",
        "党组织: 社区党委 COMMUNITY_PARTY_COMMITTEE, 物业企业党组织 COMPANY_PARTY_ORGANISATION, 业委会党支部 COMMITTEE_PARTY_BRANCH, 党建工作组 COMMITTEE_PARTY_WORKING_GROUP",
    ),
    (Body, "CrossAppointmentBody", "交叉任职 where a post is held: 党组织, 业委会, 物业服务企业"),
    (Subject, "DemonstrationSubject", "示范小区 COMMUNITY, 示范企业 COMPANY"),
    (
        TitleStatus,
        "DemonstrationTitleStatus",
        "已申报 APPLIED, 已评分 SCORED, 已授牌 AWARDED (in force), 已撤销 REVOKED",
    ),
    (Measure, "DemonstrationMeasure", "What a scoring criterion reads"),
    (NoticeAudience, "NoticeAudience", "发布范围: 全小区, 一栋楼, 一个单元, 一户"),
    (NoticeRoles, "NoticeRoles", "发布对象: 全体住户, 业主, 住户, 业委会 (no household receipts)"),
    (
        NoticeType,
        "NoticeType",
        "通知 NOTICE (typed), 公示 PUBLICITY (written by the platform from the events), 催缴通知 ARREARS_REMINDER",
    ),
    (
        PublicityKind,
        "PublicityKind",
        "公示 of: 表决结果 (15 days), 公共收益及分配 (30), 维修资金使用 approved, confirmed or paid (7), 业委会备案 (15), 物业服务合同签订 (15); days from the Shanghai date of the event, that day included",
    ),
    (RosterFormat, "RosterFormat", None),
    (ReadingFileFormat, "ReadingFileFormat", "A smart-meter export: CSV as text or XLSX as base64"),
    (MeterKind, "MeterKind", "表: 水 WATER, 电 ELECTRICITY, 燃气 GAS, 热 HEAT"),
    (
        SharingMethod,
        "SharingMethod",
        "公摊方式: 按面积 AREA, 按户数 UNIT_COUNT, 按用量 CONSUMPTION (no consumption: by count)",
    ),
    (StatementFileFormat, "StatementFileFormat", "对账单 file: CSV or XLSX"),
    (
        ItemKind,
        "ReconciliationItemKind",
        "对账结果: 一致 MATCHED, 渠道有平台无 MISSING_IN_PLATFORM, 平台有渠道无 MISSING_IN_STATEMENT, 金额不符 AMOUNT_DIFFERS",
    ),
    (Resolution, "ReconciliationResolution", "处理方式: 补账 BOOKED, 冲正 REVERSED, 说明 NOTED"),
    (
        ResolveAction,
        "ReconciliationAction",
        "BOOK_PAYMENT 补账 (recordPayment), REVERSE_PAYMENT 冲正 (refundPayment), NOTE 说明 only",
    ),
    (
        Source,
        "WorkOrderSource",
        "报事来源: 居民 RESIDENT, 网格员 GRID_WORKER, 巡查 INSPECTION, 物业 COMPANY",
    ),
    (
        Category,
        "WorkOrderCategory",
        "报修类别: 给排水 PLUMBING, 供电照明 ELECTRICAL, 电梯 ELEVATOR, 消防 FIRE_SAFETY, 环境卫生 SANITATION, 绿化 GREENING, 安防 SECURITY, 停车 PARKING, 房屋结构 STRUCTURE, OTHER",
    ),
    (Urgency, "WorkOrderUrgency", "紧急程度: NORMAL, URGENT, EMERGENCY"),
    (
        PlaceKind,
        "WorkOrderPlaceKind",
        "报修位置: whole COMMUNITY, a BUILDING (楼栋), a UNIT (户), a named COMMON_AREA",
    ),
    (
        WorkOrderStatus,
        "WorkOrderStatus",
        "待分转 REPORTED, 已分转 DISPATCHED (waiting for the response), 已回应 RESPONDED, 已办结 RESOLVED, 已撤销 CANCELLED",
    ),
    (BreachKind, "SlaBreachKind", "超时: 分转 DISPATCH or 回应 RESPONSE"),
    (
        InvoiceBuyer,
        "InvoiceBuyer",
        "发票抬头类型: 单位 ORGANISATION (with its tax number), 个人 PERSON",
    ),
    (
        OrderStatus,
        "OnlinePaymentOrderStatus",
        "在线缴费订单: 待支付 CREATED, 已支付 PAID, 已过期 EXPIRED (not paid in time), 已关闭 CLOSED",
    ),
)

for enum_class, name, description in GRAPHQL_ENUMS:
    strawberry.enum(enum_class, name=name, description=description)
