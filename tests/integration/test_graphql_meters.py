"""抄表 and 公摊 (issue 16 §4) over GraphQL on real PostgreSQL: meters, reading rounds,
readings entered and imported, corrections, tiered prices, shared consumption, and the
metered lines the ordinary billing run puts on each unit's bill."""

from __future__ import annotations

import base64
import io
from typing import Any
from uuid import UUID

from openpyxl import Workbook

from bench.bench_meters import community_of, metered, october_export, shared_total
from gongzhi.application.billing import RunBilling
from gongzhi.application.meters import ImportReadings, ReadingFileFormat, meter_book
from gongzhi.graphql.auth import Principal, Role
from tests.integration.conftest import Api
from tests.integration.test_graphql_fees import (
    LOOKUP_PROBLEMS,
    META,
    PROBLEMS,
    Estate,
    bill,
    estate,
    pay,
    standards,
    statement,
)

BOOK = "book { id sharingMethod prices { kind tiers { upTo price } } rounds { period status billedIn readings flagged } }"


def meter_mutation(api: Api, name: str, values: dict[str, Any], as_: Principal) -> Any:
    input_type = name[0].upper() + name[1:] + "Input"
    query = f"""mutation($input: {input_type}!) {{ {name}(input: $input) {{ __typename
        ... on MeterBookPayload {{ meterId {BOOK} imported {{ rows entered flagged }} }}
        {PROBLEMS} }} }}"""
    return api.gql(query, {"input": {"reason": "抄表", **values}}, as_=as_)[name]


def install(api: Api, e: Estate, number: str, **values: Any) -> str:
    done = meter_mutation(
        api,
        "installMeter",
        {
            "communityId": e.community,
            "kind": "WATER",
            "number": number,
            "installedIn": "2026-10",
            **values,
        },
        e.staff,
    )
    assert done["__typename"] == "MeterBookPayload", done
    meter_id: str = done["meterId"]
    return meter_id


def enter(api: Api, e: Estate, meter: str, reading: str, period: str = "2026-10") -> Any:
    return meter_mutation(
        api,
        "enterReading",
        {"communityId": e.community, "meterId": meter, "period": period, "reading": reading},
        e.staff,
    )


def readings(
    api: Api, community: str, period: str, as_: Principal | None = None, flagged: bool = False
) -> Any:
    query = f"""query($c: ID!, $p: String!, $f: Boolean!) {{
        meterReadings(communityId: $c, period: $p, flaggedOnly: $f) {{ __typename
        ... on MeterReadingConnection {{ pageInfo {{ totalCount }}
            readings {{ meterNumber unitId reading consumption flag source corrected
                        corrections {{ previous reading }} }} }}
        {LOOKUP_PROBLEMS} }} }}"""
    return api.gql(
        query, {"c": community, "p": period, "f": flagged}, **({"as_": as_} if as_ else {})
    )["meterReadings"]


def metered_estate(api: Api) -> tuple[Estate, dict[str, str]]:
    """幸福里 with a water meter per unit, a common meter for the whole community, tiered
    water prices (0-10 吨 3.45, above 4.83), shared by area, and October's round read."""
    e = estate(api)
    standards(api, e)
    meters = {
        "101": install(api, e, "W-101", unitId=e.units["101"], initialReading="100"),
        "201": install(api, e, "W-201", unitId=e.units["201"]),
        "301": install(api, e, "W-301", unitId=e.units["301"]),
        "401": install(api, e, "W-401", unitId=e.units["401"]),
        "common": install(api, e, "C-1"),
    }
    priced = meter_mutation(
        api,
        "setMeterPrice",
        {
            "communityId": e.community,
            "kind": "WATER",
            "tiers": [{"upTo": "10", "price": "3.45"}, {"price": "4.83"}],
        },
        e.staff,
    )
    assert priced["book"]["prices"] == [
        {
            "kind": "WATER",
            "tiers": [{"upTo": "10", "price": "3.45"}, {"upTo": None, "price": "4.83"}],
        }
    ]
    shared = meter_mutation(
        api, "setSharingMethod", {"communityId": e.community, "method": "AREA"}, e.staff
    )
    assert shared["book"]["sharingMethod"] == "AREA"
    opened = meter_mutation(
        api, "openReadingRound", {"communityId": e.community, "period": "2026-10"}, e.staff
    )
    assert opened["book"]["rounds"][0]["status"] == "OPEN", opened
    for unit, reading in (
        ("101", "112.5"),
        ("201", "8"),
        ("301", "3.3"),
        ("401", "0"),
        ("common", "30"),
    ):
        assert enter(api, e, meters[unit], reading)["__typename"] == "MeterBookPayload"
    return e, meters


def lines_of(api: Api, unit: str, *kinds: str) -> list[tuple[str, int]]:
    bills = statement(api, unit)["bills"]
    return [
        (line["kind"], line["amountFen"])
        for b in bills
        for line in b["lines"]
        if line["kind"] in kinds
    ]


def test_metered_and_shared_charges_are_billed_exactly_once_by_the_billing_run(api: Api) -> None:
    # Given October read: 101 used 12.5 吨, 201 8, 301 3.3, 401 none; the common meter 30
    e, meters = metered_estate(api)
    # A reading lower than the meter's last (its initial 100) is refused, naming the field
    lower = meter_mutation(
        api,
        "correctReading",
        {
            "communityId": e.community,
            "meterId": meters["101"],
            "period": "2026-10",
            "reading": "99.99",
        },
        e.staff,
    )
    assert lower["__typename"] == "ValidationError"
    assert lower["field"] == "input.reading"
    assert "lower than meter W-101's last reading" in lower["message"]
    # When October is billed
    run = bill(api, e, "2026-10")
    assert run["__typename"] == "BillingRunPayload", run
    # Then 101 pays 10 × 3.45 + 2.5 × 4.83 = 46.575 元, rounded half up once: 4658 fen
    assert lines_of(api, e.units["101"], "METERED") == [("METERED", 4658)]
    assert lines_of(api, e.units["201"], "METERED") == [("METERED", 2760)]
    assert lines_of(api, e.units["301"], "METERED") == [("METERED", 1139)]  # 11.385 元
    assert lines_of(api, e.units["401"], "METERED") == []
    # And the common meter's 30 − 23.8 = 6.2 吨 × 3.45 = 21.39 元 is shared by area
    # (100/100/100/80 m²), to the fen by largest remainder, summing exactly to 2139
    shares = [lines_of(api, e.units[u], "SHARED") for u in ("101", "201", "301", "401")]
    assert shares == [[("SHARED", 563)], [("SHARED", 563)], [("SHARED", 563)], [("SHARED", 450)]]
    label = statement(api, e.units["401"])["bills"][0]["lines"][-1]["label"]
    assert "公摊水费 2026-10 公共表 C-1" in label and "按面积 80/380" in label
    # When billing runs again for the period, nothing is added
    again = bill(api, e, "2026-10")
    assert again["run"]["nothingNew"] is True
    assert lines_of(api, e.units["101"], "METERED", "SHARED") == [
        ("METERED", 4658),
        ("SHARED", 563),
    ]

    # When 401's area is corrected after billing, its bill's 公摊 no longer follows from the
    # readings: a billed common reading's correction is refused, nothing credited
    def area(value: str) -> None:
        done = api.gql(
            """mutation($input: CorrectUnitAreaInput!) { correctUnitArea(input: $input) {
            __typename } }""",
            {
                "input": {
                    "communityId": e.community,
                    "unitId": e.units["401"],
                    "area": value,
                    "areaSource": "SURVEY",
                    "reason": "测绘更正",
                }
            },
        )["correctUnitArea"]
        assert done["__typename"] == "CommunityPayload", done

    area("90")
    refused = correct(api, e, meters["common"], "28")
    assert refused["__typename"] == "ValidationError", refused
    assert "does not show the meter charges the readings make now" in refused["message"]
    area("80")
    # When the common meter's billed reading is found too high: 28, not 30
    common = correct(api, e, meters["common"], "28")
    assert common["__typename"] == "MeterBookPayload", common
    api.settle()
    # Then 4.2 吨 × 3.45 = 14.49 元 is re-split by area as before (382/381/381/305), each
    # unit is credited its share's difference, to the fen: the 690 fen charged too much
    credited = {
        u: [
            x["amountFen"]
            for x in statement(api, e.units[u])["entries"]
            if x["kind"] == "ADJUSTMENT"
        ]
        for u in ("101", "201", "301", "401")
    }
    # (the fen left over goes to the first of the three 100 m² units the meter serves)
    assert credited["401"] == [145]
    assert sorted(credited[u][0] for u in ("101", "201", "301")) == [181, 182, 182]
    assert sum(fen for fens in credited.values() for fen in fens) == 2139 - 1449
    # And a common meter of the entrance serves its four units (as the whole-community one)
    with api.platform.engine.connect() as connection:
        entrance = connection.exec_driver_sql(
            "SELECT entrance_id FROM units WHERE id = %s", (e.units["101"],)
        ).scalar()
    install(api, e, "C-E", servesEntranceId=str(entrance))
    listed = api.gql(
        """query($c: ID!) { meters(communityId: $c) { ... on MeterConnection {
        pageInfo { totalCount } meters { number unitId servedUnits } } } }""",
        {"c": e.community},
    )["meters"]
    assert listed["pageInfo"]["totalCount"] == 6
    served = {m["number"]: m["servedUnits"] for m in listed["meters"] if m["unitId"] is None}
    assert served == {"C-1": 4, "C-E": 4}
    book = api.gql(
        """query($c: ID!) { meterBook(communityId: $c) { __typename
            ... on MeterBook { rounds { period status billedIn readings } } } }""",
        {"c": e.community},
    )["meterBook"]
    assert book["rounds"] == [
        {"period": "2026-10", "status": "BILLED", "billedIn": "2026-10", "readings": 5}
    ]


def correct(api: Api, e: Estate, meter: str, reading: str, period: str = "2026-10") -> Any:
    values = {"communityId": e.community, "meterId": meter, "period": period, "reading": reading}
    return meter_mutation(api, "correctReading", values, e.staff)


def test_a_billed_reading_found_too_high_is_corrected_with_a_credit_on_the_account(
    api: Api,
) -> None:
    # Given October read and billed on two unit meters (no common meter): 101 used 12.5 吨
    # (4658 fen), 201 8 吨 (2760 fen); 201 paid its bill in full
    e = estate(api)
    standards(api, e)
    meters = {
        "101": install(api, e, "W-101", unitId=e.units["101"], initialReading="100"),
        "201": install(api, e, "W-201", unitId=e.units["201"]),
    }
    tiers = [{"upTo": "10", "price": "3.45"}, {"price": "4.83"}]
    price = {"communityId": e.community, "kind": "WATER", "tiers": tiers}
    assert meter_mutation(api, "setMeterPrice", price, e.staff)["__typename"] == "MeterBookPayload"
    opened = {"communityId": e.community, "period": "2026-10"}
    meter_mutation(api, "openReadingRound", opened, e.staff)
    enter(api, e, meters["101"], "112.5")
    enter(api, e, meters["201"], "8")
    assert bill(api, e, "2026-10")["__typename"] == "BillingRunPayload"
    api.settle()
    assert lines_of(api, e.units["101"], "METERED") == [("METERED", 4658)]
    before = statement(api, e.units["101"])
    owed_201 = statement(api, e.units["201"])["outstandingFen"]
    paid = pay(api, e, "201", owed_201, "WX-201")
    assert paid["__typename"] == "PaymentPayload", paid
    # When 101's billed reading is found too high and corrected to 111 with a reason
    done = correct(api, e, meters["101"], "111")
    assert done["__typename"] == "MeterBookPayload", done
    api.settle()
    # Then its METERED line's difference, to the fen, is credited to 101's account:
    # 12.5 吨 → 4658 fen, 11 吨 → 10 × 3.45 + 1 × 4.83 = 39.33 元, 3933 fen: 725 fen
    after = statement(api, e.units["101"])
    bill_id = after["bills"][0]["id"]
    assert [(x["kind"], x["amountFen"], x["billId"]) for x in after["entries"]] == [
        ("ADJUSTMENT", 725, bill_id),
        ("CREDIT_APPLIED", 725, bill_id),  # the bill is open: the credit pays it at once
    ]
    assert after["outstandingFen"] == before["outstandingFen"] - 725
    assert (after["creditFen"], after["bills"][0]["paidFen"]) == (0, 725)
    # And the bill itself still says what was billed (its lines are not rewritten)
    assert lines_of(api, e.units["101"], "METERED") == [("METERED", 4658)]
    # And the reading shows its correction with the billing period and the credit
    read = {r["meterNumber"]: r for r in readings(api, e.community, "2026-10")["readings"]}
    assert read["W-101"]["reading"] == "111.00" and read["W-101"]["corrected"] is True
    corrections = api.gql(
        """query($c: ID!) { meterReadings(communityId: $c, period: "2026-10") {
        ... on MeterReadingConnection { readings { meterNumber
            corrections { previous reading billedIn creditFen } } } } }""",
        {"c": e.community},
    )["meterReadings"]["readings"]
    assert {r["meterNumber"]: r["corrections"] for r in corrections}["W-101"] == [
        {"previous": "112.50", "reading": "111.00", "billedIn": "2026-10", "creditFen": 725}
    ]
    # When the same correction is sent again: refused, nothing credited twice
    again = correct(api, e, meters["101"], "111")
    assert (again["__typename"], again["field"]) == ("ValidationError", "input.reading")
    assert "recorded already" in again["message"]
    api.settle()
    kinds = [x["kind"] for x in statement(api, e.units["101"])["entries"]]
    assert kinds.count("ADJUSTMENT") == 1
    # When 201's paid bill had a reading too high (8 → 7 吨: 27.60 → 24.15 元)
    assert correct(api, e, meters["201"], "7")["__typename"] == "MeterBookPayload"
    api.settle()
    # Then the 345 fen are credit on its account (预交, for its next bills or a refund)
    paid_201 = statement(api, e.units["201"])
    assert paid_201["creditFen"] == 345
    assert [x["amountFen"] for x in paid_201["entries"] if x["kind"] == "ADJUSTMENT"] == [345]
    # And the book's history and the ledger say who corrected it and why
    ledger = api.gql(
        """query($c: ID!) { feeLedger(communityId: $c, first: 100) {
        ... on FeeLedgerConnection { entries { kind amountFen actor reason } } } }""",
        {"c": e.community},
    )["feeLedger"]
    adjustments = [n for n in ledger["entries"] if n["kind"] == "ADJUSTMENT"]
    assert [(a["amountFen"], a["actor"], a["reason"]) for a in adjustments] == [
        (725, e.staff.subject, "抄表"),
        (345, e.staff.subject, "抄表"),
    ]


def test_replacement_correction_and_flagged_readings_with_their_history(api: Api) -> None:
    e, meters = metered_estate(api)
    bill(api, e, "2026-10")
    # Given November to January read evenly (5 吨 a month for 201)
    reading = 8
    for period in ("2026-11", "2026-12", "2027-01"):
        meter_mutation(
            api, "openReadingRound", {"communityId": e.community, "period": period}, e.staff
        )
        reading += 5
        assert (
            enter(api, e, meters["201"], str(reading), period)["__typename"] == "MeterBookPayload"
        )
    meter_mutation(
        api, "openReadingRound", {"communityId": e.community, "period": "2027-02"}, e.staff
    )
    # When 101's meter is replaced in February (final 120; new meter from 5, ×2)
    replaced = meter_mutation(
        api,
        "replaceMeter",
        {
            "communityId": e.community,
            "meterId": meters["101"],
            "period": "2027-02",
            "finalReading": "120",
            "newNumber": "W-101b",
            "newInitialReading": "5",
            "newMultiplier": "2",
        },
        e.staff,
    )
    assert replaced["__typename"] == "MeterBookPayload", replaced
    new_meter = replaced["meterId"]
    # the old meter takes no reading after it
    old = enter(api, e, meters["101"], "121", "2027-02")
    assert old["__typename"] == "ValidationError" and "replaced in 2027-02" in old["message"]
    assert enter(api, e, new_meter, "6.5", "2027-02")["__typename"] == "MeterBookPayload"
    # And 201 reads 40 吨 more: over 3× its median of 5, recorded and flagged for review
    assert enter(api, e, meters["201"], "63", "2027-02")["__typename"] == "MeterBookPayload"
    flagged = readings(api, e.community, "2027-02", flagged=True)
    assert [(r["meterNumber"], r["consumption"]) for r in flagged["readings"]] == [
        ("W-201", "40.0000")
    ]
    assert "over 3× the median 5" in flagged["readings"][0]["flag"]
    # When it is corrected with a reason, the flag goes and the history keeps the first
    fixed = meter_mutation(
        api,
        "correctReading",
        {
            "communityId": e.community,
            "meterId": meters["201"],
            "period": "2027-02",
            "reading": "27",
        },
        e.staff,
    )
    assert fixed["__typename"] == "MeterBookPayload", fixed
    history = api.gql(
        """query($id: ID!) { history(id: $id, first: 100) { ... on HistoryConnection {
        entries { eventType actor reason data } } } }""",
        {"id": fixed["book"]["id"]},
    )["history"]["entries"]
    correction = next(h for h in history if h["eventType"] == "ReadingCorrected")
    assert (correction["actor"], correction["reason"]) == ("staff-1", "抄表")
    assert (correction["data"]["previous"], correction["data"]["reading"]) == ("63", "27")
    assert readings(api, e.community, "2027-02", flagged=True)["readings"] == []
    all_read = readings(api, e.community, "2027-02")
    assert all_read["pageInfo"]["totalCount"] == 3
    by_number = {r["meterNumber"]: r for r in all_read["readings"]}
    assert by_number["W-201"]["corrections"] == [{"previous": "63.00", "reading": "27.00"}]
    assert by_number["W-201"]["corrected"] is True
    # And across the replacement 101 used (120 − 112.5) × 1 + (6.5 − 5) × 2 = 10.5 吨
    assert by_number["W-101"]["source"] == "REPLACEMENT"
    # billed by February's run (the months before billed first, as a community does)
    for period in ("2026-11", "2026-12", "2027-01", "2027-02"):
        assert bill(api, e, period)["__typename"] == "BillingRunPayload"
    feb = next(b for b in statement(api, e.units["101"])["bills"] if b["period"] == "2027-02")
    metered = [line for line in feb["lines"] if line["kind"] == "METERED"]
    assert [line["amountFen"] for line in metered] == [3692]  # 10 × 3.45 + 0.5 × 4.83 = 36.915
    assert "10.5" in metered[0]["label"]
    # A resident reads only own units' readings
    owner = Principal(subject="owner-201", role=Role.RESIDENT, unit_ids=(UUID(e.units["201"]),))
    own = readings(api, e.community, "2027-02", as_=owner)
    assert [r["meterNumber"] for r in own["readings"]] == ["W-201"]


def test_an_import_is_checked_whole_and_names_the_bad_row(api: Api) -> None:
    e, _meters = metered_estate(api)
    bill(api, e, "2026-10")
    meter_mutation(
        api, "openReadingRound", {"communityId": e.community, "period": "2026-11"}, e.staff
    )

    def send(rows: str) -> Any:
        content = "表号,读数,抄表时间\n" + rows
        return meter_mutation(
            api,
            "importReadings",
            {"communityId": e.community, "period": "2026-11", "format": "CSV", "content": content},
            e.staff,
        )

    lower = send("W-201,9,2026-11-30 08:00\nW-101,112.4,2026-11-30 08:01\n")
    assert lower["__typename"] == "ValidationError", lower
    assert lower["field"] == "input.content"
    assert lower["message"].startswith(
        "row 3, 读数: 112.4 is lower than meter W-101's last reading"
    )
    unknown = send("W-999,9,2026-11-30 08:00\n")
    assert unknown["message"] == "row 2, 表号: no meter W-999 in this community"
    assert readings(api, e.community, "2026-11")["pageInfo"]["totalCount"] == 0  # nothing recorded
    good = send("W-201,9,2026-11-30 08:00\nW-101,113,2026-11-30 08:01\nC-1,40,2026-11-30\n")
    assert good["imported"] == {"rows": 3, "entered": 3, "flagged": 0}, good
    # the same file again enters nothing new, as CSV or as XLSX (a vendor's workbook)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in (("表号", "读数", "抄表时间"), ("W-201", 9, "2026-11-30 08:00"), ("W-301", 4.5, "")):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    xlsx = meter_mutation(
        api,
        "importReadings",
        {
            "communityId": e.community,
            "period": "2026-11",
            "format": "XLSX",
            "content": base64.b64encode(buffer.getvalue()).decode(),
        },
        e.staff,
    )
    assert xlsx["imported"] == {"rows": 2, "entered": 1, "flagged": 0}, xlsx
    assert send("W-201,9,2026-11-30 08:00\n")["imported"] == {"rows": 1, "entered": 0, "flagged": 0}
    assert readings(api, e.community, "2026-11")["pageInfo"]["totalCount"] == 4


# The access matrix (tests/integration/test_access_matrix.py): its world's 幸福里, served by
# 安居物业, and the resident's unit ``w.unit``.
def _outcome(result: dict[str, Any]) -> str:
    kind = result["__typename"]
    allowed = {"Forbidden", "MeterBook", "MeterBookPayload", "MeterSharing"}
    assert kind in allowed or kind.endswith("Connection")
    return "denied" if kind == "Forbidden" else "allowed"


def _installed(api: Api, w: Any, p: Principal) -> str:
    return _outcome(
        api.gql(
            """mutation($input: InstallMeterInput!) { installMeter(input: $input) {
            __typename } }""",
            {
                "input": {
                    "communityId": w.xingfu,
                    "kind": "ELECTRICITY",
                    "number": f"E-{p.subject}",
                    "installedIn": "2026-10",
                    "unitId": w.unit,
                    "reason": "装表",
                }
            },
            as_=p,
        )["installMeter"]
    )


def _imported(api: Api, w: Any, p: Principal) -> str:
    sheet = f"表号,类型,安装日期\nC-{p.subject},电,2026-10-01\n"  # a common meter of 幸福里
    return _outcome(
        api.gql(
            """mutation($input: ImportMetersInput!) { importMeters(input: $input) {
            __typename } }""",
            {
                "input": {
                    "communityId": w.xingfu,
                    "format": "CSV",
                    "content": sheet,
                    "reason": "装表",
                }
            },
            as_=p,
        )["importMeters"]
    )


def _read(name: str, arguments: str = "") -> Any:
    return lambda api, w, p: _outcome(
        api.gql(
            f"query($c: ID!) {{ {name}(communityId: $c{arguments}) {{ __typename }} }}",
            {"c": w.xingfu},
            as_=p,
        )[name]
    )


METER_OPERATIONS: dict[str, Any] = {
    "installMeter in 幸福里": _installed,
    "importMeters in 幸福里": _imported,
    "meterBook of 幸福里": _read("meterBook"),
    "meters of 幸福里": _read("meters"),
    "meterReadings of 幸福里": _read("meterReadings", ', period: "2026-10"'),
    "meterSharing of 幸福里": _read("meterSharing", ', period: "2026-10"'),
}
_READERS = dict(
    admin="allowed", regulator="allowed", company="allowed", committee="allowed", resident="allowed"
)
# Staff of the serving company write (RECORD_METERS); the district's regulator, the committee
# and residents read (a resident: own units' meters and readings only).
METER_EXPECTED: dict[str, dict[str, object]] = {
    "installMeter in 幸福里": dict(
        admin="allowed",
        regulator="denied",
        company="allowed",
        committee="denied",
        resident="denied",
    ),
    "importMeters in 幸福里": dict(
        admin="allowed",
        regulator="denied",
        company="allowed",
        committee="denied",
        resident="denied",
    ),
    "meterBook of 幸福里": _READERS,
    "meters of 幸福里": _READERS,
    "meterReadings of 幸福里": _READERS,
    "meterSharing of 幸福里": _READERS,
}


def test_a_reading_round_of_5000_units_is_imported_checked_and_billed_exactly(api: Api) -> None:
    # Given a community of 5,000 units, each with a water meter, and a common meter for all,
    # read July to September (the bench's community)
    app = api.platform.app
    community = community_of(app, 5000, "抄表小区")
    numbers, september = metered(app, community)
    api.settle()
    # When October's smart-meter export (5,001 rows) is imported (the handler of
    # importReadings, in process: on a loaded machine the API may answer Recorded, without
    # the counts, before the views follow)
    content = october_export(numbers, september)
    imported = app.import_readings(
        META, ImportReadings(community.id, "2026-10", ReadingFileFormat.CSV, content)
    )
    # Then every row is entered, and the units using five times their usual are flagged
    assert imported.rows == imported.entered == 5001
    assert imported.flagged >= 50, imported
    api.settle()
    flagged = readings(api, str(community.id), "2026-10", flagged=True)
    assert flagged["pageInfo"]["totalCount"] == imported.flagged
    # When October is billed, twice
    first = app.run_billing(META, RunBilling(community.id, "2026-10"))
    again = app.run_billing(META, RunBilling(community.id, "2026-10"))
    assert (first.bills_created, again.nothing_new, again.bills_total) == (5000, True, 5000)
    # Then each unit has one metered line, and the 公摊 shares sum exactly to the total
    book = meter_book(app, community.id)
    assert book is not None
    total, served = shared_total(book, "2026-10")
    api.settle()
    with api.platform.engine.connect() as connection:
        metered_lines, shares, shared = connection.exec_driver_sql(
            """SELECT count(*) FILTER (WHERE l->>'kind' = 'METERED'),
                      count(*) FILTER (WHERE l->>'kind' = 'SHARED'),
                      sum((l->>'amount_fen')::bigint) FILTER (WHERE l->>'kind' = 'SHARED')
               FROM fee_bills b, jsonb_array_elements(b.lines) l
               WHERE b.community_id = %s AND b.period = '2026-10'""",
            (str(community.id),),
        ).one()
    assert (metered_lines, shares, served) == (5000, 5000, 5000)
    assert shared == total > 0
