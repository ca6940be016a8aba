"""GraphQL types of 公共收益: entries with their changes, periods, publications, allocations."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from gongzhi.domain.common_income import IncomeCategory
from gongzhi.graphql.errors import NotFound, ValidationError
from gongzhi.graphql.money import Fen
from gongzhi.graphql.unit_labels import UNIT_LABEL_DESCRIPTION, UNIT_OWNERS_DESCRIPTION


@strawberry.type(description="A recording or a correction of an entry: corrections never overwrite")
class CommonIncomeChange:
    version: int = strawberry.field(description="The ledger's event version")
    kind: str = strawberry.field(description="RECORDED or CORRECTED")
    gross_fen: Fen
    cost_fen: Fen
    net_fen: Fen
    to_fund_fen: Fen
    counterparty: str
    note: str
    after_publication: bool = strawberry.field(description="Made after the period was published")
    at: datetime.datetime


@strawberry.type(description="公共收益 one entry: gross, reasonable cost, net (owners' income)")
class CommonIncomeEntry:
    id: strawberry.ID
    category: IncomeCategory
    period: str
    gross_fen: Fen
    cost_fen: Fen
    net_fen: Fen
    to_fund_fen: Fen = strawberry.field(
        description="Put into the maintenance fund (50 % rule while it is below 30 %)"
    )
    fund_share: Decimal | None
    counterparty: str
    note: str
    corrections: int
    recorded_at: datetime.datetime
    changes: list[CommonIncomeChange]


@strawberry.type(description="公示 status of a period (a month)")
class CommonIncomePeriod:
    period: str
    closed: bool = strawberry.field(description="The month has ended")
    status: str = strawberry.field(
        description="UNPUBLISHED, PUBLISHED, or CHANGED_SINCE_PUBLICATION"
    )
    overdue: bool = strawberry.field(description="Closed and not (fully) published")
    entries: int
    gross_fen: Fen
    cost_fen: Fen
    net_fen: Fen
    to_fund_fen: Fen
    published_round: int
    published_at: datetime.datetime | None


@strawberry.type(description="An entry as it was published")
class PublishedEntry:
    entry_id: strawberry.ID
    category: IncomeCategory
    counterparty: str
    gross_fen: Fen
    cost_fen: Fen
    net_fen: Fen
    to_fund_fen: Fen


@strawberry.type(description="公示 what one publication of a period fixed")
class CommonIncomePublication:
    period: str
    round: int
    gross_fen: Fen
    cost_fen: Fen
    net_fen: Fen
    to_fund_fen: Fen
    published_at: datetime.datetime
    entries: list[PublishedEntry]


@strawberry.type(description="公共收益台账 of one period")
class CommonIncomeLedger:
    ledger_id: strawberry.ID | None = strawberry.field(description="For history(id)")
    community_id: strawberry.ID
    period: CommonIncomePeriod | None
    entries: list[CommonIncomeEntry] = strawberry.field(
        description="Every entry with its changes (empty for residents: they read the publication)"
    )
    publication: CommonIncomePublication | None = strawberry.field(
        description="The latest publication of the period"
    )


@strawberry.type(description="A unit's part of a period's net income, by exclusive area")
class UnitAllocation:
    unit_id: strawberry.ID
    unit_number: str | None
    unit_label: str = strawberry.field(description=UNIT_LABEL_DESCRIPTION)
    unit_owners: list[str] | None = strawberry.field(description=UNIT_OWNERS_DESCRIPTION)
    area: Decimal
    fen: Fen


@strawberry.type(description="分配 a period's published net income over the units by area")
class CommonIncomeAllocation:
    period: str
    round: int
    net_fen: Fen
    units: list[UnitAllocation]


@strawberry.type
class CommonIncomePeriods:
    periods: list[CommonIncomePeriod]


@strawberry.type(description="The ledger after the change, as the views now show it")
class CommonIncomePayload:
    ledger: CommonIncomeLedger | None
    entry_id: strawberry.ID | None
    position: str


CommonIncomeLedgerResult = Annotated[
    CommonIncomeLedger | NotFound | ValidationError, strawberry.union("CommonIncomeLedgerResult")
]
CommonIncomePeriodsResult = Annotated[
    CommonIncomePeriods | NotFound | ValidationError,
    strawberry.union("CommonIncomePeriodsResult"),
]
CommonIncomeAllocationResult = Annotated[
    CommonIncomeAllocation | NotFound | ValidationError,
    strawberry.union("CommonIncomeAllocationResult"),
]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def period_from_row(
    row: Any, today: datetime.date, period_end: datetime.date
) -> CommonIncomePeriod:
    published = row["published_round"] > 0
    changed = row["last_change_version"] > row["published_version"]
    status = (
        "UNPUBLISHED"
        if not published
        else ("CHANGED_SINCE_PUBLICATION" if changed else "PUBLISHED")
    )
    closed = period_end < today
    return CommonIncomePeriod(
        period=row["period"],
        closed=closed,
        status=status,
        overdue=closed and status != "PUBLISHED",
        entries=row["entries"],
        gross_fen=row["gross_fen"],
        cost_fen=row["cost_fen"],
        net_fen=row["net_fen"],
        to_fund_fen=row["to_fund_fen"],
        published_round=row["published_round"],
        published_at=row["published_at"],
    )


def change_from_row(row: Any) -> CommonIncomeChange:
    return CommonIncomeChange(
        version=row["version"],
        kind=row["kind"],
        gross_fen=row["gross_fen"],
        cost_fen=row["cost_fen"],
        net_fen=row["net_fen"],
        to_fund_fen=row["to_fund_fen"],
        counterparty=row["counterparty"],
        note=row["note"],
        after_publication=row["after_publication"],
        at=row["at"],
    )


def entry_from_row(row: Any, changes: list[CommonIncomeChange]) -> CommonIncomeEntry:
    return CommonIncomeEntry(
        id=strawberry.ID(str(row["id"])),
        category=IncomeCategory(row["category"]),
        period=row["period"],
        gross_fen=row["gross_fen"],
        cost_fen=row["cost_fen"],
        net_fen=row["net_fen"],
        to_fund_fen=row["to_fund_fen"],
        fund_share=row["fund_share"],
        counterparty=row["counterparty"],
        note=row["note"],
        corrections=row["corrections"],
        recorded_at=row["recorded_at"],
        changes=changes,
    )


def publication_from_row(row: Any) -> CommonIncomePublication:
    return CommonIncomePublication(
        period=row["period"],
        round=row["round"],
        gross_fen=row["gross_fen"],
        cost_fen=row["cost_fen"],
        net_fen=row["net_fen"],
        to_fund_fen=row["to_fund_fen"],
        published_at=row["at"],
        entries=[
            PublishedEntry(
                entry_id=strawberry.ID(e["entry_id"]),
                category=IncomeCategory(e["category"]),
                counterparty=e["counterparty"],
                gross_fen=e["gross_fen"],
                cost_fen=e["cost_fen"],
                net_fen=e["net_fen"],
                to_fund_fen=e["to_fund_fen"],
            )
            for e in _json(row["entries"])
        ],
    )
