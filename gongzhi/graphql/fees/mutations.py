"""Changing 物业费: fee schedule, billing runs, payments, refunds, write-offs, waivers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.base import Done, Meta, business_today
from gongzhi.application.billing import BillingReport
from gongzhi.application.fee_payments import PaymentDone
from gongzhi.domain.contract import PricingModel
from gongzhi.domain.fee_schedule import PropertyType
from gongzhi.domain.payment import PaymentChannel
from gongzhi.graphql.context import Context, community_target, facts_target, parse_id
from gongzhi.graphql.fees.inputs import (
    AddParkingSpaceInput,
    ClassifyUnitInput,
    EndParkingRentalInput,
    RecordPaymentInput,
    RefundPaymentInput,
    RentParkingSpaceInput,
    RunBillingInput,
    SetFeeStandardInput,
    SetFeeTermsInput,
    SetOtherFeeInput,
    UnitVacancyInput,
    WaiveLateFeeInput,
    WriteOffBillInput,
)
from gongzhi.graphql.fees.queries import fetch_schedule
from gongzhi.graphql.fees.statement import fetch_statement
from gongzhi.graphql.fees.types import (
    BillingRunPayload,
    BillingRunReport,
    BillingRunResult,
    FeeAccountPayload,
    FeeAccountResult,
    FeeSchedulePayload,
    FeeScheduleResult,
    PaymentPayload,
    PaymentResult,
)
from gongzhi.graphql.permissions import Action, Target


def _schedule_mutation(
    info: Info[Context, None],
    community_id: strawberry.ID,
    reason: str,
    command: Callable[[Meta, UUID], Done],
) -> object:
    context = info.context

    async def reply(done: Done) -> FeeSchedulePayload:
        schedule = await fetch_schedule(context, parse_id(community_id, "communityId"))
        part = strawberry.ID(str(done.part_id)) if done.part_id else None
        return FeeSchedulePayload(schedule=schedule, part_id=part, position=str(done.position))

    return context.execute(
        Action.MANAGE_FEE_SCHEDULE,
        community_target(context, community_id),
        lambda meta: command(meta, parse_id(community_id, "communityId")),
        reason,
        reply,
    )


def _statement_reply(context: Context, unit_id: str) -> Callable[[Done], Awaitable[Any]]:
    """The unit's statement; ``unit_id`` is parsed here, after the command that took it."""

    async def reply(done: Done) -> FeeAccountPayload | PaymentPayload:
        statement = await fetch_statement(context, parse_id(unit_id, "unitId"), business_today())
        if isinstance(done, PaymentDone):
            return PaymentPayload(
                payment_id=strawberry.ID(str(done.id)),
                duplicate=done.duplicate,
                statement=statement,
                position=str(done.position),
            )
        return FeeAccountPayload(statement=statement, position=str(done.position))

    return reply


def _bill_target(context: Context, bill_id: strawberry.ID) -> Callable[[], Target]:
    def target() -> Target:
        community = context.app.bill_community(parse_id(bill_id, "billId"))
        return facts_target(context.app.community_facts(community))

    return target


def _report(report: BillingReport) -> BillingRunReport:
    return BillingRunReport(
        run_id=strawberry.ID(str(report.run_id)),
        community_id=strawberry.ID(str(report.community_id)),
        period=report.period,
        units=report.units,
        bills_created=report.bills_created,
        bills_total=report.bills_total,
        amount_fen=report.amount_fen,
        units_already_covered=report.units_already_covered,
        nothing_new=report.nothing_new,
        credits_applied_fen=report.credits_applied,
    )


@strawberry.type
class FeeMutations:
    @strawberry.mutation(description="收费标准 of a property type from a date")
    async def set_fee_standard(
        self, info: Info[Context, None], input: SetFeeStandardInput
    ) -> FeeScheduleResult:
        app = info.context.app
        return await _schedule_mutation(  # type: ignore[no-any-return,misc]
            info,
            input.community_id,
            input.reason,
            lambda meta, c: app.set_fee_standard(
                meta,
                c,
                property_type=PropertyType(input.property_type).value,
                unit_price=input.unit_price,
                pricing=PricingModel(input.pricing).value,
                effective_from=input.effective_from,
            ),
        )

    @strawberry.mutation(description="物业类型 of a unit")
    async def classify_unit(
        self, info: Info[Context, None], input: ClassifyUnitInput
    ) -> FeeScheduleResult:
        app = info.context.app
        return await _schedule_mutation(  # type: ignore[no-any-return,misc]
            info,
            input.community_id,
            input.reason,
            lambda meta, c: app.classify_unit(
                meta, c, parse_id(input.unit_id, "unitId"), PropertyType(input.property_type).value
            ),
        )

    @strawberry.mutation(description="计费条款: vacancy discount, due days, late fees")
    async def set_fee_terms(
        self, info: Info[Context, None], input: SetFeeTermsInput
    ) -> FeeScheduleResult:
        app = info.context.app
        return await _schedule_mutation(  # type: ignore[no-any-return,misc]
            info,
            input.community_id,
            input.reason,
            lambda meta, c: app.set_fee_terms(
                meta,
                c,
                vacancy_rate=input.vacancy_rate,
                due_days=input.due_days,
                late_fee_daily_rate=input.late_fee_daily_rate,
                grace_days=input.grace_days,
                late_fee_cap=input.late_fee_cap,
            ),
        )

    @strawberry.mutation(description="空置: a unit vacant from a day")
    async def record_vacancy(
        self, info: Info[Context, None], input: UnitVacancyInput
    ) -> FeeScheduleResult:
        app = info.context.app
        return await _schedule_mutation(  # type: ignore[no-any-return,misc]
            info,
            input.community_id,
            input.reason,
            lambda meta, c: app.record_vacancy(
                meta, c, parse_id(input.unit_id, "unitId"), input.on
            ),
        )

    @strawberry.mutation(description="空置结束: the unit's last vacant day")
    async def end_vacancy(
        self, info: Info[Context, None], input: UnitVacancyInput
    ) -> FeeScheduleResult:
        app = info.context.app
        return await _schedule_mutation(  # type: ignore[no-any-return,misc]
            info,
            input.community_id,
            input.reason,
            lambda meta, c: app.end_vacancy(meta, c, parse_id(input.unit_id, "unitId"), input.on),
        )

    @strawberry.mutation(description="车位: add a parking space")
    async def add_parking_space(
        self, info: Info[Context, None], input: AddParkingSpaceInput
    ) -> FeeScheduleResult:
        app = info.context.app
        return await _schedule_mutation(  # type: ignore[no-any-return,misc]
            info,
            input.community_id,
            input.reason,
            lambda meta, c: app.add_parking_space(meta, c, input.number, input.monthly_fee_fen),
        )

    @strawberry.mutation(description="车位租用: a unit rents a parking space")
    async def rent_parking_space(
        self, info: Info[Context, None], input: RentParkingSpaceInput
    ) -> FeeScheduleResult:
        app = info.context.app
        return await _schedule_mutation(  # type: ignore[no-any-return,misc]
            info,
            input.community_id,
            input.reason,
            lambda meta, c: app.rent_parking_space(
                meta,
                c,
                parse_id(input.space_id, "spaceId"),
                parse_id(input.unit_id, "unitId"),
                input.start,
            ),
        )

    @strawberry.mutation(description="End a parking space's rental")
    async def end_parking_rental(
        self, info: Info[Context, None], input: EndParkingRentalInput
    ) -> FeeScheduleResult:
        app = info.context.app
        return await _schedule_mutation(  # type: ignore[no-any-return,misc]
            info,
            input.community_id,
            input.reason,
            lambda meta, c: app.end_parking_rental(
                meta, c, parse_id(input.space_id, "spaceId"), input.end
            ),
        )

    @strawberry.mutation(description="其他固定费用 per unit per month from a date")
    async def set_other_fee(
        self, info: Info[Context, None], input: SetOtherFeeInput
    ) -> FeeScheduleResult:
        app = info.context.app
        return await _schedule_mutation(  # type: ignore[no-any-return,misc]
            info,
            input.community_id,
            input.reason,
            lambda meta, c: app.set_other_fee(
                meta, c, input.name, input.monthly_fee_fen, input.effective_from
            ),
        )

    @strawberry.mutation(description="计费: bill a community for a period (idempotent)")
    async def run_billing(
        self, info: Info[Context, None], input: RunBillingInput
    ) -> BillingRunResult:
        context = info.context
        reports: list[BillingReport] = []

        def command(meta: Meta) -> Done:
            report = context.app.run_billing(
                meta, parse_id(input.community_id, "communityId"), input.period
            )
            reports.append(report)
            return Done(report.run_id, report.position)

        async def reply(_: Done) -> BillingRunPayload:
            return BillingRunPayload(run=_report(reports[0]))

        return await context.execute(  # type: ignore[return-value]
            Action.RUN_BILLING,
            community_target(context, input.community_id),
            command,
            input.reason,
            reply,
        )

    @strawberry.mutation(
        description="收款: record a payment (a repeated transaction id is "
        "answered with the original payment)"
    )
    async def record_payment(
        self, info: Info[Context, None], input: RecordPaymentInput
    ) -> PaymentResult:
        context = info.context
        late_fee_bill = input.late_fee_bill_id
        return await context.execute(  # type: ignore[return-value]
            Action.RECORD_FEE_PAYMENT,
            community_target(context, input.community_id),
            lambda meta: context.app.record_payment(
                meta,
                community_id=parse_id(input.community_id, "communityId"),
                unit_id=parse_id(input.unit_id, "unitId"),
                channel=PaymentChannel(input.channel).value,
                transaction_id=input.transaction_id,
                amount_fen=input.amount_fen,
                received_on=input.received_on,
                late_fee_bill_id=(
                    parse_id(late_fee_bill, "lateFeeBillId") if late_fee_bill else None
                ),
            ),
            input.reason,
            _statement_reply(context, input.unit_id),
        )

    @strawberry.mutation(description="退款 of a payment or of unused prepaid credit")
    async def refund_payment(
        self, info: Info[Context, None], input: RefundPaymentInput
    ) -> FeeAccountResult:
        context = info.context
        payment = input.payment_id
        return await context.execute(  # type: ignore[return-value]
            Action.RECORD_FEE_PAYMENT,
            community_target(context, input.community_id),
            lambda meta: context.app.refund_payment(
                meta,
                community_id=parse_id(input.community_id, "communityId"),
                unit_id=parse_id(input.unit_id, "unitId"),
                payment_id=parse_id(payment, "paymentId") if payment else None,
                amount_fen=input.amount_fen,
            ),
            input.reason,
            _statement_reply(context, input.unit_id),
        )

    @strawberry.mutation(description="核销 part or all of a bill, with the approver's name")
    async def write_off_bill(
        self, info: Info[Context, None], input: WriteOffBillInput
    ) -> FeeAccountResult:
        context = info.context
        return await context.execute(  # type: ignore[return-value]
            Action.WRITE_OFF_FEES,
            _bill_target(context, input.bill_id),
            lambda meta: context.app.write_off_bill(
                meta,
                parse_id(input.bill_id, "billId"),
                amount_fen=input.amount_fen,
                approved_by=input.approved_by,
            ),
            input.reason,
            _bill_reply(context, input.bill_id),
        )

    @strawberry.mutation(description="减免滞纳金 of a bill")
    async def waive_late_fee(
        self, info: Info[Context, None], input: WaiveLateFeeInput
    ) -> FeeAccountResult:
        context = info.context
        return await context.execute(  # type: ignore[return-value]
            Action.WRITE_OFF_FEES,
            _bill_target(context, input.bill_id),
            lambda meta: context.app.waive_late_fee(
                meta, parse_id(input.bill_id, "billId"), amount_fen=input.amount_fen
            ),
            input.reason,
            _bill_reply(context, input.bill_id),
        )


def _bill_reply(context: Context, bill_id: strawberry.ID) -> Callable[[Done], Awaitable[Any]]:
    async def reply(done: Done) -> object:
        unit = await context.pool.fetchval(
            "SELECT unit_id FROM fee_bills WHERE id = $1", parse_id(bill_id, "billId")
        )
        return await _statement_reply(context, str(unit))(done)

    return reply
