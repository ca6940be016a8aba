"""A platform configured for WeChat Pay v3 or Alipay, on PostgreSQL, through the app: the
order is placed on that channel, the channel's notification (signed and, for WeChat Pay,
encrypted with keys made here) posted to its endpoint pays it once however often it comes,
and a forged one books nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.testclient import TestClient

from gongzhi.domain.payment import PaymentChannel
from gongzhi.graphql.app import create_app
from gongzhi.graphql.fees.notify import notify_url
from gongzhi.infra.payment_channels import channel_adapter
from tests.channel_peer import ChannelPeer, serving
from tests.integration.conftest import Api
from tests.integration.test_graphql_fees import billed_estate
from tests.integration.test_graphql_payment_orders import (
    booked,
    create_order,
    place_order,
    read_order,
)
from tests.unit.test_payment_adapters import (
    APIV3_KEY,
    APP_ID,
    MCHID,
    SERIAL,
    alipay_notice,
    merchant_side,
    wechat_notice,
)
from tests.unit.test_payment_placing import MERCHANT_KEY, channel_peer


def configured(tmp_path: Path, channel: str, key: rsa.RSAPrivateKey, peer: ChannelPeer) -> Path:
    """The channel's JSON configuration and key files, as an operator lays them out; its
    order API is the local ``peer``."""
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (tmp_path / "channel.pem").write_bytes(pem)
    (tmp_path / "apiv3.key").write_bytes(APIV3_KEY)
    config = tmp_path / "channel.json"
    settings = (
        {
            "mchid": MCHID,
            "platform_serial": SERIAL,
            "platform_public_key_file": "channel.pem",
            "apiv3_key_file": "apiv3.key",
        }
        if channel == "WECHAT"
        else {"app_id": APP_ID, "alipay_public_key_file": "channel.pem"}
    )
    settings.update(merchant_side(tmp_path, channel, peer.base_url, MERCHANT_KEY))
    config.write_text(json.dumps(settings))
    return config


def placing_at(app: Any, channel: str, config: Path) -> None:
    """The application on ``channel``, as bootstrap sets it from the settings."""
    app.online_channel = PaymentChannel(channel)
    app.channel_adapter = channel_adapter(channel, config)
    app.notify_url = notify_url("https://wy.example.cn", channel)


def _wechat(key: Any, order: Any, at: datetime, event: str) -> tuple[dict[str, str], bytes]:
    headers, body = wechat_notice(
        key,
        at=at,
        event_id=event,
        out_trade_no=order["outTradeNo"],
        transaction_id="4200000000202612070000000009",
        amount={"total": order["amountFen"], "currency": "CNY"},
    )
    return {**headers, "Content-Type": "application/json"}, body


def _alipay(key: Any, order: Any, at: datetime, event: str) -> tuple[dict[str, str], bytes]:
    body = alipay_notice(
        key,
        notify_id=event,
        out_trade_no=order["outTradeNo"],
        trade_no="2026120722001400000000000009",
        total_amount=f"{order['amountFen'] / 100:.2f}",
        notify_time=f"{at.astimezone(_beijing()):%Y-%m-%d %H:%M:%S}",
        gmt_payment=f"{at.astimezone(_beijing()):%Y-%m-%d %H:%M:%S}",
    )
    return {"Content-Type": "application/x-www-form-urlencoded"}, body


def _beijing() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")


NOTICES: dict[str, Callable[[Any, Any, datetime, str], tuple[dict[str, str], bytes]]] = {
    "WECHAT": _wechat,
    "ALIPAY": _alipay,
}
PAY_URL = {"WECHAT": "weixin://wxpay/bizpayurl?pr=", "ALIPAY": "https://qr.alipay.com/"}
ACCEPTED = {"WECHAT": (204, b""), "ALIPAY": (200, b"success")}


@pytest.mark.parametrize("channel", ["WECHAT", "ALIPAY"])
def test_a_real_channels_notification_pays_the_order_once_and_a_forged_one_nothing(
    api: Api, tmp_path: Path, channel: str
) -> None:
    # Given the platform configured for the channel (its keys in files, named by settings)
    theirs = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    peer = channel_peer(theirs)
    app = api.platform.app
    try:
        with serving(peer):
            settings = replace(
                api.settings,
                payment_channel=channel,
                payment_key_file=configured(tmp_path, channel, theirs, peer),
            )
            placing_at(app, channel, settings.payment_key_file)
            with TestClient(create_app(settings, app)) as client:
                e = billed_estate(api)
                order = create_order(api, e, e.units["101"], e.staff)["order"]
                assert order["channel"] == channel
                # placed at the channel (统一下单) as it was created: its code to scan kept
                assert order["payUrl"].startswith(PAY_URL[channel]), order
                assert [o.get("out_trade_no") or o["biz"]["out_trade_no"] for o in peer.placed] == [
                    order["outTradeNo"]
                ]
                endpoint = f"/payments/notify/{channel.lower()}"
                now = datetime.now(UTC)
                # When a forged notification comes, then the channel's own, then its resend (a
                # new notification of the same payment), then the first replayed as it was
                headers, body = NOTICES[channel](forger, order, now, "N-1")
                forged = client.post(endpoint, content=body, headers=headers)
                assert forged.status_code == 401
                replies = [
                    client.post(endpoint, content=body, headers=headers)
                    for headers, body in (
                        NOTICES[channel](theirs, order, now, event) for event in ("N-1", "N-2")
                    )
                ]
                headers, body = NOTICES[channel](theirs, order, now, "N-1")
                replayed = client.post(endpoint, content=body, headers=headers)
    finally:
        del app.online_channel, app.channel_adapter, app.notify_url
    # Then the channel is told to stop resending, the order reads paid, and one payment
    # is booked on the channel for the order's amount
    assert [(r.status_code, r.content) for r in replies] == [ACCEPTED[channel]] * 2
    assert replayed.status_code == 400
    assert read_order(api, order["id"])["status"] == "PAID"
    payments = booked(api, e.units["101"])
    assert [(p["amountFen"], p["channel"]) for p in payments] == [(order["amountFen"], channel)]


@pytest.mark.parametrize(("channel", "mode"), [("WECHAT", "forged"), ("ALIPAY", "refuse")])
def test_an_order_the_channel_cannot_place_is_kept_unplaced_and_placed_again_later(
    api: Api, tmp_path: Path, channel: str, mode: str
) -> None:
    # Given the platform on a channel whose order API answers with a signature that is not
    # the channel's (WeChat Pay) or refuses the order (Alipay)
    theirs = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    peer = channel_peer(theirs, mode)
    app = api.platform.app
    try:
        with serving(peer):
            placing_at(app, channel, configured(tmp_path, channel, theirs, peer))
            e = billed_estate(api)
            # When an order is created
            refused = create_order(api, e, e.units["101"], e.staff)
            # Then the answer is the typed ChannelUnavailable, naming the recorded order
            assert refused["__typename"] == "ChannelUnavailable", refused
            assert (
                refused["code"] == {"forged": "SIGN_ERROR", "refuse": "ACQ.TRADE_HAS_CLOSE"}[mode]
            )
            api.settle()
            unplaced = read_order(api, refused["orderId"])
            assert (unplaced["status"], unplaced["payUrl"]) == ("CREATED", None)
            # When the channel answers properly again and the order is placed again
            peer.mode = "ok"
            placed = place_order(api, refused["orderId"], e.staff)
            # Then it carries the channel's code to scan
            assert placed["order"]["payUrl"].startswith(PAY_URL[channel]), placed
    finally:
        del app.online_channel, app.channel_adapter, app.notify_url
