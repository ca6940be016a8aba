"""GraphQL types of 住宅专项维修资金: the fund, sub-accounts, ledger entries and uses."""

from __future__ import annotations

import datetime
import json
from decimal import ROUND_DOWN, Decimal
from typing import Annotated, Any

import strawberry

from gongzhi.domain.fund_rules import Emergency, FundLedgerKind, HousingKind, UseKind
from gongzhi.graphql.errors import Forbidden, NotFound, ValidationError
from gongzhi.graphql.money import Fen
from gongzhi.graphql.pagination import PageInfo
from gongzhi.graphql.unit_labels import UNIT_LABEL_DESCRIPTION, UNIT_OWNERS_DESCRIPTION, UnitNames


@strawberry.type(description="交存标准 a version of the fund's deposit rule")
class DepositRule:
    version: int
    commodity_rate: Decimal = strawberry.field(description="商品房: fraction of the building cost")
    building_cost_per_m2: Decimal = strawberry.field(description="元/m² 建安造价")
    reform_rate: Decimal = strawberry.field(description="房改房: fraction of the reform price")
    reform_cost_price_per_m2: Decimal = strawberry.field(description="元/m² 房改成本价")
    top_up_threshold: Decimal = strawberry.field(description="续筹 below this share (0.30)")


@strawberry.type(description="分户账 a unit's sub-account")
class FundSubAccount:
    unit_id: strawberry.ID
    unit_number: str | None
    unit_label: str = strawberry.field(description=UNIT_LABEL_DESCRIPTION)
    unit_owners: list[str] | None = strawberry.field(description=UNIT_OWNERS_DESCRIPTION)
    housing_kind: HousingKind
    area: Decimal
    rule_version: int
    first_deposit_fen: Fen
    balance_fen: Fen
    ratio: Decimal = strawberry.field(description="balance ÷ first deposit, 4 places, cut")
    below_threshold: bool = strawberry.field(description="below 30 % of the first deposit")
    deposited_on: datetime.date


@strawberry.type(description="住宅专项维修资金 a community's maintenance fund")
class MaintenanceFund:
    id: strawberry.ID = strawberry.field(description="The fund's id, for history(id)")
    community_id: strawberry.ID
    rule: DepositRule
    balance_fen: Fen
    sub_accounts_total_fen: Fen = strawberry.field(
        description="Σ sub-accounts, summed separately: always equal to balanceFen"
    )
    first_deposits_fen: Fen
    ratio: Decimal | None = strawberry.field(description="balance ÷ first deposits, 4 places")
    below_threshold: bool = strawberry.field(description="the whole fund is below 30 %")
    sub_accounts: int
    units_below_threshold: list[FundSubAccount]
    emergencies_awaiting_audit: int = strawberry.field(description="paid, no audit recorded")


@strawberry.type(description="A unit's part of a payout or an allocation, in fen")
class UnitShare:
    unit_id: strawberry.ID
    fen: Fen


@strawberry.type(description="维修资金使用 a use of the fund with every step and its grounds")
class FundUse:
    id: strawberry.ID
    kind: UseKind
    emergency: Emergency | None
    decision_id: strawberry.ID | None = strawberry.field(description="The owners' decision")
    title: str
    contractor: str
    amount_fen: Fen
    unit_ids: list[strawberry.ID]
    status: str = strawberry.field(
        description="PROPOSED, APPROVED (ordinary) / REVIEWED → CONFIRMED (emergency), PAID, "
        "AUDITED (emergency); or closed unpaid: REJECTED (驳回), WITHDRAWN (撤回)"
    )
    proposed_on: datetime.date
    committee_id: strawberry.ID | None = strawberry.field(
        description="The committee in office that approved or reviewed it"
    )
    committee_on: datetime.date | None
    confirmed_on: datetime.date | None = strawberry.field(description="街道 confirmation")
    paid_on: datetime.date | None
    shares: list[UnitShare] = strawberry.field(description="What each unit paid, by area")
    audited_on: datetime.date | None
    findings: str | None
    closed_on: datetime.date | None = strawberry.field(description="Rejected or withdrawn on")
    closed_by: str | None = strawberry.field(
        description="COMMITTEE or STREET_OFFICE (rejected), PROPOSER (withdrawn)"
    )
    awaiting_audit: bool = strawberry.field(description="A paid emergency without its audit")


@strawberry.type(description="维修资金台账 one movement of the fund's money")
class FundLedgerEntry:
    version: int = strawberry.field(description="The fund's event version: the entry's order")
    kind: FundLedgerKind
    amount_fen: Fen
    balance_after_fen: Fen
    unit_id: strawberry.ID | None
    use_id: strawberry.ID | None
    decision_id: strawberry.ID | None = strawberry.field(description="A payout's decision")
    emergency: Emergency | None
    committee_id: strawberry.ID | None
    common_income_entry_id: strawberry.ID | None
    period: str | None
    on: datetime.date | None
    at: datetime.datetime


@strawberry.type
class FundLedgerConnection:
    entries: list[FundLedgerEntry]
    page_info: PageInfo


@strawberry.type(description="分户账对账单 a sub-account's statement")
class FundStatement:
    account: FundSubAccount
    lines: list[FundLedgerEntry]


@strawberry.type(description="The fund after the change, as the views now show it")
class FundPayload:
    fund: MaintenanceFund | None
    use: FundUse | None = None
    notices_sent: int | None = strawberry.field(
        default=None, description="续筹通知 sent now (0: this round was sent already)"
    )
    position: str = strawberry.field(default="0", description="Event-log position of the change")


@strawberry.type
class FundUseList:
    uses: list[FundUse]


FundLookup = Annotated[
    MaintenanceFund | NotFound | ValidationError | Forbidden, strawberry.union("FundLookup")
]
FundLedgerResult = Annotated[
    FundLedgerConnection | NotFound | ValidationError | Forbidden,
    strawberry.union("FundLedgerResult"),
]
FundStatementResult = Annotated[
    FundStatement | NotFound | ValidationError | Forbidden, strawberry.union("FundStatementResult")
]
FundUsesResult = Annotated[
    FundUseList | NotFound | ValidationError | Forbidden, strawberry.union("FundUsesResult")
]


def ratio(balance: int, first: int) -> Decimal | None:
    if first == 0:
        return None
    return (Decimal(balance) / Decimal(first)).quantize(Decimal("0.0001"), rounding=ROUND_DOWN)


def _id(value: Any) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


def rule_from(record: Any) -> DepositRule:
    data = json.loads(record) if isinstance(record, str) else record
    return DepositRule(
        version=int(data["version"]),
        commodity_rate=Decimal(data["commodity_rate"]),
        building_cost_per_m2=Decimal(data["building_cost_per_m2"]),
        reform_rate=Decimal(data["reform_rate"]),
        reform_cost_price_per_m2=Decimal(data["reform_cost_price_per_m2"]),
        top_up_threshold=Decimal(data["top_up_threshold"]),
    )


def account_from_row(row: Any, threshold: Decimal, names: UnitNames) -> FundSubAccount:
    first, balance = row["first_deposit_fen"], row["balance_fen"]
    return FundSubAccount(
        unit_id=strawberry.ID(str(row["unit_id"])),
        unit_number=row["unit_number"],
        unit_label=names.label(row),
        unit_owners=names.owners(row),
        housing_kind=HousingKind(row["housing_kind"]),
        area=row["area"],
        rule_version=row["rule_version"],
        first_deposit_fen=first,
        balance_fen=balance,
        ratio=ratio(balance, first) or Decimal(0),
        below_threshold=Decimal(balance) < threshold * first,
        deposited_on=row["deposited_on"],
    )


def use_from_row(row: Any) -> FundUse:
    shares = row["shares"]
    shares = json.loads(shares) if isinstance(shares, str) else shares or []
    unit_ids = row["unit_ids"]
    unit_ids = json.loads(unit_ids) if isinstance(unit_ids, str) else unit_ids
    return FundUse(
        id=strawberry.ID(str(row["id"])),
        kind=UseKind(row["kind"]),
        emergency=Emergency(row["emergency"]) if row["emergency"] else None,
        decision_id=_id(row["decision_id"]),
        title=row["title"],
        contractor=row["contractor"],
        amount_fen=row["amount_fen"],
        unit_ids=[strawberry.ID(u) for u in unit_ids],
        status=row["status"],
        proposed_on=row["proposed_on"],
        committee_id=_id(row["committee_id"]),
        committee_on=row["committee_on"],
        confirmed_on=row["confirmed_on"],
        paid_on=row["paid_on"],
        shares=[UnitShare(unit_id=strawberry.ID(s["unit_id"]), fen=s["fen"]) for s in shares],
        audited_on=row["audited_on"],
        findings=row["findings"],
        closed_on=row["closed_on"],
        closed_by=row["closed_by"],
        awaiting_audit=row["kind"] == UseKind.EMERGENCY.value and row["status"] == "PAID",
    )


def ledger_entry_from_row(row: Any) -> FundLedgerEntry:
    return FundLedgerEntry(
        version=row["version"],
        kind=FundLedgerKind(row["kind"]),
        amount_fen=row["amount_fen"],
        balance_after_fen=row["balance_after_fen"],
        unit_id=_id(row.get("unit_id")),
        use_id=_id(row["use_id"]),
        decision_id=_id(row["decision_id"]),
        emergency=Emergency(row["emergency"]) if row["emergency"] else None,
        committee_id=_id(row["committee_id"]),
        common_income_entry_id=_id(row["entry_id"]),
        period=row.get("period"),
        on=row.get("on"),
        at=row["at"],
    )
