"""物业费 over GraphQL: standards, billing runs (proration, idempotence), payments (oldest
bill first, repeated transaction ids, prepayment limit), refunds, write-offs, late fees,
arrears, rates, statements, history, and who may do what."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

import pytest

from gongzhi.application.base import Meta
from gongzhi.application.billing import RunBilling
from gongzhi.application.contracts import AwardContract
from gongzhi.application.fee_payments import RecordPayment
from gongzhi.application.fee_schedules import SetFeeStandard, fee_schedule
from gongzhi.domain.contract import PricingModel
from gongzhi.domain.errors import RuleViolated
from gongzhi.domain.fee_account import account_id
from gongzhi.domain.fee_schedule import PropertyType
from gongzhi.domain.holding import UnitHolding
from gongzhi.domain.payment import PaymentChannel
from gongzhi.domain.values import ManagementMode
from gongzhi.graphql.auth import Principal, Role
from gongzhi.projections.runner import wait_for_position
from gongzhi.projections.views import PROJECTION_NAME
from tests.integration.conftest import Api
from tests.integration.test_graphql_contracts import new_community, register_company

META = Meta(actor="test", reason="入册", actor_role="PLATFORM_ADMIN")
PROBLEMS = """
    ... on ValidationError { field message }
    ... on NotFound { field message }
    ... on Conflict { message }
    ... on Forbidden { message }
"""
LOOKUP_PROBLEMS = """
    ... on ValidationError { field message }
    ... on NotFound { field message }
    ... on Forbidden { message }
"""
STATEMENT_FIELDS = """creditFen outstandingFen lateFeeFen balanceFen
    bills { id period amountFen paidFen writtenOffFen outstandingFen lateFeeFen
            lines { kind label start end amountFen payer vacant } }
    entries { kind amountFen billId paymentId approvedBy channel transactionId }"""
STATEMENT = f"statement {{ {STATEMENT_FIELDS} }}"


@dataclass
class Estate:
    """幸福里, served by 安居物业 from 2026-10-01; four units of 100 m² (401: 80 m²)."""

    community: str
    company: str
    units: dict[str, str]
    staff: Principal


def estate(api: Api, company_name: str = "安居物业") -> Estate:
    company = register_company(api, company_name)
    community = new_community(api)
    app = api.platform.app
    c = app.community(UUID(community))
    building = c.add_building("1栋", 6, False, ["1单元"])
    entrance = next(iter(c.buildings[building].entrances))
    units = {
        number: str(c.add_unit(entrance, number, int(number[0]), area, "REGISTER"))
        for number, area in (("101", "100"), ("201", "100"), ("301", "100"), ("401", "80"))
    }
    # 401 held by the developer, delivered to its buyer on 2026-10-16
    held = UnitHolding.open(c.id, UUID(units["401"]), developer_held=True)
    app.record(META, c, held)
    held.record_ownership([(UUID(int=4), Fraction(1))], date(2026, 10, 16))
    c = app.community(UUID(community))
    c.change_management_mode("PROFESSIONAL", UUID(company), date(2026, 10, 1))
    position = app.record(META, c, held)
    assert wait_for_position(api.platform.engine, PROJECTION_NAME, position, timeout=30)
    staff = Principal(subject="staff-1", role=Role.COMPANY_STAFF, company_id=UUID(company))
    return Estate(community, company, units, staff)


def mutate(api: Api, name: str, input_type: str, values: dict[str, Any], as_: Principal) -> Any:
    fields = {
        "FeeScheduleResult": "... on FeeSchedulePayload { partId schedule { billedPeriods "
        "standards { propertyType unitPrice effectiveFrom } parkingSpaces { id number } } }",
        "BillingRunResult": "... on BillingRunPayload { run { runId units billsCreated "
        "billsTotal amountFen nothingNew unitsAlreadyCovered creditsAppliedFen } }",
        "PaymentResult": f"... on PaymentPayload {{ paymentId receiptNumber duplicate {STATEMENT} }}",
        "FeeAccountResult": f"... on FeeAccountPayload {{ {STATEMENT} }}",
    }
    result_type = {
        "runBilling": "BillingRunResult",
        "recordPayment": "PaymentResult",
        "refundPayment": "FeeAccountResult",
        "writeOffBill": "FeeAccountResult",
        "waiveLateFee": "FeeAccountResult",
    }.get(name, "FeeScheduleResult")
    query = f"""mutation($input: {input_type}!) {{ {name}(input: $input) {{ __typename
        {fields[result_type]} {PROBLEMS} }} }}"""
    return api.gql(query, {"input": {"reason": "物业收费", **values}}, as_=as_)[name]


def standards(api: Api, e: Estate) -> None:
    for kind, price, start in (
        ("RESIDENTIAL", "2.00", "2026-01-01"),
        ("COMMERCIAL", "3.5", "2026-01-01"),
        ("RESIDENTIAL", "2.50", "2026-10-21"),
    ):
        result = mutate(
            api,
            "setFeeStandard",
            "SetFeeStandardInput",
            {
                "communityId": e.community,
                "propertyType": kind,
                "unitPrice": price,
                "pricing": "LUMP_SUM",
                "effectiveFrom": start,
            },
            e.staff,
        )
        assert result["__typename"] == "FeeSchedulePayload", result


def bill(api: Api, e: Estate, period: str) -> Any:
    return mutate(
        api,
        "runBilling",
        "RunBillingInput",
        {"communityId": e.community, "period": period},
        e.staff,
    )


def pay(api: Api, e: Estate, unit: str, amount: int, txn: str, **extra: Any) -> Any:
    values = {
        "communityId": e.community,
        "unitId": e.units[unit],
        "channel": "WECHAT",
        "transactionId": txn,
        "amountFen": amount,
        **extra,
    }
    return mutate(api, "recordPayment", "RecordPaymentInput", values, e.staff)


def billed_estate(api: Api, company_name: str = "安居物业") -> Estate:
    """Standards, a commercial unit, a vacancy, rubbish collection, a parking space, and
    October 2026 billed."""
    e = estate(api, company_name)
    standards(api, e)
    for name, input_type, values in (
        (
            "classifyUnit",
            "ClassifyUnitInput",
            {"unitId": e.units["201"], "propertyType": "COMMERCIAL"},
        ),
        (
            "setFeeTerms",
            "SetFeeTermsInput",
            {
                "vacancyRate": "0.7",
                "lateFeeDailyRate": "0.0003",
                "graceDays": 0,
                "lateFeeCap": "0.3",
                "dueDays": 30,
            },
        ),
        ("recordVacancy", "UnitVacancyInput", {"unitId": e.units["301"], "on": "2026-10-11"}),
        (
            "setOtherFee",
            "SetOtherFeeInput",
            {"name": "垃圾清运费", "monthlyFeeFen": 500, "effectiveFrom": "2026-01-01"},
        ),
    ):
        result = mutate(api, name, input_type, {"communityId": e.community, **values}, e.staff)
        assert result["__typename"] == "FeeSchedulePayload", result
    space = mutate(
        api,
        "addParkingSpace",
        "AddParkingSpaceInput",
        {"communityId": e.community, "number": "P-01", "monthlyFeeFen": 15000},
        e.staff,
    )["partId"]
    rented = mutate(
        api,
        "rentParkingSpace",
        "RentParkingSpaceInput",
        {
            "communityId": e.community,
            "spaceId": space,
            "unitId": e.units["101"],
            "start": "2026-10-01",
        },
        e.staff,
    )
    assert rented["__typename"] == "FeeSchedulePayload", rented
    assert bill(api, e, "2026-10")["__typename"] == "BillingRunPayload"
    return e


def statement(api: Api, unit: str, as_: Principal | None = None, as_of: str | None = None) -> Any:
    query = f"""query($unit: ID!, $asOf: Date) {{ feeStatement(unitId: $unit, asOf: $asOf) {{
        __typename ... on FeeStatement {{ {STATEMENT_FIELDS} }} {LOOKUP_PROBLEMS} }} }}"""
    return api.gql(query, {"unit": unit, "asOf": as_of}, **({"as_": as_} if as_ else {}))[
        "feeStatement"
    ]


def test_a_billing_run_prorates_by_days_and_prices_every_line(api: Api) -> None:
    # Given 幸福里 with its standards, terms and parking, billed for October 2026
    e = billed_estate(api)
    # Then 101 pays 20 days at 2.00 and 11 days at 2.50 (the new standard from the 21st),
    # rubbish collection and its parking space, each line rounded half up to the fen
    lines = statement(api, e.units["101"])["bills"][0]["lines"]
    assert [(line["kind"], line["start"], line["end"], line["amountFen"]) for line in lines] == [
        ("PROPERTY_FEE", "2026-10-01", "2026-10-20", 12903),  # 20000 × 20/31 = 12903.2
        ("PROPERTY_FEE", "2026-10-21", "2026-10-31", 8871),  # 25000 × 11/31 = 8870.97
        ("OTHER", "2026-10-01", "2026-10-31", 500),
        ("PARKING", "2026-10-01", "2026-10-31", 15000),
    ]
    # And the commercial unit pays its own standard for the whole month
    commercial = statement(api, e.units["201"])["bills"][0]
    assert commercial["lines"][0]["amountFen"] == 35000
    # And the vacant unit pays 70 % from the day it became vacant: the exact fee
    # 17177.42 is rounded once and shared by largest remainder (issue 15)
    vacant = statement(api, e.units["301"])["bills"][0]["lines"]
    assert [(line["vacant"], line["amountFen"]) for line in vacant[:3]] == [
        (False, 6451),  # 20000 × 10/31 = 6451.61
        (True, 4516),  # 20000 × 0.7 × 10/31 = 4516.13
        (True, 6210),  # 25000 × 0.7 × 11/31 = 6209.68
    ]
    # And the unit delivered on the 16th is the developer's until then
    delivered = statement(api, e.units["401"])["bills"][0]["lines"]
    assert [line["payer"] for line in delivered if line["kind"] == "PROPERTY_FEE"] == [
        "DEVELOPER",
        "OWNER",
        "OWNER",
    ]
    assert delivered[0]["end"] == "2026-10-15"


def test_the_same_period_twice_creates_nothing_new(api: Api) -> None:
    e = billed_estate(api)
    # When the run is repeated
    again = bill(api, e, "2026-10")
    # Then it reports that nothing new was created
    assert again["run"]["nothingNew"] is True
    assert again["run"]["billsCreated"] == 0
    assert again["run"]["billsTotal"] == 4


@pytest.mark.parametrize(
    ("period", "message"),
    [("2026-13", "has no month 13"), ("2026/10", "must be a month"), ("2026-Q4", "overlaps")],
)
def test_a_wrong_or_overlapping_period_is_refused(api: Api, period: str, message: str) -> None:
    e = billed_estate(api)
    result = bill(api, e, period)
    assert result["__typename"] == "ValidationError"
    assert result["field"] == "input.period"
    assert message in result["message"]


def test_a_payment_goes_to_the_oldest_bill_first_and_a_repeated_id_is_not_counted(
    api: Api,
) -> None:
    # Given October and November billed for 101
    e = billed_estate(api)
    bill(api, e, "2026-11")
    october, november = statement(api, e.units["101"])["bills"]
    # When it pays October in full and 1 元 of November
    paid = pay(api, e, "101", october["amountFen"] + 100, "wx-0001")
    # Then October is settled and November owes 1 元 less, to the fen
    bills = paid["statement"]["bills"]
    assert [b["outstandingFen"] for b in bills] == [0, november["amountFen"] - 100]
    assert paid["duplicate"] is False
    # When the payment platform sends the same transaction again
    again = pay(api, e, "101", october["amountFen"] + 100, "wx-0001")
    # Then the original payment is the answer and nothing is counted twice
    assert again["duplicate"] is True
    assert again["paymentId"] == paid["paymentId"]
    assert again["statement"]["bills"] == bills


def test_concurrent_retries_of_one_transaction_record_one_payment(api: Api) -> None:
    e = billed_estate(api)
    app = api.platform.app
    answers: list[Any] = []

    def retry() -> None:
        answers.append(
            app.record_payment(
                META,
                RecordPayment(
                    community_id=UUID(e.community),
                    unit_id=UUID(e.units["201"]),
                    channel=PaymentChannel.ALIPAY,
                    transaction_id="ali-42",
                    amount_fen=1000,
                ),
            )
        )

    threads = [threading.Thread(target=retry) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({answer.id for answer in answers}) == 1
    assert sorted(answer.duplicate for answer in answers) == [False, True, True, True]
    account = app.repository.get(account_id(UUID(e.units["201"])))
    assert len(account.payments) == 1


@pytest.mark.parametrize(
    ("values", "field", "typename"),
    [
        ({"amountFen": -5}, "input.amountFen", "ValidationError"),
        ({"amountFen": 0}, "input.amountFen", "ValidationError"),
        # An id that names nothing is not found (before the command runs).
        ({"unitId": "00000000-0000-0000-0000-000000000001"}, "input.unitId", "NotFound"),
        ({"transactionId": "  "}, "input.transactionId", "ValidationError"),
        # far more than 12 months ahead
        ({"amountFen": 100_000_000}, "input.amountFen", "ValidationError"),
    ],
)
def test_bad_payments_are_refused_with_their_field(
    api: Api, values: dict[str, Any], field: str, typename: str
) -> None:
    e = billed_estate(api)
    txn = values.pop("transactionId", "wx-bad")
    unit = values.pop("unitId", None)
    result = pay(
        api, e, "101", values.pop("amountFen", 100), txn, **({"unitId": unit} if unit else {})
    )
    assert result["__typename"] == typename, result
    assert result["field"] == field


def test_prepayment_never_reaches_past_the_end_of_the_service_contract(api: Api) -> None:
    # Given 幸福里's contract ends on 31 December 2026 and October is billed
    e = billed_estate(api)
    api.platform.app.award_contract(
        META,
        AwardContract(
            community_id=UUID(e.community),
            mode=ManagementMode.COMMUNITY_CUSTODY,
            company_id=None,
            decision_id=None,
            predecessor_id=None,
            term_start=date(2026, 10, 1),
            term_end=date(2026, 12, 31),
            fee_per_m2_month=Decimal("0"),
            pricing=PricingModel.LUMP_SUM,
            commission_rate=None,
            signed_on=date(2026, 9, 1),
        ),
    )
    # October and its late fee today (a payment clears them before anything is prepaid)
    october = statement(api, e.units["101"])["balanceFen"]
    # 101 pays 405 元 a month (250 元 fee, 5 元 rubbish, 150 元 parking): two months are left
    # When it pays one fen more than October and those two months
    refused = pay(api, e, "101", october + 81_001, "wx-ahead")
    # Then the payment is refused, naming the amount
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "input.amountFen")
    assert "never past the end of the service contract" in refused["message"]
    # And exactly October and two months are accepted
    paid = pay(api, e, "101", october + 81_000, "wx-ahead")
    assert paid["statement"]["creditFen"] == 81_000


def test_vacancies_and_parking_rentals_end_and_bad_dates_are_refused(api: Api) -> None:
    e = billed_estate(api)

    def schedule_change(name: str, input_type: str, values: dict[str, Any]) -> Any:
        return mutate(api, name, input_type, {"communityId": e.community, **values}, e.staff)

    ended = schedule_change(
        "endVacancy", "UnitVacancyInput", {"unitId": e.units["301"], "on": "2026-11-15"}
    )
    assert ended["__typename"] == "FeeSchedulePayload"
    again = schedule_change(
        "endVacancy", "UnitVacancyInput", {"unitId": e.units["301"], "on": "2026-11-20"}
    )
    assert (again["__typename"], again["field"]) == ("ValidationError", "input.unitId")
    early = schedule_change(
        "recordVacancy", "UnitVacancyInput", {"unitId": e.units["301"], "on": "2026-11-01"}
    )
    assert (early["__typename"], early["field"]) == ("ValidationError", "input.start")
    space = schedule_change(
        "addParkingSpace", "AddParkingSpaceInput", {"number": "P-02", "monthlyFeeFen": -1}
    )
    assert (space["__typename"], space["field"]) == ("ValidationError", "input.monthlyFeeFen")
    unknown = schedule_change(
        "endParkingRental",
        "EndParkingRentalInput",
        {"spaceId": "00000000-0000-0000-0000-000000000009", "end": "2026-11-30"},
    )
    assert (unknown["__typename"], unknown["field"]) == ("NotFound", "input.spaceId")
    # When 101's rental ends on 15 November, November's bill charges half a month of parking
    space_id = api.gql(
        """query($c: ID!) { feeSchedule(communityId: $c) { ... on FeeSchedule {
        parkingSpaces { id rentals { unitId start end } } vacancies { unitId end } } } }""",
        {"c": e.community},
        as_=e.staff,
    )["feeSchedule"]["parkingSpaces"][0]["id"]
    done = schedule_change(
        "endParkingRental", "EndParkingRentalInput", {"spaceId": space_id, "end": "2026-11-15"}
    )
    assert done["__typename"] == "FeeSchedulePayload"
    bill(api, e, "2026-11")
    november = statement(api, e.units["101"])["bills"][1]["lines"]
    assert [line["amountFen"] for line in november if line["kind"] == "PARKING"] == [7500]
    unit = schedule_change(
        "classifyUnit",
        "ClassifyUnitInput",
        {"unitId": "00000000-0000-0000-0000-000000000001", "propertyType": "OTHER"},
    )
    assert (unit["__typename"], unit["field"]) == ("NotFound", "input.unitId")


def test_prepaid_credit_goes_to_the_next_bills_and_can_be_refunded(api: Api) -> None:
    # Given 101 pays October (and its late fee today) and 2 months ahead
    e = billed_estate(api)
    october = statement(api, e.units["101"])["balanceFen"]
    paid = pay(api, e, "101", october + 80_000, "bank-1", channel="BANK_TRANSFER")
    assert paid["statement"]["creditFen"] == 80_000
    # When November is billed
    run = bill(api, e, "2026-11")["run"]
    # Then the credit pays November's bill
    after = statement(api, e.units["101"])
    assert run["creditsAppliedFen"] == after["bills"][1]["amountFen"]
    assert after["bills"][1]["outstandingFen"] == 0
    left = 80_000 - after["bills"][1]["amountFen"]
    assert after["creditFen"] == left
    # When the rest of the credit is refunded
    refund = mutate(
        api,
        "refundPayment",
        "RefundPaymentInput",
        {
            "communityId": e.community,
            "unitId": e.units["101"],
            "amountFen": left,
            "channel": "BANK_TRANSFER",
            "reference": "refund-1",
        },
        e.staff,
    )
    assert refund["statement"]["creditFen"] == 0
    # And refunding more is refused
    more = mutate(
        api,
        "refundPayment",
        "RefundPaymentInput",
        {
            "communityId": e.community,
            "unitId": e.units["101"],
            "amountFen": 1,
            "channel": "BANK_TRANSFER",
            "reference": "refund-2",
        },
        e.staff,
    )
    assert (more["__typename"], more["field"]) == ("ValidationError", "input.amountFen")


def test_refunding_a_payment_reopens_its_bill(api: Api) -> None:
    e = billed_estate(api)
    october = statement(api, e.units["201"])["bills"][0]
    paid = pay(api, e, "201", october["amountFen"], "cash-1", channel="CASH")
    refund = mutate(
        api,
        "refundPayment",
        "RefundPaymentInput",
        {
            "communityId": e.community,
            "unitId": e.units["201"],
            "paymentId": paid["paymentId"],
            "amountFen": 1000,
            "channel": "CASH",
            "reference": "退-0001",
        },
        e.staff,
    )
    assert refund["statement"]["bills"][0]["outstandingFen"] == 1000
    assert [entry["kind"] for entry in refund["statement"]["entries"]][-2:] == [
        "REFUND",
        "REVERSAL",
    ]


def test_a_write_off_needs_an_approver_other_than_the_recorder(api: Api) -> None:
    e = billed_estate(api)
    bill_id = statement(api, e.units["101"])["bills"][0]["id"]
    for approver, message in (("", "must not be empty"), ("staff-1", "someone else")):
        refused = mutate(
            api,
            "writeOffBill",
            "WriteOffBillInput",
            {"billId": bill_id, "amountFen": 500, "approvedBy": approver},
            e.staff,
        )
        assert (refused["__typename"], refused["field"]) == ("ValidationError", "input.approvedBy")
        assert message in refused["message"]
    done = mutate(
        api,
        "writeOffBill",
        "WriteOffBillInput",
        {"billId": bill_id, "amountFen": 500, "approvedBy": "王经理"},
        e.staff,
    )
    assert done["statement"]["bills"][0]["writtenOffFen"] == 500
    assert done["statement"]["entries"][-1]["approvedBy"] == "王经理"


def test_late_fees_accrue_after_the_due_date_are_capped_and_can_be_waived(api: Api) -> None:
    e = billed_estate(api)
    unit = e.units["201"]
    # October's bill (35500 fen) is due 30 days after 1 October: 31 October
    late = statement(api, unit, as_of="2026-11-10")["bills"][0]
    assert late["lateFeeFen"] == 107  # 35500 × 0.0003 × 10 days = 106.5 → 107
    assert statement(api, unit, as_of="2030-01-01")["bills"][0]["lateFeeFen"] == 10650  # 30 %
    bill_id = late["id"]
    # When the late fee accrued so far is waived (today is past the due date)
    waived = mutate(api, "waiveLateFee", "WaiveLateFeeInput", {"billId": bill_id}, e.staff)
    # Then nothing is owed in late fees today, and the waiver is an entry of the ledger
    assert waived["statement"]["lateFeeFen"] == 0
    assert waived["statement"]["entries"][-1]["kind"] == "LATE_FEE_WAIVED"
    again = mutate(api, "waiveLateFee", "WaiveLateFeeInput", {"billId": bill_id}, e.staff)
    assert (again["__typename"], again["field"]) == ("ValidationError", "input.billId")


def test_a_late_fee_is_paid_apart_from_its_bill_can_be_refunded_and_is_never_overpaid(
    api: Api,
) -> None:
    # Given 201's October bill, unpaid past its due date (31 October), with a late fee today
    e = billed_estate(api)
    unit = e.units["201"]
    october = statement(api, unit)["bills"][0]
    owed = october["lateFeeFen"]
    assert owed > 100

    # When 1 元 of the late fee is paid by WeChat
    paid = pay(api, e, "201", 100, "wx-late-1", lateFeeBillId=october["id"])

    # Then 1 元 less late fee is owed, the bill itself is still owed in full (it is no
    # payment of the fee billed), and the ledger shows the receipt and what it paid
    assert paid["__typename"] == "PaymentPayload", paid
    after = paid["statement"]["bills"][0]
    assert (after["lateFeeFen"], after["paidFen"]) == (owed - 100, 0)
    assert after["outstandingFen"] == october["outstandingFen"]
    assert [x["kind"] for x in paid["statement"]["entries"]][-2:] == ["PAYMENT", "LATE_FEE_PAID"]
    assert paid["statement"]["entries"][-1]["billId"] == october["id"]
    # A retry of the same transaction is recognised and changes nothing
    again = pay(api, e, "201", 100, "wx-late-1", lateFeeBillId=october["id"])
    assert again["duplicate"] is True
    assert again["statement"]["bills"][0]["lateFeeFen"] == owed - 100

    # When more than what is left is paid, or another unit's bill is named
    too_much = pay(api, e, "201", owed - 99, "wx-late-2", lateFeeBillId=october["id"])
    other = statement(api, e.units["101"])["bills"][0]["id"]
    foreign = pay(api, e, "201", 50, "wx-late-3", lateFeeBillId=other)
    # Then each is refused with its field and nothing is recorded
    assert (too_much["__typename"], too_much["field"]) == ("ValidationError", "input.amountFen")
    assert "late fee is owed" in too_much["message"]
    assert foreign["field"] == "input.lateFeeBillId", foreign
    assert statement(api, unit)["bills"][0]["lateFeeFen"] == owed - 100

    # When 0.40 元 of the late-fee payment is refunded
    refunded = mutate(
        api,
        "refundPayment",
        "RefundPaymentInput",
        {
            "communityId": e.community,
            "unitId": unit,
            "paymentId": paid["paymentId"],
            "amountFen": 40,
            "channel": "WECHAT",
            "reference": "wx-refund-1",
        },
        e.staff,
    )
    # Then it is owed again, and no prepaid credit appears
    assert refunded["statement"]["bills"][0]["lateFeeFen"] == owed - 60
    assert refunded["statement"]["creditFen"] == 0
    kinds = [x["kind"] for x in refunded["statement"]["entries"]]
    assert kinds[-2:] == ["REFUND", "LATE_FEE_REFUNDED"]


def test_arrears_and_rates_of_a_period(api: Api) -> None:
    e = billed_estate(api)
    bills = {u: statement(api, e.units[u])["bills"][0] for u in ("101", "201")}
    pay(api, e, "101", bills["101"]["amountFen"], "wx-a")
    pay(api, e, "201", 1000, "wx-b")
    rates = api.gql(
        """query($c: ID!) { feeRates(communityId: $c, period: "2026-10") { __typename
        ... on FeeRates { collectionRate { numerator denominator value }
        householdRate { numerator denominator value } recoveryRate { numerator denominator } } } }""",
        {"c": e.community},
        as_=e.staff,
    )["feeRates"]
    total = sum(statement(api, u)["bills"][0]["amountFen"] for u in e.units.values())
    assert rates["collectionRate"]["numerator"] == bills["101"]["amountFen"] + 1000
    assert rates["collectionRate"]["denominator"] == total
    assert rates["householdRate"] == {"numerator": 1, "denominator": 4, "value": "0.2500000000"}
    arrears = api.gql(
        """query($c: ID!) { arrears(communityId: $c, asOf: "2026-12-01") { __typename
        ... on ArrearsConnection { totalOutstandingFen rows { unitNumber outstandingFen ageDays } } } }""",
        {"c": e.community},
        as_=e.staff,
    )["arrears"]
    assert sorted(row["unitNumber"] for row in arrears["rows"]) == ["201", "301", "401"]
    assert {row["ageDays"] for row in arrears["rows"]} == {31}


def test_committee_audits_the_ledger_and_a_resident_sees_only_own_statement(api: Api) -> None:
    e = billed_estate(api)
    bill_id = statement(api, e.units["101"])["bills"][0]["id"]
    pay(api, e, "101", 100, "wx-audit")
    committee = Principal(subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(e.community))
    history = api.gql(
        """query($id: ID!) { history(id: $id) { __typename
        ... on HistoryConnection { entries { eventType actor reason } } } }""",
        {"id": bill_id},
        as_=committee,
    )["history"]
    assert history["entries"][0]["eventType"] == "Issued"
    ledger = api.gql(
        """query($c: ID!) { feeLedger(communityId: $c) { __typename
        ... on FeeLedgerConnection { entries { kind amountFen } } } }""",
        {"c": e.community},
        as_=committee,
    )["feeLedger"]
    assert [entry["kind"] for entry in ledger["entries"]] == ["PAYMENT", "ALLOCATION"]
    resident = Principal(subject="owner", role=Role.RESIDENT, unit_ids=(UUID(e.units["101"]),))
    assert statement(api, e.units["101"], as_=resident)["__typename"] == "FeeStatement"
    assert statement(api, e.units["201"], as_=resident)["__typename"] == "Forbidden"


def test_another_communitys_fees_and_statements_are_not_found_by_their_id(api: Api) -> None:
    # Given two estates, each served by its own company
    ours, theirs = estate(api), estate(api, "乐家物业")
    committee = Principal(
        subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(ours.community)
    )
    resident = Principal(subject="owner", role=Role.RESIDENT, unit_ids=(UUID(ours.units["101"]),))
    problem = "__typename ... on NotFound { field message }"
    on_community = {
        "feeSchedule": "feeSchedule(communityId: $id)",
        "arrears": "arrears(communityId: $id)",
        "feeRates": 'feeRates(communityId: $id, period: "2026-10")',
        "feeBills": 'feeBills(communityId: $id, period: "2026-10")',
        "feeLedger": "feeLedger(communityId: $id)",
    }
    for who in (ours.staff, committee, resident):
        # When our staff, committee member or resident ask for their community's fees
        for name, call in on_community.items():
            answer = api.gql(
                f"query($id: ID!) {{ {call} {{ {problem} }} }}", {"id": theirs.community}, as_=who
            )[name]
            # Then each is not found, naming the argument
            assert (answer["__typename"], answer["field"]) == ("NotFound", "communityId"), (
                who.subject,
                name,
                answer,
            )
        # And so is the statement of one of their units
        answer = statement(api, theirs.units["101"], as_=who)
        assert (answer["__typename"], answer["field"]) == ("NotFound", "unitId"), who.subject
        assert answer["message"] == "no unit with this id that you may see"


def test_the_committee_pages_through_the_bills_of_a_period(api: Api) -> None:
    e = billed_estate(api)
    committee = Principal(subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(e.community))
    query = """query($c: ID!, $after: String) { feeBills(communityId: $c, period: "2026-10",
        first: 3, after: $after) { __typename ... on BillConnection {
        bills { unitNumber amountFen lateFeeFen } pageInfo { hasNextPage endCursor } }
        ... on ValidationError { field message } } }"""
    first = api.gql(query, {"c": e.community}, as_=committee)["feeBills"]
    assert [b["unitNumber"] for b in first["bills"]] == ["101", "201", "301"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = api.gql(
        query, {"c": e.community, "after": first["pageInfo"]["endCursor"]}, as_=committee
    )["feeBills"]
    assert [b["unitNumber"] for b in rest["bills"]] == ["401"]
    assert rest["pageInfo"]["hasNextPage"] is False
    forged = api.gql(query, {"c": e.community, "after": "bm9wZQ"}, as_=committee)["feeBills"]
    assert (forged["__typename"], forged["field"]) == ("ValidationError", "after")


# --- the access matrix (tests/integration/test_access_matrix.py) ---
# ``w`` is that file's World: 幸福里 (served by 安居物业 since 2024-02-01, unit ``w.unit`` of
# 80 m², the resident's) in 红塔区; each operation sets up what it needs, idempotently.
_DENIED, _ALLOWED = "denied", "allowed"


def _outcome(result: dict[str, Any]) -> str:
    kind = result["__typename"]
    if kind == "Forbidden":
        return _DENIED
    assert kind.endswith(("Payload", "Statement", "Connection", "Receipt")), result
    return _ALLOWED


def _billed(api: Api, w: Any) -> str:
    """幸福里 with a standard, billed for January 2025; the resident's unit's bill id."""
    from gongzhi.domain.bill import bill_id

    app, community = api.platform.app, UUID(w.xingfu)
    schedule = fee_schedule(app, community)
    if schedule is None or not schedule.standards:
        app.set_fee_standard(
            META,
            SetFeeStandard(
                community_id=community,
                property_type=PropertyType.RESIDENTIAL,
                unit_price=Decimal("1.20"),
                pricing=PricingModel.LUMP_SUM,
                effective_from=date(2025, 1, 1),
            ),
        )
    report = app.run_billing(META, RunBilling(community, "2025-01"))
    assert wait_for_position(api.platform.engine, PROJECTION_NAME, report.position, timeout=30)
    return str(bill_id(UUID(w.unit), "2025-01"))


def _paid(api: Api, w: Any) -> str:
    """A payment of the resident's unit in 幸福里, the same one on every call. On the matrix's
    shared world 幸福里 may have standards already (none for homes) and January billed with
    nothing: a residential standard and February make a bill to pay."""
    app, community = api.platform.app, UUID(w.xingfu)
    _billed(api, w)
    # refused where January was billed under a residential standard: it is there already
    with contextlib.suppress(RuleViolated):
        app.set_fee_standard(
            META,
            SetFeeStandard(
                community_id=community,
                property_type=PropertyType.RESIDENTIAL,
                unit_price=Decimal("1.20"),
                pricing=PricingModel.LUMP_SUM,
                effective_from=date(2025, 2, 1),
            ),
        )
    app.run_billing(META, RunBilling(community, "2025-02"))
    done = app.record_payment(
        META,
        RecordPayment(
            community_id=community,
            unit_id=UUID(w.unit),
            channel=PaymentChannel.CASH,
            transaction_id="matrix-receipt",
            amount_fen=100,
        ),
    )
    assert wait_for_position(api.platform.engine, PROJECTION_NAME, done.position, timeout=30)
    return str(done.id)


def _read(api: Api, query: str, variables: dict[str, Any], p: Principal) -> str:
    data = api.gql(query, variables, as_=p)
    return _outcome(next(iter(data.values())))


FEES_OPERATIONS: dict[str, Any] = {
    "setFeeStandard in 幸福里": lambda api, w, p: _outcome(
        mutate(
            api,
            "setFeeStandard",
            "SetFeeStandardInput",
            {
                "communityId": w.xingfu,
                "propertyType": "COMMERCIAL",
                "unitPrice": "3.00",
                "pricing": "COMMISSION",
                "effectiveFrom": "2027-01-01",
            },
            p,
        )
    ),
    "runBilling 幸福里": lambda api, w, p: (
        _billed(api, w)
        and _outcome(
            mutate(
                api,
                "runBilling",
                "RunBillingInput",
                {"communityId": w.xingfu, "period": "2025-01"},
                p,
            )
        )
    ),
    "recordPayment in 幸福里": lambda api, w, p: (
        _billed(api, w)
        and _outcome(
            mutate(
                api,
                "recordPayment",
                "RecordPaymentInput",
                {
                    "communityId": w.xingfu,
                    "unitId": w.unit,
                    "channel": "CASH",
                    "transactionId": f"cash-{p.subject}",
                    "amountFen": 100,
                },
                p,
            )
        )
    ),
    "writeOffBill in 幸福里": lambda api, w, p: _outcome(
        mutate(
            api,
            "writeOffBill",
            "WriteOffBillInput",
            {"billId": _billed(api, w), "amountFen": 1, "approvedBy": "王经理"},
            p,
        )
    ),
    "feeStatement of the resident's unit": lambda api, w, p: _outcome(
        statement(api, w.unit, as_=p)
    ),
    # 收据 (issue 16): read as the unit's statement is, printed by who records payments
    "paymentReceipt of the resident's unit": lambda api, w, p: _read(
        api,
        """query($id: ID!) { paymentReceipt(paymentId: $id) { __typename } }""",
        {"id": _paid(api, w)},
        p,
    ),
    "printReceipt in 幸福里": lambda api, w, p: _read(
        api,
        """mutation($id: ID!) { printReceipt(input: {paymentId: $id, reason: "收据"}) {
        __typename } }""",
        {"id": _paid(api, w)},
        p,
    ),
    "arrears of 幸福里": lambda api, w, p: _read(
        api,
        """query($c: ID!) { arrears(communityId: $c) { __typename } }""",
        {"c": w.xingfu},
        p,
    ),
    "history of a bill of 幸福里": lambda api, w, p: _read(
        api,
        """query($id: ID!) { history(id: $id) { __typename } }""",
        {"id": _billed(api, w)},
        p,
    ),
}
_STAFF_ONLY = dict(
    admin=_ALLOWED, regulator=_DENIED, company=_ALLOWED, committee=_DENIED, resident=_DENIED
)
_READERS = dict(
    admin=_ALLOWED, regulator=_ALLOWED, company=_ALLOWED, committee=_ALLOWED, resident=_DENIED
)
FEES_EXPECTED: dict[str, dict[str, object]] = {
    "setFeeStandard in 幸福里": _STAFF_ONLY,
    "runBilling 幸福里": _STAFF_ONLY,
    "recordPayment in 幸福里": _STAFF_ONLY,
    "writeOffBill in 幸福里": _STAFF_ONLY,
    "feeStatement of the resident's unit": {**_READERS, "resident": _ALLOWED},
    "paymentReceipt of the resident's unit": {**_READERS, "resident": _ALLOWED},
    "printReceipt in 幸福里": _STAFF_ONLY,
    "arrears of 幸福里": _READERS,
    "history of a bill of 幸福里": _READERS,
}


def test_another_communitys_unit_bill_or_parking_space_is_refused_before_anything_is_recorded(
    api: Api,
) -> None:
    # Given two estates, each billed and served by its own company
    ours, theirs = billed_estate(api), billed_estate(api, "乐家物业")
    their_bill = _first_bill(api, theirs)
    their_space = api.gql(
        """query($c: ID!) { feeSchedule(communityId: $c) { ... on FeeSchedule {
        parkingSpaces { id } } } }""",
        {"c": theirs.community},
    )["feeSchedule"]["parkingSpaces"][0]["id"]
    api.settle()
    before = api.platform.app.recorder.max_notification_id()
    # When our company's staff name their unit, bill or parking space on our community
    attempts = [
        ("recordPayment", "RecordPaymentInput", {"unitId": theirs.units["101"]}, "input.unitId"),
        (
            "recordPayment",
            "RecordPaymentInput",
            {"unitId": ours.units["101"], "lateFeeBillId": their_bill},
            "input.lateFeeBillId",
        ),
        (
            "rentParkingSpace",
            "RentParkingSpaceInput",
            {"spaceId": their_space, "unitId": ours.units["201"], "start": "2026-11-01"},
            "input.spaceId",
        ),
    ]
    for name, input_type, values, field in attempts:
        payment = {"channel": "WECHAT", "transactionId": "wx-x", "amountFen": 100}
        result = mutate(
            api,
            name,
            input_type,
            {
                "communityId": ours.community,
                **(payment if name == "recordPayment" else {}),
                **values,
            },
            ours.staff,
        )
        # Then each is refused as not found (nothing about their estate is confirmed)
        assert (result["__typename"], result["field"]) == ("NotFound", field), result
    # And writing off their bill is forbidden to us
    written = mutate(
        api,
        "writeOffBill",
        "WriteOffBillInput",
        {"billId": their_bill, "amountFen": 100, "approvedBy": "王经理"},
        ours.staff,
    )
    assert written["__typename"] == "Forbidden", written
    # And nothing was recorded
    assert api.platform.app.recorder.max_notification_id() == before


def _first_bill(api: Api, e: Estate) -> str:
    bills = statement(api, e.units["101"])["bills"]
    return str(bills[0]["id"])
