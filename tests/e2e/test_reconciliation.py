"""对账 over real sockets against `gongzhi run`: the channel took a payment whose notification
never came; its statement of the day, imported into the running server, finds it missing,
and resolving the item books it through the ordinary payment."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest

from gongzhi.application.base import business_today
from gongzhi.bootstrap import Platform
from gongzhi.infra.payment_channels import SandboxChannel, read_key
from gongzhi.infra.settings import Settings
from gongzhi.infra.statements import RefundTransaction, Transaction
from gongzhi.projections.runner import wait_for_position
from gongzhi.projections.views import PROJECTION_NAME
from tests.e2e.test_online_payment import (
    billed_unit,
    caught_up,
    fee_statement,
    ordered,
    read_order,
    sandbox_pays,
)
from tests.e2e.test_platform import admin_token, graphql

PAYLOAD = """__typename ... on ReconciliationPayload { reconciliation { id openItems
    items(first: 10) { ... on ReconciliationItemConnection { edges { node {
        seq kind transactionId resolution reference } } } } } }
    ... on Recorded { id position } ... on ValidationError { field message }
    ... on NotFound { message } ... on Conflict { message }"""


def answered(platform: Platform, base_url: str, token: str, name: str, values: Any) -> Any:
    """The mutation's payload; a loaded server may answer Recorded before its views hold the
    change: then the reconciliation is read back once they do."""
    kind = name[0].upper() + name[1:]
    result = graphql(
        base_url,
        token,
        f"mutation($input: {kind}Input!) {{ {name}(input: $input) {{ {PAYLOAD} }} }}",
        {"input": values},
    )[name]
    if result["__typename"] != "Recorded":
        assert result["__typename"] == "ReconciliationPayload", result
        return result["reconciliation"]
    assert wait_for_position(platform.engine, PROJECTION_NAME, int(result["position"]), 60)
    return graphql(
        base_url,
        token,
        """query($id: ID!) { reconciliation(id: $id) { ... on Reconciliation { id openItems
        items(first: 10) { ... on ReconciliationItemConnection { edges { node {
            seq kind transactionId resolution reference } } } } } } }""",
        {"id": result["id"]},
    )["reconciliation"]


@pytest.mark.slow
def test_a_payment_the_platform_missed_is_found_and_booked_through_the_running_server(
    platform: Platform, running: tuple[str, Any], settings: Settings
) -> None:
    base_url, _ = running
    community, unit = billed_unit(platform)
    token = admin_token(settings)
    caught_up(platform)
    # Given an order the channel was paid for, whose notification never reached the server
    order = ordered(platform, base_url, token, community, unit)
    # When the sandbox's statement of the day is imported into the server
    assert settings.payment_key_file is not None
    channel = SandboxChannel(read_key(settings.payment_key_file))
    paid = Transaction("SBX-e2e-lost", order["outTradeNo"], order["amountFen"], datetime.now(UTC))
    content = channel.statement(business_today(), [paid], "XLSX")
    values = {
        "communityId": str(community),
        "channel": "SANDBOX",
        "day": business_today().isoformat(),
        "format": "XLSX",
        "content": base64.b64encode(content).decode(),
        "reason": "每日对账",
    }
    r = answered(platform, base_url, token, "importPaymentStatement", values)
    # Then the payment is found missing in the platform
    item = r["items"]["edges"][0]["node"]
    assert (item["kind"], item["transactionId"], r["openItems"]) == (
        "MISSING_IN_PLATFORM",
        "SBX-e2e-lost",
        1,
    )
    # When staff book it
    values = {
        "communityId": str(community),
        "reconciliationId": r["id"],
        "item": item["seq"],
        "action": "BOOK_PAYMENT",
        "reason": "补记漏单",
    }
    resolved = answered(platform, base_url, token, "resolveReconciliationItem", values)
    # Then the item is resolved, the order reads paid and the unit owes nothing
    assert resolved["openItems"] == 0
    assert resolved["items"]["edges"][0]["node"]["resolution"] == "BOOKED"
    caught_up(platform)
    assert read_order(base_url, token, order["id"])["status"] == "PAID"
    statement = graphql(
        base_url,
        token,
        """query($u: ID!) { feeStatement(unitId: $u) { ... on FeeStatement { balanceFen } } }""",
        {"u": str(unit)},
    )["feeStatement"]
    assert statement["balanceFen"] == 0


@pytest.mark.slow
def test_a_sandbox_day_with_a_refund_reconciles_through_the_running_server(
    platform: Platform, running: tuple[str, Any], settings: Settings
) -> None:
    base_url, _ = running
    community, unit = billed_unit(platform)
    token = admin_token(settings)
    caught_up(platform)
    # Given an order paid through the sandbox's notification, and a refund of 10 元 of it
    # booked by staff under the sandbox's refund id SBX-RF-1
    order = ordered(platform, base_url, token, community, unit)
    sandbox_pays(base_url, settings, order, "SBX-e2e-paid")
    caught_up(platform)
    payment_id = next(
        e["paymentId"]
        for e in fee_statement(base_url, token, unit)["entries"]
        if e["kind"] == "PAYMENT"
    )
    refunded = graphql(
        base_url,
        token,
        """mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { __typename
        ... on ValidationError { field message } } }""",
        {
            "input": {
                "communityId": str(community),
                "unitId": str(unit),
                "paymentId": payment_id,
                "amountFen": 1000,
                "channel": "SANDBOX",
                "reference": "SBX-RF-1",
                "reason": "多缴退款",
            }
        },
    )["refundPayment"]
    assert refunded["__typename"] in {"FeeAccountPayload", "Recorded"}, refunded
    # When the sandbox's statement of the day, with that refund and a second one (SBX-RF-2,
    # 5 元) nobody booked, is imported into the server
    assert settings.payment_key_file is not None
    channel = SandboxChannel(read_key(settings.payment_key_file))
    now = datetime.now(UTC)
    paid = Transaction("SBX-e2e-paid", order["outTradeNo"], order["amountFen"], now)
    refunds = [
        RefundTransaction("SBX-RF-1", "SBX-e2e-paid", order["outTradeNo"], 1000, now),
        RefundTransaction("SBX-RF-2", "SBX-e2e-paid", order["outTradeNo"], 500, now),
    ]
    content = channel.statement(business_today(), [paid], "CSV", refunds)
    values = {
        "communityId": str(community),
        "channel": "SANDBOX",
        "day": business_today().isoformat(),
        "format": "CSV",
        "content": base64.b64encode(content).decode(),
        "reason": "每日对账",
    }
    r = answered(platform, base_url, token, "importPaymentStatement", values)
    # Then the payment and the refund booked match, the other refund is missing
    kinds = {e["node"]["transactionId"]: e["node"]["kind"] for e in r["items"]["edges"]}
    assert kinds == {
        "SBX-e2e-paid": "MATCHED",
        "SBX-RF-1": "MATCHED",
        "SBX-RF-2": "MISSING_IN_PLATFORM",
    }
    # When staff book the missing refund
    seq = next(e["node"]["seq"] for e in r["items"]["edges"] if e["node"]["kind"] != "MATCHED")
    values = {
        "communityId": str(community),
        "reconciliationId": r["id"],
        "item": seq,
        "action": "BOOK_REFUND",
        "reason": "补记退款",
    }
    resolved = answered(platform, base_url, token, "resolveReconciliationItem", values)
    # Then nothing is left open and the unit's statement shows both refunds of the payment
    assert resolved["openItems"] == 0
    caught_up(platform)
    entries = fee_statement(base_url, token, unit)["entries"]
    refunds_booked = sorted(e["amountFen"] for e in entries if e["kind"] == "REFUND")
    assert refunds_booked == [500, 1000]
    assert {e["paymentId"] for e in entries if e["kind"] == "REFUND"} == {payment_id}
