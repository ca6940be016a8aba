"""Issue 15, the fee defects, each reproduced over GraphQL on PostgreSQL before its fix: paying
the balance shown clears it (2), arrears order (3), dated payments (7), rates of a quarter or a
year and plain decimals (10), one rounding per bill (12), the prepayment cap as filed (13), and
late fees on the overdue amount to the day of payment (14)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from gongzhi.application.base import business_today
from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import Api
from tests.integration.test_graphql_fees import (
    Estate,
    bill,
    billed_estate,
    estate,
    mutate,
    pay,
    standards,
    statement,
)


def schedule_change(api: Api, e: Estate, name: str, input_type: str, **values: Any) -> Any:
    result = mutate(api, name, input_type, {"communityId": e.community, **values}, e.staff)
    assert result["__typename"] == "FeeSchedulePayload", result
    return result


# --- 2 and 14: late fees -----------------------------------------------------------------------


def test_paying_the_balance_shown_clears_bills_then_late_fees(api: Api) -> None:
    # Given 201's October bill (35500 fen, due 31 October), unpaid on 10 November
    e = billed_estate(api)
    unit = e.units["201"]
    before = statement(api, unit, as_of="2026-11-10")
    assert (before["outstandingFen"], before["lateFeeFen"]) == (35500, 107)
    # When the resident pays the balance shown, that day
    paid = pay(api, e, "201", before["balanceFen"], "wx-all", receivedOn="2026-11-10")
    assert paid["__typename"] == "PaymentPayload", paid
    # Then the bill and its late fee are cleared and nothing is left over as credit
    after = statement(api, unit, as_of="2026-11-10")
    assert (after["outstandingFen"], after["lateFeeFen"], after["creditFen"]) == (0, 0, 0)
    assert after["balanceFen"] == 0
    # And the ledger shows the bill paid first, then its late fee
    kinds = [entry["kind"] for entry in after["entries"]]
    assert kinds[-3:] == ["PAYMENT", "ALLOCATION", "LATE_FEE_PAID"]
    # And nothing more accrues afterwards
    assert statement(api, unit, as_of="2027-06-01")["balanceFen"] == 0


def test_a_contract_may_have_each_bill_paid_with_its_late_fee_before_the_next(api: Api) -> None:
    # Given 201's October and November bills both overdue on 5 December, and terms that
    # apply a payment bill by bill (the contract's order)
    e = billed_estate(api)
    bill(api, e, "2026-11")
    schedule_change(
        api,
        e,
        "setFeeTerms",
        "SetFeeTermsInput",
        vacancyRate="0.7",
        lateFeeDailyRate="0.0003",
        graceDays=0,
        lateFeeCap="0.3",
        dueDays=30,
        paymentOrder="BILL_BY_BILL",
    )
    october, november = statement(api, e.units["201"], as_of="2026-12-05")["bills"]
    assert october["lateFeeFen"] > 0 and november["lateFeeFen"] > 0
    # When October and its late fee are paid that day
    amount = october["outstandingFen"] + october["lateFeeFen"]
    paid = pay(api, e, "201", amount, "wx-bill-by-bill", receivedOn="2026-12-05")
    assert paid["__typename"] == "PaymentPayload", paid
    # Then October is cleared with its late fee, and November is untouched
    after = statement(api, e.units["201"], as_of="2026-12-05")["bills"]
    assert (after[0]["outstandingFen"], after[0]["lateFeeFen"]) == (0, 0)
    assert after[1]["outstandingFen"] == november["outstandingFen"]


def test_the_late_fee_of_a_day_does_not_move_when_part_is_paid_that_day(api: Api) -> None:
    e = billed_estate(api)
    unit = e.units["201"]
    before = statement(api, unit, as_of="2026-11-20")["lateFeeFen"]
    # When half the bill is paid on the 20th
    pay(api, e, "201", 17000, "wx-half", receivedOn="2026-11-20")
    # Then the late fee shown for the 20th is the same (the day of payment counts)
    assert statement(api, unit, as_of="2026-11-20")["lateFeeFen"] == before


def test_late_fees_accrue_on_the_overdue_amount_only_capped_on_it_to_the_day_paid(
    api: Api,
) -> None:
    # Given 201's October bill (35500 fen, due 31 October), 20000 fen paid before the due date
    e = billed_estate(api)
    unit = e.units["201"]
    pay(api, e, "201", 20000, "wx-early", receivedOn="2026-10-20")
    # Then the late fee runs on the 15500 fen overdue: 15500 × 0.0003 × 10 = 46.5 → 47
    assert statement(api, unit, as_of="2026-11-10")["bills"][0]["lateFeeFen"] == 47
    # And its cap is 30 % of the overdue amount, not of the bill
    assert statement(api, unit, as_of="2030-01-01")["bills"][0]["lateFeeFen"] == 4650
    # When the rest is paid on 5 November, that day counts: 15500 × 0.0003 × 5 = 23.25 → 23
    pay(api, e, "201", 15500, "wx-late", receivedOn="2026-11-05")
    assert statement(api, unit, as_of="2026-12-01")["bills"][0]["lateFeeFen"] == 23


# --- 7: payment dates ---------------------------------------------------------------------------


@pytest.mark.parametrize("when", ["tomorrow", "2019-12-31"])
def test_a_payment_dated_in_the_future_or_before_the_community_is_refused(
    api: Api, when: str
) -> None:
    e = billed_estate(api)  # registered on 2020-01-01
    day = (business_today() + timedelta(days=1)).isoformat() if when == "tomorrow" else when
    refused = pay(api, e, "101", 100, "wx-dated", receivedOn=day)
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "input.receivedOn")
    assert statement(api, e.units["101"])["entries"] == []


# --- 10: rates of a quarter or a year -----------------------------------------------------------

RATES = """query($c: ID!, $p: String!) { feeRates(communityId: $c, period: $p) { __typename
    ... on FeeRates { period collectionRate { numerator denominator value }
    householdRate { numerator denominator value } } } }"""


def test_rates_of_a_quarter_or_a_year_count_their_months_and_decimals_are_plain(
    api: Api,
) -> None:
    e = billed_estate(api)
    billed = sum(statement(api, u)["bills"][0]["amountFen"] for u in e.units.values())
    for period in ("2026-10", "2026-Q4", "2026"):
        rates = api.gql(RATES, {"c": e.community, "p": period}, as_=e.staff)["feeRates"]
        assert rates["collectionRate"] == {
            "numerator": 0,
            "denominator": billed,
            "value": "0.0000000000",
        }, period
        assert rates["householdRate"]["denominator"] == 4, period


# --- 12: one rounding per bill ------------------------------------------------------------------


def test_a_bill_is_its_exact_fee_rounded_once_and_its_lines_share_it(api: Api) -> None:
    # Given 301, vacant (70 %) from 11 October, and the price changing on the 21st
    e = billed_estate(api)
    lines = statement(api, e.units["301"])["bills"][0]["lines"]
    fees = [line["amountFen"] for line in lines if line["kind"] == "PROPERTY_FEE"]
    # exact: 20000 × 10/31 + 14000 × 10/31 + 17500 × 11/31 = 532500/31 = 17177.42 → 17177
    # (each line on its own: 6452 + 4516 + 6210 = 17178)
    assert sum(fees) == 17177
    assert fees == [6451, 4516, 6210]  # 6451.61, 4516.13, 6209.68 by largest remainder


def test_two_identical_units_are_billed_the_same(api: Api) -> None:
    # Given 101 and 301, both 100 m² at 2.50, vacancies paying the full fee, and 301
    # vacant for one day of December: three pieces of the month
    e = estate(api)
    standards(api, e)
    schedule_change(
        api, e, "recordVacancy", "UnitVacancyInput", unitId=e.units["301"], on="2026-12-02"
    )
    schedule_change(
        api, e, "endVacancy", "UnitVacancyInput", unitId=e.units["301"], on="2026-12-02"
    )
    bill(api, e, "2026-12")
    one, other = (statement(api, e.units[u])["bills"][0] for u in ("101", "301"))
    # Then both are billed 25000 fen (806.45 + 806.45 + 23387.10 would be 24999 line by line)
    assert len(other["lines"]) == 3
    assert one["amountFen"] == other["amountFen"] == 25000


# --- 13: the prepayment cap as filed ------------------------------------------------------------


def test_the_prepayment_cap_is_the_fees_due_as_filed_for_twelve_months(api: Api) -> None:
    # Given 101 (250 元 fee, 5 元 rubbish, 150 元 parking a month) billed for October, and
    # a lower standard of 1.00 filed from January 2027
    e = billed_estate(api)
    schedule_change(
        api,
        e,
        "setFeeStandard",
        "SetFeeStandardInput",
        propertyType="RESIDENTIAL",
        unitPrice="1.00",
        pricing="LUMP_SUM",
        effectiveFrom="2027-01-01",
    )
    owed = statement(api, e.units["101"])["balanceFen"]  # October and its late fee today
    # November 2026 to October 2027: 2 × 405 元 + 10 × 255 元 = 3360 元
    refused = pay(api, e, "101", owed + 336_001, "wx-ahead")
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "input.amountFen")
    paid = pay(api, e, "101", owed + 336_000, "wx-ahead")
    assert paid["statement"]["creditFen"] == 336_000


# --- 3: the arrears list's order ----------------------------------------------------------------

ARREARS = """query($c: ID!, $order: ArrearsOrder) { arrears(communityId: $c,
    asOf: "2026-12-15", orderBy: $order) { __typename ... on ArrearsConnection {
    rows { unitNumber unitLabel unitOwners outstandingFen oldestDueOn } } } }"""


def test_arrears_are_largest_first_unless_the_caller_orders_them_otherwise(api: Api) -> None:
    # Given October and November billed, 101 paying October only: everyone owes, 101 the least
    # and since November only
    e = billed_estate(api)
    bill(api, e, "2026-11")
    pay(api, e, "101", statement(api, e.units["101"])["bills"][0]["amountFen"], "wx-oct")

    def arrears(order: str | None) -> list[Any]:
        variables = {"c": e.community, **({"order": order} if order else {})}
        found = api.gql(ARREARS, variables, as_=e.staff)["arrears"]
        assert found["__typename"] == "ArrearsConnection", found
        return list(found["rows"])

    # Then by default the largest amount owed comes first
    rows = arrears(None)
    owed = [row["outstandingFen"] for row in rows]
    assert owed == sorted(owed, reverse=True) and len(owed) == 4
    assert arrears("AMOUNT") == rows
    # And by age the oldest overdue bill comes first (101's is November's)
    assert arrears("AGE")[-1]["unitNumber"] == "101"
    assert [row["oldestDueOn"] for row in arrears("AGE")][:3] == ["2026-10-31"] * 3
    # And by building they follow 楼栋-单元-房号
    assert [row["unitLabel"] for row in arrears("BUILDING")] == [
        "1栋-1单元-101",
        "1栋-1单元-201",
        "1栋-1单元-301",
        "1栋-1单元-401",
    ]


# --- 4: units told apart -----------------------------------------------------------------------


def test_every_fee_row_names_its_unit_in_full_and_its_owner_for_the_staff(api: Api) -> None:
    from tests.integration.test_graphql_owners import OWNERSHIP, person

    e = billed_estate(api)
    owner = person(api, "张三")["person"]["id"]
    recorded = api.gql(
        OWNERSHIP,
        {
            "input": {
                "communityId": e.community,
                "unitId": e.units["201"],
                "on": "2026-01-01",
                "reason": "不动产登记",
                "owners": [{"personId": owner, "share": "1"}],
            }
        },
    )["recordOwnership"]
    assert recorded["__typename"] == "CommunityPayload", recorded
    pay(api, e, "201", 100, "wx-label")
    query = """query($c: ID!) {
        feeBills(communityId: $c, period: "2026-10") { ... on BillConnection {
            bills { unitNumber unitLabel unitOwners } } }
        feeLedger(communityId: $c) { ... on FeeLedgerConnection {
            entries { kind unitLabel unitOwners actor reason } } }
        arrears(communityId: $c, asOf: "2026-12-01") { ... on ArrearsConnection {
            rows { unitLabel unitOwners } } } }"""
    seen = api.gql(query, {"c": e.community}, as_=e.staff)
    bills = {b["unitNumber"]: b for b in seen["feeBills"]["bills"]}
    assert bills["201"]["unitLabel"] == "1栋-1单元-201"
    assert bills["201"]["unitOwners"] == ["张三"]
    assert {e["unitLabel"] for e in seen["feeLedger"]["entries"]} == {"1栋-1单元-201"}
    assert seen["feeLedger"]["entries"][0]["unitOwners"] == ["张三"]
    assert ["张三"] in [row["unitOwners"] for row in seen["arrears"]["rows"]]
    # And the ledger says who recorded each entry and why
    assert {(x["actor"], x["reason"]) for x in seen["feeLedger"]["entries"]} == {
        ("staff-1", "物业收费")
    }
    # And a resident reading the own statement sees the label but no owners' names
    resident = Principal(subject="owner", role=Role.RESIDENT, unit_ids=(UUID(e.units["201"]),))
    own = api.gql(
        """query($u: ID!) { feeStatement(unitId: $u) { ... on FeeStatement {
        bills { unitLabel unitOwners } entries { unitLabel unitOwners } } } }""",
        {"u": e.units["201"]},
        as_=resident,
    )["feeStatement"]
    assert own["bills"][0] == {"unitLabel": "1栋-1单元-201", "unitOwners": None}


# --- 6: the audit trail of fees -----------------------------------------------------------------


def test_a_bills_history_shows_its_write_off_payments_and_reversals(api: Api) -> None:
    e = billed_estate(api)
    bill_id = statement(api, e.units["201"])["bills"][0]["id"]
    paid = pay(api, e, "201", 1000, "wx-h", receivedOn="2026-10-20")
    refunded = mutate(
        api,
        "refundPayment",
        "RefundPaymentInput",
        {
            "communityId": e.community,
            "unitId": e.units["201"],
            "paymentId": paid["paymentId"],
            "amountFen": 400,
            "channel": "WECHAT",
            "reference": "wx-refund-h",
        },
        e.staff,
    )
    assert refunded["__typename"] == "FeeAccountPayload", refunded
    written = mutate(
        api,
        "writeOffBill",
        "WriteOffBillInput",
        {"billId": bill_id, "amountFen": 500, "approvedBy": "王经理"},
        e.staff,
    )
    assert written["__typename"] == "FeeAccountPayload", written
    committee = Principal(subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(e.community))
    history = api.gql(
        """query($id: ID!) { history(id: $id) { __typename
        ... on HistoryConnection { entries { eventType actor reason data } } } }""",
        {"id": bill_id},
        as_=committee,
    )["history"]
    assert [x["eventType"] for x in history["entries"]] == [
        "Issued",
        "PaymentReceived",
        "Refunded",
        "WrittenOff",
    ]
    assert history["entries"][-1]["data"]["approved_by"] == "王经理"
    # And the refund's row of the ledger says how the money went back
    refund = [x for x in refunded["statement"]["entries"] if x["kind"] == "REFUND"]
    assert [(x["channel"], x["transactionId"]) for x in refund] == [("WECHAT", "wx-refund-h")]


def test_fund_sub_accounts_name_their_unit_in_full_and_its_owner_for_the_staff(api: Api) -> None:
    from tests.integration.test_graphql_fund import estate as fund_estate

    e = fund_estate(api)
    query = """query($id: ID!) { fundStatement(unitId: $id) { ... on FundStatement {
        account { unitNumber unitLabel unitOwners } } } }"""
    mine = api.gql(query, {"id": e.units[0]}, as_=e.resident(0))["fundStatement"]["account"]
    _, _, number = mine["unitLabel"].split("-")  # 楼栋-单元-房号
    assert (number, mine["unitOwners"]) == ("101", None)
    seen = api.gql(query, {"id": e.units[0]})["fundStatement"]["account"]
    assert seen["unitLabel"] == mine["unitLabel"] and isinstance(seen["unitOwners"], list)
