"""GraphQL types of 强社惠民公司 community companies.

Single entries and allocations carry ``amountFen: Int``; sums (a year, a district) are
``…Fen: Decimal`` whole fen, since a district's income can pass GraphQL's 32-bit Int.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from gongzhi.domain.community_ledger import BusinessLine, EntryKind, reinvested_share
from gongzhi.graphql.errors import Forbidden, NotFound, ValidationError
from gongzhi.graphql.pagination import PageInfo


@strawberry.type(description="村/社区集体经济组织 the collective economic organisation owning it")
class CollectiveOwner:
    name: str
    credit_code: str = strawberry.field(description="统一社会信用代码")


@strawberry.type(description="A community the company serves, from linkedOn until unlinkedOn")
class CommunityCompanyLink:
    community_id: strawberry.ID
    community_name: str
    district: str
    linked_on: datetime.date
    unlinked_on: datetime.date | None = strawberry.field(
        description="The first day no longer linked; none while linked"
    )


@strawberry.type(description="试点 designation, from designatedOn until revokedOn")
class PilotDesignation:
    id: strawberry.ID
    designated_on: datetime.date
    authority: str = strawberry.field(description="The designating authority")
    revoked_on: datetime.date | None = strawberry.field(
        description="The first day no longer a pilot; none while in force"
    )
    grounds: str | None = strawberry.field(description="Why it was revoked")


@strawberry.type(description="A business line's period of business: openedOn to closedOn")
class BusinessLinePeriod:
    id: strawberry.ID
    line: BusinessLine
    opened_on: datetime.date
    closed_on: datetime.date | None = strawberry.field(
        description="The last day of business; none while open"
    )


@strawberry.type(description="台账 one ledger entry; a reversal (冲销) has the negated amount")
class LedgerEntry:
    id: strawberry.ID
    number: int = strawberry.field(description="Order in the company's event log")
    line: BusinessLine
    kind: EntryKind
    amount_fen: int = strawberry.field(description="分; negative for a reversal")
    entry_date: datetime.date
    year: int = strawberry.field(description="The year it counts in (a reversal: the original's)")
    note: str
    reverses_id: strawberry.ID | None
    reversed_by_id: strawberry.ID | None
    recorded_at: datetime.datetime


@strawberry.type(description="反哺 an allocation of a year's surplus to a public service")
class ReinvestmentAllocation:
    id: strawberry.ID
    number: int
    year: int = strawberry.field(description="The year whose surplus it spends")
    service: str = strawberry.field(description="e.g. 老年食堂补贴, 托育补贴, 公共设施维修")
    beneficiary_count: int | None
    beneficiaries: str
    amount_fen: int = strawberry.field(description="分; negative for a reversal")
    allocated_on: datetime.date
    note: str
    reverses_id: strawberry.ID | None
    reversed_by_id: strawberry.ID | None


@strawberry.type(description="反哺 allocations of a company, in ledger order")
class ReinvestmentList:
    allocations: list[ReinvestmentAllocation]


@strawberry.type(description="One year of the ledger, net of reversals, in whole fen")
class CommunityCompanyYear:
    year: int
    revenue_fen: Decimal = strawberry.field(description="营业收入 operating income")
    cost_fen: Decimal
    surplus_fen: Decimal = strawberry.field(description="盈余 = revenue − cost")
    reinvested_fen: Decimal = strawberry.field(description="反哺 from this year's surplus")
    available_fen: Decimal = strawberry.field(
        description="surplus − reinvested; negative when late costs left it over-allocated"
    )
    reinvested_share: Decimal | None = strawberry.field(
        description="reinvested ÷ surplus, rounded half-up to 6 places; none without surplus"
    )


@strawberry.type
class LedgerEntryEdge:
    cursor: str
    node: LedgerEntry


@strawberry.type
class LedgerEntryConnection:
    edges: list[LedgerEntryEdge]
    page_info: PageInfo


@strawberry.type(description="强社惠民公司 community company")
class CommunityCompany:
    id: strawberry.ID
    name: str
    credit_code: str = strawberry.field(description="统一社会信用代码")
    owner: CollectiveOwner
    district: str = strawberry.field(description="Registered in: its first community's district")
    registered_on: datetime.date
    version: int
    pilot: bool = strawberry.field(description="试点 in force today")
    pilot_designations: list[PilotDesignation]
    communities: list[CommunityCompanyLink]
    business_lines: list[BusinessLinePeriod]
    years: list[CommunityCompanyYear] = strawberry.field(
        description="Every year with entries or allocations, oldest first"
    )


@strawberry.type(description="The community company after the change, as the views show it")
class CommunityCompanyPayload:
    company: CommunityCompany | None
    part_id: strawberry.ID | None = strawberry.field(
        description="Id the command created: the entry, corrected entry or allocation"
    )
    position: str


@strawberry.type(description="A community company's figures for one year in a district's list")
class CommunityCompanyFigures:
    id: strawberry.ID
    name: str
    credit_code: str
    district: str
    pilot: bool = strawberry.field(description="试点 in force on any day of the year")
    figures: CommunityCompanyYear


@strawberry.type
class CommunityCompanyFiguresEdge:
    cursor: str
    node: CommunityCompanyFigures


@strawberry.type
class CommunityCompanyFiguresConnection:
    edges: list[CommunityCompanyFiguresEdge]
    page_info: PageInfo


@strawberry.type(
    description="强社惠民 figures of a district for a year. A company counts, fully, in every "
    "district where it had a linked community on some day of the year: a company serving two "
    "districts is in both, so districts do not add up to a city total"
)
class CommunityCompanyStatistics:
    district: str
    year: int
    company_count: int
    pilot_count: int = strawberry.field(description="试点 in force on any day of the year")
    income_threshold_fen: Decimal
    companies_at_or_above_threshold: int = strawberry.field(
        description="Companies whose operating income reached the threshold (衢州: 300,000 元)"
    )
    totals: CommunityCompanyYear


@strawberry.type(description="A public service a community company funds (反哺), net")
class FundedService:
    service: str
    beneficiary_count: int | None
    beneficiaries: str
    amount_fen: int
    allocated_on: datetime.date


@strawberry.type(description="A linked company's 反哺 for a community's residents")
class ReinvestingCompany:
    company_id: strawberry.ID
    company_name: str
    reinvested_fen: Decimal
    services: list[FundedService]


@strawberry.type(description="反哺: the public services funded by the community's companies")
class CommunityReinvestmentSummary:
    community_id: strawberry.ID
    year: int
    total_fen: Decimal
    companies: list[ReinvestingCompany]


CommunityCompanyLookup = Annotated[
    CommunityCompany | NotFound | ValidationError, strawberry.union("CommunityCompanyLookup")
]
LedgerResult = Annotated[
    LedgerEntryConnection | NotFound | ValidationError, strawberry.union("CommunityLedgerResult")
]
ReinvestmentsResult = Annotated[
    ReinvestmentList | NotFound | ValidationError, strawberry.union("ReinvestmentsResult")
]
CommunityCompaniesResult = Annotated[
    CommunityCompanyFiguresConnection | ValidationError | Forbidden,
    strawberry.union("CommunityCompaniesResult"),
]
CommunityCompanyStatisticsResult = Annotated[
    CommunityCompanyStatistics | ValidationError | Forbidden,
    strawberry.union("CommunityCompanyStatisticsResult"),
]
CommunityReinvestmentResult = Annotated[
    CommunityReinvestmentSummary | NotFound | ValidationError,
    strawberry.union("CommunityReinvestmentResult"),
]


def _id(value: Any) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def year_from(year: int, revenue: int, cost: int, reinvested: int) -> CommunityCompanyYear:
    surplus = revenue - cost
    return CommunityCompanyYear(
        year=year,
        revenue_fen=Decimal(revenue),
        cost_fen=Decimal(cost),
        surplus_fen=Decimal(surplus),
        reinvested_fen=Decimal(reinvested),
        available_fen=Decimal(surplus - reinvested),
        reinvested_share=reinvested_share(reinvested, surplus),
    )


def company_from_row(row: Any) -> CommunityCompany:
    return CommunityCompany(
        id=strawberry.ID(str(row["id"])),
        name=row["name"],
        credit_code=row["credit_code"],
        owner=CollectiveOwner(name=row["owner_name"], credit_code=row["owner_credit_code"]),
        district=row["district"],
        registered_on=row["registered_on"],
        version=row["version"],
        pilot=row["pilot_today"],
        pilot_designations=[
            PilotDesignation(
                id=strawberry.ID(p["id"]),
                designated_on=datetime.date.fromisoformat(p["designated_on"]),
                authority=p["authority"],
                revoked_on=_date(p["revoked_on"]),
                grounds=p["grounds"],
            )
            for p in _json(row["pilots"])
        ],
        communities=[
            CommunityCompanyLink(
                community_id=strawberry.ID(link["community_id"]),
                community_name=link["community_name"],
                district=link["district"],
                linked_on=datetime.date.fromisoformat(link["linked_on"]),
                unlinked_on=_date(link["unlinked_on"]),
            )
            for link in _json(row["links"])
        ],
        business_lines=[
            BusinessLinePeriod(
                id=strawberry.ID(line["id"]),
                line=BusinessLine(line["line"]),
                opened_on=datetime.date.fromisoformat(line["opened_on"]),
                closed_on=_date(line["closed_on"]),
            )
            for line in _json(row["lines"])
        ],
        years=[
            year_from(y["year"], y["revenue_fen"], y["cost_fen"], y["reinvested_fen"])
            for y in _json(row["years"])
        ],
    )


def entry_from_row(row: Any) -> LedgerEntry:
    return LedgerEntry(
        id=strawberry.ID(str(row["id"])),
        number=row["number"],
        line=BusinessLine(row["line"]),
        kind=EntryKind(row["kind"]),
        amount_fen=row["amount_fen"],
        entry_date=row["entry_date"],
        year=row["year"],
        note=row["note"],
        reverses_id=_id(row["reverses_id"]),
        reversed_by_id=_id(row["reversed_by_id"]),
        recorded_at=row["recorded_at"],
    )


def allocation_from_row(row: Any) -> ReinvestmentAllocation:
    return ReinvestmentAllocation(
        id=strawberry.ID(str(row["id"])),
        number=row["number"],
        year=row["year"],
        service=row["service"],
        beneficiary_count=row["beneficiary_count"],
        beneficiaries=row["beneficiaries"],
        amount_fen=row["amount_fen"],
        allocated_on=row["allocated_on"],
        note=row["note"],
        reverses_id=_id(row["reverses_id"]),
        reversed_by_id=_id(row["reversed_by_id"]),
    )


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None
