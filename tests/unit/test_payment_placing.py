"""统一下单: WeChat Pay v3 (Native) and Alipay (precreate) orders placed by the adapters
against a local peer that checks the merchant's signature as the channel does and signs its
answer with the channel's key (keys made here); an answer that does not verify, a refusal or
an unreachable channel is ChannelUnavailable, saying no secret."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gongzhi.domain.payment_channel import OrderToPlace
from gongzhi.infra.payment_adapters import (
    AlipayChannel,
    Merchant,
    WeChatPayChannel,
    alipay_response_text,
    wechat_pay_channel,
    wechat_request_message,
)
from gongzhi.infra.payment_channels import ChannelUnavailable, SandboxChannel
from tests.channel_peer import ChannelPeer, serving
from tests.unit.test_payment_adapters import APIV3_KEY, APP_ID, MCHID, SERIAL

MERCHANT_SERIAL, WX_APPID = "3775B6A45ACD588826D15E583A95F5DD", "wx0000000000000001"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


CHANNEL_KEY, MERCHANT_KEY, STRANGER = _key(), _key(), _key()


def order(amount_fen: int = 12_345) -> OrderToPlace:
    now = datetime.now(UTC)
    return OrderToPlace(
        order_no="0f4e2c1a9b8d4e6f8a7b6c5d4e3f2a1b",
        amount_fen=amount_fen,
        description="物业费",
        expires_at=now + timedelta(minutes=15),
        notify_url="https://wy.example.cn/payments/notify/wechat",
    )


def channel_peer(channel_key: rsa.RSAPrivateKey, mode: str = "ok") -> ChannelPeer:
    """The channel's order API as our merchant (these tests' ids and key) is set up there."""
    return ChannelPeer(
        channel_key=channel_key,
        merchant_key=MERCHANT_KEY.public_key(),
        platform_serial=SERIAL,
        merchant_serial=MERCHANT_SERIAL,
        mchid=MCHID,
        app_id=APP_ID,
        mode=mode,
    )


@pytest.fixture
def peer() -> Iterator[ChannelPeer]:
    with serving(channel_peer(CHANNEL_KEY)) as running:
        yield running


def wechat(base_url: str, merchant_key: rsa.RSAPrivateKey = MERCHANT_KEY) -> WeChatPayChannel:
    return WeChatPayChannel(
        mchid=MCHID,
        apiv3_key=APIV3_KEY,
        platform_key=CHANNEL_KEY.public_key(),
        platform_serial=SERIAL,
        merchant=Merchant(WX_APPID, merchant_key, base_url, MERCHANT_SERIAL),
    )


def alipay(base_url: str, merchant_key: rsa.RSAPrivateKey = MERCHANT_KEY) -> AlipayChannel:
    return AlipayChannel(
        app_id=APP_ID,
        alipay_key=CHANNEL_KEY.public_key(),
        merchant=Merchant(APP_ID, merchant_key, f"{base_url}/gateway.do"),
    )


def test_wechat_pay_takes_a_signed_native_order_and_its_signed_code_url_is_kept(
    peer: ChannelPeer,
) -> None:
    # When the adapter places an order at the peer
    placed = wechat(peer.base_url).place(order(), datetime.now(UTC))
    # Then the peer verified the merchant's signature and took the order as asked
    assert placed.pay_url.startswith("weixin://wxpay/bizpayurl?pr=")
    (taken,) = peer.placed
    assert taken["out_trade_no"] == order().order_no and taken["appid"] == WX_APPID
    assert taken["amount"] == {"total": 12_345, "currency": "CNY"}
    assert taken["description"] == "物业费" and taken["time_expire"].endswith("+08:00")


def test_alipay_takes_a_signed_precreate_and_its_signed_qr_code_is_kept(
    peer: ChannelPeer,
) -> None:
    placed = alipay(peer.base_url).place(order(8_850), datetime.now(UTC))
    assert placed.pay_url.startswith("https://qr.alipay.com/")
    (taken,) = peer.placed
    assert taken["biz"]["total_amount"] == "88.50"
    assert taken["biz"]["out_trade_no"] == order().order_no
    assert taken["notify_url"] == order().notify_url


@pytest.mark.parametrize("adapter", [wechat, alipay])
def test_an_answer_not_signed_by_the_channel_is_refused(peer: ChannelPeer, adapter: object) -> None:
    peer.mode = "forged"
    with pytest.raises(ChannelUnavailable) as refused:
        adapter(peer.base_url).place(order(), datetime.now(UTC))  # type: ignore[operator]
    assert refused.value.code == "SIGN_ERROR"


@pytest.mark.parametrize(
    ("adapter", "code"), [(wechat, "ORDERPAID"), (alipay, "ACQ.TRADE_HAS_CLOSE")]
)
def test_a_channels_refusal_is_unavailable_with_its_code(
    peer: ChannelPeer, adapter: object, code: str
) -> None:
    peer.mode = "refuse"
    with pytest.raises(ChannelUnavailable) as refused:
        adapter(peer.base_url).place(order(), datetime.now(UTC))  # type: ignore[operator]
    assert refused.value.code == code


@pytest.mark.parametrize(
    ("adapter", "code"), [(wechat, "SIGN_ERROR"), (alipay, "isv.invalid-signature")]
)
def test_a_request_signed_with_another_key_is_refused_by_the_channel(
    peer: ChannelPeer, adapter: object, code: str
) -> None:
    with pytest.raises(ChannelUnavailable) as refused:
        adapter(peer.base_url, STRANGER).place(order(), datetime.now(UTC))  # type: ignore[operator]
    assert refused.value.code == code and peer.refused == [code] and peer.placed == []


def test_an_unreachable_channel_is_unavailable_and_says_no_secret() -> None:
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(ChannelUnavailable) as refused:
        wechat(f"http://127.0.0.1:{port}").place(order(), datetime.now(UTC))
    assert refused.value.code == "UNREACHABLE"
    assert MCHID not in str(refused.value) and str(port) not in str(refused.value)


def test_the_merchant_signs_what_wechat_pay_v3_documents() -> None:
    assert wechat_request_message("POST", "/v3/x", "1554208460", "593BEC", b"{}") == (
        b"POST\n/v3/x\n1554208460\n593BEC\n{}\n"
    )


def test_alipays_signed_text_is_the_answer_object_exactly_as_sent() -> None:
    body = '{"alipay_trade_precreate_response" : {"code":"10000", "msg": "成功"},"sign":"x"}'
    assert alipay_response_text(body, "alipay_trade_precreate_response") == (
        '{"code":"10000", "msg": "成功"}'
    )
    with pytest.raises(ValueError):
        alipay_response_text('{"error_response":{}}', "alipay_trade_precreate_response")


def test_the_sandbox_places_an_order_at_its_cashier_on_the_platform() -> None:
    placed = SandboxChannel(b"k" * 32).place(order(), datetime.now(UTC))
    assert placed.pay_url == f"https://wy.example.cn/sandbox/pay/{order().order_no}"


def test_wechat_pays_merchant_side_is_configured_from_files(tmp_path: Path) -> None:
    pem = serialization.Encoding.PEM
    (tmp_path / "platform.pem").write_bytes(
        CHANNEL_KEY.public_key().public_bytes(pem, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    (tmp_path / "merchant.pem").write_bytes(
        MERCHANT_KEY.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    (tmp_path / "apiv3.key").write_bytes(APIV3_KEY)
    config = tmp_path / "wechat.json"
    settings = {
        "mchid": MCHID,
        "platform_serial": SERIAL,
        "platform_public_key_file": "platform.pem",
        "apiv3_key_file": "apiv3.key",
        "appid": WX_APPID,
        "merchant_serial": MERCHANT_SERIAL,
        "merchant_private_key_file": "merchant.pem",
        "base_url": "http://127.0.0.1:9",
    }
    config.write_text(json.dumps(settings))
    assert isinstance(wechat_pay_channel(config), WeChatPayChannel)
    # A public key where the merchant's private key belongs refuses to start
    settings["merchant_private_key_file"] = "platform.pem"
    config.write_text(json.dumps(settings))
    with pytest.raises(ValueError, match="private key"):
        wechat_pay_channel(config)
