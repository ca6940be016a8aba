"""WeChat Pay v3 and Alipay (RSA2) notifications, verified with keys made here (no network):
each channel's own signing and encryption is done below as the channel does it, so a
notification it sends is taken and anything forged, altered, stale, for another merchant or
not a payment is refused, nothing booked; configured from files named by settings."""

from __future__ import annotations

import base64
import json
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gongzhi.infra.payment_adapters import (
    AlipayChannel,
    WeChatPayChannel,
    alipay_signed_content,
    yuan_text_to_fen,
)
from gongzhi.infra.payment_channels import NoticeRefused, channel_adapter
from gongzhi.infra.settings import ConfigurationError, Settings

NOW = datetime(2026, 12, 7, 2, 30, tzinfo=UTC)  # 10:30 in Beijing
MCHID, SERIAL, APP_ID = "1900000001", "5157F09EFDC096DE15EBE81A47057A72", "2021000000000001"


@pytest.fixture(scope="module")
def platform_key() -> rsa.RSAPrivateKey:
    """WeChat Pay's (or Alipay's) signing key: theirs, never ours; made here for the test."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def other_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


APIV3_KEY = secrets.token_hex(16).encode()  # 32 characters, as the merchant sets it


def sign(key: rsa.RSAPrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def wechat_notice(
    key: rsa.RSAPrivateKey,
    *,
    at: datetime = NOW,
    apiv3_key: bytes = APIV3_KEY,
    serial: str = SERIAL,
    event_id: str = "EV-018372",
    **payment: Any,
) -> tuple[dict[str, str], bytes]:
    """What WeChat Pay posts: the transaction sealed with AES-256-GCM under the APIv3 key,
    the body signed with the platform's key over ``timestamp\\nnonce\\nbody\\n``."""
    transaction = {
        "mchid": MCHID,
        "appid": "wx0000000000000001",
        "out_trade_no": "GZ2026120700001",
        "transaction_id": "4200000000202612070000000001",
        "trade_state": "SUCCESS",
        "success_time": "2026-12-07T10:29:58+08:00",
        "amount": {"total": 14685, "payer_total": 14685, "currency": "CNY"},
        **payment,
    }
    nonce, associated = secrets.token_hex(6), "transaction"
    sealed = AESGCM(apiv3_key).encrypt(
        nonce.encode(), json.dumps(transaction).encode(), associated.encode()
    )
    body = json.dumps(
        {
            "id": event_id,
            "create_time": "2026-12-07T10:29:59+08:00",
            "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS",
            "resource": {
                "original_type": "transaction",
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(sealed).decode(),
                "associated_data": associated,
                "nonce": nonce,
            },
        }
    ).encode()
    stamp, once = str(int(at.timestamp())), secrets.token_hex(16)
    headers = {
        "Wechatpay-Timestamp": stamp,
        "Wechatpay-Nonce": once,
        "Wechatpay-Serial": serial,
        "Wechatpay-Signature": sign(key, f"{stamp}\n{once}\n".encode() + body + b"\n"),
    }
    return headers, body


def wechat(key: rsa.RSAPrivateKey) -> WeChatPayChannel:
    return WeChatPayChannel(
        mchid=MCHID, apiv3_key=APIV3_KEY, platform_key=key.public_key(), platform_serial=SERIAL
    )


def test_a_wechat_pay_notification_is_verified_and_opened(platform_key: Any) -> None:
    headers, body = wechat_notice(platform_key)
    # header names arrive in any case over HTTP
    notice = wechat(platform_key).verify({k.lower(): v for k, v in headers.items()}, body, NOW)
    assert (notice.notification_id, notice.order_no, notice.transaction_id) == (
        "EV-018372",
        "GZ2026120700001",
        "4200000000202612070000000001",
    )
    assert notice.amount_fen == 14685
    assert notice.paid_at == datetime(2026, 12, 7, 2, 29, 58, tzinfo=UTC)
    assert wechat(platform_key).accepted().status == 204


def _refusal(call: Any) -> tuple[str, int]:
    with pytest.raises(NoticeRefused) as refused:
        call()
    return refused.value.code, refused.value.status


def test_what_wechat_pay_did_not_send_is_refused(platform_key: Any, other_key: Any) -> None:
    channel = wechat(platform_key)
    headers, body = wechat_notice(platform_key)
    forged_headers, forged_body = wechat_notice(other_key)
    altered = body.replace(b"EV-018372", b"EV-018373")
    cases = {
        "forged": lambda: channel.verify(forged_headers, forged_body, NOW),
        "altered": lambda: channel.verify(headers, altered, NOW),
        "unsigned": lambda: channel.verify({}, body, NOW),
        "another platform key": lambda: channel.verify(
            *wechat_notice(platform_key, serial="0000"), NOW
        ),
        "stale": lambda: channel.verify(headers, body, NOW + timedelta(minutes=6)),
        "another APIv3 key": lambda: channel.verify(
            *wechat_notice(platform_key, apiv3_key=b"x" * 32), NOW
        ),
        "another merchant": lambda: channel.verify(
            *wechat_notice(platform_key, mchid="1900000002"), NOW
        ),
        "not paid": lambda: channel.verify(*wechat_notice(platform_key, trade_state="NOTPAY"), NOW),
        "not 人民币": lambda: channel.verify(
            *wechat_notice(platform_key, amount={"total": 100, "currency": "USD"}), NOW
        ),
    }
    assert {name: _refusal(call) for name, call in cases.items()} == {
        "forged": ("SIGN_ERROR", 401),
        "altered": ("SIGN_ERROR", 401),
        "unsigned": ("SIGN_ERROR", 400),
        "another platform key": ("SIGN_ERROR", 401),
        "stale": ("REPLAYED", 400),
        "another APIv3 key": ("DECRYPT_ERROR", 500),  # ours to fix; the channel resends
        "another merchant": ("PARAM_ERROR", 400),
        "not paid": ("NOT_A_PAYMENT", 400),
        "not 人民币": ("PARAM_ERROR", 400),
    }
    reply = channel.refused("SIGN_ERROR", "the signature does not verify", 401)
    assert json.loads(reply.body)["code"] == "FAIL"


def alipay_notice(key: rsa.RSAPrivateKey, **overrides: str) -> bytes:
    """What Alipay posts: a form, every parameter but sign and sign_type signed RSA2."""
    params = {
        "notify_time": "2026-12-07 10:29:59",
        "notify_type": "trade_status_sync",
        "notify_id": "ac05099524730693a8b330c5ecf72da9786",
        "app_id": APP_ID,
        "charset": "utf-8",
        "version": "1.0",
        "trade_no": "2026120722001400000000000001",
        "out_trade_no": "GZ2026120700002",
        "trade_status": "TRADE_SUCCESS",
        "total_amount": "146.85",
        "gmt_payment": "2026-12-07 10:29:58",
        "subject": "物业费 2026-11",
        "buyer_logon_id": "",
        **overrides,
    }
    signature = sign(key, alipay_signed_content(params))
    return urlencode({**params, "sign": signature, "sign_type": "RSA2"}).encode()


def alipay(key: rsa.RSAPrivateKey) -> AlipayChannel:
    return AlipayChannel(app_id=APP_ID, alipay_key=key.public_key())


def test_an_alipay_notification_is_verified(platform_key: Any) -> None:
    notice = alipay(platform_key).verify({}, alipay_notice(platform_key), NOW)
    assert (notice.order_no, notice.transaction_id, notice.amount_fen) == (
        "GZ2026120700002",
        "2026120722001400000000000001",
        14685,
    )
    assert notice.paid_at == datetime(2026, 12, 7, 2, 29, 58, tzinfo=UTC)
    assert alipay(platform_key).accepted().body == b"success"


def test_what_alipay_did_not_send_is_refused(platform_key: Any, other_key: Any) -> None:
    channel = alipay(platform_key)
    body = alipay_notice(platform_key)
    cases = {
        "forged": lambda: channel.verify({}, alipay_notice(other_key), NOW),
        "altered amount": lambda: channel.verify(
            {}, body.replace(b"total_amount=146.85", b"total_amount=1.00"), NOW
        ),
        "unsigned": lambda: channel.verify({}, b"out_trade_no=GZ1&total_amount=1.00", NOW),
        "another app": lambda: channel.verify(
            {}, alipay_notice(platform_key, app_id="2021000000000009"), NOW
        ),
        "stale": lambda: channel.verify({}, body, NOW + timedelta(minutes=6)),
        "not paid": lambda: channel.verify(
            {}, alipay_notice(platform_key, trade_status="WAIT_BUYER_PAY"), NOW
        ),
        "a fraction of a fen": lambda: channel.verify(
            {}, alipay_notice(platform_key, total_amount="146.855"), NOW
        ),
        "not a form": lambda: channel.verify({}, b"\xff\xfe", NOW),
    }
    assert {name: _refusal(call)[0] for name, call in cases.items()} == {
        "forged": "SIGN_ERROR",
        "altered amount": "SIGN_ERROR",
        "unsigned": "SIGN_ERROR",
        "another app": "PARAM_ERROR",
        "stale": "REPLAYED",
        "not paid": "NOT_A_PAYMENT",
        "a fraction of a fen": "PARAM_ERROR",
        "not a form": "PARAM_ERROR",
    }
    assert channel.refused("SIGN_ERROR", "no", 401).body == b"fail"


def test_yuan_text_is_exact_to_the_fen() -> None:
    assert [yuan_text_to_fen(t) for t in ("0.01", "146.85", "100", "1e2")] == [
        1,
        14685,
        10000,
        10000,
    ]
    for bad in ("1.001", "-1", "NaN", "Infinity", "abc"):
        with pytest.raises(ValueError):
            yuan_text_to_fen(bad)


def _pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def merchant_side(
    folder: Path, channel: str, base_url: str = "", key: rsa.RSAPrivateKey | None = None
) -> dict[str, str]:
    """The merchant's own settings for placing orders (统一下单), its private key written
    beside them (made here unless given); ``base_url``: where the channel's API answers."""
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (folder / "merchant.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    if channel == "WECHAT":
        found = {"base_url": base_url} if base_url else {}
        return {
            "appid": "wx0000000000000001",
            "merchant_serial": "3775B6A45ACD588826D15E583A95F5DD",
            "merchant_private_key_file": "merchant.pem",
            **found,
        }
    found = {"gateway": f"{base_url}/gateway.do"} if base_url else {}
    return {"app_private_key_file": "merchant.pem", **found}


def test_the_channels_are_configured_from_key_files_named_by_settings(
    tmp_path: Path, platform_key: Any
) -> None:
    (tmp_path / "wechatpay-platform.pem").write_bytes(_pem(platform_key))
    (tmp_path / "apiv3.key").write_bytes(APIV3_KEY + b"\n")
    wechat_config = tmp_path / "wechatpay.json"
    wechat_config.write_text(
        json.dumps(
            {
                "mchid": MCHID,
                "platform_serial": SERIAL,
                "platform_public_key_file": "wechatpay-platform.pem",
                "apiv3_key_file": str(tmp_path / "apiv3.key"),
                **merchant_side(tmp_path, "WECHAT"),
            }
        )
    )
    env = {
        "GONGZHI_DATA_DIR": str(tmp_path),
        "GONGZHI_JWT_SECRET": "s" * 40,
        "GONGZHI_PAYMENT_CHANNEL": "WECHAT",
        "GONGZHI_PAYMENT_KEY_FILE": str(wechat_config),
    }
    settings = Settings.from_env(env)
    adapter = channel_adapter(settings.payment_channel, settings.payment_key_file)
    assert isinstance(adapter, WeChatPayChannel) and adapter.channel_name == "WECHAT"
    assert adapter.verify(*wechat_notice(platform_key), NOW).amount_fen == 14685

    (tmp_path / "alipay.pem").write_bytes(_pem(platform_key))
    alipay_config = tmp_path / "alipay.json"
    alipay_config.write_text(
        json.dumps(
            {
                "app_id": APP_ID,
                "alipay_public_key_file": "alipay.pem",
                **merchant_side(tmp_path, "ALIPAY"),
            }
        )
    )
    adapter = channel_adapter("ALIPAY", alipay_config)
    assert isinstance(adapter, AlipayChannel)
    assert adapter.verify({}, alipay_notice(platform_key), NOW).amount_fen == 14685

    # A configuration that cannot verify refuses to start, saying what is missing
    wechat_config.write_text(json.dumps({"mchid": MCHID}))
    with pytest.raises(ConfigurationError, match=r"GONGZHI_PAYMENT_CHANNEL=WECHAT.*lacks"):
        Settings.from_env(env)
    (tmp_path / "apiv3.key").write_bytes(b"short")
    wechat_config.write_text(
        json.dumps(
            {
                "mchid": MCHID,
                "platform_serial": SERIAL,
                "platform_public_key_file": "wechatpay-platform.pem",
                "apiv3_key_file": "apiv3.key",
                **merchant_side(tmp_path, "WECHAT"),
            }
        )
    )
    with pytest.raises(ConfigurationError, match="32 bytes"):
        Settings.from_env(env)
