"""GraphQL types of 物业服务企业 property companies."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

import strawberry

from gongzhi.graphql.errors import NotFound, ValidationError
from gongzhi.graphql.pagination import PageInfo


@strawberry.type(description="物业服务企业 property service company")
class Company:
    id: strawberry.ID
    name: str
    credit_code: str = strawberry.field(description="统一社会信用代码")
    version: int
    registered_at: datetime.datetime
    communities_served: int = strawberry.field(
        description="Communities under its professional management today"
    )


@strawberry.type
class CompanyEdge:
    cursor: str
    node: Company


@strawberry.type
class CompanyConnection:
    edges: list[CompanyEdge]
    page_info: PageInfo


@strawberry.type
class CompanyPayload:
    company: Company | None
    position: str


CompaniesResult = Annotated[
    CompanyConnection | ValidationError, strawberry.union("CompaniesResult")
]
CompanyLookup = Annotated[Company | NotFound | ValidationError, strawberry.union("CompanyLookup")]

COMPANY_SELECT = """
SELECT co.*, (
    SELECT count(*) FROM communities c
    WHERE serving_company(c.id, (now() AT TIME ZONE 'Asia/Shanghai')::date) = co.id
)::int AS communities_served
FROM companies co
"""


def company_from_row(row: Any) -> Company:
    return Company(
        id=strawberry.ID(str(row["id"])),
        name=row["name"],
        credit_code=row["credit_code"],
        version=row["version"],
        registered_at=row["registered_at"],
        communities_served=row["communities_served"],
    )
