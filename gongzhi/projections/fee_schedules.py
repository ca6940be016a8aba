"""Read model of 收费标准 fee schedules: one row per item (standard, property type, terms,
vacancy, parking space and rental, other fee, billed period)."""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from sqlalchemy import Column, String, Table, Uuid
from sqlalchemy.dialects.postgresql import JSONB

from gongzhi.domain.fee_rules import PaymentOrder
from gongzhi.domain.fee_schedule import FeeSchedule
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import ADD, CREATE, Op, insert_statement, plain, upsert_statement

# 收费标准: one row per schedule item, keyed by what identifies it (a dated item by its
# date too); values as JSON the fee-schedule query shapes. ``fee_schedules`` names the
# community of each schedule.
fee_schedules = Table(
    "fee_schedules",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_id", Uuid, nullable=False, unique=True),
)
fee_schedule_items = Table(
    "fee_schedule_items",
    metadata,
    Column("schedule_id", Uuid, primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("key", String(120), primary_key=True),
    Column("value", JSONB, nullable=False),
)


@singledispatch
def fee_schedule_ops(event: object) -> list[Op]:
    """Rows for one event; events of other aggregates give none."""
    return []


INSERT_SCHEDULE = insert_statement("insert fee schedule", CREATE, fee_schedules)
UPSERT_ITEM = upsert_statement(
    "upsert fee schedule item", ADD, fee_schedule_items, key=("schedule_id", "kind", "key")
)


def _item(event: FeeSchedule.Event, kind: str, key: str, **value: Any) -> list[Op]:
    row = {
        "schedule_id": event.originator_id,
        "kind": kind,
        "key": key,
        "value": {name: plain(item) for name, item in value.items()},
    }
    return [Op(UPSERT_ITEM, row)]


@fee_schedule_ops.register
def _(event: FeeSchedule.Created) -> list[Op]:
    row = {"id": event.originator_id, "community_id": event.community_id}
    return [Op(INSERT_SCHEDULE, row)]


@fee_schedule_ops.register
def _(event: FeeSchedule.StandardSet) -> list[Op]:
    return _item(
        event,
        "STANDARD",
        f"{event.property_type}@{event.effective_from}",
        propertyType=event.property_type,
        unitPrice=event.unit_price,
        pricing=event.pricing,
        effectiveFrom=event.effective_from,
    )


@fee_schedule_ops.register
def _(event: FeeSchedule.UnitClassified) -> list[Op]:
    unit = event.unit_id
    return _item(event, "UNIT_TYPE", str(unit), unitId=unit, propertyType=event.property_type)


@fee_schedule_ops.register
def _(event: FeeSchedule.TermsSet) -> list[Op]:
    return _item(
        event,
        "TERMS",
        "terms",
        vacancyRate=event.vacancy_rate,
        dueDays=event.due_days,
        lateFeeDailyRate=event.late_fee_daily_rate,
        graceDays=event.grace_days,
        lateFeeCap=event.late_fee_cap,
        paymentOrder=getattr(event, "payment_order", PaymentOrder.BILLS_FIRST.value),
    )


# A vacancy or a rental is one row from its start; its end, when recorded, fills ``end``.
@fee_schedule_ops.register(FeeSchedule.VacancyRecorded)
@fee_schedule_ops.register(FeeSchedule.VacancyEnded)
def _vacancy(event: FeeSchedule.VacancyRecorded | FeeSchedule.VacancyEnded) -> list[Op]:
    key = f"{event.unit_id}@{event.start}"
    end = getattr(event, "end", None)
    return _item(event, "VACANCY", key, unitId=event.unit_id, start=event.start, end=end)


@fee_schedule_ops.register
def _(event: FeeSchedule.ParkingSpaceAdded) -> list[Op]:
    return _item(
        event,
        "PARKING_SPACE",
        str(event.space_id),
        spaceId=event.space_id,
        number=event.number,
        monthlyFeeFen=event.monthly_fee_fen,
    )


@fee_schedule_ops.register(FeeSchedule.ParkingSpaceRented)
@fee_schedule_ops.register(FeeSchedule.ParkingRentalEnded)
def _rental(event: FeeSchedule.ParkingSpaceRented | FeeSchedule.ParkingRentalEnded) -> list[Op]:
    return _item(
        event,
        "PARKING_RENTAL",
        f"{event.space_id}@{event.start}",
        spaceId=event.space_id,
        unitId=event.unit_id,
        start=event.start,
        end=getattr(event, "end", None),
    )


@fee_schedule_ops.register
def _(event: FeeSchedule.OtherFeeSet) -> list[Op]:
    return _item(
        event,
        "OTHER_FEE",
        f"{event.name}@{event.effective_from}",
        name=event.name,
        monthlyFeeFen=event.monthly_fee_fen,
        effectiveFrom=event.effective_from,
    )


@fee_schedule_ops.register
def _(event: FeeSchedule.PeriodBilled) -> list[Op]:
    return _item(event, "BILLED_PERIOD", event.period, period=event.period)


FEE_SCHEDULE_TABLES = (fee_schedules, fee_schedule_items)
