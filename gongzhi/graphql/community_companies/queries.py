"""Reading 强社惠民公司: one company, its ledger entry by entry, its 反哺 allocations, a
community's funded public services, and a district's list and figures for a year."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.domain.community_ledger import INCOME_THRESHOLD_FEN
from gongzhi.graphql.community_companies.sql import (
    COMPANY_SELECT,
    community_company_scope,
    district_statistics,
    linked_during,
    present_in_district,
    year_figures,
)
from gongzhi.graphql.community_companies.types import (
    CommunityCompaniesResult,
    CommunityCompanyFigures,
    CommunityCompanyFiguresConnection,
    CommunityCompanyFiguresEdge,
    CommunityCompanyLookup,
    CommunityCompanyStatistics,
    CommunityCompanyStatisticsResult,
    CommunityReinvestmentResult,
    CommunityReinvestmentSummary,
    FundedService,
    LedgerEntryConnection,
    LedgerEntryEdge,
    LedgerResult,
    ReinvestingCompany,
    ReinvestmentList,
    ReinvestmentsResult,
    allocation_from_row,
    company_from_row,
    entry_from_row,
    year_from,
)
from gongzhi.graphql.context import Context
from gongzhi.graphql.errors import NotFound, Refused, invalid
from gongzhi.graphql.pagination import Key, encode_cursor, keyset_page, page_by_name
from gongzhi.graphql.params import Params
from gongzhi.graphql.permissions import Action, Target
from gongzhi.graphql.reading import CommunityArg, CommunityCompanyArg, found, lookup, require

MIN_YEAR, MAX_YEAR = 2000, 2100
IN_RECORDING_ORDER = (Key("number", "number", "int"),)


async def fetch_community_company(context: Context, company_id: UUID) -> Any:
    """The company row if it exists and the principal may read it, else None."""
    params = Params([company_id])
    scope = community_company_scope(context.principal, "cc", params)
    return await context.pool.fetchrow(f"{COMPANY_SELECT} WHERE cc.id = $1 AND {scope}", *params)


async def require_readable(context: Context, company_id: UUID) -> None:
    """Refuse (NotFound) a company the caller may name but not read: a reference reaches the
    staff of a company serving a linked community and its residents, the ledger does not."""
    params = Params([company_id])
    scope = community_company_scope(context.principal, "cc", params)
    if not await context.pool.fetchval(
        f"SELECT 1 FROM community_companies cc WHERE cc.id = $1 AND {scope}", *params
    ):
        message = "no community company with this id that you may see"
        raise Refused(NotFound(field="companyId", message=message))


def _year(year: int, field: str = "year") -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Refused(invalid(field, f"must be a year between {MIN_YEAR} and {MAX_YEAR}"))
    return year


def _district_and_year(context: Context, district: str, year: int) -> None:
    """District figures are the district's regulators' (Refused: Forbidden), for a sane year."""
    require(context.principal, Action.READ_DISTRICT_STATISTICS, Target(district=district))
    _year(year)


@strawberry.type
class CommunityCompanyQueries:
    @strawberry.field(description="强社惠民公司: one community company you may read, by id")
    @lookup
    async def community_company(
        self, info: Info[Context, None], id: CommunityCompanyArg
    ) -> CommunityCompanyLookup:
        row = found(await fetch_community_company(info.context, UUID(id)), "community company")
        return company_from_row(row)

    @strawberry.field(
        description="台账: a community company's revenue and cost entries in recording order, "
        "reversals included (max 100 a page); optionally one year's"
    )
    @lookup
    async def community_company_ledger(
        self,
        info: Info[Context, None],
        company_id: CommunityCompanyArg,
        year: int | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> LedgerResult:
        company = UUID(company_id)
        await require_readable(info.context, company)
        params = Params([company])
        conditions = ["company_id = $1"]
        if year is not None:
            conditions.append(f"year = {params(_year(year))}")
        rows, page_info = await keyset_page(
            info.context.pool,
            "SELECT * FROM community_business_entries",
            conditions,
            params,
            IN_RECORDING_ORDER,
            first,
            after,
        )
        edges = [
            LedgerEntryEdge(cursor=encode_cursor(row["number"]), node=entry_from_row(row))
            for row in rows
        ]
        return LedgerEntryConnection(edges=edges, page_info=page_info)

    @strawberry.field(
        description="反哺: a community company's allocations in recording order, reversals "
        "included; optionally those spending one year's surplus"
    )
    @lookup
    async def reinvestment_allocations(
        self, info: Info[Context, None], company_id: CommunityCompanyArg, year: int | None = None
    ) -> ReinvestmentsResult:
        company = UUID(company_id)
        await require_readable(info.context, company)
        params = Params([company])
        in_year = f" AND year = {params(_year(year))}" if year is not None else ""
        rows = await info.context.pool.fetch(
            f"SELECT * FROM community_reinvestments WHERE company_id = $1{in_year} ORDER BY number",
            *params,
        )
        return ReinvestmentList(allocations=[allocation_from_row(row) for row in rows])

    @strawberry.field(
        description="反哺 for residents: the public services that companies linked to the "
        "community during the year funded from that year's surplus (reversed ones left out)"
    )
    @lookup
    async def community_reinvestment(
        self, info: Info[Context, None], community_id: CommunityArg, year: int
    ) -> CommunityReinvestmentResult:
        rows = await info.context.pool.fetch(
            f"""SELECT cc.id AS company_id, cc.name AS company_name, r.*
               FROM community_companies cc
               JOIN community_reinvestments r ON r.company_id = cc.id
               WHERE r.year = $2 AND r.reverses_id IS NULL AND r.reversed_by_id IS NULL
                 AND EXISTS (SELECT 1 FROM community_company_links l
                             WHERE {linked_during("cc.id", "$2")} AND l.community_id = $1)
               ORDER BY cc.name, cc.id, r.number""",
            UUID(community_id),
            _year(year),
        )
        companies: dict[UUID, ReinvestingCompany] = {}
        for row in rows:
            company = companies.get(row["company_id"])
            if company is None:
                company = companies[row["company_id"]] = ReinvestingCompany(
                    company_id=strawberry.ID(str(row["company_id"])),
                    company_name=row["company_name"],
                    reinvested_fen=Decimal(0),
                    services=[],
                )
            company.reinvested_fen += row["amount_fen"]
            company.services.append(
                FundedService(
                    service=row["service"],
                    beneficiary_count=row["beneficiary_count"],
                    beneficiaries=row["beneficiaries"],
                    amount_fen=row["amount_fen"],
                    allocated_on=row["allocated_on"],
                )
            )
        return CommunityReinvestmentSummary(
            community_id=community_id,
            year=year,
            total_fen=sum((c.reinvested_fen for c in companies.values()), Decimal(0)),
            companies=list(companies.values()),
        )

    @strawberry.field(
        description="强社惠民公司 of a district in a year, by name (max 100 a page), with their "
        "figures: every company with a community of the district linked on some day of the year"
    )
    @lookup
    async def community_companies(
        self,
        info: Info[Context, None],
        district: str,
        year: int,
        first: int = 20,
        after: str | None = None,
    ) -> CommunityCompaniesResult:
        context = info.context
        _district_and_year(context, district, year)
        params = Params()
        in_district, in_year = params(district), params(year)
        rows, page_info = await page_by_name(
            context.pool,
            f"SELECT cc.id, cc.name, cc.credit_code, cc.district, {year_figures(in_year)} "
            "FROM community_companies cc",
            "cc",
            [present_in_district(in_district, in_year)],
            params,
            first,
            after,
        )
        edges = [
            CommunityCompanyFiguresEdge(
                cursor=encode_cursor(row["name"], row["id"]),
                node=CommunityCompanyFigures(
                    id=strawberry.ID(str(row["id"])),
                    name=row["name"],
                    credit_code=row["credit_code"],
                    district=row["district"],
                    pilot=row["pilot_in_year"],
                    figures=year_from(
                        year, row["revenue_fen"], row["cost_fen"], row["reinvested_fen"]
                    ),
                ),
            )
            for row in rows
        ]
        return CommunityCompanyFiguresConnection(edges=edges, page_info=page_info)

    @strawberry.field(
        description="强社惠民 figures of a district for a year: companies, pilots, companies "
        "with operating income at or above the threshold (default 300,000 元 = 30,000,000 fen), "
        "and the totals"
    )
    @lookup
    async def community_company_statistics(
        self,
        info: Info[Context, None],
        district: str,
        year: int,
        income_threshold_fen: int = INCOME_THRESHOLD_FEN,
    ) -> CommunityCompanyStatisticsResult:
        context = info.context
        _district_and_year(context, district, year)
        if income_threshold_fen < 0:
            return invalid("incomeThresholdFen", "must not be negative")
        params = Params()
        statement = district_statistics(
            params(district), params(year), params(income_threshold_fen)
        )
        row = await context.pool.fetchrow(statement, *params)
        return CommunityCompanyStatistics(
            district=district,
            year=year,
            company_count=row["company_count"],
            pilot_count=row["pilot_count"],
            income_threshold_fen=Decimal(income_threshold_fen),
            companies_at_or_above_threshold=row["at_or_above"],
            totals=year_from(year, row["revenue_fen"], row["cost_fen"], row["reinvested_fen"]),
        )
