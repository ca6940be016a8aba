"""The real channels' notifications (支付结果通知): WeChat Pay API v3 and Alipay (RSA2).

Each adapter does what ``SandboxChannel`` does (``gongzhi.domain.payment_channel``'s
``ChannelAdapter``): verify a notification with the configured keys, turn it into a
``Notice``, and answer in the channel's own convention. Neither calls the channel: they need
no network, and placing an order at the channel (统一下单) is not part of them.

- **WeChat Pay v3**: the body is signed with the WeChat Pay platform's RSA key
  (``Wechatpay-Signature``: RSA-SHA256 over ``timestamp\\nnonce\\nbody\\n``, the key named by
  ``Wechatpay-Serial``), refused outside a five-minute window; the payment itself is in
  ``resource``, encrypted with AES-256-GCM under the merchant's APIv3 key (its
  ``associated_data`` and ``nonce`` beside the ciphertext). The merchant id inside must be
  ours.
- **Alipay**: a form post whose every parameter but ``sign`` and ``sign_type`` is signed with
  Alipay's RSA key (RSA2: SHA256withRSA over the parameters sorted by name, ``k=v`` joined
  with ``&``, empty ones left out); the ``app_id`` must be ours, the amount is in 元 with two
  decimals and the times are Beijing time. Alipay resends until it reads ``success``.

The configuration is a JSON file named by ``GONGZHI_PAYMENT_KEY_FILE``: the ids, and the
files of the keys (read from those files, never from the database)::

    {"mchid": "1900000001", "platform_serial": "5157F09EFDC096DE15EBE81A47057A72",
     "platform_public_key_file": "/etc/gongzhi/wechatpay-platform.pem",
     "apiv3_key_file": "/etc/gongzhi/wechatpay-apiv3.key"}

    {"app_id": "2021000000000000", "alipay_public_key_file": "/etc/gongzhi/alipay.pem"}

A relative key file is relative to the configuration file.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gongzhi.domain.payment_channel import ChannelUnavailable, OrderToPlace, PlacedOrder
from gongzhi.infra.payment_channels import (
    FRESHNESS,
    ChannelNotConfigured,
    Notice,
    NoticeRefused,
    Reply,
    check_fresh,
    signed_message,
)
from gongzhi.infra.statements import StatementFormat, statement_format

WECHAT, ALIPAY = "WECHAT", "ALIPAY"  # the PaymentChannel values their payments are booked under
APIV3_KEY_BYTES = 32
WECHAT_HEADERS = ("Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature")
WECHAT_SERIAL = "Wechatpay-Serial"
ALIPAY_PAID = {"TRADE_SUCCESS", "TRADE_FINISHED"}
MAX_FIELD = 64
BEIJING = ZoneInfo("Asia/Shanghai")  # Alipay's times (the domain's business calendar too)


class WeChatPayChannel:
    """微信支付 API v3: notifications signed by the platform's RSA key, the payment encrypted
    under the merchant's APIv3 key."""

    def __init__(
        self, *, mchid: str, apiv3_key: bytes, platform_key: RSAPublicKey, platform_serial: str
    ) -> None:
        if len(apiv3_key) != APIV3_KEY_BYTES:
            msg = f"the WeChat Pay APIv3 key must be {APIV3_KEY_BYTES} bytes"
            raise ChannelNotConfigured(msg)
        if not mchid or not platform_serial:
            raise ChannelNotConfigured("WeChat Pay needs the merchant id and the key's serial")
        self.mchid = mchid
        self._aead = AESGCM(apiv3_key)
        self._platform_key = platform_key
        self.platform_serial = platform_serial.upper()

    @property
    def channel_name(self) -> str:
        return WECHAT

    @property
    def statement_format(self) -> StatementFormat:
        """对账单: WeChat Pay's 交易账单 (``gongzhi.infra.statements``)."""
        return statement_format(WECHAT)

    def verify(self, headers: Mapping[str, str], body: bytes, now: datetime) -> Notice:
        stamp, nonce, signature = (_header(headers, name) for name in WECHAT_HEADERS)
        if not (stamp and nonce and signature):
            raise NoticeRefused("SIGN_ERROR", "the signature headers are missing")
        if _header(headers, WECHAT_SERIAL).upper() != self.platform_serial:
            # Signed with a platform key we were not given (WeChat Pay rotates them): not
            # ours to trust until the new one is configured.
            raise NoticeRefused("SIGN_ERROR", "signed with an unknown platform key", status=401)
        try:
            self._platform_key.verify(
                base64.b64decode(signature, validate=True),
                signed_message(stamp, nonce, body),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, binascii.Error, ValueError):
            raise NoticeRefused("SIGN_ERROR", "the signature does not verify", status=401) from None
        check_fresh(stamp, now)
        return self._notice(body)

    def _notice(self, body: bytes) -> Notice:
        try:
            data: Any = json.loads(body)
            if data["event_type"] != "TRANSACTION.SUCCESS":
                raise NoticeRefused("NOT_A_PAYMENT", "the notification is not of a payment")
            resource = data["resource"]
            if resource["algorithm"] != "AEAD_AES_256_GCM":
                raise NoticeRefused("PARAM_ERROR", "the resource is not AES-256-GCM")
            clear = self._aead.decrypt(
                str(resource["nonce"]).encode(),
                base64.b64decode(resource["ciphertext"], validate=True),
                str(resource.get("associated_data", "")).encode(),
            )
            payment = json.loads(clear)
            if payment["mchid"] != self.mchid:
                raise NoticeRefused("PARAM_ERROR", "the payment is not to this merchant")
            if payment["trade_state"] != "SUCCESS":
                raise NoticeRefused("NOT_A_PAYMENT", "the notification is not of a payment")
            amount = payment["amount"]
            if amount.get("currency", "CNY") != "CNY":
                raise NoticeRefused("PARAM_ERROR", "the payment is not in 人民币")
            return _checked(
                Notice(
                    notification_id=_text(data["id"]),
                    order_no=_text(payment["out_trade_no"]),
                    transaction_id=_text(payment["transaction_id"]),
                    amount_fen=amount["total"] if type(amount["total"]) is int else -1,
                    paid_at=datetime.fromisoformat(payment["success_time"]),
                )
            )
        except InvalidTag:
            # Signed by the platform yet not sealed under our APIv3 key: a misconfiguration
            # to fix on our side; the channel resends meanwhile.
            raise NoticeRefused("DECRYPT_ERROR", "the resource does not open", 500) from None
        except (KeyError, TypeError, ValueError, AttributeError, binascii.Error):
            raise NoticeRefused("PARAM_ERROR", "the notification is not well formed") from None

    def place(self, order: OrderToPlace, now: datetime) -> PlacedOrder:
        # Being written (issue 16): the order placing of this channel.
        raise ChannelUnavailable("NOT_PLACED", "this channel does not place orders yet")

    def accepted(self) -> Reply:
        """200 or 204 without a body stops the resending."""
        return Reply(204, b"", "application/json")

    def refused(self, code: str, message: str, status: int) -> Reply:
        """4xx or 5xx with ``{"code": "FAIL", "message"}``: the channel resends."""
        body = json.dumps({"code": "FAIL", "message": f"{code}: {message}"}).encode()
        return Reply(status, body, "application/json")


class AlipayChannel:
    """支付宝: form-posted notifications signed RSA2 by Alipay's key."""

    def __init__(self, *, app_id: str, alipay_key: RSAPublicKey) -> None:
        if not app_id:
            raise ChannelNotConfigured("Alipay needs the application's app_id")
        self.app_id = app_id
        self._alipay_key = alipay_key

    @property
    def channel_name(self) -> str:
        return ALIPAY

    @property
    def statement_format(self) -> StatementFormat:
        """对账单: Alipay's 业务明细 (GBK CSV, ``gongzhi.infra.statements.ALIPAY_BILL``)."""
        return statement_format(ALIPAY)

    def verify(self, headers: Mapping[str, str], body: bytes, now: datetime) -> Notice:
        try:
            params = dict(
                parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
            )
        except (UnicodeDecodeError, ValueError):
            raise NoticeRefused("PARAM_ERROR", "the notification is not a form") from None
        signature = params.get("sign", "")
        if not signature or params.get("sign_type", "RSA2") != "RSA2":
            raise NoticeRefused("SIGN_ERROR", "the notification is not signed RSA2")
        try:
            self._alipay_key.verify(
                base64.b64decode(signature, validate=True),
                alipay_signed_content(params),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, binascii.Error, ValueError):
            raise NoticeRefused("SIGN_ERROR", "the signature does not verify", status=401) from None
        if params.get("app_id") != self.app_id:
            raise NoticeRefused("PARAM_ERROR", "the notification is for another application")
        try:
            sent_at = _beijing(params["notify_time"])
        except (KeyError, ValueError):
            raise NoticeRefused("PARAM_ERROR", "the notification has no time") from None
        if abs(now - sent_at) > FRESHNESS:
            raise NoticeRefused("REPLAYED", "the notification was sent too long ago")
        if params.get("trade_status") not in ALIPAY_PAID:
            raise NoticeRefused("NOT_A_PAYMENT", "the notification is not of a payment")
        try:
            return _checked(
                Notice(
                    notification_id=_text(params["notify_id"]),
                    order_no=_text(params["out_trade_no"]),
                    transaction_id=_text(params["trade_no"]),
                    amount_fen=yuan_text_to_fen(params["total_amount"]),
                    paid_at=_beijing(params["gmt_payment"]),
                )
            )
        except (KeyError, ValueError):
            raise NoticeRefused("PARAM_ERROR", "the notification is not well formed") from None

    def place(self, order: OrderToPlace, now: datetime) -> PlacedOrder:
        # Being written (issue 16): the order placing of this channel.
        raise ChannelUnavailable("NOT_PLACED", "this channel does not place orders yet")

    def accepted(self) -> Reply:
        """Alipay stops resending when it reads ``success``."""
        return Reply(200, b"success", "text/plain")

    def refused(self, code: str, message: str, status: int) -> Reply:
        """Anything but ``success`` is resent (for 25 hours): ``fail`` with our status."""
        return Reply(status, b"fail", "text/plain")


def alipay_signed_content(params: Mapping[str, str]) -> bytes:
    """What Alipay signs: every parameter but ``sign`` and ``sign_type``, empty ones left out,
    sorted by name, ``name=value`` joined with ``&`` (values as sent, URL-decoded)."""
    pairs = sorted((k, v) for k, v in params.items() if k not in {"sign", "sign_type"} and v)
    return "&".join(f"{k}={v}" for k, v in pairs).encode()


def yuan_text_to_fen(text: str) -> int:
    """``"88.50"`` → 8850, exactly; more than two decimals or not a number: ValueError."""
    try:
        yuan = Decimal(text)
    except InvalidOperation:
        raise ValueError("not an amount") from None
    fen = yuan * 100
    if not fen.is_finite() or fen != fen.to_integral_value() or fen < 0:
        raise ValueError("not an amount in 元 with at most two decimals")
    return int(fen)


def wechat_pay_channel(config: Path) -> WeChatPayChannel:
    settings = _config(
        config, ("mchid", "platform_serial", "platform_public_key_file", "apiv3_key_file")
    )
    return WeChatPayChannel(
        mchid=settings["mchid"],
        apiv3_key=_key_file(config, settings["apiv3_key_file"]).strip(),
        platform_key=_public_key(config, settings["platform_public_key_file"]),
        platform_serial=settings["platform_serial"],
    )


def alipay_channel(config: Path) -> AlipayChannel:
    settings = _config(config, ("app_id", "alipay_public_key_file"))
    return AlipayChannel(
        app_id=settings["app_id"],
        alipay_key=_public_key(config, settings["alipay_public_key_file"]),
    )


def _config(path: Path, required: tuple[str, ...]) -> dict[str, str]:
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        msg = f"GONGZHI_PAYMENT_KEY_FILE ({path}) is not the channel's JSON configuration: {error}"
        raise ChannelNotConfigured(msg) from None
    missing = [name for name in required if not isinstance(settings.get(name), str)]
    if missing:
        msg = f"GONGZHI_PAYMENT_KEY_FILE ({path}) lacks {', '.join(missing)}"
        raise ChannelNotConfigured(msg)
    return {name: settings[name] for name in required}


def _key_file(config: Path, name: str) -> bytes:
    path = Path(name) if Path(name).is_absolute() else config.parent / name
    try:
        return path.read_bytes()
    except OSError as error:
        raise ChannelNotConfigured(f"the key file {path} cannot be read: {error}") from None


def _public_key(config: Path, name: str) -> RSAPublicKey:
    pem = _key_file(config, name)
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError:
        try:  # a certificate (WeChat Pay's platform certificate) holds the key
            from cryptography import x509

            key = x509.load_pem_x509_certificate(pem).public_key()
        except ValueError:
            raise ChannelNotConfigured(f"{name} holds no RSA public key (PEM)") from None
    if not isinstance(key, RSAPublicKey):
        raise ChannelNotConfigured(f"{name} holds no RSA public key (PEM)")
    return key


def _header(headers: Mapping[str, str], name: str) -> str:
    return headers.get(name) or headers.get(name.lower()) or ""


def _beijing(text: str) -> datetime:
    """Alipay's ``yyyy-MM-dd HH:mm:ss``, Beijing time."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)


def _checked(notice: Notice) -> Notice:
    if notice.amount_fen < 0 or notice.paid_at.utcoffset() is None:
        raise NoticeRefused("PARAM_ERROR", "the amount or the time is not well formed")
    return notice


def _text(value: Any, max_length: int = MAX_FIELD) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= max_length:
        raise ValueError(f"a text of 1-{max_length} characters")
    return value
