"""信用评价 indicator providers: figures about a company computed from the platform's views.

A provider is registered under the indicator name a rule set uses::

    @indicator("complaint_rate")
    def complaint_rate(
        conn: Connection, company_id: UUID, period_start: date, period_end: date
    ) -> IndicatorValue: ...

and returns ``IndicatorValue(value: Decimal, evidence: tuple[dict[str, str], ...])``: the
figure and the rows it was computed from (plain strings, recorded in the evaluation event
so that every point shows where it came from). Providers only read; they see the views as
of the job's run. A rule set naming an indicator nobody registered scores it 0 ("no value").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.engine import Connection

from gongzhi.domain.credit_rules import IndicatorValue

IndicatorProvider = Callable[[Connection, UUID, date, date], IndicatorValue]

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
    """The values of the registered indicators among ``names``."""
    return {
        name: INDICATORS[name](conn, company_id, start, end) for name in names if name in INDICATORS
    }


def _rows(conn: Connection, sql: str, params: Mapping[str, Any]) -> list[dict[str, str]]:
    return [
        {key: "" if value is None else str(value) for key, value in row._mapping.items()}
        for row in conn.execute(text(sql), dict(params))
    ]


# Each management-mode period of a community runs until the next one starts; the company
# serves the community in the evaluation period when one of its periods overlaps it.
SERVED_COMMUNITIES = """
WITH spans AS (
    SELECT m.community_id, m.company_id, m.mode, m.effective_from,
           lead(m.effective_from) OVER (
               PARTITION BY m.community_id ORDER BY m.effective_from, m.seq
           ) AS until
    FROM community_modes m
)
SELECT c.id AS community_id, c.name, c.district, s.effective_from AS served_from,
       s.until AS served_until
FROM spans s JOIN communities c ON c.id = s.community_id
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
