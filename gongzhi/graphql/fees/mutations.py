"""Changing 物业费: fee schedule, billing runs, payments, refunds, write-offs, waivers."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

import strawberry

from gongzhi.application.base import Done, business_today
from gongzhi.application.billing import BillingReport, RunBilling
from gongzhi.application.fee_payments import (
    PaymentDone,
    PrintReceipt,
    RecordPayment,
    RefundPayment,
    WaiveLateFee,
    WriteOffBill,
)
from gongzhi.application.fee_schedules import (
    AddParkingSpace,
    ClassifyUnit,
    EndParkingRental,
    EndVacancy,
    RecordVacancy,
    RentParkingSpace,
    SetFeeStandard,
    SetFeeTerms,
    SetOtherFee,
)
from gongzhi.application.invoices import RequestInvoice
from gongzhi.graphql.commands import mutation, mutations
from gongzhi.graphql.context import Context
from gongzhi.graphql.fees.queries import fetch_schedule
from gongzhi.graphql.fees.receipts import invoice_reply, print_reply
from gongzhi.graphql.fees.statement import fetch_statement
from gongzhi.graphql.fees.types import (
    BillingRunPayload,
    BillingRunReport,
    FeeAccountPayload,
    FeeSchedulePayload,
    PaymentPayload,
)
from gongzhi.graphql.money import Fen
from gongzhi.graphql.permissions import Action


class OnCommunity(Protocol):
    @property
    def community_id(self) -> UUID: ...


class OnUnit(OnCommunity, Protocol):
    @property
    def unit_id(self) -> UUID: ...


class OnBill(Protocol):
    @property
    def bill_id(self) -> UUID: ...


async def schedule_reply(context: Context, done: Done, command: OnCommunity) -> FeeSchedulePayload:
    """The community's fee schedule after the change, and the parking space it added."""
    schedule = await fetch_schedule(context, command.community_id)
    part = strawberry.ID(str(done.part_id)) if done.part_id else None
    return FeeSchedulePayload(schedule=schedule, part_id=part, position=str(done.position))


async def billing_reply(context: Context, done: Done, _: RunBilling) -> BillingRunPayload:
    assert isinstance(done, BillingReport)
    return BillingRunPayload(
        run=BillingRunReport(
            run_id=strawberry.ID(str(done.run_id)),
            community_id=strawberry.ID(str(done.community_id)),
            period=done.period,
            units=done.units,
            bills_created=done.bills_created,
            bills_total=done.bills_total,
            amount_fen=Fen(done.amount_fen),
            units_already_covered=done.units_already_covered,
            nothing_new=done.nothing_new,
            credits_applied_fen=Fen(done.credits_applied),
        )
    )


async def payment_reply(context: Context, done: Done, command: RecordPayment) -> PaymentPayload:
    """The payment (the original one for a repeated transaction id) and the unit's statement."""
    statement = await fetch_statement(context, command.unit_id, business_today())
    number = await context.pool.fetchval(
        "SELECT receipt_number FROM fee_payments WHERE id = $1", done.id
    )
    return PaymentPayload(
        payment_id=strawberry.ID(str(done.id)),
        receipt_number=number,
        duplicate=isinstance(done, PaymentDone) and done.duplicate,
        statement=statement,
        position=str(done.position),
    )


async def unit_account_reply(context: Context, done: Done, command: OnUnit) -> FeeAccountPayload:
    statement = await fetch_statement(context, command.unit_id, business_today())
    return FeeAccountPayload(statement=statement, position=str(done.position))


async def bill_account_reply(context: Context, done: Done, command: OnBill) -> FeeAccountPayload:
    """The statement of the bill's unit."""
    unit_id = await context.pool.fetchval(
        "SELECT unit_id FROM fee_bills WHERE id = $1", command.bill_id
    )
    statement = await fetch_statement(context, unit_id, business_today())
    return FeeAccountPayload(statement=statement, position=str(done.position))


_SCHEDULE = Action.MANAGE_FEE_SCHEDULE

FeeMutations = mutations(
    "FeeMutations",
    mutation(SetFeeStandard, _SCHEDULE, reply=schedule_reply),
    mutation(ClassifyUnit, _SCHEDULE, reply=schedule_reply),
    mutation(SetFeeTerms, _SCHEDULE, reply=schedule_reply),
    mutation(RecordVacancy, _SCHEDULE, reply=schedule_reply),
    mutation(EndVacancy, _SCHEDULE, reply=schedule_reply),
    mutation(AddParkingSpace, _SCHEDULE, reply=schedule_reply),
    mutation(RentParkingSpace, _SCHEDULE, reply=schedule_reply),
    mutation(EndParkingRental, _SCHEDULE, reply=schedule_reply),
    mutation(SetOtherFee, _SCHEDULE, reply=schedule_reply),
    mutation(RunBilling, Action.RUN_BILLING, reply=billing_reply),
    mutation(RecordPayment, Action.RECORD_FEE_PAYMENT, reply=payment_reply),
    mutation(RefundPayment, Action.RECORD_FEE_PAYMENT, reply=unit_account_reply),
    mutation(PrintReceipt, Action.RECORD_FEE_PAYMENT, reply=print_reply, target="payment_id"),
    mutation(RequestInvoice, Action.RECORD_FEE_PAYMENT, reply=invoice_reply, target="payment_id"),
    mutation(WriteOffBill, Action.WRITE_OFF_FEES, reply=bill_account_reply, target="bill_id"),
    mutation(WaiveLateFee, Action.WRITE_OFF_FEES, reply=bill_account_reply, target="bill_id"),
)
