"""Reading 信用评价: evaluations of a district and period ranked by score, one company's
evaluation with its breakdown, a company's credit records.

Regulators read everything; a company's staff read their own company's evaluations (any
status), records and breakdowns; committee members and residents read the published grades
of the companies serving their community, without the breakdown.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.domain.credit_rule_sets import CREDIT_RULE_SETS, credit_rule_set
from gongzhi.domain.credit_rules import Period
from gongzhi.domain.errors import InvalidValue
from gongzhi.graphql.auth import Principal, Role
from gongzhi.graphql.context import Context
from gongzhi.graphql.credit.types import (
    CreditEvaluationConnection,
    CreditEvaluationEdge,
    CreditEvaluationLookup,
    CreditEvaluationsResult,
    CreditRecordList,
    CreditRecordsResult,
    CreditRuleSetType,
    evaluation_from_row,
    record_from_row,
    rule_set_type,
)
from gongzhi.graphql.errors import NotFound, Refused, forbidden, invalid
from gongzhi.graphql.pagination import Key, encode_cursor, keyset_page
from gongzhi.graphql.params import Params
from gongzhi.graphql.permissions import Action, Target, allowed, company_scope
from gongzhi.graphql.personal_data import opener_for
from gongzhi.graphql.reading import AnyCompanyArg, lookup

EVALUATION_SELECT = """
SELECT e.*, co.name AS company_name,
  coalesce((SELECT json_agg(json_build_object('id', o.id::text, 'grounds', o.grounds,
      'raised_on', o.raised_on, 'decision', o.decision, 'decided_on', o.decided_on,
      'corrections', o.corrections, 'score_before', o.score_before,
      'grade_before', o.grade_before, 'score_after', o.score_after,
      'grade_after', o.grade_after, 'corrected_revision', o.corrected_revision)
      ORDER BY o.raised_on, o.id)
    FROM credit_objections o WHERE o.evaluation_id = e.id), '[]'::json) AS objections
FROM credit_evaluations e JOIN companies co ON co.id = e.company_id
"""

RECORD_SELECT = """
SELECT r.*,
  coalesce((SELECT json_agg(json_build_object('id', p.id::text, 'grounds', p.grounds,
      'requested_on', p.requested_on, 'decision', p.decision, 'decided_on', p.decided_on)
      ORDER BY p.requested_on, p.id)
    FROM credit_repairs p WHERE p.record_id = r.id), '[]'::json) AS repairs
FROM credit_records r
"""


# Best first: the ranking's order, the ties by id.
BEST_FIRST = (Key("r.score", "score", "int"), Key("r.id", "id", "uuid"))


def sees_breakdown(principal: Principal) -> bool:
    return principal.role in {Role.PLATFORM_ADMIN, Role.REGULATOR, Role.COMPANY_STAFF}


def evaluation_scope(principal: Principal, params: Params) -> str:
    match principal.role:
        case Role.PLATFORM_ADMIN | Role.REGULATOR:
            return "TRUE"
        case Role.COMPANY_STAFF:
            return f"e.company_id = {params(principal.company_id, 'uuid')}"
    served = company_scope(principal, "sco", params)
    return (
        f"(e.status = 'PUBLISHED' AND e.company_id IN "
        f"(SELECT sco.id FROM companies sco WHERE {served}))"
    )


def _rule_set_and_period(rule_set: str | None, period: str) -> tuple[str, int, str]:
    try:
        rules = credit_rule_set(rule_set)
        return rules.name, rules.version, Period.parse(period).label
    except InvalidValue as error:
        raise Refused(invalid(error.field, error.message)) from None


async def fetch_evaluation(context: Context, evaluation_id: UUID) -> Any:
    params = Params([evaluation_id])
    scope = evaluation_scope(context.principal, params)
    return await context.pool.fetchrow(f"{EVALUATION_SELECT} WHERE e.id = $1 AND {scope}", *params)


async def fetch_record(context: Context, record_id: UUID) -> Any:
    return await context.pool.fetchrow(f"{RECORD_SELECT} WHERE r.id = $1", record_id)


# companyId is checked for existence only (published grades are public to the committees and
# residents the company serves): evaluation_scope hides the rest, READ_CREDIT the records.


@strawberry.type
class CreditQueries:
    @strawberry.field(
        description="信用评价 of a period (in a district: companies serving it), best first "
        "with their rank; ruleSet: name or name/version, default the Yantai 2022 rules"
    )
    @lookup
    async def credit_evaluations(
        self,
        info: Info[Context, None],
        period: str,
        district: str | None = None,
        rule_set: str | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> CreditEvaluationsResult:
        context = info.context
        name, version, label = _rule_set_and_period(rule_set, period)
        params = Params([label, name, version])
        conditions = [
            "e.period = $1",
            "e.rule_set_name = $2",
            "e.rule_set_version = $3",
            evaluation_scope(context.principal, params),
        ]
        if district:
            conditions.append(f"e.districts @> jsonb_build_array({params(district, 'text')})")
        rows, page_info = await keyset_page(
            context.pool,
            f"SELECT * FROM (SELECT ranked.*, rank() OVER (ORDER BY ranked.score DESC)::int "
            f"AS rank FROM ({EVALUATION_SELECT} WHERE {' AND '.join(conditions)}) ranked) r",
            [],
            params,
            BEST_FIRST,
            first,
            after,
            descending=True,
        )
        breakdown, opened = sees_breakdown(context.principal), await opener_for(context, *rows)
        edges = [
            CreditEvaluationEdge(
                cursor=encode_cursor(row["score"], row["id"]),
                node=evaluation_from_row(row, opened, breakdown=breakdown),
            )
            for row in rows
        ]
        return CreditEvaluationConnection(edges=edges, page_info=page_info)

    @strawberry.field(description="信用评价 of one company for a period, with its breakdown")
    @lookup
    async def credit_evaluation(
        self,
        info: Info[Context, None],
        company_id: AnyCompanyArg,
        period: str,
        rule_set: str | None = None,
    ) -> CreditEvaluationLookup:
        context = info.context
        name, version, label = _rule_set_and_period(rule_set, period)
        params = Params([UUID(company_id), label, name, version])
        scope = evaluation_scope(context.principal, params)
        row = await context.pool.fetchrow(
            f"{EVALUATION_SELECT} WHERE e.company_id = $1 AND e.period = $2 "
            f"AND e.rule_set_name = $3 AND e.rule_set_version = $4 AND {scope}",
            *params,
        )
        if row is None:
            return NotFound(
                field="companyId", message=f"no evaluation of {company_id} for {label} you may see"
            )
        opened = await opener_for(context, row)
        return evaluation_from_row(row, opened, breakdown=sees_breakdown(context.principal))

    @strawberry.field(description="信用记录 of a company: regulators and the company's staff")
    @lookup
    async def credit_records(
        self, info: Info[Context, None], company_id: AnyCompanyArg
    ) -> CreditRecordsResult:
        context = info.context
        company = UUID(company_id)
        if not allowed(context.principal, Action.READ_CREDIT, Target(company_id=company)):
            return forbidden(Action.READ_CREDIT.value)
        rows = await context.pool.fetch(
            f"{RECORD_SELECT} WHERE r.company_id = $1 ORDER BY r.recorded_on DESC, r.id", company
        )
        return CreditRecordList(records=[record_from_row(row) for row in rows])

    @strawberry.field(description="信用评价办法: the rule sets shipped, as data")
    def credit_rule_sets(self) -> list[CreditRuleSetType]:
        return [rule_set_type(r) for _, r in sorted(CREDIT_RULE_SETS.items())]
