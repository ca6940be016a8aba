"""Inputs of the 物业费 mutations."""

from __future__ import annotations

import datetime
from decimal import Decimal

import strawberry

from gongzhi.graphql.contracts.types import PricingModelType
from gongzhi.graphql.fees.types import PaymentChannelType, PropertyTypeType


@strawberry.input(description="收费标准: 元/m²/月 of a property type from a date")
class SetFeeStandardInput:
    community_id: strawberry.ID
    property_type: PropertyTypeType  # type: ignore[valid-type]
    unit_price: Decimal = strawberry.field(description="元/m²/月, up to 4 decimal places")
    pricing: PricingModelType  # type: ignore[valid-type]
    effective_from: datetime.date
    reason: str


@strawberry.input(description="物业类型 of a unit (every unit is RESIDENTIAL until classified)")
class ClassifyUnitInput:
    community_id: strawberry.ID
    unit_id: strawberry.ID
    property_type: PropertyTypeType  # type: ignore[valid-type]
    reason: str


@strawberry.input(description="计费条款: vacancy discount, due days, 滞纳金 terms")
class SetFeeTermsInput:
    community_id: strawberry.ID
    reason: str
    vacancy_rate: Decimal = strawberry.field(default=Decimal("1"), description="0.7 = pay 70 %")
    due_days: int = 30
    late_fee_daily_rate: Decimal = Decimal("0.0003")
    grace_days: int = 0
    late_fee_cap: Decimal = strawberry.field(default=Decimal("0.30"), description="0.3 = 30 %")


@strawberry.input(description="空置 a unit vacant from `start`, or (with `end`) until `end`")
class UnitVacancyInput:
    community_id: strawberry.ID
    unit_id: strawberry.ID
    on: datetime.date = strawberry.field(description="First (record) or last (end) vacant day")
    reason: str


@strawberry.input(description="车位 a parking space and its monthly fee")
class AddParkingSpaceInput:
    community_id: strawberry.ID
    number: str
    monthly_fee_fen: int
    reason: str


@strawberry.input(description="车位租用: a unit rents a space from `start`")
class RentParkingSpaceInput:
    community_id: strawberry.ID
    space_id: strawberry.ID
    unit_id: strawberry.ID
    start: datetime.date
    reason: str


@strawberry.input(description="End a parking space's rental on `end` (its last day)")
class EndParkingRentalInput:
    community_id: strawberry.ID
    space_id: strawberry.ID
    end: datetime.date
    reason: str


@strawberry.input(description="其他固定费用 per unit per month from a date; 0 stops it")
class SetOtherFeeInput:
    community_id: strawberry.ID
    name: str
    monthly_fee_fen: int
    effective_from: datetime.date
    reason: str


@strawberry.input(description="计费: bill every unit for a period (2026-10, 2026-Q4, 2026)")
class RunBillingInput:
    community_id: strawberry.ID
    period: str
    reason: str


@strawberry.input(description="收款: a payment of a unit through a channel")
class RecordPaymentInput:
    community_id: strawberry.ID
    unit_id: strawberry.ID
    channel: PaymentChannelType  # type: ignore[valid-type]
    transaction_id: str = strawberry.field(description="The channel's id: unique per channel")
    amount_fen: int
    reason: str
    received_on: datetime.date | None = strawberry.field(default=None, description="Today")
    late_fee_bill_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="滞纳金: the payment is of this bill's late fee, not of the unit's bills",
    )


@strawberry.input(description="退款 of a payment, or (no paymentId) of unused prepaid credit")
class RefundPaymentInput:
    community_id: strawberry.ID
    unit_id: strawberry.ID
    amount_fen: int
    reason: str
    payment_id: strawberry.ID | None = None


@strawberry.input(description="核销 part of a bill, approved by someone other than you")
class WriteOffBillInput:
    bill_id: strawberry.ID
    amount_fen: int
    approved_by: str = strawberry.field(description="Name of the approver")
    reason: str


@strawberry.input(description="减免滞纳金 of a bill: all accrued, or `amountFen` of it")
class WaiveLateFeeInput:
    bill_id: strawberry.ID
    reason: str
    amount_fen: int | None = None
