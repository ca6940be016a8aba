"""补收: a billed meter reading corrected either way over GraphQL on real PostgreSQL (issue
16 §4). A unit charged too little gets a supplementary bill (补收单) of the period, due on
its own date; the units whose 公摊 shares fall are credited (调账); the shares still sum
exactly; the same command again books nothing; the 补收单 is paid as any bill."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from gongzhi.application.base import business_today
from tests.integration.conftest import Api
from tests.integration.test_graphql_fees import Estate, pay
from tests.integration.test_graphql_fees import bill as run_billing
from tests.integration.test_graphql_meters import correct, enter, meter_mutation, metered_estate

BILLS = """query($unit: ID!, $asOf: Date) { feeStatement(unitId: $unit, asOf: $asOf) {
    ... on FeeStatement { outstandingFen creditFen balanceFen
        bills { id period dueOn supplementary amountFen paidFen outstandingFen lateFeeFen
                lines { kind label start end amountFen } }
        entries { kind amountFen billId actor reason } } } }"""


def bills_of(api: Api, e: Estate, unit: str, as_of: date | None = None) -> Any:
    variables = {"unit": e.units[unit], "asOf": as_of.isoformat() if as_of else None}
    return api.gql(BILLS, variables)["feeStatement"]


def meter_lines(api: Api, e: Estate, unit: str) -> int:
    """What the unit's bills charge for meters now: its bill's lines and its 补收单, less
    its 调账 credits."""
    statement = bills_of(api, e, unit)
    charged = sum(
        line["amountFen"]
        for b in statement["bills"]
        for line in b["lines"]
        if line["kind"] in ("METERED", "SHARED")
    )
    credited = sum(x["amountFen"] for x in statement["entries"] if x["kind"] == "ADJUSTMENT")
    return int(charged - credited)


def test_a_billed_reading_found_too_low_is_charged_on_a_supplementary_bill(api: Api) -> None:
    # Given October read and billed: 101 used 12.5 吨 (4658 fen), 201 8 吨, 301 3.3 吨,
    # 401 none; the common meter's 6.2 吨 (2139 fen) shared by area: 563/563/563/450
    e, meters = metered_estate(api)
    assert run_billing(api, e, "2026-10")["__typename"] == "BillingRunPayload"
    api.settle()
    units = ("101", "201", "301", "401")
    before = {u: meter_lines(api, e, u) for u in units}
    assert before == {"101": 4658 + 563, "201": 2760 + 563, "301": 1139 + 563, "401": 450}
    october = bills_of(api, e, "101")["bills"][0]
    # When 101's billed reading is found too low: 115, not 112.5 (15 吨)
    done = correct(api, e, meters["101"], "115")
    assert done["__typename"] == "MeterBookPayload", done
    api.settle()
    # Then 101's own line is 10 × 3.45 + 5 × 4.83 = 58.65 元 (+1207 fen); 3.7 吨 are left to
    # share (1277 fen, re-split 336/336/336/269 by largest remainder): its share −227 fen
    after = {u: meter_lines(api, e, u) for u in units}
    assert after == {"101": 5865 + 336, "201": 2760 + 336, "301": 1139 + 336, "401": 269}
    assert sum(after.values()) - sum(before.values()) == (5865 - 4658) + (1277 - 2139)
    # And 101 owes the difference, 980 fen, on a 补收单 of October due 30 days from today
    statement = bills_of(api, e, "101")
    [supplement] = [b for b in statement["bills"] if b["supplementary"]]
    due = business_today() + timedelta(days=30)
    assert (supplement["period"], supplement["dueOn"]) == ("2026-10", due.isoformat())
    assert supplement["amountFen"] == supplement["outstandingFen"] == 980
    assert statement["outstandingFen"] == october["amountFen"] + 980
    # whose lines say which meter, both readings, the consumption and the price
    lines = supplement["lines"]
    assert [(x["kind"], x["amountFen"]) for x in lines] == [("METERED", 1207), ("SHARED", -227)]
    assert "水费 2026-10 15吨 (表 W-101 100→115) 单价 3.45/4.83元 = 58.65元" in lines[0]["label"]
    assert "原账单 水费 2026-10 12.5吨 (表 W-101 100→112.5)" in lines[0]["label"]
    assert (lines[0]["start"], lines[0]["end"]) == ("2026-10-01", "2026-10-31")
    # And the others, whose shares fell, are credited (调账), applied to their open bills
    for unit, fen in (("201", 227), ("301", 227), ("401", 181)):
        entries = bills_of(api, e, unit)["entries"]
        assert [(x["kind"], x["amountFen"]) for x in entries] == [
            ("ADJUSTMENT", fen),
            ("CREDIT_APPLIED", fen),
        ]
    # When the same command is sent again: refused, nothing booked twice
    again = correct(api, e, meters["101"], "115")
    assert (again["__typename"], again["field"]) == ("ValidationError", "input.reading")
    assert "recorded already" in again["message"]
    api.settle()
    assert {u: meter_lines(api, e, u) for u in units} == after
    assert len(bills_of(api, e, "101")["bills"]) == 2

    # Given 301 paid what it owes (its October bill and late fee) and 500 fen ahead (预交)
    owed_301 = bills_of(api, e, "301")["balanceFen"]
    assert pay(api, e, "301", owed_301 + 500, "WX-301")["__typename"] == "PaymentPayload"
    # When 201's billed reading is found too high (7, not 8): its own line −345 fen, and
    # 4.7 吨 are shared (1622 fen: 427/427/427/341), so the other shares rise
    done = correct(api, e, meters["201"], "7")
    assert done["__typename"] == "MeterBookPayload", done
    api.settle()
    # Then 201 is credited 345 − 91 = 254 fen; 101, 301 and 401 owe 91, 91 and 72 more on
    # 补收单 of their own; the shares sum exactly to the corrected shared charge
    now = {u: meter_lines(api, e, u) for u in units}
    assert now == {"101": 5865 + 427, "201": 2415 + 427, "301": 1139 + 427, "401": 341}
    assert 427 * 3 + 341 == 1622
    supplements = {
        u: sorted(b["amountFen"] for b in bills_of(api, e, u)["bills"] if b["supplementary"])
        for u in units
    }
    assert supplements == {"101": [91, 980], "201": [], "301": [91], "401": [72]}
    # And 301's prepaid credit pays its 补收单 at once, as a billing run's credit does
    prepaid = bills_of(api, e, "301")
    [charged] = [b for b in prepaid["bills"] if b["supplementary"]]
    assert (charged["paidFen"], prepaid["creditFen"]) == (91, 500 - 91)
    assert ("CREDIT_APPLIED", 91, charged["id"]) in [
        (x["kind"], x["amountFen"], x["billId"]) for x in prepaid["entries"]
    ]
    credited = [x for x in bills_of(api, e, "201")["entries"] if x["kind"] == "ADJUSTMENT"]
    assert [x["amountFen"] for x in credited] == [227, 254]
    # And the correction reads with what it credited and charged
    corrections = api.gql(
        """query($c: ID!) { meterReadings(communityId: $c, period: "2026-10") {
        ... on MeterReadingConnection { readings { meterNumber
            corrections { previous reading billedIn creditFen surchargeFen } } } } }""",
        {"c": e.community},
    )["meterReadings"]["readings"]
    by_number = {r["meterNumber"]: r["corrections"] for r in corrections}
    assert by_number["W-101"] == [
        {
            "previous": "112.50",
            "reading": "115.00",
            "billedIn": "2026-10",
            "creditFen": 227 + 227 + 181,
            "surchargeFen": 980,
        }
    ]
    assert by_number["W-201"][0]["creditFen"] == 254
    assert by_number["W-201"][0]["surchargeFen"] == 91 + 91 + 72

    # And a 补收单's late fee runs from its own due date, never from October's
    first = next(b for b in bills_of(api, e, "101")["bills"] if b["amountFen"] == 980)
    due_on = date.fromisoformat(first["dueOn"])
    on_due = bills_of(api, e, "101", due_on)["bills"]
    assert [b["lateFeeFen"] > 0 for b in on_due] == [True, False, False]  # October's is late
    later = bills_of(api, e, "101", due_on + timedelta(days=100))["bills"]
    assert next(b for b in later if b["id"] == first["id"])["lateFeeFen"] == 29  # 29.4 fen

    # When 101 pays what it owes with the ordinary payment
    owed = bills_of(api, e, "101")["outstandingFen"]
    assert owed == october["amountFen"] + 980 + 91
    paid = pay(api, e, "101", owed, "WX-101-补收")
    assert paid["__typename"] == "PaymentPayload", paid
    api.settle()
    # Then every bill of it is paid, the 补收单 after October's (oldest first)
    settled = bills_of(api, e, "101")
    assert [(b["supplementary"], b["outstandingFen"]) for b in settled["bills"]] == [
        (False, 0),
        (True, 0),
        (True, 0),
    ]
    assert settled["outstandingFen"] == 0

    # And the 补收单's history says who issued it and why, then its payment
    history = api.gql(
        """query($id: ID!) { history(id: $id, first: 10) { ... on HistoryConnection {
        entries { eventType actor reason } } } }""",
        {"id": first["id"]},
    )["history"]["entries"]
    assert [(h["eventType"], h["actor"], h["reason"]) for h in history] == [
        ("Issued", e.staff.subject, "抄表"),
        ("PaymentReceived", e.staff.subject, "物业收费"),
    ]

    # When November is read and billed, counting from October's readings
    opened = {"communityId": e.community, "period": "2026-11"}
    assert meter_mutation(api, "openReadingRound", opened, e.staff)["__typename"] == (
        "MeterBookPayload"
    )
    assert enter(api, e, meters["301"], "5", "2026-11")["__typename"] == "MeterBookPayload"
    assert run_billing(api, e, "2026-11")["__typename"] == "BillingRunPayload"
    api.settle()
    booked = {u: bills_of(api, e, u) for u in units}
    # Then October's readings are no longer corrected: two bills would change; nothing booked
    refused = correct(api, e, meters["301"], "3")
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "input.period")
    assert "2026-11 was billed counting from this reading" in refused["message"]
    api.settle()
    assert {u: bills_of(api, e, u) for u in units} == booked
