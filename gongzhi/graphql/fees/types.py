"""GraphQL types of 物业费 property fees: schedules, bills, statements, arrears and rates.

Money is whole fen (``…Fen`` fields, the ``Fen`` scalar of every ledger); prices and rates
are exact Decimals, written plain.
"""

from __future__ import annotations

import datetime
import enum
from decimal import Decimal
from typing import Annotated

import strawberry

from gongzhi.domain.fee_account import LedgerKind
from gongzhi.domain.fee_rules import PaymentOrder
from gongzhi.domain.fee_schedule import PropertyType
from gongzhi.domain.payment import PaymentChannel
from gongzhi.graphql.contracts.types import PricingModel
from gongzhi.graphql.errors import Forbidden, NotFound, ValidationError
from gongzhi.graphql.money import Fen
from gongzhi.graphql.pagination import PageInfo
from gongzhi.graphql.unit_labels import UNIT_LABEL_DESCRIPTION, UNIT_OWNERS_DESCRIPTION


@strawberry.type(description="收费标准: 元/m²/月 for a property type from a date")
class FeeStandard:
    property_type: PropertyType
    unit_price: Decimal = strawberry.field(description="元/m²/月, exact, up to 4 places")
    pricing: PricingModel
    effective_from: datetime.date


@strawberry.type(description="计费条款: 空置折扣, due days, 滞纳金 terms")
class FeeTerms:
    vacancy_rate: Decimal = strawberry.field(description="Share a vacant unit pays: 0.7 = 70 %")
    due_days: int = strawberry.field(description="A bill is due this many days after its start")
    late_fee_daily_rate: Decimal = strawberry.field(description="0.0003 = 0.03 % a day")
    grace_days: int = strawberry.field(description="Days after the due date before late fees")
    late_fee_cap: Decimal = strawberry.field(
        description="At most this share of the overdue principal"
    )
    payment_order: PaymentOrder = strawberry.field(
        description="The order a payment is applied in (bills, then late fees, by default)"
    )


@strawberry.type(description="车位租用 a unit renting a parking space")
class ParkingRental:
    unit_id: strawberry.ID
    start: datetime.date
    end: datetime.date | None


@strawberry.type(description="车位 a parking space of the community")
class ParkingSpace:
    id: strawberry.ID
    number: str
    monthly_fee_fen: Fen
    rentals: list[ParkingRental]


@strawberry.type(description="其他固定费用 per unit per month (e.g. 垃圾清运费) from a date")
class OtherFee:
    name: str
    monthly_fee_fen: Fen
    effective_from: datetime.date


@strawberry.type(description="空置 a unit recorded as vacant")
class Vacancy:
    unit_id: strawberry.ID
    start: datetime.date
    end: datetime.date | None


@strawberry.type(description="A unit classified as other than residential")
class UnitPropertyType:
    unit_id: strawberry.ID
    property_type: PropertyType


@strawberry.type(description="收费标准与计费设置 of a community")
class FeeSchedule:
    community_id: strawberry.ID
    standards: list[FeeStandard]
    terms: FeeTerms
    parking_spaces: list[ParkingSpace]
    other_fees: list[OtherFee]
    vacancies: list[Vacancy]
    unit_types: list[UnitPropertyType]
    billed_periods: list[str]


@strawberry.type(description="The fee schedule after the change")
class FeeSchedulePayload:
    schedule: FeeSchedule
    part_id: strawberry.ID | None = strawberry.field(description="A new parking space's id")
    position: str


@strawberry.type(description="计费批次 what a billing run did")
class BillingRunReport:
    run_id: strawberry.ID
    community_id: strawberry.ID
    period: str
    units: int
    bills_created: int = strawberry.field(description="Bills this call created")
    bills_total: int = strawberry.field(description="Bills of the run in all")
    amount_fen: Fen = strawberry.field(description="Billed in all by the run")
    units_already_covered: int = strawberry.field(
        description="Units an earlier (interrupted) call of the same run had covered"
    )
    nothing_new: bool = strawberry.field(
        description="The period was billed completely before: nothing was created"
    )
    credits_applied_fen: Fen = strawberry.field(description="预交 credit applied to new bills")


@strawberry.type
class BillingRunPayload:
    run: BillingRunReport


@strawberry.type(description="账单明细 a line of a bill: one fee over some days")
class BillLine:
    kind: str = strawberry.field(
        description="PROPERTY_FEE, PARKING, OTHER, METERED (抄表) or SHARED (公摊)"
    )
    label: str
    start: datetime.date
    end: datetime.date
    amount_fen: Fen
    payer: str = strawberry.field(description="OWNER, or DEVELOPER before the unit's delivery")
    vacant: bool


@strawberry.type(description="物业费账单 a unit's bill for a period")
class Bill:
    id: strawberry.ID
    unit_id: strawberry.ID
    unit_number: str
    unit_label: str = strawberry.field(description=UNIT_LABEL_DESCRIPTION)
    unit_owners: list[str] | None = strawberry.field(description=UNIT_OWNERS_DESCRIPTION)
    period: str
    period_start: datetime.date
    period_end: datetime.date
    due_on: datetime.date
    amount_fen: Fen
    paid_fen: Fen
    written_off_fen: Fen
    outstanding_fen: Fen
    late_fee_fen: Fen = strawberry.field(description="滞纳金 owed on the statement's date")
    late_fee_waived_fen: Fen
    late_fee_paid_fen: Fen = strawberry.field(
        description="滞纳金 paid (recordPayment with lateFeeBillId), less what was refunded"
    )
    lines: list[BillLine]
    supplementary: bool = strawberry.field(
        description="补收单: charges what a corrected meter reading found the period's bill "
        "charged too little; due on its own date, its lines the meter charges that changed"
    )


@strawberry.type(description="台账分录 one money movement on a unit's fee account")
class FeeLedgerEntry:
    account_id: strawberry.ID
    version: int
    seq: int
    unit_id: strawberry.ID
    unit_label: str = strawberry.field(description=UNIT_LABEL_DESCRIPTION)
    unit_owners: list[str] | None = strawberry.field(description=UNIT_OWNERS_DESCRIPTION)
    kind: LedgerKind
    amount_fen: Fen
    on: datetime.date
    bill_id: strawberry.ID | None
    payment_id: strawberry.ID | None
    channel: PaymentChannel | None
    transaction_id: str | None
    approved_by: str | None
    recorded_at: datetime.datetime
    actor: str = strawberry.field(description="Who recorded it")
    reason: str = strawberry.field(description="Why, as given with the command")


@strawberry.type(description="对账单 a unit's statement: bills, payments, allocations, late fees")
class FeeStatement:
    unit_id: strawberry.ID
    community_id: strawberry.ID
    as_of: datetime.date
    bills: list[Bill]
    entries: list[FeeLedgerEntry]
    credit_fen: Fen = strawberry.field(description="预交 prepaid credit not yet used")
    outstanding_fen: Fen
    late_fee_fen: Fen
    balance_fen: Fen = strawberry.field(
        description="What the unit owes: outstanding + late fees − credit (negative: in credit)"
    )


@strawberry.type(
    description="A payment as recorded (or, for a repeated transaction id, the original payment)"
)
class PaymentPayload:
    payment_id: strawberry.ID
    receipt_number: str | None = strawberry.field(
        description="收据编号 given to the payment (null on one recorded before numbering)"
    )
    duplicate: bool = strawberry.field(
        description="The transaction id was known: this is the original payment, not a new one"
    )
    statement: FeeStatement
    position: str


@strawberry.type
class FeeAccountPayload:
    statement: FeeStatement
    position: str


@strawberry.type(description="欠费 a unit with overdue amounts")
class ArrearsRow:
    unit_id: strawberry.ID
    unit_number: str
    unit_label: str = strawberry.field(description=UNIT_LABEL_DESCRIPTION)
    unit_owners: list[str] | None = strawberry.field(description=UNIT_OWNERS_DESCRIPTION)
    outstanding_fen: Fen
    open_bills: int
    oldest_due_on: datetime.date
    age_days: int


@strawberry.enum(description="The order of the arrears list")
class ArrearsOrder(enum.Enum):
    AMOUNT = strawberry.enum_value("AMOUNT", description="Largest amount owed first")
    AGE = strawberry.enum_value("AGE", description="Oldest overdue bill first")
    BUILDING = strawberry.enum_value("BUILDING", description="By 楼栋, 单元, floor and 房号")


@strawberry.type
class ArrearsConnection:
    rows: list[ArrearsRow]
    total_outstanding_fen: Fen
    page_info: PageInfo


@strawberry.type(description="A rate as an exact fraction: numerator ÷ denominator")
class Rate:
    numerator: int
    denominator: int
    value: Decimal | None = strawberry.field(
        description="To 10 decimal places, half even; null when the denominator is 0"
    )


@strawberry.type(description="收费率, 户收费率, 清缴率 of a community for a period")
class FeeRates:
    community_id: strawberry.ID
    period: str
    collection_rate: Rate = strawberry.field(description="收费率: collected ÷ billed, fen")
    household_rate: Rate = strawberry.field(description="户收费率: households paid ÷ billed")
    recovery_rate: Rate = strawberry.field(
        description="清缴率: arrears recovered in the period ÷ (recovered + still outstanding)"
    )


@strawberry.type(description="A community's bills of a period, by unit number")
class BillConnection:
    bills: list[Bill]
    page_info: PageInfo


@strawberry.type
class FeeLedgerConnection:
    entries: list[FeeLedgerEntry]
    page_info: PageInfo


FeeScheduleLookup = Annotated[
    FeeSchedule | ValidationError | NotFound | Forbidden, strawberry.union("FeeScheduleLookup")
]
FeeStatementLookup = Annotated[
    FeeStatement | ValidationError | NotFound | Forbidden, strawberry.union("FeeStatementLookup")
]
ArrearsLookup = Annotated[
    ArrearsConnection | ValidationError | NotFound | Forbidden, strawberry.union("ArrearsLookup")
]
FeeRatesLookup = Annotated[
    FeeRates | ValidationError | NotFound | Forbidden, strawberry.union("FeeRatesLookup")
]
FeeLedgerLookup = Annotated[
    FeeLedgerConnection | ValidationError | NotFound | Forbidden,
    strawberry.union("FeeLedgerLookup"),
]
BillsLookup = Annotated[
    BillConnection | ValidationError | NotFound | Forbidden, strawberry.union("BillsLookup")
]
