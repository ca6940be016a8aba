"""信用评价 indicator providers: figures about a company computed from the platform's views.

A provider is registered under the indicator name a rule set uses::

    @indicator("complaint_rate")
    def complaint_rate(
        conn: Connection, company_id: UUID, period_start: date, period_end: date
    ) -> IndicatorValue: ...

and returns ``IndicatorValue(value: Decimal, evidence: tuple[dict[str, str], ...])``: the
figure and the rows it was computed from (plain strings, recorded in the evaluation event
so that every point shows where it came from), or ``None`` when there is nothing to measure
(no orders, no bills, no ratings): a rate of nothing is not 0 %. Providers only read; they
see the views as of the job's run. An indicator without a value (none returned, or nobody
registered it) scores 0 and shows "no value".

Percentages and rates per 100 are to the hundredth (half up), so that a rule set's bands can
meet at the hundredth.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.engine import Connection

from gongzhi.application.base import BUSINESS_TZ
from gongzhi.domain.credit_rules import IndicatorValue
from gongzhi.projections.engagement import company_complaint_figures, per_hundred
from gongzhi.projections.fees import company_collection_figures
from gongzhi.projections.participation import company_satisfaction_figures
from gongzhi.projections.work_orders import SlaPerformance, sla_performance

IndicatorProvider = Callable[[Connection, UUID, date, date], IndicatorValue | None]

INDICATORS: dict[str, IndicatorProvider] = {}


def indicator(name: str) -> Callable[[IndicatorProvider], IndicatorProvider]:
    """Register a provider under ``name`` (one registration per indicator)."""

    def register(provider: IndicatorProvider) -> IndicatorProvider:
        if name in INDICATORS:
            raise ValueError(f"indicator {name} is already registered")
        INDICATORS[name] = provider
        return provider

    return register


def indicator_values(
    conn: Connection, names: list[str], company_id: UUID, start: date, end: date
) -> dict[str, IndicatorValue]:
    """The values of the registered indicators among ``names`` that have one."""
    values = {}
    for name in names:
        provider = INDICATORS.get(name)
        found = None if provider is None else provider(conn, company_id, start, end)
        if found is not None:
            values[name] = found
    return values


def business_span(start: date, end: date) -> tuple[datetime, datetime]:
    """The period's days as [since, until): Shanghai midnights of its first day and of the
    day after its last."""
    since = datetime.combine(start, time(), BUSINESS_TZ)
    return since, datetime.combine(end + timedelta(days=1), time(), BUSINESS_TZ)


def _rows(conn: Connection, sql: str, params: Mapping[str, Any]) -> list[dict[str, str]]:
    return [
        {key: "" if value is None else str(value) for key, value in row._mapping.items()}
        for row in conn.execute(text(sql), dict(params))
    ]


# Each management-mode period of a community runs until the next one starts; the company
# serves the community in the evaluation period when one of its periods overlaps it.
SERVED_COMMUNITIES = """
SELECT c.id AS community_id, c.name, c.district, s.effective_from AS served_from,
       s.until AS served_until
FROM management_periods s JOIN communities c ON c.id = s.community_id
WHERE s.company_id = :company AND s.mode = 'PROFESSIONAL'
  AND s.effective_from <= :end AND (s.until IS NULL OR s.until > :start)
ORDER BY c.district, c.name, c.id, s.effective_from
"""


@indicator("management_scale")
def management_scale(conn: Connection, company_id: UUID, start: date, end: date) -> IndicatorValue:
    """管理规模: communities the company served (professional management) in the period."""
    rows = _rows(conn, SERVED_COMMUNITIES, {"company": company_id, "start": start, "end": end})
    return IndicatorValue(Decimal(len({row["community_id"] for row in rows})), tuple(rows))


def served_districts(conn: Connection, company_id: UUID, start: date, end: date) -> list[str]:
    """The districts of the communities served in the period (where the grade is listed)."""
    rows = _rows(conn, SERVED_COMMUNITIES, {"company": company_id, "start": start, "end": end})
    return sorted({row["district"] for row in rows})


COMPANY_ORGANISATION = """
SELECT id FROM party_organisations
WHERE company_id = :company AND kind = 'COMPANY_PARTY_ORGANISATION'
"""


@indicator("party_organisation")
def party_organisation(
    conn: Connection, company_id: UUID, start: date, end: date
) -> IndicatorValue:
    """党组织批准成立: 1 when the company's party organisation was approved by the period's end."""
    rows = _rows(
        conn,
        "SELECT id AS organisation_id, name, approved_on, approved_by FROM party_organisations "
        "WHERE company_id = :company AND kind = 'COMPANY_PARTY_ORGANISATION' "
        "AND status = 'APPROVED' AND approved_on <= :end ORDER BY id",
        {"company": company_id, "end": end},
    )
    return IndicatorValue(Decimal(1 if rows else 0), tuple(rows))


def _count_at_end(sql: str) -> IndicatorProvider:
    """A provider counting the rows ``sql`` selects for ``:company`` as of ``:end``."""

    def provider(conn: Connection, company_id: UUID, start: date, end: date) -> IndicatorValue:
        rows = _rows(conn, sql, {"company": company_id, "end": end})
        return IndicatorValue(Decimal(len(rows)), tuple(rows))

    return provider


# 物业从业人员中党员人数: party members in the company's organisation at the period's end.
indicator("party_members_among_staff")(
    _count_at_end(
        "SELECT id AS membership_id, person_id, name, joined_on FROM party_members "
        f"WHERE organisation_id IN ({COMPANY_ORGANISATION}) AND party_member "
        "AND joined_on <= :end AND (left_on IS NULL OR left_on > :end) ORDER BY joined_on, id"
    )
)
# 交叉任职: cross-appointments recorded in the company's organisation by the period's end.
indicator("cross_appointments")(
    _count_at_end(
        "SELECT id AS appointment_id, person_id, name, recorded_on "
        f"FROM party_cross_appointments WHERE organisation_id IN ({COMPANY_ORGANISATION}) "
        "AND recorded_on <= :end ORDER BY recorded_on, id"
    )
)
# 红管家: the company's red stewards assigned at the period's end.
indicator("red_stewards")(
    _count_at_end(
        "SELECT id AS assignment_id, person_id, name, community_id, assigned_on "
        f"FROM red_stewards WHERE organisation_id IN ({COMPANY_ORGANISATION}) "
        "AND assigned_on <= :end AND (withdrawn_on IS NULL OR withdrawn_on > :end) "
        "ORDER BY assigned_on, id"
    )
)


# --- service quality (服务质量), from the work orders, complaints, fees and surveys views ------


def _sla(conn: Connection, company_id: UUID, start: date, end: date) -> SlaPerformance:
    since, until = business_span(start, end)
    return sla_performance(conn, since=since, until=until, company_id=company_id)


def _sla_evidence(figures: SlaPerformance) -> tuple[dict[str, str], ...]:
    names = (
        "reported",
        "dispatch_due",
        "dispatched_on_time",
        "response_due",
        "responded_on_time",
        "breaches",
    )
    return ({name: str(getattr(figures, name)) for name in names},)


@indicator("sla_on_time_rate")
def sla_on_time_rate(
    conn: Connection, company_id: UUID, start: date, end: date
) -> IndicatorValue | None:
    """服务时效达标率: of the dispatch and response steps of the company's orders reported in
    the period that were due (done, or overdue), the percentage done on time."""
    figures = _sla(conn, company_id, start, end)
    rate = per_hundred(
        figures.dispatched_on_time + figures.responded_on_time,
        figures.dispatch_due + figures.response_due,
    )
    return None if rate is None else IndicatorValue(rate, _sla_evidence(figures))


@indicator("sla_breaches_per_100_orders")
def sla_breaches_per_100_orders(
    conn: Connection, company_id: UUID, start: date, end: date
) -> IndicatorValue | None:
    """超时工单率: SLA breaches recorded on the company's orders reported in the period, per
    100 of those orders (an order can breach both its dispatch and its response)."""
    figures = _sla(conn, company_id, start, end)
    rate = per_hundred(figures.breaches, figures.reported)
    return None if rate is None else IndicatorValue(rate, _sla_evidence(figures))


@indicator("complaint_rate")
def complaint_rate(
    conn: Connection, company_id: UUID, start: date, end: date
) -> IndicatorValue | None:
    """投诉率: substantiated (属实) complaints against the company filed in the period, per 100
    households it served. Only findings count against it: anyone may file a complaint."""
    since, until = business_span(start, end)
    figures = company_complaint_figures(conn, company_id, since, until)
    rate = per_hundred(figures.substantiated, figures.households)
    if rate is None:
        return None
    evidence = {
        "filed": str(figures.filed),
        "substantiated": str(figures.substantiated),
        "households": str(figures.households),
    }
    return IndicatorValue(rate, (evidence,))


@indicator("fee_collection_rate")
def fee_collection_rate(
    conn: Connection, company_id: UUID, start: date, end: date
) -> IndicatorValue | None:
    """收费率: collected ÷ billed (fen) on the bills the company issued that fell due in the
    period, over all its communities; the evidence is per community."""
    figures = company_collection_figures(conn, company_id, start, end)
    rate = per_hundred(sum(f.collected for f in figures), sum(f.billed for f in figures))
    if rate is None:
        return None
    evidence = tuple(
        {
            "community_id": str(f.community_id),
            "name": f.name,
            "bills": str(f.bills),
            "billed_fen": str(f.billed),
            "collected_fen": str(f.collected),
            "written_off_fen": str(f.written_off),
        }
        for f in figures
    )
    return IndicatorValue(rate, evidence)


@indicator("satisfaction")
def satisfaction(
    conn: Connection, company_id: UUID, start: date, end: date
) -> IndicatorValue | None:
    """满意度: the percentage of rating answers of 4 or 5 on the company's surveys, among
    responses submitted in the period; the evidence is per survey."""
    since, until = business_span(start, end)
    figures = company_satisfaction_figures(conn, company_id, since, until)
    rate = per_hundred(sum(f.satisfied for f in figures), sum(f.ratings for f in figures))
    if rate is None:
        return None
    evidence = tuple(
        {
            "survey_id": str(f.survey_id),
            "title": f.title,
            "responses": str(f.responses),
            "ratings": str(f.ratings),
            "satisfied": str(f.satisfied),
        }
        for f in figures
    )
    return IndicatorValue(rate, evidence)
