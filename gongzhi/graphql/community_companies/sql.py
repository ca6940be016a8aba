"""The SQL of the 强社惠民 read side: one company with its periods, who may see it, and the
per-year figures summed from the ledger rows (never stored, so always traceable)."""

from __future__ import annotations

from gongzhi.graphql.auth import Principal, Role
from gongzhi.graphql.params import Params

TODAY = "(now() AT TIME ZONE 'Asia/Shanghai')::date"

COMPANY_SELECT = f"""
SELECT cc.*,
  EXISTS (SELECT 1 FROM community_company_pilots p WHERE p.company_id = cc.id
          AND p.designated_on <= {TODAY}
          AND (p.revoked_on IS NULL OR p.revoked_on > {TODAY})) AS pilot_today,
  coalesce((SELECT json_agg(json_build_object('id', p.id::text,
      'designated_on', p.designated_on, 'authority', p.authority,
      'revoked_on', p.revoked_on, 'grounds', p.grounds) ORDER BY p.designated_on, p.id)
    FROM community_company_pilots p WHERE p.company_id = cc.id), '[]'::json) AS pilots,
  coalesce((SELECT json_agg(json_build_object('community_id', l.community_id::text,
      'community_name', c.name, 'district', c.district, 'linked_on', l.linked_on,
      'unlinked_on', l.unlinked_on) ORDER BY l.linked_on, c.name, l.id)
    FROM community_company_links l JOIN communities c ON c.id = l.community_id
    WHERE l.company_id = cc.id), '[]'::json) AS links,
  coalesce((SELECT json_agg(json_build_object('id', b.id::text, 'line', b.line,
      'opened_on', b.opened_on, 'closed_on', b.closed_on) ORDER BY b.line, b.opened_on)
    FROM community_business_lines b WHERE b.company_id = cc.id), '[]'::json) AS lines,
  coalesce((SELECT json_agg(json_build_object('year', y.year, 'revenue_fen', y.revenue,
      'cost_fen', y.cost, 'reinvested_fen', y.reinvested) ORDER BY y.year)
    FROM (SELECT t.year, sum(t.revenue) AS revenue, sum(t.cost) AS cost,
                 sum(t.reinvested) AS reinvested
          FROM (SELECT e.year,
                       CASE WHEN e.kind = 'REVENUE' THEN e.amount_fen ELSE 0 END AS revenue,
                       CASE WHEN e.kind = 'COST' THEN e.amount_fen ELSE 0 END AS cost,
                       0 AS reinvested
                FROM community_business_entries e WHERE e.company_id = cc.id
                UNION ALL
                SELECT r.year, 0, 0, r.amount_fen
                FROM community_reinvestments r WHERE r.company_id = cc.id) t
          GROUP BY t.year) y), '[]'::json) AS years
FROM community_companies cc
"""


def linked_during(company: str, year: str) -> str:
    """Condition on a link row ``l`` of ``company``: in force on some day of ``year``
    (``unlinked_on`` is the first day no longer linked)."""
    return (
        f"l.company_id = {company} AND l.linked_on <= make_date({year}, 12, 31) "
        f"AND (l.unlinked_on IS NULL OR l.unlinked_on > make_date({year}, 1, 1))"
    )


def present_in_district(district: str, year: str) -> str:
    """Condition on ``cc``: a company counts in every district where it had a linked
    community on some day of the year (a company serving two districts counts in both)."""
    return (
        "EXISTS (SELECT 1 FROM community_company_links l JOIN communities c "
        f"ON c.id = l.community_id WHERE {linked_during('cc.id', year)} "
        f"AND c.district = {district})"
    )


def year_figures(year: str) -> str:
    """Columns of ``cc``'s figures for ``year`` (fen, net of reversals) and its pilot status
    on any day of the year."""
    return f"""
  coalesce((SELECT sum(e.amount_fen) FROM community_business_entries e
            WHERE e.company_id = cc.id AND e.year = {year} AND e.kind = 'REVENUE'), 0)::bigint
    AS revenue_fen,
  coalesce((SELECT sum(e.amount_fen) FROM community_business_entries e
            WHERE e.company_id = cc.id AND e.year = {year} AND e.kind = 'COST'), 0)::bigint
    AS cost_fen,
  coalesce((SELECT sum(r.amount_fen) FROM community_reinvestments r
            WHERE r.company_id = cc.id AND r.year = {year}), 0)::bigint AS reinvested_fen,
  EXISTS (SELECT 1 FROM community_company_pilots p WHERE p.company_id = cc.id
          AND p.designated_on <= make_date({year}, 12, 31)
          AND (p.revoked_on IS NULL OR p.revoked_on > make_date({year}, 1, 1))) AS pilot_in_year
"""


def district_statistics(district: str, year: str, threshold: str) -> str:
    return f"""
SELECT count(*)::int AS company_count,
       count(*) FILTER (WHERE f.pilot_in_year)::int AS pilot_count,
       count(*) FILTER (WHERE f.revenue_fen >= {threshold})::int AS at_or_above,
       coalesce(sum(f.revenue_fen), 0)::bigint AS revenue_fen,
       coalesce(sum(f.cost_fen), 0)::bigint AS cost_fen,
       coalesce(sum(f.reinvested_fen), 0)::bigint AS reinvested_fen
FROM (SELECT {year_figures(year)} FROM community_companies cc
      WHERE {present_in_district(district, year)}) f
"""


def community_company_scope(principal: Principal, alias: str, params: Params) -> str:
    """Companies a principal may read (permissions ``_community_companies``): regulators of
    the district it is registered in or of any district it has (had) a linked community in;
    committee members of a community it is (was) linked to. Past links count: an audit
    covers the years a community was served."""
    match principal.role:
        case Role.PLATFORM_ADMIN:
            return "TRUE"
        case Role.REGULATOR:
            districts = params(list(principal.districts))
            return (
                f"({alias}.district = ANY({districts}::text[]) OR EXISTS (SELECT 1 "
                "FROM community_company_links sl JOIN communities sc ON sc.id = sl.community_id "
                f"WHERE sl.company_id = {alias}.id AND sc.district = ANY({districts}::text[])))"
            )
        case Role.COMMITTEE_MEMBER:
            return (
                "EXISTS (SELECT 1 FROM community_company_links sl "
                f"WHERE sl.company_id = {alias}.id "
                f"AND sl.community_id = {params(principal.community_id, 'uuid')})"
            )
    return "FALSE"
