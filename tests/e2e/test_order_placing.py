"""统一下单 over real sockets against `gongzhi run`: WeChat Pay and Alipay orders placed at a
local peer that checks the merchant's signature as the channel does and signs its answers
(a forged answer or a refusal is the typed ChannelUnavailable, the order placeable again),
and the sandbox's cashier page paying an order through the platform's own notify handling."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from gongzhi.bootstrap import Platform
from gongzhi.infra.settings import Settings
from gongzhi.projections.runner import wait_for_position
from gongzhi.projections.views import PROJECTION_NAME
from tests.channel_peer import serving
from tests.e2e.conftest import run_platform
from tests.e2e.test_online_payment import billed_unit, read_order
from tests.e2e.test_platform import admin_token, graphql
from tests.integration.test_real_channel_notify import PAY_URL, configured
from tests.unit.test_payment_placing import channel_peer

ORDER = "id outTradeNo amountFen status payUrl"
ANSWERS = f"""__typename ... on OnlinePaymentOrderPayload {{ order {{ {ORDER} }} }}
    ... on ChannelUnavailable {{ orderId code message }} ... on Recorded {{ id position }}
    ... on ValidationError {{ field message }} ... on NotFound {{ message }}
    ... on Conflict {{ message }}"""
CREATE = f"""mutation($input: CreatePaymentOrderInput!) {{ createPaymentOrder(input: $input) {{
    {ANSWERS} }} }}"""
PLACE = f"""mutation($input: PlacePaymentOrderInput!) {{ placePaymentOrder(input: $input) {{
    {ANSWERS} }} }}"""


def order_placed(
    platform: Platform, base_url: str, token: str, community: Any, unit: Any
) -> dict[str, Any]:
    """createPaymentOrder's answer; a server whose views lag answers Recorded (the channel
    not asked yet): then the order is placed with placePaymentOrder, as the console does."""
    answer: dict[str, Any] = graphql(
        base_url,
        token,
        CREATE,
        {"input": {"communityId": str(community), "unitId": str(unit), "reason": "在线缴费"}},
    )["createPaymentOrder"]
    if answer["__typename"] != "Recorded":
        return answer
    assert wait_for_position(platform.engine, PROJECTION_NAME, int(answer["position"]), 30)
    return place(base_url, token, answer["id"])


def place(base_url: str, token: str, order_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = graphql(
        base_url, token, PLACE, {"input": {"orderId": order_id, "reason": "重新发起支付"}}
    )["placePaymentOrder"]
    return answer


def settled(platform: Platform) -> None:
    position = platform.app.recorder.max_notification_id() or 0
    assert wait_for_position(platform.engine, PROJECTION_NAME, position, timeout=30)


@pytest.mark.slow
@pytest.mark.parametrize("channel", ["WECHAT", "ALIPAY"])
def test_the_running_platform_places_orders_at_the_channel_and_again_after_a_failure(
    platform: Platform, settings: Settings, tmp_path: Path, channel: str
) -> None:
    # Given the channel's order API (a local peer with the channel's key) and the platform
    # configured for it, running as its own processes
    theirs = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    peer = channel_peer(theirs)
    community, unit = billed_unit(platform)
    token = admin_token(settings)
    with (
        serving(peer),
        run_platform(
            settings,
            GONGZHI_PAYMENT_CHANNEL=channel,
            GONGZHI_PAYMENT_KEY_FILE=str(configured(tmp_path, channel, theirs, peer)),
        ) as (base_url, _),
    ):
        settled(platform)  # the order is priced from the unit's statement in the views
        # When a unit's payment is ordered
        placed = order_placed(platform, base_url, token, community, unit)
        # Then the channel took it (the peer verified the merchant's signature), told where
        # to notify, and the order carries the code to scan
        assert placed["__typename"] == "OnlinePaymentOrderPayload", placed
        assert placed["order"]["payUrl"].startswith(PAY_URL[channel])
        (taken,) = peer.placed
        assert taken["notify_url"] == f"{base_url}/payments/notify/{channel.lower()}"

        # When the channel's answer is not signed by the channel
        peer.mode = "forged"
        forged = order_placed(platform, base_url, token, community, unit)
        # Then the order is not placed: a typed error naming it, and nothing to scan
        assert (forged["__typename"], forged["code"]) == ("ChannelUnavailable", "SIGN_ERROR")
        unplaced = graphql(
            base_url,
            token,
            "query($id: ID!) { onlinePaymentOrder(id: $id) { ... on OnlinePaymentOrder { payUrl } } }",
            {"id": forged["orderId"]},
        )["onlinePaymentOrder"]
        assert unplaced == {"payUrl": None}
        # When the channel refuses it outright, the refusal is said with the channel's code
        peer.mode = "refuse"
        refused = place(base_url, token, forged["orderId"])
        assert refused["__typename"] == "ChannelUnavailable", refused
        assert refused["code"] in {"ORDERPAID", "ACQ.TRADE_HAS_CLOSE"}
        # When the channel answers properly again, the same order is placed
        peer.mode = "ok"
        again = place(base_url, token, forged["orderId"])
        assert again["__typename"] == "OnlinePaymentOrderPayload", again
        assert again["order"]["payUrl"].startswith(PAY_URL[channel])
        # (the forged answer's order was taken by the peer too: placed again under its number)
        numbers = [o.get("out_trade_no") or o["biz"]["out_trade_no"] for o in peer.placed]
        again_no = again["order"]["outTradeNo"]
        assert numbers == [placed["order"]["outTradeNo"], again_no, again_no]


@pytest.mark.slow
def test_the_sandbox_cashier_pays_an_order_once_through_the_notify_handling(
    platform: Platform, settings: Settings
) -> None:
    community, unit = billed_unit(platform)
    token = admin_token(settings)
    with run_platform(settings) as (base_url, _):
        settled(platform)  # the order is priced from the unit's statement in the views
        # Given an order placed at the sandbox: its payUrl is the platform's cashier
        placed = order_placed(platform, base_url, token, community, unit)
        assert placed["__typename"] == "OnlinePaymentOrderPayload", placed
        order = placed["order"]
        cashier = f"{base_url}/sandbox/pay/{order['outTradeNo']}"
        assert order["payUrl"] == cashier
        # When the payer opens it: the amount and 确认支付, on a page that loads nothing else
        back = f"/console/resident/bills?unit={unit}&order={order['id']}"
        page = httpx.get(f"{cashier}?return={quote(back)}")
        assert page.status_code == 200
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "form-action 'self'" in policy
        amount = order["amountFen"]
        assert f"¥{amount // 100}.{amount % 100:02d}" in page.text and "确认支付" in page.text
        assert f"value='{back.replace('&', '&amp;')}'" in page.text
        # When it is confirmed with a return address on another site
        paid = httpx.post(
            cashier,
            content="return=//evil.example.com/phish",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        # Then the payer is sent back to the console, not away, and the order is paid by
        # the sandbox's signed notification, booked once
        assert (paid.status_code, paid.headers["location"]) == (303, "/console/")
        settled(platform)
        assert read_order(base_url, token, order["id"])["status"] == "PAID"
        # When it is confirmed again, the page says it is paid and nothing more is booked
        twice = httpx.post(cashier, content="return=/console/")
        assert twice.status_code == 409 and "订单已支付" in twice.text
        settled(platform)
        statement = graphql(
            base_url,
            token,
            """query($u: ID!) { feeStatement(unitId: $u) { ... on FeeStatement { balanceFen
            entries { kind amountFen } } } }""",
            {"u": str(unit)},
        )["feeStatement"]
        assert statement["balanceFen"] == 0
        assert [e["amountFen"] for e in statement["entries"] if e["kind"] == "PAYMENT"] == [amount]
        # An order number that is not an order is not found
        missing = httpx.get(f"{base_url}/sandbox/pay/{'0' * 32}")
        assert missing.status_code == 404 and re.search("没有这个订单", missing.text)
