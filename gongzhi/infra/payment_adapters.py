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
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gongzhi.infra.payment_channels import (
    BEIJING,
    FRESHNESS,
    MAX_FIELD,
    ChannelNotConfigured,
    ChannelUnavailable,
    Notice,
    NoticeRefused,
    OrderToPlace,
    PlacedOrder,
    Reply,
    bounded_text,
    check_fresh,
    checked_notice,
    key_file_bytes,
    read_config,
    signed_message,
)
from gongzhi.infra.statements import StatementFormat, statement_format

WECHAT, ALIPAY = "WECHAT", "ALIPAY"  # the PaymentChannel values their payments are booked under
APIV3_KEY_BYTES = 32
WECHAT_HEADERS = ("Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature")
WECHAT_SERIAL = "Wechatpay-Serial"
ALIPAY_PAID = {"TRADE_SUCCESS", "TRADE_FINISHED"}
ALIPAY_TIME = "%Y-%m-%d %H:%M:%S"
WECHAT_BASE_URL = "https://api.mch.weixin.qq.com"
ALIPAY_GATEWAY = "https://openapi.alipay.com/gateway.do"
NATIVE_PATH = "/v3/pay/transactions/native"
WECHAT_AUTH = "WECHATPAY2-SHA256-RSA2048"
PRECREATE = "alipay.trade.precreate"
PRECREATE_RESPONSE = "alipay_trade_precreate_response"
ALIPAY_SUCCESS = "10000"
MAX_URL = 512  # characters of a code_url or qr_code (the order's view keeps as many)
CHANNEL_TIMEOUT = 10.0  # seconds for connecting, and again for the answer
USER_AGENT = "gongzhi"


class WeChatPayChannel:
    """微信支付 API v3: notifications signed by the platform's RSA key, the payment encrypted
    under the merchant's APIv3 key."""

    def __init__(
        self,
        *,
        mchid: str,
        apiv3_key: bytes,
        platform_key: RSAPublicKey,
        platform_serial: str,
        merchant: Merchant | None = None,
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
        self._merchant = merchant

    @property
    def channel_name(self) -> str:
        return WECHAT

    @property
    def statement_format(self) -> StatementFormat:
        """对账单: WeChat Pay's 交易账单 (``gongzhi.infra.statements``)."""
        return statement_format(WECHAT)

    def verify(self, headers: Mapping[str, str], body: bytes, now: datetime) -> Notice:
        stamp = self._signed_by_platform(headers, body)
        check_fresh(stamp, now)
        return self._notice(body)

    def _signed_by_platform(self, headers: Mapping[str, str], body: bytes) -> str:
        """Check that the platform's key signed ``body`` (a notification, or the answer to
        our request: one scheme for both); the signature's timestamp, or NoticeRefused."""
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
        return stamp

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
            return checked_notice(
                Notice(
                    notification_id=bounded_text(data["id"]),
                    order_no=bounded_text(payment["out_trade_no"]),
                    transaction_id=bounded_text(payment["transaction_id"]),
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
        """Native 下单 (``POST /v3/pay/transactions/native``), signed with the merchant's
        key; the ``code_url`` answered is taken only once the platform's signature on the
        answer verifies."""
        merchant = _merchant(self._merchant, "WeChat Pay")
        body = json.dumps(
            {
                "appid": merchant.app_id,
                "mchid": self.mchid,
                "description": order.description,
                "out_trade_no": order.order_no,
                "time_expire": order.expires_at.astimezone(BEIJING).isoformat(timespec="seconds"),
                "notify_url": order.notify_url,
                "amount": {"total": order.amount_fen, "currency": "CNY"},
            },
            ensure_ascii=False,
        ).encode()
        stamp, nonce = str(int(now.timestamp())), secrets.token_hex(16)
        signature = rsa_sign(
            merchant.private_key, wechat_request_message("POST", NATIVE_PATH, stamp, nonce, body)
        )
        authorization = (
            f'{WECHAT_AUTH} mchid="{self.mchid}",nonce_str="{nonce}",signature="{signature}",'
            f'timestamp="{stamp}",serial_no="{merchant.serial}"'
        )
        answer = _post(
            merchant.base_url + NATIVE_PATH,
            body,
            {
                "Authorization": authorization,
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
        )
        if not answer.is_success:
            raise ChannelUnavailable(_wechat_code(answer), "WeChat Pay did not take the order")
        try:
            self._signed_by_platform(answer.headers, answer.content)
            code_url = bounded_text(json.loads(answer.content)["code_url"], MAX_URL)
        except (NoticeRefused, KeyError, TypeError, ValueError):
            raise ChannelUnavailable("SIGN_ERROR", "WeChat Pay's answer does not verify") from None
        return PlacedOrder(pay_url=code_url)

    def accepted(self) -> Reply:
        """200 or 204 without a body stops the resending."""
        return Reply(204, b"", "application/json")

    def refused(self, code: str, message: str, status: int) -> Reply:
        """4xx or 5xx with ``{"code": "FAIL", "message"}``: the channel resends."""
        body = json.dumps({"code": "FAIL", "message": f"{code}: {message}"}).encode()
        return Reply(status, body, "application/json")


class AlipayChannel:
    """支付宝: form-posted notifications signed RSA2 by Alipay's key."""

    def __init__(
        self, *, app_id: str, alipay_key: RSAPublicKey, merchant: Merchant | None = None
    ) -> None:
        if not app_id:
            raise ChannelNotConfigured("Alipay needs the application's app_id")
        self.app_id = app_id
        self._alipay_key = alipay_key
        self._merchant = merchant

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
            return checked_notice(
                Notice(
                    notification_id=bounded_text(params["notify_id"]),
                    order_no=bounded_text(params["out_trade_no"]),
                    transaction_id=bounded_text(params["trade_no"]),
                    amount_fen=yuan_text_to_fen(params["total_amount"]),
                    paid_at=_beijing(params["gmt_payment"]),
                )
            )
        except (KeyError, ValueError):
            raise NoticeRefused("PARAM_ERROR", "the notification is not well formed") from None

    def place(self, order: OrderToPlace, now: datetime) -> PlacedOrder:
        """当面付 precreate (``alipay.trade.precreate``): a form signed RSA2 with the
        application's key; the ``qr_code`` answered is taken only once Alipay's signature over
        the answer's own JSON text verifies."""
        merchant = _merchant(self._merchant, "Alipay")
        params = {
            "app_id": self.app_id,
            "method": PRECREATE,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": now.astimezone(BEIJING).strftime(ALIPAY_TIME),
            "version": "1.0",
            "notify_url": order.notify_url,
            "biz_content": json.dumps(
                {
                    "out_trade_no": order.order_no,
                    "total_amount": fen_to_yuan_text(order.amount_fen),
                    "subject": order.description,
                    "time_expire": order.expires_at.astimezone(BEIJING).strftime(ALIPAY_TIME),
                },
                ensure_ascii=False,
            ),
        }
        # A request signs ``sign_type`` too (only a notification leaves it out).
        params["sign"] = rsa_sign(merchant.private_key, alipay_signed_content(params, ("sign",)))
        answer = _post(
            merchant.base_url,
            urlencode(params).encode(),
            {
                "Content-Type": "application/x-www-form-urlencoded;charset=utf-8",
                "User-Agent": USER_AGENT,
            },
        )
        if not answer.is_success:
            raise ChannelUnavailable(f"HTTP_{answer.status_code}", "Alipay did not take the order")
        try:
            text = answer.content.decode("utf-8")
            signed = alipay_response_text(text, PRECREATE_RESPONSE)
            self._alipay_key.verify(
                base64.b64decode(json.loads(text)["sign"], validate=True),
                signed.encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
            result = json.loads(signed)
        except (InvalidSignature, KeyError, TypeError, ValueError, binascii.Error):
            raise ChannelUnavailable("SIGN_ERROR", "Alipay's answer does not verify") from None
        if result.get("code") != ALIPAY_SUCCESS:
            code = str(result.get("sub_code") or result.get("code") or "FAILED")[:MAX_FIELD]
            raise ChannelUnavailable(code, "Alipay did not take the order")
        if result.get("out_trade_no") not in (None, order.order_no):
            raise ChannelUnavailable("PARAM_ERROR", "Alipay answered for another order")
        try:
            return PlacedOrder(pay_url=bounded_text(result["qr_code"], MAX_URL))
        except (KeyError, ValueError):
            raise ChannelUnavailable("PARAM_ERROR", "Alipay's answer holds no QR code") from None

    def accepted(self) -> Reply:
        """Alipay stops resending when it reads ``success``."""
        return Reply(200, b"success", "text/plain")

    def refused(self, code: str, message: str, status: int) -> Reply:
        """Anything but ``success`` is resent (for 25 hours): ``fail`` with our status."""
        return Reply(status, b"fail", "text/plain")


def alipay_signed_content(
    params: Mapping[str, str], unsigned: tuple[str, ...] = ("sign", "sign_type")
) -> bytes:
    """What Alipay signs: every parameter but ``unsigned`` (a notification's ``sign`` and
    ``sign_type``; a request's ``sign`` only), empty ones left out, sorted by name,
    ``name=value`` joined with ``&`` (values as sent, URL-decoded)."""
    pairs = sorted((k, v) for k, v in params.items() if k not in unsigned and v)
    return "&".join(f"{k}={v}" for k, v in pairs).encode()


def alipay_response_text(text: str, name: str) -> str:
    """The JSON text of the answer object ``name`` exactly as sent: what Alipay's ``sign``
    covers (parsing and re-serialising it would change the bytes)."""
    key = text.find(json.dumps(name))
    if key < 0:
        raise ValueError(f"no {name} in the answer")
    colon = text.index(":", key + len(name) + 2)
    start = len(text) - len(text[colon + 1 :].lstrip())
    _, end = json.JSONDecoder().raw_decode(text, start)
    return text[start:end]


def wechat_request_message(method: str, path: str, stamp: str, nonce: str, body: bytes) -> bytes:
    """What the merchant signs for WeChat Pay v3 (its 签名串): method, path with query,
    timestamp, nonce and body, each followed by a newline."""
    return f"{method}\n{path}\n{stamp}\n{nonce}\n".encode() + body + b"\n"


def rsa_sign(key: RSAPrivateKey, message: bytes) -> str:
    """SHA256withRSA (PKCS#1 v1.5), base64: WeChat Pay v3's and Alipay's RSA2 signature."""
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def fen_to_yuan_text(fen: int) -> str:
    """8850 → ``"88.50"``: Alipay's amounts are 元 with two decimals."""
    return f"{fen // 100}.{fen % 100:02d}"


@dataclass(frozen=True)
class Merchant:
    """The merchant's side of placing orders: its application id, the serial of its
    certificate (WeChat Pay), its private key and the channel's address."""

    app_id: str
    private_key: RSAPrivateKey = field(repr=False)
    base_url: str = ""
    serial: str = ""


def _merchant(merchant: Merchant | None, channel: str) -> Merchant:
    if merchant is None:
        raise ChannelUnavailable("NOT_CONFIGURED", f"{channel}'s merchant key is not configured")
    return merchant


def _post(url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    """One request to the channel; unreachable or too slow: ChannelUnavailable (saying
    neither the URL's secrets nor the body)."""
    try:
        return httpx.post(url, content=body, headers=headers, timeout=CHANNEL_TIMEOUT)
    except httpx.TimeoutException:
        raise ChannelUnavailable("TIMEOUT", "the channel did not answer in time") from None
    except httpx.HTTPError:
        raise ChannelUnavailable("UNREACHABLE", "the channel could not be reached") from None


def _wechat_code(answer: httpx.Response) -> str:
    """WeChat Pay's error code (``{"code": "PARAM_ERROR", …}``), or the HTTP status."""
    try:
        return bounded_text(json.loads(answer.content)["code"])
    except (KeyError, TypeError, ValueError):
        return f"HTTP_{answer.status_code}"


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
    settings = read_config(
        config,
        (
            "mchid",
            "platform_serial",
            "platform_public_key_file",
            "apiv3_key_file",
            "appid",
            "merchant_serial",
            "merchant_private_key_file",
        ),
        {"base_url": WECHAT_BASE_URL},
    )
    return WeChatPayChannel(
        mchid=settings["mchid"],
        apiv3_key=key_file_bytes(config, settings["apiv3_key_file"]).strip(),
        platform_key=_public_key(config, settings["platform_public_key_file"]),
        platform_serial=settings["platform_serial"],
        merchant=Merchant(
            app_id=settings["appid"],
            private_key=_private_key(config, settings["merchant_private_key_file"]),
            base_url=settings["base_url"].rstrip("/"),
            serial=settings["merchant_serial"].upper(),
        ),
    )


def alipay_channel(config: Path) -> AlipayChannel:
    settings = read_config(
        config,
        ("app_id", "alipay_public_key_file", "app_private_key_file"),
        {"gateway": ALIPAY_GATEWAY},
    )
    return AlipayChannel(
        app_id=settings["app_id"],
        alipay_key=_public_key(config, settings["alipay_public_key_file"]),
        merchant=Merchant(
            app_id=settings["app_id"],
            private_key=_private_key(config, settings["app_private_key_file"]),
            base_url=settings["gateway"],
        ),
    )


def _public_key(config: Path, name: str) -> RSAPublicKey:
    pem = key_file_bytes(config, name)
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


def _private_key(config: Path, name: str) -> RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(key_file_bytes(config, name), password=None)
    except (ValueError, TypeError):
        raise ChannelNotConfigured(f"{name} holds no unencrypted RSA private key (PEM)") from None
    if not isinstance(key, RSAPrivateKey):
        raise ChannelNotConfigured(f"{name} holds no RSA private key (PEM)")
    return key


def _header(headers: Mapping[str, str], name: str) -> str:
    return headers.get(name) or headers.get(name.lower()) or ""


def _beijing(text: str) -> datetime:
    """Alipay's ``yyyy-MM-dd HH:mm:ss``, Beijing time."""
    return datetime.strptime(text, ALIPAY_TIME).replace(tzinfo=BEIJING)
