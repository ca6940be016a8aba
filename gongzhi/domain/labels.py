"""中文名称: the Chinese name of each coded value a reader sees, in one place.

A bill line, a 公示, a 催缴 or an exported sheet is read in Chinese, never in an enum's
name: "物业费 住宅", not "物业费 RESIDENTIAL"; 缴费, not PAYMENT. Each enum a reader meets
has its names here, every value named (``tests/unit/test_labels.py`` fails on a value
without one). The GraphQL enums' descriptions are written from these same names
(``graphql/enums.py``), and an export writes the name of any enum its rows hold
(``graphql/exports/running.py``), so a term is changed here and nowhere else.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

from gongzhi.domain.common_income import IncomeCategory
from gongzhi.domain.contract import ContractStatus, NoticeKind, PricingModel
from gongzhi.domain.credit_evaluation import EvaluationStatus, ObjectionDecision
from gongzhi.domain.credit_file import RepairDecision
from gongzhi.domain.credit_rules import HonourLevel, RecordKind, Section, VetoKind
from gongzhi.domain.facility_rules import FacilityType, InspectionKind
from gongzhi.domain.fee_account import LedgerKind
from gongzhi.domain.fee_schedule import PropertyType
from gongzhi.domain.fund_rules import Emergency, FundLedgerKind, UseKind
from gongzhi.domain.notice import PublicityKind
from gongzhi.domain.payment import PaymentChannel
from gongzhi.domain.tally import ABSTAIN, APPROVE, OPPOSE, Matter
from gongzhi.domain.values import ManagementMode
from gongzhi.domain.work_order import Category, Urgency, WorkOrderStatus

_NAMES: dict[type[enum.Enum], dict[enum.Enum, str]] = {
    PropertyType: {
        PropertyType.RESIDENTIAL: "住宅",
        PropertyType.COMMERCIAL: "商业",
        PropertyType.OTHER: "其他",
    },
    PricingModel: {PricingModel.LUMP_SUM: "包干制", PricingModel.COMMISSION: "酬金制"},
    ManagementMode: {
        ManagementMode.PROFESSIONAL: "专业化物业服务",
        ManagementMode.COMMUNITY_CUSTODY: "社区托管",
        ManagementMode.WORK_UNIT: "单位自管",
        ManagementMode.OWNER_SELF: "业主自管",
        ManagementMode.NONE: "无物业",
    },
    IncomeCategory: {
        IncomeCategory.ADVERTISING: "广告",
        IncomeCategory.PARKING: "停车",
        IncomeCategory.VENUE_RENT: "场地租金",
        IncomeCategory.OTHER: "其他",
    },
    PaymentChannel: {
        PaymentChannel.CASH: "现金",
        PaymentChannel.WECHAT: "微信支付",
        PaymentChannel.ALIPAY: "支付宝",
        PaymentChannel.BANK_TRANSFER: "银行转账",
        PaymentChannel.UNIONPAY: "银联",
        PaymentChannel.SANDBOX: "沙箱支付（测试）",
    },
    LedgerKind: {
        LedgerKind.PAYMENT: "缴费",
        LedgerKind.ALLOCATION: "冲抵账单",
        LedgerKind.CREDIT_APPLIED: "预交款抵扣",
        LedgerKind.REFUND: "退款",
        LedgerKind.REVERSAL: "冲正",
        LedgerKind.WRITE_OFF: "核销",
        LedgerKind.LATE_FEE_WAIVED: "减免滞纳金",
        LedgerKind.LATE_FEE_PAID: "缴纳滞纳金",
        LedgerKind.LATE_FEE_REFUNDED: "退还滞纳金",
        LedgerKind.ADJUSTMENT: "调账",
    },
    FundLedgerKind: {
        FundLedgerKind.FIRST_DEPOSIT: "首期交存",
        FundLedgerKind.TOP_UP: "续交",
        FundLedgerKind.INTEREST: "利息",
        FundLedgerKind.PAYOUT: "使用支出",
        FundLedgerKind.COMMON_INCOME_TRANSFER: "公共收益转入",
    },
    UseKind: {UseKind.ORDINARY: "一般使用", UseKind.EMERGENCY: "应急使用"},
    Emergency: {
        Emergency.ELEVATOR_FAILURE: "电梯故障",
        Emergency.FIRE_EQUIPMENT_BROKEN: "消防设施损坏",
        Emergency.FACADE_HAZARD: "外墙墙面脱落危险",
        Emergency.WALL_OR_ROAD_COLLAPSE: "围墙或道路塌陷",
        Emergency.ROOF_OR_WALL_LEAK: "屋面、外墙渗漏",
        Emergency.DRAINAGE_BLOCKED: "排水设施堵塞",
    },
    EvaluationStatus: {EvaluationStatus.EVALUATED: "已评价", EvaluationStatus.PUBLISHED: "已公示"},
    Section: {Section.BASIC: "基础信息", Section.GOOD: "良好信息", Section.BAD: "不良信息"},
    RecordKind: {
        RecordKind.HONOUR: "表彰",
        RecordKind.PENALTY: "行政处罚",
        RecordKind.COURT_LOSS: "诉讼败诉",
        RecordKind.ARBITRATION_LOSS: "仲裁败诉",
        RecordKind.COMMON_INCOME_NOT_PUBLISHED: "公共收益未公示",
        RecordKind.UNAUTHORISED_PRICE_CHANGE: "擅自调价",
        RecordKind.VETO: "一票否决",
    },
    HonourLevel: {
        HonourLevel.NATIONAL: "国家级",
        HonourLevel.PROVINCIAL: "省级",
        HonourLevel.CITY: "市级",
        HonourLevel.DISTRICT: "区级",
        HonourLevel.STREET: "街道级",
    },
    VetoKind: {
        VetoKind.MAINTENANCE_FUND_MISUSED: "挪用维修资金",
        VetoKind.REFUSED_TO_LEAVE: "合同终止后拒不退出",
    },
    ObjectionDecision: {ObjectionDecision.UPHELD: "成立", ObjectionDecision.REJECTED: "不成立"},
    RepairDecision: {RepairDecision.GRANTED: "准予修复", RepairDecision.REFUSED: "不予修复"},
    ContractStatus: {
        ContractStatus.AWARDED: "已签订未开始",
        ContractStatus.IN_FORCE: "履行中",
        ContractStatus.RUNNING_ON_INDEFINITELY: "期满续行（不定期）",
        ContractStatus.ENDING: "通知期内",
        ContractStatus.HANDED_OVER: "已交接",
    },
    NoticeKind: {NoticeKind.DISMISSAL: "解聘", NoticeKind.NON_RENEWAL: "不续聘"},
    PublicityKind: {
        PublicityKind.DECISION_RESULT: "表决结果",
        PublicityKind.COMMON_INCOME: "公共收益及分配",
        PublicityKind.FUND_USE_APPROVED: "维修资金使用（批准）",
        PublicityKind.FUND_USE_CONFIRMED: "维修资金使用（应急确认）",
        PublicityKind.FUND_USE_PAID: "维修资金使用（支付）",
        PublicityKind.COMMITTEE_FILING: "业委会备案",
        PublicityKind.CONTRACT_AWARD: "物业服务合同签订",
    },
    Category: {
        Category.PLUMBING: "给排水",
        Category.ELECTRICAL: "供电照明",
        Category.ELEVATOR: "电梯",
        Category.FIRE_SAFETY: "消防",
        Category.SANITATION: "环境卫生",
        Category.GREENING: "绿化",
        Category.SECURITY: "安防",
        Category.PARKING: "停车",
        Category.STRUCTURE: "房屋结构",
        Category.OTHER: "其他",
    },
    FacilityType: {
        FacilityType.FIRE_EXTINGUISHER: "灭火器",
        FacilityType.FIRE_HYDRANT: "消火栓",
        FacilityType.FIRE_LANE: "消防车通道",
        FacilityType.MICRO_FIRE_STATION: "微型消防站",
        FacilityType.ELEVATOR: "电梯",
        FacilityType.CAMERA: "监控摄像头",
        FacilityType.ACCESS_CONTROL: "门禁",
        FacilityType.EBIKE_CHARGING: "电动自行车充电设施",
        FacilityType.EV_CHARGING: "汽车充电桩",
        FacilityType.DRAINAGE: "排水设施",
        FacilityType.LIGHTING: "照明",
        FacilityType.PARKING_SPACE: "停车位",
        FacilityType.ELDERLY_CARE: "养老服务站",
        FacilityType.CHILDCARE: "托育",
        FacilityType.CANTEEN: "社区食堂",
        FacilityType.ACTIVITY_GROUND: "活动场地",
        FacilityType.SERVICE_STATION: "便民服务站",
        FacilityType.HEALTH_STATION: "卫生服务站",
        FacilityType.CULTURAL_ROOM: "文化活动室",
    },
    InspectionKind: {
        InspectionKind.ROUTINE: "日常巡检",
        InspectionKind.MAINTENANCE: "维保",
        InspectionKind.STATUTORY: "定期检验",
        InspectionKind.SPOT_CHECK: "抽查",
    },
    Urgency: {Urgency.NORMAL: "一般", Urgency.URGENT: "紧急", Urgency.EMERGENCY: "特急"},
    WorkOrderStatus: {
        WorkOrderStatus.REPORTED: "待分转",
        WorkOrderStatus.DISPATCHED: "已分转",
        WorkOrderStatus.RESPONDED: "已回应",
        WorkOrderStatus.RESOLVED: "已办结",
        WorkOrderStatus.CANCELLED: "已撤销",
    },
    Matter: {
        Matter.MEETING_RULES: "业主大会议事规则",
        Matter.MANAGEMENT_RULES: "管理规约",
        Matter.COMMITTEE: "选举/更换业委会",
        Matter.PROPERTY_COMPANY: "选聘/解聘物业",
        Matter.USE_MAINTENANCE_FUND: "使用维修资金",
        Matter.RAISE_MAINTENANCE_FUND: "筹集维修资金",
        Matter.REBUILD: "改建、重建",
        Matter.CHANGE_COMMON_USE: "改变共有部分用途",
        Matter.OTHER_MAJOR: "其他重大事项",
        Matter.ELEVATOR_ADDITION: "加装电梯",
    },
}

# Every labelled enum: its values' names, by value (what events and views store).
LABELS: Mapping[type[enum.Enum], Mapping[str, str]] = MappingProxyType(
    {kind: {member.value: name for member, name in names.items()} for kind, names in _NAMES.items()}
)

# A decision's yes/no options (and 弃权); the options of a choice are the proposal's own words.
CHOICES: Mapping[str, str] = MappingProxyType({APPROVE: "同意", OPPOSE: "反对", ABSTAIN: "弃权"})


# A credit contribution's section and source, which the API answers as codes (text).
CREDIT_SECTIONS: Mapping[str, str] = LABELS[Section]
CREDIT_SOURCES: Mapping[str, str] = MappingProxyType(
    {"RECORD": "信用记录", "INDICATOR": "平台指标"}
)
# A month of common income's publication, which the API answers as text
INCOME_PUBLICATION: Mapping[str, str] = MappingProxyType(
    {"UNPUBLISHED": "未公示", "PUBLISHED": "已公示", "CHANGED_SINCE_PUBLICATION": "公示后有更正"}
)
# An objection's decision, which the API answers as text
OBJECTION_DECISIONS: Mapping[str, str] = LABELS[ObjectionDecision]


def label(member: enum.Enum) -> str:
    """The Chinese name of an enum value."""
    return LABELS[type(member)][member.value]


def label_of(kind: type[enum.Enum], value: str) -> str:
    """The Chinese name of a stored value of ``kind`` (a value no longer known as it is)."""
    return LABELS[kind].get(value, value)


def choice_label(option: str) -> str:
    return CHOICES.get(option, option)
