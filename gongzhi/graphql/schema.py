"""The schema, composed from the feature packages; limits and caches built once at import."""

from __future__ import annotations

from pathlib import Path

import strawberry
from graphql import ASTValidationRule
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    ParserCache,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as max_depth_rule
from strawberry.schema.config import StrawberryConfig

from gongzhi.graphql.audit.mutations import AuditMutations
from gongzhi.graphql.audit.queries import AuditQueries
from gongzhi.graphql.committees.mutations import CommitteeMutations
from gongzhi.graphql.committees.queries import CommitteeQueries
from gongzhi.graphql.common_income.mutations import CommonIncomeMutations
from gongzhi.graphql.common_income.queries import CommonIncomeQueries
from gongzhi.graphql.communities.mutations import CommunityMutations
from gongzhi.graphql.communities.queries import CommunityQueries
from gongzhi.graphql.community_companies.mutations import CommunityCompanyMutations
from gongzhi.graphql.community_companies.queries import CommunityCompanyQueries
from gongzhi.graphql.companies.mutations import CompanyMutations
from gongzhi.graphql.companies.queries import CompanyQueries
from gongzhi.graphql.contracts.mutations import ContractMutations
from gongzhi.graphql.contracts.queries import ContractQueries
from gongzhi.graphql.credit.mutations import CreditMutations
from gongzhi.graphql.credit.queries import CreditQueries
from gongzhi.graphql.decisions.mutations import DecisionMutations
from gongzhi.graphql.decisions.queries import DecisionQueries
from gongzhi.graphql.engagement.mutations import EngagementMutations
from gongzhi.graphql.engagement.queries import EngagementQueries
from gongzhi.graphql.execution import CompilingExecutionContext
from gongzhi.graphql.exports.queries import ExportQueries
from gongzhi.graphql.facilities.mutations import FacilityMutations
from gongzhi.graphql.facilities.queries import FacilityQueries
from gongzhi.graphql.fees.mutations import FeeMutations
from gongzhi.graphql.fees.payment_orders import (
    PaymentOrderMutations,
    PaymentOrderQueries,
    PaymentOrderSubscriptions,
)
from gongzhi.graphql.fees.queries import FeeQueries
from gongzhi.graphql.fees.receipts import ReceiptQueries
from gongzhi.graphql.fund.mutations import FundMutations
from gongzhi.graphql.fund.queries import FundQueries
from gongzhi.graphql.health.mutations import HealthMutations
from gongzhi.graphql.health.queries import HealthQueries
from gongzhi.graphql.history.queries import HistoryQueries
from gongzhi.graphql.meters.mutations import MeterMutations
from gongzhi.graphql.meters.queries import MeterQueries
from gongzhi.graphql.money import SCALARS as MONEY_SCALARS
from gongzhi.graphql.notices.mutations import NoticeMutations
from gongzhi.graphql.notices.queries import NoticeQueries
from gongzhi.graphql.notices.subscriptions import NoticeSubscriptions
from gongzhi.graphql.nul import NoNulInStrings
from gongzhi.graphql.owners.mutations import OwnerMutations
from gongzhi.graphql.owners.queries import PersonQueries
from gongzhi.graphql.participation.mutations import ParticipationMutations
from gongzhi.graphql.participation.queries import ParticipationQueries
from gongzhi.graphql.reconciliation.mutations import ReconciliationMutations
from gongzhi.graphql.reconciliation.queries import ReconciliationQueries
from gongzhi.graphql.red_property.mutations import RedPropertyMutations
from gongzhi.graphql.red_property.queries import RedPropertyQueries
from gongzhi.graphql.redaction import RedactingSchema, should_mask
from gongzhi.graphql.roster.mutations import RosterMutations
from gongzhi.graphql.statistics.queries import StatisticsQueries
from gongzhi.graphql.times import SCALARS as TIME_SCALARS
from gongzhi.graphql.tokens.mutations import TokenMutations
from gongzhi.graphql.tokens.queries import ViewerQueries
from gongzhi.graphql.work_orders.mutations import WorkOrderMutations
from gongzhi.graphql.work_orders.queries import WorkOrderQueries
from gongzhi.graphql.work_orders.subscriptions import WorkOrderSubscriptions

MAX_DEPTH = 10
MAX_ALIASES = 30
SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"

# Built once: a limiter factory per request would defeat the validation cache.
LIMIT_RULES: list[type[ASTValidationRule]] = [
    max_depth_rule(MAX_DEPTH, None),
    max_aliases_rule(MAX_ALIASES),
    NoNulInStrings,
]


@strawberry.type(description="共治 gongzhi: communities, companies, their history and statistics")
class Query(
    RedPropertyQueries,
    PersonQueries,
    DecisionQueries,
    CommunityQueries,
    CompanyQueries,
    ContractQueries,
    HistoryQueries,
    ExportQueries,
    StatisticsQueries,
    CommitteeQueries,
    FeeQueries,
    MeterQueries,  # 抄表 (issue 16)
    ReceiptQueries,
    PaymentOrderQueries,  # 在线缴费 (issue 16)
    ReconciliationQueries,  # 对账 (issue 16)
    FundQueries,
    CommonIncomeQueries,
    CommunityCompanyQueries,
    EngagementQueries,
    ParticipationQueries,
    WorkOrderQueries,
    FacilityQueries,
    CreditQueries,
    HealthQueries,
    AuditQueries,
    NoticeQueries,
    ViewerQueries,  # the console's menu and name (issue 17)
):
    pass


@strawberry.type
class Mutation(
    RedPropertyMutations,
    RosterMutations,
    OwnerMutations,
    DecisionMutations,
    CommunityMutations,
    CompanyMutations,
    ContractMutations,
    CommitteeMutations,
    FeeMutations,
    MeterMutations,  # 抄表 (issue 16)
    PaymentOrderMutations,  # 在线缴费 (issue 16)
    ReconciliationMutations,  # 对账 (issue 16)
    FundMutations,
    CommonIncomeMutations,
    CommunityCompanyMutations,
    EngagementMutations,
    ParticipationMutations,
    WorkOrderMutations,
    FacilityMutations,
    CreditMutations,
    HealthMutations,
    TokenMutations,
    AuditMutations,
    NoticeMutations,
):
    pass


@strawberry.type(description="Live updates over websocket (graphql-transport-ws)")
class Subscription(
    WorkOrderSubscriptions,
    NoticeSubscriptions,
    PaymentOrderSubscriptions,  # 在线缴费 (issue 16)
):
    pass


schema = RedactingSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    # Plain selections (most of every page) run as compiled plans: see execution.py.
    execution_context_class=CompilingExecutionContext,
    config=StrawberryConfig(scalar_map={**MONEY_SCALARS, **TIME_SCALARS}),
    # Factories: a fresh extension per request; the caches live at module level, and the
    # limit rules are the same classes every time, so cached validations stay valid.
    extensions=[
        lambda: AddValidationRules(LIMIT_RULES),
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        lambda: MaskErrors(should_mask_error=should_mask, error_message="Unexpected error."),
    ],
)


def schema_sdl() -> str:
    return schema.as_str() + "\n"


def export_schema(path: Path = SCHEMA_FILE) -> Path:
    path.write_text(schema_sdl(), encoding="utf-8")
    return path
