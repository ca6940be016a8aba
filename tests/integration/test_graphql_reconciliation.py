"""对账 (issue 16 §2): a day's statement of the sandbox channel (WeChat Pay's bill layout),
imported over GraphQL and reconciled against the payments booked, on real PostgreSQL; its
differences resolved through the ordinary commands."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from starlette.testclient import TestClient

from gongzhi.application.base import business_today
from gongzhi.bootstrap import Platform
from gongzhi.graphql.app import create_app
from gongzhi.graphql.auth import Principal, Role
from gongzhi.infra.limits import Limits
from gongzhi.infra.settings import Settings
from gongzhi.infra.statements import (
    RefundTransaction,
    Transaction,
    sandbox_statement,
    write_rows,
)
from tests.integration.conftest import Api
from tests.integration.test_graphql_fees import (
    LOOKUP_PROBLEMS,
    META,
    PROBLEMS,
    Estate,
    billed_estate,
    mutate,
    pay,
    statement,
)
from tests.integration.test_graphql_payment_orders import create_order, notify, read_order, sandbox

ITEM_FIELDS = """seq kind row transactionId orderNo statementFen bookedFen feeFen paidAt
    paymentId unitId resolution reference resolvedAt refund refundOf"""
RECONCILIATION_FIELDS = f"""id communityId channel day fileFormat skippedRows grossFen feeFen
    netFen refundFen itemCount matched missingInPlatform missingInStatement amountDiffers openItems
    items(first: 100) {{ ... on ReconciliationItemConnection {{
        edges {{ node {{ {ITEM_FIELDS} }} }} pageInfo {{ totalCount }} }} }}"""


def reconciling(api: Api, name: str, values: dict[str, Any], as_: Principal) -> Any:
    """``name``'s answer (importPaymentStatement, resolveReconciliationItem)."""
    input_type = name[0].upper() + name[1:] + "Input"
    return api.gql(
        f"""mutation($input: {input_type}!) {{ {name}(input: $input) {{ __typename
            ... on ReconciliationPayload {{ reconciliation {{ {RECONCILIATION_FIELDS} }} }}
            {PROBLEMS} }} }}""",
        {"input": values},
        as_=as_,
    )[name]


def import_statement(
    api: Api,
    e: Estate,
    content: bytes,
    *,
    file_format: str = "CSV",
    day: str | None = None,
    channel: str = "SANDBOX",
) -> Any:
    values = {
        "communityId": e.community,
        "channel": channel,
        "day": day or business_today().isoformat(),
        "format": file_format,
        "content": base64.b64encode(content).decode(),
        "reason": "每日对账",
    }
    return reconciling(api, "importPaymentStatement", values, e.staff)


def resolve(api: Api, e: Estate, reconciliation: str, item: int, action: str, **extra: Any) -> Any:
    values = {
        "communityId": e.community,
        "reconciliationId": reconciliation,
        "item": item,
        "action": action,
        "reason": "对账差异处理",
        **extra,
    }
    return reconciling(api, "resolveReconciliationItem", values, e.staff)


def reconciliations(api: Api, e: Estate, as_: Principal | None = None) -> Any:
    return api.gql(
        f"""query($c: ID!) {{ reconciliations(communityId: $c) {{ __typename
        ... on ReconciliationConnection {{ edges {{ node {{ id openItems }} }}
            pageInfo {{ totalCount }} }} {LOOKUP_PROBLEMS} }} }}""",
        {"c": e.community},
        **({"as_": as_} if as_ else {}),
    )["reconciliations"]


def items_of(reconciliation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The items by transaction id."""
    return {
        edge["node"]["transactionId"]: edge["node"] for edge in reconciliation["items"]["edges"]
    }


def a_day_of_payments(api: Api) -> tuple[Estate, list[Transaction], dict[str, Any]]:
    """幸福里 billed; today on the sandbox: 101 paid its order (notified and booked), 201 and
    301 booked by staff, 401 paid its order at the channel but the notification never came.
    The channel's statement: 101 as booked, 201 for 1 元 more than booked, 401; not 301."""
    e = billed_estate(api)
    now = datetime.now(UTC)
    order_101 = create_order(api, e, e.units["101"], e.staff)["order"]
    assert notify(api, order_101, transaction_id="SBX-101", signed_at=now).status_code == 204
    for unit, txn, amount in (("201", "SBX-201", 5000), ("301", "SBX-301", 3000)):
        done = pay(api, e, unit, amount, txn, channel="SANDBOX")
        assert done["__typename"] == "PaymentPayload", done
    order_401 = create_order(api, e, e.units["401"], e.staff)["order"]
    api.settle()
    transactions = [
        Transaction("SBX-101", order_101["outTradeNo"], order_101["amountFen"], now),
        Transaction("SBX-201", "", 5100, now),
        Transaction("SBX-401", order_401["outTradeNo"], order_401["amountFen"], now),
    ]
    return e, transactions, {"101": order_101, "401": order_401}


def test_a_days_statement_reconciles_with_each_kind_of_difference(api: Api) -> None:
    # Given a day of payments, and the sandbox's statement of it, as WeChat Pay lays one out
    e, transactions, orders = a_day_of_payments(api)
    content = sandbox(api).statement(business_today(), transactions, "CSV")
    assert content.decode("utf-8-sig").splitlines()[1].startswith("`")
    # When the company's staff import it
    result = import_statement(api, e, content)
    # Then each payment is found as what it is
    assert result["__typename"] == "ReconciliationPayload", result
    r = result["reconciliation"]
    items = items_of(r)
    fee = {t.transaction_id: round(t.amount_fen * 6 / 1000) for t in transactions}
    owed_101, owed_401 = orders["101"]["amountFen"], orders["401"]["amountFen"]
    assert {
        txn: (i["kind"], i["statementFen"], i["bookedFen"], i["feeFen"]) for txn, i in items.items()
    } == {
        "SBX-101": ("MATCHED", owed_101, owed_101, fee["SBX-101"]),
        "SBX-201": ("AMOUNT_DIFFERS", 5100, 5000, fee["SBX-201"]),
        "SBX-401": ("MISSING_IN_PLATFORM", owed_401, None, fee["SBX-401"]),
        "SBX-301": ("MISSING_IN_STATEMENT", None, 3000, 0),
    }
    # And the payment missing in the platform names the unit of its order
    assert items["SBX-401"]["unitId"] == e.units["401"]
    assert items["SBX-301"]["row"] == 0 and items["SBX-201"]["row"] == 3
    # And the totals are the statement's, in fen: gross, the channel's fees, net
    gross = owed_101 + 5100 + owed_401
    assert (r["grossFen"], r["feeFen"], r["netFen"]) == (
        gross,
        sum(fee.values()),
        gross - sum(fee.values()),
    )
    assert (r["itemCount"], r["matched"], r["missingInPlatform"], r["missingInStatement"]) == (
        4,
        1,
        1,
        1,
    )
    assert (r["amountDiffers"], r["openItems"], r["channel"], r["fileFormat"]) == (
        1,
        3,
        "SANDBOX",
        "CSV",
    )
    # When the same file is imported again
    again = import_statement(api, e, content)
    # Then it answers the first reconciliation, and none is added
    assert again["reconciliation"]["id"] == r["id"]
    assert reconciliations(api, e)["pageInfo"]["totalCount"] == 1
    # And the committee reads it; a resident and a regulator may not
    committee = Principal(subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(e.community))
    assert reconciliations(api, e, as_=committee)["edges"][0]["node"]["id"] == r["id"]
    owner = Principal(subject="o", role=Role.RESIDENT, unit_ids=(UUID(e.units["101"]),))
    assert reconciliations(api, e, as_=owner)["__typename"] == "Forbidden"


def test_an_xlsx_statement_reconciles_as_its_csv_does(api: Api) -> None:
    # Given the same day's statement as an XLSX workbook
    e, transactions, _ = a_day_of_payments(api)
    content = sandbox_statement(business_today(), transactions, "XLSX")
    assert content[:2] == b"PK"
    # When imported
    r = import_statement(api, e, content, file_format="XLSX")["reconciliation"]
    # Then it finds the same differences
    kinds = {txn: i["kind"] for txn, i in items_of(r).items()}
    assert kinds == {
        "SBX-101": "MATCHED",
        "SBX-201": "AMOUNT_DIFFERS",
        "SBX-401": "MISSING_IN_PLATFORM",
        "SBX-301": "MISSING_IN_STATEMENT",
    }
    assert r["fileFormat"] == "XLSX"
    # And its items page in statement order, counted over every page, filtered by kind
    query = """query($id: ID!, $after: String, $kind: ReconciliationItemKind) {
        reconciliation(id: $id) { ... on Reconciliation {
        items(first: 2, after: $after, kind: $kind) { ... on ReconciliationItemConnection {
        edges { node { seq } } pageInfo { hasNextPage endCursor totalCount } }
        ... on ValidationError { field message } } } } }"""
    first = api.gql(query, {"id": r["id"]})["reconciliation"]["items"]
    assert [e["node"]["seq"] for e in first["edges"]] == [1, 2]
    assert (first["pageInfo"]["hasNextPage"], first["pageInfo"]["totalCount"]) == (True, 4)
    after = first["pageInfo"]["endCursor"]
    rest = api.gql(query, {"id": r["id"], "after": after})["reconciliation"]["items"]
    assert [e["node"]["seq"] for e in rest["edges"]] == [3, 4]
    assert not rest["pageInfo"]["hasNextPage"]
    matched = api.gql(query, {"id": r["id"], "kind": "MATCHED"})["reconciliation"]["items"]
    assert matched["pageInfo"]["totalCount"] == 1
    # And a forged cursor is a typed error, not a failure
    forged = api.gql(query, {"id": r["id"], "after": "forged"})["reconciliation"]["items"]
    assert forged == {"field": "after", "message": "is not a cursor this API issued"}


def test_differences_are_resolved_through_the_ordinary_commands_once(api: Api) -> None:
    # Given a reconciliation with a difference of each kind
    e, transactions, orders = a_day_of_payments(api)
    r = import_statement(api, e, sandbox_statement(business_today(), transactions))[
        "reconciliation"
    ]
    items = items_of(r)
    # When the payment missing in the platform is booked
    booked = resolve(api, e, r["id"], items["SBX-401"]["seq"], "BOOK_PAYMENT")
    assert booked["__typename"] == "ReconciliationPayload", booked
    item = items_of(booked["reconciliation"])["SBX-401"]
    # Then the item is resolved by the payment recorded (收款, as the notification would
    # have), the unit owes nothing, and its order reads PAID
    assert item["resolution"] == "BOOKED" and item["resolvedAt"] is not None
    api.settle()
    entries = statement(api, e.units["401"])["entries"]
    assert [(x["paymentId"], x["transactionId"]) for x in entries if x["kind"] == "PAYMENT"] == [
        (item["reference"], "SBX-401")
    ]
    assert statement(api, e.units["401"])["balanceFen"] == 0
    assert read_order(api, orders["401"]["id"])["status"] == "PAID"
    # When it is resolved again
    twice = resolve(api, e, r["id"], items["SBX-401"]["seq"], "BOOK_PAYMENT")
    # Then that is a typed error, and nothing is booked twice
    assert (twice["__typename"], twice["field"]) == ("ValidationError", "input.item"), twice
    assert "resolved already" in twice["message"]
    # When the booking the channel does not have is reversed (退款 of it)
    reversed_ = resolve(api, e, r["id"], items["SBX-301"]["seq"], "REVERSE_PAYMENT")
    assert reversed_["__typename"] == "ReconciliationPayload", reversed_
    assert items_of(reversed_["reconciliation"])["SBX-301"]["resolution"] == "REVERSED"
    api.settle()
    refunds = [x for x in statement(api, e.units["301"])["entries"] if x["kind"] == "REFUND"]
    assert [(x["amountFen"], x["paymentId"]) for x in refunds] == [
        (3000, items["SBX-301"]["paymentId"])
    ]
    # When the amount that differs (the channel took 1 元 more) is "reversed"
    wrong = resolve(api, e, r["id"], items["SBX-201"]["seq"], "REVERSE_PAYMENT")
    # Then it is refused: the platform booked too little, not too much
    assert wrong["__typename"] == "ValidationError" and "too little" in wrong["message"]
    # And booking the difference books it, under the transaction id marked 补差
    done = resolve(api, e, r["id"], items["SBX-201"]["seq"], "BOOK_PAYMENT")
    final = done["reconciliation"]
    assert final["openItems"] == 0
    api.settle()
    payments = [x for x in statement(api, e.units["201"])["entries"] if x["kind"] == "PAYMENT"]
    assert sorted((x["transactionId"], x["amountFen"]) for x in payments) == [
        ("SBX-201", 5000),
        ("SBX-201/补差", 100),
    ]
    # And a matched item has nothing to resolve
    matched = resolve(api, e, r["id"], items["SBX-101"]["seq"], "NOTE")
    assert matched["__typename"] == "ValidationError" and "matched" in matched["message"]
    # And the reconciliation's history says who did what and why, for the committee too
    committee = Principal(subject="ywh", role=Role.COMMITTEE_MEMBER, community_id=UUID(e.community))
    history = api.gql(
        """query($id: ID!) { history(id: $id) { __typename ... on HistoryConnection {
        entries { eventType actor reason } } } }""",
        {"id": r["id"]},
        as_=committee,
    )["history"]
    assert [(h["eventType"], h["actor"], h["reason"]) for h in history["entries"]] == [
        ("Recorded", e.staff.subject, "每日对账"),
        ("ItemsListed", e.staff.subject, "每日对账"),
        *[("ItemResolved", e.staff.subject, "对账差异处理")] * 3,
    ]


def refund(
    api: Api,
    e: Estate,
    unit: str,
    payment_id: str,
    amount: int,
    reference: str,
    channel: str = "SANDBOX",
) -> Any:
    values = {
        "communityId": e.community,
        "unitId": e.units[unit],
        "paymentId": payment_id,
        "amountFen": amount,
        "channel": channel,
        "reference": reference,
    }
    done = mutate(api, "refundPayment", "RefundPaymentInput", values, e.staff)
    assert done["__typename"] == "FeeAccountPayload", done
    return done


def test_refund_rows_are_matched_against_the_refunds_booked_with_each_kind(api: Api) -> None:
    # Given three sandbox payments booked today, and refunds of them booked by refundPayment
    # under the channel's refund ids: REF-1 as the channel made it, REF-2 for 1 元 more than
    # the channel refunded, REF-4 that the channel never made; REF-3 the channel made and
    # nobody booked
    e = billed_estate(api)
    now = datetime.now(UTC)
    paid = {}
    for unit, txn in (("101", "SBX-101"), ("201", "SBX-201"), ("301", "SBX-301")):
        done = pay(api, e, unit, 5000, txn, channel="SANDBOX")
        paid[txn] = done["paymentId"]
    refund(api, e, "101", paid["SBX-101"], 1000, "REF-1")
    refund(api, e, "201", paid["SBX-201"], 2100, "REF-2")
    refund(api, e, "101", paid["SBX-101"], 500, "REF-4")
    api.settle()
    transactions = [Transaction(t, "", 5000, now) for t in paid]
    refunds = [
        RefundTransaction("REF-1", "SBX-101", "", 1000, now),
        RefundTransaction("REF-2", "SBX-201", "", 2000, now),
        RefundTransaction("REF-3", "SBX-301", "", 700, now),
    ]
    # When the channel's statement of the day is imported
    content = sandbox_statement(business_today(), transactions, refunds=refunds)
    result = import_statement(api, e, content)
    assert result["__typename"] == "ReconciliationPayload", result
    r = result["reconciliation"]
    items = items_of(r)
    # Then every refund is found as what it is, beside the payments (all matched)
    assert {
        ref: (i["kind"], i["refund"], i["refundOf"], i["statementFen"], i["bookedFen"])
        for ref, i in items.items()
    } == {
        "SBX-101": ("MATCHED", False, "", 5000, 5000),
        "SBX-201": ("MATCHED", False, "", 5000, 5000),
        "SBX-301": ("MATCHED", False, "", 5000, 5000),
        "REF-1": ("MATCHED", True, "SBX-101", 1000, 1000),
        "REF-2": ("AMOUNT_DIFFERS", True, "SBX-201", 2000, 2100),
        "REF-3": ("MISSING_IN_PLATFORM", True, "SBX-301", 700, None),
        "REF-4": ("MISSING_IN_STATEMENT", True, "SBX-101", None, 500),
    }
    # And the refund the platform lacks names the payment and unit it is of
    assert (items["REF-3"]["paymentId"], items["REF-3"]["unitId"]) == (
        paid["SBX-301"],
        e.units["301"],
    )
    assert (r["grossFen"], r["refundFen"], r["skippedRows"]) == (15000, 3700, 0)
    assert (r["matched"], r["amountDiffers"], r["missingInPlatform"], r["openItems"]) == (
        4,
        1,
        1,
        3,
    )
    # When the refund the channel made is booked as a payment: refused, it is a refund
    wrong = resolve(api, e, r["id"], items["REF-3"]["seq"], "BOOK_PAYMENT")
    assert wrong["__typename"] == "ValidationError" and "BOOK_REFUND" in wrong["message"]
    # And booking it books the refund of its payment under the channel's refund id, once
    done = resolve(api, e, r["id"], items["REF-3"]["seq"], "BOOK_REFUND")
    assert done["__typename"] == "ReconciliationPayload", done
    assert items_of(done["reconciliation"])["REF-3"]["resolution"] == "BOOKED"
    twice = resolve(api, e, r["id"], items["REF-3"]["seq"], "BOOK_REFUND")
    assert twice["__typename"] == "ValidationError" and "resolved already" in twice["message"]
    api.settle()
    booked = [x for x in statement(api, e.units["301"])["entries"] if x["kind"] == "REFUND"]
    assert [(x["amountFen"], x["paymentId"], x["transactionId"]) for x in booked] == [
        (700, paid["SBX-301"], "REF-3")
    ]
    # And a refund booked in error (not on the statement) is noted, not reversed
    reverse = resolve(api, e, r["id"], items["REF-4"]["seq"], "REVERSE_PAYMENT")
    assert reverse["__typename"] == "ValidationError" and "NOTED" in reverse["message"]
    noted = resolve(api, e, r["id"], items["REF-4"]["seq"], "NOTE")
    assert noted["reconciliation"]["openItems"] == 1
    # And another statement of the day (another file) finds the refund booked matched
    content = sandbox_statement(business_today(), transactions[:2], refunds=refunds)
    again = items_of(import_statement(api, e, content)["reconciliation"])
    assert (again["REF-3"]["kind"], again["REF-2"]["kind"]) == ("MATCHED", "AMOUNT_DIFFERS")


def test_a_payment_missing_in_the_platform_without_an_order_of_ours_needs_its_unit(
    api: Api,
) -> None:
    # Given a statement line whose order number is no order of the platform
    e = billed_estate(api)
    now = datetime.now(UTC)
    content = sandbox_statement(business_today(), [Transaction("SBX-X", "abc", 2000, now)])
    r = import_statement(api, e, content)["reconciliation"]
    seq = items_of(r)["SBX-X"]["seq"]
    # When it is booked without naming the unit, the answer says to name it
    refused = resolve(api, e, r["id"], seq, "BOOK_PAYMENT")
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "input.unitId")
    # And naming the unit books it there
    done = resolve(api, e, r["id"], seq, "BOOK_PAYMENT", unitId=e.units["201"])
    assert items_of(done["reconciliation"])["SBX-X"]["resolution"] == "BOOKED"


def _bill(rows: list[list[str]], summary: list[str]) -> bytes:
    header = ["交易时间", "微信订单号", "商户订单号", "交易状态", "应结订单金额", "手续费"]
    summary_header = ["总交易单数", "应结订单总金额", "退款总金额", "手续费总金额", "订单总金额"]
    return write_rows([header, *rows, summary_header, summary], "CSV")


def test_a_malformed_statement_is_refused_naming_row_and_column_and_records_nothing(
    api: Api,
) -> None:
    e = billed_estate(api)
    today = business_today()
    at = f"`{today.isoformat()} 10:00:00"
    yesterday = f"`{(today - timedelta(days=1)).isoformat()} 23:59:59"
    good = [at, "`SBX-1", "`", "`SUCCESS", "`12.34", "`0.07000"]
    cases = {
        "row 3, column 应结订单金额": _bill(
            [good, [at, "`SBX-2", "`", "`SUCCESS", "`12.3x", "`0"]],
            ["`2", "`24.64", "`0", "`0", "`0"],
        ),
        "row 2, column 交易时间": _bill(
            [[yesterday, *good[1:]]], ["`1", "`12.34", "`0", "`0.07", "`0"]
        ),
        "column 总交易单数": _bill([good], ["`2", "`12.34", "`0", "`0.07", "`0"]),
        "without its summary": write_rows(
            [["交易时间", "微信订单号", "商户订单号", "交易状态", "应结订单金额", "手续费"], good],
            "CSV",
        ),
        "row 1: the header has no column 微信订单号": write_rows(
            [["交易时间", "订单号"], ["x", "y"]], "CSV"
        ),
        "row 3, column 微信订单号": _bill([good, good], ["`2", "`24.68", "`0", "`0.14", "`0"]),
        "not an XLSX workbook": b"PK\x03\x04 not really",
    }
    for expected, content in cases.items():
        # When each is imported
        file_format = "XLSX" if content.startswith(b"PK") else "CSV"
        result = import_statement(api, e, content, file_format=file_format)
        # Then the answer names the row and column, in plain words
        assert (result["__typename"], result["field"]) == ("ValidationError", "input.content"), (
            expected,
            result,
        )
        assert expected in result["message"], (expected, result["message"])
    # And a file that is not base64 is refused
    bad = api.gql(
        """mutation($input: ImportPaymentStatementInput!) { importPaymentStatement(input: $input) {
        __typename ... on ValidationError { field message } } }""",
        {
            "input": {
                "communityId": e.community,
                "channel": "SANDBOX",
                "day": today.isoformat(),
                "format": "CSV",
                "content": "not base64!",
                "reason": "对账",
            }
        },
        as_=e.staff,
    )["importPaymentStatement"]
    assert bad == {
        "__typename": "ValidationError",
        "field": "input.content",
        "message": "the file must be sent as base64",
    }
    # And nothing was recorded
    assert reconciliations(api, e)["pageInfo"]["totalCount"] == 0


def test_a_statement_may_be_larger_than_an_ordinary_request_up_to_the_upload_limit(
    api: Api, settings: Settings, platform: Platform
) -> None:
    # Given an API whose requests may hold 4 KiB, uploads (roster, statement) 64 KiB
    e = billed_estate(api)
    small = Limits(max_body_bytes=4096, max_upload_bytes=65536, mutations_per_minute=100)
    now = datetime.now(UTC)
    with TestClient(create_app(replace(settings, limits=small), platform.app)) as client:

        def send(rows: int) -> Any:
            payments = [Transaction(f"SBX-{n}", "", 100, now) for n in range(rows)]
            content = base64.b64encode(sandbox_statement(business_today(), payments)).decode()
            query = """mutation($input: ImportPaymentStatementInput!) {
                importPaymentStatement(input: $input) { __typename } }"""
            values = {
                "communityId": e.community,
                "channel": "SANDBOX",
                "day": business_today().isoformat(),
                "format": "CSV",
                "content": content,
                "reason": "对账",
            }
            token = api.token(e.staff)
            return client.post(
                "/graphql",
                json={"query": query, "variables": {"input": values}},
                headers={"Authorization": f"Bearer {token}"},
            )

        # When a statement of 100 payments (about 14 KiB as base64) is imported, it is read
        taken = send(100)
        assert taken.status_code == 200, taken.text
        assert taken.json()["data"]["importPaymentStatement"]["__typename"] in {
            "ReconciliationPayload",
            "Recorded",
        }
        # And one of 1,000 (about 120 KiB) is refused before it is read whole
        assert send(1000).status_code == 413


# --- the access matrix (tests/integration/test_access_matrix.py) ---
# ``w`` is that file's World: 幸福里, served by 安居物业.


def _outcome(result: dict[str, Any]) -> str:
    kind = result["__typename"]
    if kind == "Forbidden":
        return "denied"
    assert kind.startswith("Reconciliation"), result
    return "allowed"


def _statement_of_xingfu(api: Api, w: Any) -> str:
    content = sandbox_statement(
        business_today(),
        [Transaction(f"SBX-{datetime.now(UTC).timestamp()}", "", 100, datetime.now(UTC))],
    )
    return base64.b64encode(content).decode()


def _reconciliation_of_xingfu(api: Api, w: Any) -> str:
    """A fresh reconciliation of 幸福里 with one payment missing in the platform."""
    from gongzhi.application.reconciliation import ImportPaymentStatement, StatementFileFormat
    from gongzhi.domain.payment import PaymentChannel

    done = api.platform.app.import_payment_statement(
        META,
        ImportPaymentStatement(
            community_id=UUID(w.xingfu),
            channel=PaymentChannel.SANDBOX,
            day=business_today(),
            format=StatementFileFormat.CSV,
            content=_statement_of_xingfu(api, w),
        ),
    )
    api.settle()
    return str(done.id)


def _import(api: Api, w: Any, p: Principal) -> str:
    return _outcome(
        api.gql(
            """mutation($input: ImportPaymentStatementInput!) {
            importPaymentStatement(input: $input) { __typename } }""",
            {
                "input": {
                    "communityId": w.xingfu,
                    "channel": "SANDBOX",
                    "day": business_today().isoformat(),
                    "format": "CSV",
                    "content": _statement_of_xingfu(api, w),
                    "reason": "对账",
                }
            },
            as_=p,
        )["importPaymentStatement"]
    )


def _resolve(api: Api, w: Any, p: Principal) -> str:
    return _outcome(
        api.gql(
            """mutation($input: ResolveReconciliationItemInput!) {
            resolveReconciliationItem(input: $input) { __typename } }""",
            {
                "input": {
                    "communityId": w.xingfu,
                    "reconciliationId": _reconciliation_of_xingfu(api, w),
                    "item": 1,
                    "action": "NOTE",
                    "reason": "次日账单",
                }
            },
            as_=p,
        )["resolveReconciliationItem"]
    )


RECONCILIATION_OPERATIONS: dict[str, Any] = {
    "importPaymentStatement of 幸福里": _import,
    "resolveReconciliationItem of 幸福里": _resolve,
    "reconciliation of 幸福里": lambda api, w, p: _outcome(
        api.gql(
            "query($id: ID!) { reconciliation(id: $id) { __typename } }",
            {"id": _reconciliation_of_xingfu(api, w)},
            as_=p,
        )["reconciliation"]
    ),
    "reconciliations of 幸福里": lambda api, w, p: _outcome(
        api.gql(
            "query($c: ID!) { reconciliations(communityId: $c) { __typename } }",
            {"c": w.xingfu},
            as_=p,
        )["reconciliations"]
    ),
}
# The serving company's staff reconcile; its committee reads (audits) them.
_RECONCILERS = dict(
    admin="allowed", regulator="denied", company="allowed", committee="denied", resident="denied"
)
_READERS = dict(
    admin="allowed", regulator="denied", company="allowed", committee="allowed", resident="denied"
)
RECONCILIATION_EXPECTED: dict[str, dict[str, object]] = {
    "importPaymentStatement of 幸福里": _RECONCILERS,
    "resolveReconciliationItem of 幸福里": _RECONCILERS,
    "reconciliation of 幸福里": _READERS,
    "reconciliations of 幸福里": _READERS,
}
