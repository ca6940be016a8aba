"""银联全渠道 (UnionPay's online payment gateway, interface version 5.1.0): the back
notification (后台通知) verified, and a QR order placed (二维码申码).

Both directions are signed as UnionPay's SDK signs them (``signMethod=01``): every parameter
but ``signature``, sorted by name, ``name=value`` joined with ``&`` (empty values kept), is
hashed with SHA-256; the *hex text* of that hash is signed SHA256withRSA, base64. UnionPay
signs with the key of the certificate it sends along (``signPubKeyCert``, PEM), which is
trusted only when it

- is issued by the configured intermediate certificate, itself issued by the configured root
  (UnionPay's CFCA chain, as the operator downloads it from UnionPay), both valid now;
- is valid now; and
- is UnionPay's: the third ``@``-separated field of its common name is 中国银联股份有限公司
  (the SDK's check in production; its test environment's ``00040000:SIGN`` is not taken).

The merchant signs its requests with its own key (``certId`` names its certificate: the
serial number in decimal). A notification is a form post (``x-www-form-urlencoded``) whose
``orderId`` is our order number, ``queryId`` UnionPay's id of the payment, ``txnAmt`` the
amount in fen and ``txnTime`` the order's time (yyyyMMddHHmmss, Beijing); it pays when
``respCode`` is ``00`` or ``A6`` and must be for our ``merId``. UnionPay stops resending on
a 200; the body ``ok`` is what its samples answer. UnionPay resends a notification as it
was, so its ``queryId`` is the notification's id too: a replay is known by the order.

The configuration is a JSON file named by ``GONGZHI_PAYMENT_KEY_FILE`` (relative files are
relative to it)::

    {"mer_id": "777290058110048", "root_cert_file": "acp_prod_root.pem",
     "middle_cert_file": "acp_prod_middle.pem",
     "merchant_private_key_file": "merchant.key", "merchant_cert_id": "69629715588",
     "back_url": "https://gateway.95516.com/gateway/api/backTransReq.do"}

``back_url`` (optional) is the gateway orders are placed at: UnionPay's production address
by default; its test environment, or a test peer, otherwise.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.x509.oid import NameOID

from gongzhi.infra.payment_channels import (
    BEIJING,
    ChannelNotConfigured,
    ChannelUnavailable,
    Notice,
    NoticeRefused,
    OrderToPlace,
    PlacedOrder,
    Reply,
    bounded_text,
    checked_notice,
    key_file_bytes,
    read_config,
)
from gongzhi.infra.statements import StatementFormat, statement_format

UNIONPAY = "UNIONPAY"  # the PaymentChannel value its payments are booked under
VERSION, SIGN_METHOD = "5.1.0", "01"
PRODUCTION_GATEWAY = "https://gateway.95516.com/gateway/api/backTransReq.do"
UNIONPAY_NAME = "中国银联股份有限公司"  # whose certificates sign UnionPay's messages
PAID = {"00", "A6"}  # A6: paid, with a part of the amount deferred to the merchant (有缺陷的成功)
CNY = "156"
TIME_FORMAT = "%Y%m%d%H%M%S"
TIMEOUT = httpx.Timeout(10.0)
MAX_NOTICE_BYTES = 16 * 1024  # a notification is ~3 KB, its certificate most of it
MAX_REPLY_BYTES = 64 * 1024
REQUIRED = (
    "mer_id",
    "root_cert_file",
    "middle_cert_file",
    "merchant_private_key_file",
    "merchant_cert_id",
)


def signed_content(params: Mapping[str, str]) -> bytes:
    """What is signed: the hex text of the SHA-256 of every parameter but ``signature``,
    sorted by name, ``name=value`` joined with ``&``."""
    text = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "signature")
    return hashlib.sha256(text.encode()).hexdigest().encode()


def sign(params: Mapping[str, str], key: RSAPrivateKey) -> str:
    signature = key.sign(signed_content(params), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def parse_reply(text: str) -> dict[str, str]:
    """A synchronous answer, ``name=value&…`` *not* URL-encoded (a value may hold ``=``, and
    ``&`` inside ``{…}`` or ``[…]``), as UnionPay's SDK reads it."""
    params: dict[str, str] = {}
    for part in _top_level_parts(text.strip()):
        name, sep, value = part.partition("=")
        if not name or not sep:
            raise ValueError("not name=value")
        params[name] = value
    return params


def _top_level_parts(text: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    closing = ""  # the bracket that ends the nested value being read
    for character in text:
        if closing:
            closing = "" if character == closing else closing
        elif character in "{[":
            closing = "}" if character == "{" else "]"
        elif character == "&":
            parts.append("".join(current))
            current = []
            continue
        current.append(character)
    parts.append("".join(current))
    return parts


class UnionPayChannel:
    """银联全渠道: messages signed by a UnionPay certificate that chains to the configured
    root; orders placed signed with the merchant's key."""

    def __init__(
        self,
        *,
        mer_id: str,
        root: x509.Certificate,
        middle: x509.Certificate,
        merchant_key: RSAPrivateKey,
        merchant_cert_id: str,
        back_url: str = PRODUCTION_GATEWAY,
    ) -> None:
        if not mer_id or not merchant_cert_id.isdigit():
            msg = "UnionPay needs the merchant id and the certId (the serial number, decimal)"
            raise ChannelNotConfigured(msg)
        try:
            middle.verify_directly_issued_by(root)
        except (ValueError, TypeError, InvalidSignature):
            msg = "the intermediate certificate is not issued by the root certificate"
            raise ChannelNotConfigured(msg) from None
        if not back_url.startswith(("https://", "http://")):
            raise ChannelNotConfigured("back_url must be the gateway's http(s) address")
        self.mer_id = mer_id
        self._root, self._middle = root, middle
        self._merchant_key = merchant_key
        self.merchant_cert_id = merchant_cert_id
        self.back_url = back_url

    @property
    def channel_name(self) -> str:
        return UNIONPAY

    @property
    def statement_format(self) -> StatementFormat:
        """对账单: the day's transactions as the merchant portal exports them (CSV/XLSX,
        ``gongzhi.infra.statements.UNIONPAY_EXPORT``); the fixed-width INN file is not read."""
        return statement_format(UNIONPAY)

    def verified(self, params: Mapping[str, str], now: datetime) -> dict[str, str]:
        """``params`` once signed by a UnionPay certificate that chains to our root and is
        valid ``now``; NoticeRefused otherwise."""
        if params.get("signMethod") != SIGN_METHOD or params.get("version") != VERSION:
            raise NoticeRefused("SIGN_ERROR", "not signed as version 5.1.0, signMethod 01")
        key = self._unionpay_key(params.get("signPubKeyCert", ""), now)
        try:
            key.verify(
                base64.b64decode(params.get("signature", ""), validate=True),
                signed_content(params),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, binascii.Error, ValueError):
            raise NoticeRefused("SIGN_ERROR", "the signature does not verify", status=401) from None
        return dict(params)

    def _unionpay_key(self, pem: str, now: datetime) -> RSAPublicKey:
        def refused(why: str) -> NoticeRefused:
            return NoticeRefused("SIGN_ERROR", f"the signing certificate {why}", status=401)

        try:
            cert = x509.load_pem_x509_certificate(pem.encode())
        except ValueError:
            raise refused("is missing or not a PEM certificate") from None
        for each in (cert, self._middle, self._root):
            if not each.not_valid_before_utc <= now <= each.not_valid_after_utc:
                raise refused("(or its chain) is not valid now")
        try:
            cert.verify_directly_issued_by(self._middle)
        except (ValueError, TypeError, InvalidSignature):
            raise refused("is not issued by UnionPay's configured intermediate") from None
        names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        fields = str(names[0].value).split("@") if names else []
        if len(fields) < 3 or fields[2] != UNIONPAY_NAME:
            raise refused(f"is not {UNIONPAY_NAME}'s")
        key = cert.public_key()
        if not isinstance(key, RSAPublicKey):
            raise refused("holds no RSA key")
        return key

    def verify(self, headers: Mapping[str, str], body: bytes, now: datetime) -> Notice:
        if len(body) > MAX_NOTICE_BYTES:
            raise NoticeRefused("PARAM_ERROR", "the notification is too large", status=413)
        try:
            text = body.decode("utf-8")
            form = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=True))
        except (UnicodeDecodeError, ValueError):
            raise NoticeRefused("PARAM_ERROR", "the notification is not a form") from None
        params = self.verified(form, now)
        if params.get("merId") != self.mer_id:
            raise NoticeRefused("PARAM_ERROR", "the notification is for another merchant")
        if params.get("respCode") not in PAID:
            raise NoticeRefused("NOT_A_PAYMENT", "the notification is not of a payment")
        if params.get("currencyCode", CNY) != CNY:
            raise NoticeRefused("PARAM_ERROR", "the payment is not in 人民币")
        try:
            amount = params["txnAmt"]
            return checked_notice(
                Notice(
                    notification_id=bounded_text(params["queryId"]),
                    order_no=bounded_text(params["orderId"]),
                    transaction_id=bounded_text(params["queryId"]),
                    amount_fen=int(amount) if amount.isdigit() and len(amount) <= 12 else -1,
                    paid_at=datetime.strptime(params["txnTime"], TIME_FORMAT).replace(
                        tzinfo=BEIJING
                    ),
                )
            )
        except (KeyError, ValueError):
            raise NoticeRefused("PARAM_ERROR", "the notification is not well formed") from None

    def place(self, order: OrderToPlace, now: datetime) -> PlacedOrder:
        """二维码申码 (消费, 二维码 07, 互联网 08): the QR code's text is the payer's link."""
        request = {
            "version": VERSION,
            "encoding": "UTF-8",
            "signMethod": SIGN_METHOD,
            "txnType": "01",
            "txnSubType": "07",
            "bizType": "000000",
            "channelType": "08",
            "accessType": "0",
            "currencyCode": CNY,
            "merId": self.mer_id,
            "orderId": order.order_no,
            "txnTime": now.astimezone(BEIJING).strftime(TIME_FORMAT),
            "txnAmt": str(order.amount_fen),
            "backUrl": order.notify_url,
            "payTimeout": order.expires_at.astimezone(BEIJING).strftime(TIME_FORMAT),
            "certId": self.merchant_cert_id,
        }
        request["signature"] = sign(request, self._merchant_key)
        try:
            response = httpx.post(self.back_url, data=request, timeout=TIMEOUT)
        except httpx.HTTPError:
            raise ChannelUnavailable("UNREACHABLE", "UnionPay's gateway did not answer") from None
        if response.status_code != 200 or len(response.content) > MAX_REPLY_BYTES:
            msg = f"UnionPay's gateway answered HTTP {response.status_code}"
            raise ChannelUnavailable("GATEWAY_ERROR", msg)
        try:
            answer = self.verified(parse_reply(response.content.decode("utf-8")), now)
        except (UnicodeDecodeError, ValueError, NoticeRefused):
            msg = "UnionPay's answer does not verify"
            raise ChannelUnavailable("UNVERIFIED_ANSWER", msg) from None
        code = answer.get("respCode", "")
        if code != "00":
            # respMsg is UnionPay's own text about the request (no payer's data in it)
            message = answer.get("respMsg", "")[:100]
            raise ChannelUnavailable(f"UNIONPAY_{code[:4]}", f"UnionPay refused: {message}")
        if answer.get("orderId") != order.order_no or answer.get("merId") != self.mer_id:
            raise ChannelUnavailable("UNVERIFIED_ANSWER", "UnionPay answered for another order")
        if not answer.get("qrCode"):
            raise ChannelUnavailable("UNVERIFIED_ANSWER", "UnionPay's answer has no QR code")
        return PlacedOrder(pay_url=answer["qrCode"])

    def accepted(self) -> Reply:
        """A 200 stops UnionPay's resending."""
        return Reply(200, b"ok", "text/plain")

    def refused(self, code: str, message: str, status: int) -> Reply:
        """Anything but 200 is resent (a few times, further and further apart)."""
        return Reply(status, b"fail", "text/plain")


def unionpay_channel(config: Path) -> UnionPayChannel:
    settings = read_config(config, REQUIRED)
    back_url = json.loads(config.read_text(encoding="utf-8")).get("back_url", PRODUCTION_GATEWAY)
    if not isinstance(back_url, str):
        raise ChannelNotConfigured("back_url must be the gateway's address")
    key_pem = key_file_bytes(config, settings["merchant_private_key_file"])
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        msg = f"{settings['merchant_private_key_file']} holds no unencrypted private key (PEM)"
        raise ChannelNotConfigured(msg) from None
    if not isinstance(key, RSAPrivateKey):
        raise ChannelNotConfigured("the merchant's key must be an RSA key")
    return UnionPayChannel(
        mer_id=settings["mer_id"],
        root=_certificate(config, settings["root_cert_file"]),
        middle=_certificate(config, settings["middle_cert_file"]),
        merchant_key=key,
        merchant_cert_id=settings["merchant_cert_id"],
        back_url=back_url,
    )


def _certificate(config: Path, name: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(key_file_bytes(config, name))
    except ValueError:
        raise ChannelNotConfigured(f"{name} holds no certificate (PEM)") from None
