"""What can be exported: each export names the GraphQL query it mirrors, the list of that
query's answer that becomes the rows, and the columns with their Chinese headers.

An export is the query's rows, never more: it runs the query itself, through the schema, as
the caller, page after page (``running.py``). The query's scope checks, its permission, its
masking of personal data and its record of unmasked reads apply to the export unchanged,
and a fix to the query is a fix to its export. Nothing here holds SQL or an access rule.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from gongzhi.domain.labels import (
    CHOICES,
    CREDIT_SECTIONS,
    CREDIT_SOURCES,
    INCOME_PUBLICATION,
    OBJECTION_DECISIONS,
)


class ExportKind(enum.Enum):
    FEE_LEDGER = "FEE_LEDGER"
    ARREARS = "ARREARS"
    FEE_STATEMENT = "FEE_STATEMENT"
    DECISION_TALLY = "DECISION_TALLY"
    FUND_LEDGER = "FUND_LEDGER"
    COMMON_INCOME_LEDGER = "COMMON_INCOME_LEDGER"
    COMMON_INCOME_ALLOCATION = "COMMON_INCOME_ALLOCATION"
    DISTRICT_STATISTICS = "DISTRICT_STATISTICS"
    CREDIT_RANKING = "CREDIT_RANKING"
    HEALTH_RANKING = "HEALTH_RANKING"
    OWNER_ROSTER = "OWNER_ROSTER"
    UNMANAGED_COMMUNITIES = "UNMANAGED_COMMUNITIES"
    COMMITTEE_COVERAGE = "COMMITTEE_COVERAGE"
    COMMUNITY_COMPANIES = "COMMUNITY_COMPANIES"
    HEALTH_COMPONENTS = "HEALTH_COMPONENTS"
    CREDIT_CONTRIBUTIONS = "CREDIT_CONTRIBUTIONS"
    CREDIT_SECTIONS = "CREDIT_SECTIONS"
    CREDIT_OBJECTIONS = "CREDIT_OBJECTIONS"
    CREDIT_RECORDS = "CREDIT_RECORDS"
    DECISIONS = "DECISIONS"
    COMMON_INCOME_PERIODS = "COMMON_INCOME_PERIODS"
    CONTRACTS = "CONTRACTS"
    PUBLICITY = "PUBLICITY"
    WORK_ORDERS = "WORK_ORDERS"
    FEE_BILLS = "FEE_BILLS"
    ARREARS_REMINDERS = "ARREARS_REMINDERS"
    INSPECTIONS_DUE = "INSPECTIONS_DUE"


class Cell(enum.Enum):
    """How a value of the answer is written into a cell."""

    TEXT = "text"
    NUMBER = "number"  # an Int, or a Decimal the API sends as a string
    YUAN = "yuan"  # whole fen, written as 元 with two places (exact: fen / 100)
    YES_NO = "yes_no"
    JSON = "json"  # a JSON value (inputs, evidence), written as compact JSON text


@dataclass(frozen=True)
class Column:
    """One column. A field of an enum type is written as its value's Chinese name
    (``domain/labels.py``) by itself; a text field holding codes names them in ``labels``."""

    header: str
    path: str  # dotted field path inside one row of the answer
    cell: Cell = Cell.TEXT
    labels: Mapping[str, str] | None = None  # a code's name; other text as it is


# The arguments an export may be given, by the name the export's input uses for them, with
# their GraphQL types; each export takes the ones its query takes.
ARGUMENT_TYPES = {
    "communityId": "ID!",
    "unitId": "ID!",
    "companyId": "ID!",
    "decisionId": "ID!",
    "district": "String!",
    "period": "String!",
    "round": "String!",
    "year": "Int!",
    "asOf": "Date",
}


@dataclass(frozen=True)
class Export:
    kind: ExportKind
    title: str  # the sheet's name and the file's
    field: str  # the query
    call: str  # its arguments, over the export's variables ($first/$after when paged)
    on: str  # the query's answer type when it answers rows
    rows: str  # dotted path to the list of rows inside that answer
    columns: tuple[Column, ...]
    arguments: tuple[str, ...]  # required ones; ``asOf`` is always optional
    paged: bool = False
    # The query's argument names that differ from the export's (a refusal names the export's)
    renamed: tuple[tuple[str, str], ...] = ()

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def selection(self) -> str:
        """The GraphQL selection of one row: each column's path as nested fields."""
        tree: SelectionTree = {}
        for column in self.columns:
            node = tree
            for part in column.path.split("."):
                node = node.setdefault(part, {})
        return _fields(tree)


# A selection as nested fields: each field's name and the fields selected inside it.
SelectionTree = dict[str, "SelectionTree"]


def _fields(tree: SelectionTree) -> str:
    return " ".join(f"{name} {{ {_fields(sub)} }}" if sub else name for name, sub in tree.items())


Y = Cell.YUAN
N = Cell.NUMBER


def _of_evaluation(kind: ExportKind, title: str, rows: str, columns: tuple[Column, ...]) -> Export:
    """A list of one company's credit evaluation of a period (``creditEvaluation``)."""
    return Export(
        kind,
        title,
        "creditEvaluation",
        "companyId: $companyId, period: $period",
        "CreditEvaluation",
        rows,
        columns,
        ("companyId", "period"),
    )


EXPORTS: dict[ExportKind, Export] = {
    export.kind: export
    for export in (
        Export(
            ExportKind.FEE_LEDGER,
            "物业费台账",
            "feeLedger",
            "communityId: $communityId, first: $first, after: $after",
            "FeeLedgerConnection",
            "entries",
            (
                Column("记账时间", "recordedAt"),
                Column("业务日期", "on"),
                Column("房号", "unitLabel"),
                Column("房屋编号", "unitId"),
                Column("类型", "kind"),
                Column("金额(元)", "amountFen", Y),
                Column("账单编号", "billId"),
                Column("收款编号", "paymentId"),
                Column("支付渠道", "channel"),
                Column("交易流水号", "transactionId"),
                Column("审批人", "approvedBy"),
            ),
            ("communityId",),
            paged=True,
        ),
        Export(
            ExportKind.ARREARS,
            "欠费清单",
            "arrears",
            "communityId: $communityId, asOf: $asOf, first: $first, after: $after",
            "ArrearsConnection",
            "rows",
            (
                Column("房号", "unitLabel"),
                Column("欠费金额(元)", "outstandingFen", Y),
                Column("未缴账单数", "openBills", N),
                Column("最早应缴日", "oldestDueOn"),
                Column("欠费天数", "ageDays", N),
                Column("房屋编号", "unitId"),
            ),
            ("communityId",),
            paged=True,
        ),
        Export(
            ExportKind.FEE_STATEMENT,
            "物业费对账单",
            "feeStatement",
            "unitId: $unitId, asOf: $asOf",
            "FeeStatement",
            "bills",
            (
                Column("房号", "unitLabel"),
                Column("账期", "period"),
                Column("计费起始日", "periodStart"),
                Column("计费截止日", "periodEnd"),
                Column("应缴日", "dueOn"),
                Column("应收金额(元)", "amountFen", Y),
                Column("已收金额(元)", "paidFen", Y),
                Column("核销金额(元)", "writtenOffFen", Y),
                Column("欠费金额(元)", "outstandingFen", Y),
                Column("滞纳金(元)", "lateFeeFen", Y),
            ),
            ("unitId",),
        ),
        Export(
            ExportKind.DECISION_TALLY,
            "表决结果",
            "decision",
            "id: $decisionId",
            "Decision",
            "result.options",
            (
                Column("选项", "option", labels=CHOICES),
                Column("同意专有部分面积(㎡)", "area", N),
                Column("同意人数", "headcount", N),
                Column("面积占比", "areaShare"),
                Column("人数占比", "headcountShare"),
                Column("是否通过", "passed", Cell.YES_NO),
            ),
            ("decisionId",),
            renamed=(("id", "decisionId"),),
        ),
        Export(
            ExportKind.FUND_LEDGER,
            "维修资金台账",
            "fundLedger",
            "communityId: $communityId, first: $first, after: $after",
            "FundLedgerConnection",
            "entries",
            (
                Column("记账时间", "at"),
                Column("业务日期", "on"),
                Column("类型", "kind"),
                Column("金额(元)", "amountFen", Y),
                Column("余额(元)", "balanceAfterFen", Y),
                Column("房屋编号", "unitId"),
                Column("使用编号", "useId"),
                Column("账期", "period"),
            ),
            ("communityId",),
            paged=True,
        ),
        Export(
            ExportKind.COMMON_INCOME_LEDGER,
            "公共收益台账",
            "commonIncomeLedger",
            "communityId: $communityId, period: $period",
            "CommonIncomeLedger",
            "entries",
            (
                Column("账期", "period"),
                Column("收益类别", "category"),
                Column("收入(元)", "grossFen", Y),
                Column("成本(元)", "costFen", Y),
                Column("净收益(元)", "netFen", Y),
                Column("转入维修资金(元)", "toFundFen", Y),
                Column("相对方", "counterparty"),
                Column("备注", "note"),
                Column("记账时间", "recordedAt"),
            ),
            ("communityId", "period"),
        ),
        Export(
            ExportKind.COMMON_INCOME_ALLOCATION,
            "公共收益分配",
            "commonIncomeAllocation",
            "communityId: $communityId, period: $period",
            "CommonIncomeAllocation",
            "units",
            (
                Column("房号", "unitNumber"),
                Column("专有部分面积(㎡)", "area", N),
                Column("分配金额(元)", "fen", Y),
                Column("房屋编号", "unitId"),
            ),
            ("communityId", "period"),
        ),
        Export(
            ExportKind.DISTRICT_STATISTICS,
            "区县小区统计",
            "districtStatistics",
            "district: $district, asOf: $asOf",
            "DistrictStatistics",
            "byMode",
            (Column("管理模式", "mode"), Column("小区数", "communities", N)),
            ("district",),
        ),
        Export(
            ExportKind.CREDIT_RANKING,
            "物业企业信用排名",
            "creditEvaluations",
            "period: $period, district: $district, first: $first, after: $after",
            "CreditEvaluationConnection",
            "edges.node",
            (
                Column("排名", "rank", N),
                Column("企业名称", "companyName"),
                Column("得分", "score", N),
                Column("等级", "grade"),
                Column("一票否决", "vetoed", Cell.YES_NO),
                Column("评价规则", "ruleSet"),
                Column("状态", "status"),
                Column("评价日期", "evaluatedOn"),
            ),
            ("period", "district"),
            paged=True,
        ),
        Export(
            ExportKind.HEALTH_RANKING,
            "小区健康指数排名",
            "healthRanking",
            "district: $district, period: $period, first: $first, after: $after",
            "HealthRanking",
            "edges.node",
            (
                Column("排名", "rank", N),
                Column("小区名称", "communityName"),
                Column("健康指数", "healthIndex", N),
                Column("数据覆盖率(%)", "coverage", N),
                Column("上期指数", "previousIndex", N),
                Column("变化", "trend", N),
            ),
            ("district", "period"),
            paged=True,
        ),
        # Names and phones: masked for the roles ``persons`` masks them for, and each phone
        # shown in full recorded in the personal-data access log, by the query itself.
        Export(
            ExportKind.OWNER_ROSTER,
            "业主名册",
            "persons",
            "communityId: $communityId, first: $first, after: $after",
            "PersonConnection",
            "persons",
            (
                Column("姓名", "name"),
                Column("手机号", "phone"),
                Column("身份证号", "idNumber"),
                Column("个人信息已删除", "erased", Cell.YES_NO),
                Column("人员编号", "id"),
            ),
            ("communityId",),
            paged=True,
        ),
        # 住建's district at a glance: the communities without management, those without a
        # committee, and the community companies' figures (强社惠民: revenue and 反哺).
        Export(
            ExportKind.UNMANAGED_COMMUNITIES,
            "无物业小区",
            "communities",
            "filter: {district: $district, mode: NONE}, first: $first, after: $after",
            "CommunityConnection",
            "edges.node",
            (
                Column("小区名称", "name"),
                Column("街道", "street"),
                Column("地址", "address"),
                Column("管理模式", "management.mode"),
                Column("自何时", "management.effectiveFrom"),
                Column("小区编号", "id"),
            ),
            ("district",),
            paged=True,
        ),
        Export(
            ExportKind.COMMITTEE_COVERAGE,
            "尚无业委会的小区",
            "committeeCoverage",
            "district: $district, asOf: $asOf",
            "CommitteeCoverage",
            "uncovered",
            (Column("小区名称", "name"), Column("小区编号", "id")),
            ("district",),
        ),
        Export(
            ExportKind.COMMUNITY_COMPANIES,
            "强社惠民公司",
            "communityCompanies",
            "district: $district, year: $year, first: $first, after: $after",
            "CommunityCompanyFiguresConnection",
            "edges.node",
            (
                Column("公司名称", "name"),
                Column("统一社会信用代码", "creditCode"),
                Column("试点", "pilot", Cell.YES_NO),
                Column("年度", "figures.year", N),
                Column("营业收入(元)", "figures.revenueFen", Y),
                Column("成本(元)", "figures.costFen", Y),
                Column("盈余(元)", "figures.surplusFen", Y),
                Column("反哺(元)", "figures.reinvestedFen", Y),
                Column("反哺占盈余", "figures.reinvestedShare", N),
            ),
            ("district", "year"),
            paged=True,
        ),
        # One community's health index: each component with the figures it was computed from.
        Export(
            ExportKind.HEALTH_COMPONENTS,
            "健康指数各项得分",
            "communityHealth",
            "communityId: $communityId, period: $period",
            "HealthAssessment",
            "components",
            (
                Column("项目", "label"),
                Column("权重", "weight", N),
                Column("得分", "score", N),
                Column("计入", "counted", N),
                Column("依据(输入数据)", "inputs", Cell.JSON),
            ),
            ("communityId", "period"),
        ),
        # One company's credit evaluation: each contribution with its evidence.
        _of_evaluation(
            ExportKind.CREDIT_CONTRIBUTIONS,
            "信用评价加减分明细",
            "contributions",
            (
                Column("分项", "section", labels=CREDIT_SECTIONS),
                Column("来源", "source", labels=CREDIT_SOURCES),
                Column("项目", "label"),
                Column("分值", "points", N),
                Column("取值", "value"),
                Column("否决项", "veto", Cell.YES_NO),
                Column("证据", "evidence", Cell.JSON),
            ),
        ),
        _of_evaluation(
            ExportKind.CREDIT_SECTIONS,
            "信用评价分项",
            "sections",
            (
                Column("分项", "section", labels=CREDIT_SECTIONS),
                Column("原始分", "raw", N),
                Column("上限", "cap", N),
                Column("计入", "counted", N),
            ),
        ),
        _of_evaluation(
            ExportKind.CREDIT_OBJECTIONS,
            "信用评价异议",
            "objections",
            (
                Column("提出日", "raisedOn"),
                Column("理由", "grounds"),
                Column("复核决定", "decision", labels=OBJECTION_DECISIONS),
                Column("决定日", "decidedOn"),
                Column("更正前得分", "correction.scoreBefore", N),
                Column("更正前等级", "correction.gradeBefore"),
                Column("更正后得分", "correction.scoreAfter", N),
                Column("更正后等级", "correction.gradeAfter"),
                Column("异议编号", "id"),
            ),
        ),
        Export(
            ExportKind.CREDIT_RECORDS,
            "信用记录",
            "creditRecords",
            "companyId: $companyId",
            "CreditRecordList",
            "records",
            (
                Column("类别", "kind"),
                Column("表彰级别", "level"),
                Column("否决事项", "vetoKind"),
                Column("日期", "recordedOn"),
                Column("有效至", "validUntil"),
                Column("发文机关", "authority"),
                Column("文号", "documentNumber"),
                Column("说明", "note"),
                Column("撤销日", "withdrawnOn"),
                Column("撤销理由", "withdrawalReason"),
                Column("修复日", "repairedOn"),
                Column("记录编号", "id"),
            ),
            ("companyId",),
        ),
        # 业委会: a community's decisions with their outcome and recounts (the tally of one
        # is DECISION_TALLY).
        Export(
            ExportKind.DECISIONS,
            "业主共同决定",
            "decisions",
            "communityId: $communityId, first: $first, after: $after",
            "DecisionConnection",
            "decisions",
            (
                Column("事项", "title"),
                Column("类别", "matter"),
                Column("表决开始", "opensAt"),
                Column("表决截止", "closesAt"),
                Column("已结束", "closed", Cell.YES_NO),
                Column("是否通过", "passed", Cell.YES_NO),
                Column("已投票", "ballotsCast", N),
                Column("复核次数", "recounts", N),
                Column("复核一致次数", "recountsAgreeing", N),
                Column("表决编号", "id"),
            ),
            ("communityId",),
            paged=True,
        ),
        Export(
            ExportKind.COMMON_INCOME_PERIODS,
            "公共收益公示情况",
            "commonIncomePeriods",
            "communityId: $communityId",
            "CommonIncomePeriods",
            "periods",
            (
                Column("月份", "period"),
                Column("已结账", "closed", Cell.YES_NO),
                Column("公示状态", "status", labels=INCOME_PUBLICATION),
                Column("逾期未公示", "overdue", Cell.YES_NO),
                Column("笔数", "entries", N),
                Column("收入(元)", "grossFen", Y),
                Column("成本(元)", "costFen", Y),
                Column("净收益(元)", "netFen", Y),
                Column("转入维修资金(元)", "toFundFen", Y),
                Column("公示轮次", "publishedRound", N),
                Column("公示时间", "publishedAt"),
            ),
            ("communityId",),
        ),
        Export(
            ExportKind.CONTRACTS,
            "物业服务合同",
            "contracts",
            "communityId: $communityId",
            "ServiceContractList",
            "contracts",
            (
                Column("序号", "number", N),
                Column("管理方式", "mode"),
                Column("物业企业", "companyName"),
                Column("合同起始日", "termStart"),
                Column("合同截止日", "termEnd"),
                Column("收费标准(元/㎡·月)", "feePerM2Month", N),
                Column("计费方式", "pricing"),
                Column("酬金比例", "commissionRate", N),
                Column("签订日", "signedOn"),
                Column("开始履行日", "startedOn"),
                Column("状态", "status"),
                Column("通知", "notice.kind"),
                Column("通知日", "notice.givenOn"),
                Column("通知生效日", "notice.effectiveOn"),
                Column("交接日", "handedOverOn"),
                Column("合同编号", "id"),
            ),
            ("communityId",),
        ),
        Export(
            ExportKind.PUBLICITY,
            "公示清单",
            "notices",
            "communityId: $communityId, type: PUBLICITY, first: $first, after: $after",
            "NoticeConnection",
            "notices",
            (
                Column("标题", "title"),
                Column("类别", "publicityKind"),
                Column("公示起始日", "publishFrom"),
                Column("公示截止日", "publishUntil"),
                Column("公示中", "current", Cell.YES_NO),
                Column("撤回日", "withdrawnOn"),
                Column("户数", "households", N),
                Column("已读户数", "householdsRead", N),
                Column("发布时间", "publishedAt"),
                Column("公示编号", "id"),
            ),
            ("communityId",),
            paged=True,
        ),
        Export(
            ExportKind.WORK_ORDERS,
            "报事报修",
            "workOrders",
            "communityId: $communityId, first: $first, after: $after",
            "WorkOrderConnection",
            "edges.node",
            (
                Column("报修时间", "reportedAt"),
                Column("类别", "category"),
                Column("紧急程度", "urgency"),
                Column("地点", "place.areaName"),
                Column("内容", "description"),
                Column("状态", "status"),
                Column("分转时限", "dispatchDeadline"),
                Column("分转时间", "dispatchedAt"),
                Column("分转超时", "dispatchBreached", Cell.YES_NO),
                Column("回应时限", "responseDeadline"),
                Column("回应时间", "respondedAt"),
                Column("回应超时", "responseBreached", Cell.YES_NO),
                Column("班组", "team"),
                Column("办结时间", "resolvedAt"),
                Column("评价(星)", "rating", N),
                Column("工单编号", "id"),
            ),
            ("communityId",),
            paged=True,
        ),
        Export(
            ExportKind.FEE_BILLS,
            "账期账单",
            "feeBills",
            "communityId: $communityId, period: $period, first: $first, after: $after",
            "BillConnection",
            "bills",
            (
                Column("房号", "unitLabel"),
                Column("账期", "period"),
                Column("应收(元)", "amountFen", Y),
                Column("已收(元)", "paidFen", Y),
                Column("核销(元)", "writtenOffFen", Y),
                Column("未收(元)", "outstandingFen", Y),
                Column("缴费期限", "dueOn"),
                Column("补收单", "supplementary", Cell.YES_NO),
                Column("账单编号", "id"),
            ),
            ("communityId", "period"),
            paged=True,
        ),
        Export(
            ExportKind.ARREARS_REMINDERS,
            "催缴通知",
            "arrearsReminders",
            "communityId: $communityId, round: $round",
            "ArrearsReminders",
            "reminders",
            (
                Column("房号", "label"),
                Column("欠费(元)", "owed", Y),
                Column("账单数", "bills", N),
                Column("最早到期", "oldestDueOn"),
                Column("发出时间", "issuedAt"),
                Column("业主已读", "read", Cell.YES_NO),
            ),
            ("communityId", "round"),
        ),
        Export(
            ExportKind.INSPECTIONS_DUE,
            "巡检到期",
            "inspectionsDue",
            # As the console's 巡检到期 shows it: due within 30 days, and overdue
            "communityId: $communityId, withinDays: 30, first: $first, after: $after",
            "InspectionDueConnection",
            "edges.node",
            (
                Column("设施", "facilityName"),
                Column("设施类型", "facilityType"),
                Column("巡检类别", "kind"),
                Column("到期日", "dueOn"),
                Column("上次巡检", "lastInspectedOn"),
                Column("已逾期", "overdue", Cell.YES_NO),
                Column("逾期天数", "overdueDays", N),
            ),
            ("communityId",),
            paged=True,
        ),
    )
}
