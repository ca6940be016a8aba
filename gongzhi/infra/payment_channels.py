"""支付渠道适配器: the payment channels the platform can be configured with.

The sandbox signs its notifications as WeChat Pay v3 does (a
signature over ``timestamp\\nnonce\\nbody\\n`` sent in headers, refused outside a five-minute
window), with HMAC-SHA256 under a key from configuration instead of the platform
certificate's RSA key; it moves no money and serves development and tests. WeChat Pay v3 and
Alipay verify the real channels' notifications (``gongzhi.infra.payment_adapters``), and
UnionPay's (``gongzhi.infra.unionpay``).

The key is read from a file named by ``GONGZHI_PAYMENT_KEY_FILE`` (outside production one is
generated into the data folder); it is never stored in the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from gongzhi.infra.payment_adapters import AlipayChannel, WeChatPayChannel
    from gongzhi.infra.unionpay import UnionPayChannel
from gongzhi.infra.statements import (
    WECHAT_BILL,
    RefundTransaction,
    StatementFormat,
    Transaction,
    sandbox_statement,
)

SANDBOX = "SANDBOX"  # the PaymentChannel value the sandbox's payments are booked under

# A notification signed longer ago (or further ahead) than this is refused as a replay, as
# WeChat Pay v3 asks of its merchants.
FRESHNESS = timedelta(minutes=5)
MIN_KEY_BYTES = 32
# The sandbox's cashier (收银台), where a sandbox order's pay_url leads.
CASHIER_PATH = "/sandbox/pay/{order_no}"
TIMESTAMP, NONCE, SIGNATURE = "Sandbox-Timestamp", "Sandbox-Nonce", "Sandbox-Signature"
# The real channels' adapters: the module and the function that makes one from its JSON.
REAL_CHANNELS = {
    "WECHAT": ("gongzhi.infra.payment_adapters", "wechat_pay_channel"),
    "ALIPAY": ("gongzhi.infra.payment_adapters", "alipay_channel"),
    "UNIONPAY": ("gongzhi.infra.unionpay", "unionpay_channel"),
}


class ChannelNotConfigured(ValueError):
    """The configured payment channel cannot be used."""


class NoticeRefused(Exception):
    """A notification that does not verify (``gongzhi.domain.payment_channel``'s adapter
    refusal: a code to log, a message, the HTTP status)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Notice:
    """A verified notification (``gongzhi.domain.payment_channel.ChannelNotice``)."""

    notification_id: str
    order_no: str
    transaction_id: str
    amount_fen: int
    paid_at: datetime


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    media_type: str


class OrderToPlace(Protocol):
    """统一下单: the order an adapter is asked to place (the application's
    ``gongzhi.domain.payment_channel.OrderToPlace``; infra names its shape, not its class)."""

    @property
    def order_no(self) -> str: ...

    @property
    def amount_fen(self) -> int: ...

    @property
    def description(self) -> str: ...

    @property
    def expires_at(self) -> datetime: ...

    @property
    def notify_url(self) -> str: ...


@dataclass(frozen=True)
class PlacedOrder:
    """The channel's answer to ``OrderToPlace``: what the payer opens or scans."""

    pay_url: str  # WeChat's code_url, Alipay's qr_code, UnionPay's qrCode, the sandbox's cashier
    channel_ref: str = ""  # the channel's own id of the order (prepay id, trade no), if any


class ChannelUnavailable(Exception):
    """The channel could not place the order (unreachable, refused, an answer that does not
    verify): nothing was placed, the order can be placed again. ``code`` and ``message``
    carry no personal data (they are logged and shown)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def signed_message(timestamp: str, nonce: str, body: bytes) -> bytes:
    """The bytes a notification's signature covers (WeChat Pay v3's 验签串)."""
    return f"{timestamp}\n{nonce}\n".encode() + body + b"\n"


def sandbox_signature(key: bytes, timestamp: str, nonce: str, body: bytes) -> str:
    digest = hmac.new(key, signed_message(timestamp, nonce, body), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class SandboxChannel:
    """沙箱渠道, signing with HMAC-SHA256 under ``key``."""

    def __init__(self, key: bytes) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise ChannelNotConfigured(f"the sandbox key must be at least {MIN_KEY_BYTES} bytes")
        self._key = key

    @property
    def channel_name(self) -> str:
        return SANDBOX

    @property
    def statement_format(self) -> StatementFormat:
        """对账单: the sandbox publishes WeChat Pay's 交易账单 layout
        (``gongzhi.infra.statements.sandbox_statement`` writes one for a day)."""
        return WECHAT_BILL

    def statement(
        self,
        day: date,
        transactions: Sequence[Transaction],
        file_format: str = "CSV",
        refunds: Sequence[RefundTransaction] = (),
    ) -> bytes:
        """The sandbox's 交易账单 of ``day`` (of the payments it took, those its notifications
        reported, and the refunds it made of them), as WeChat Pay publishes one: for
        development and tests."""
        return sandbox_statement(day, transactions, file_format, refunds)

    def notification(
        self,
        *,
        notification_id: str,
        order_no: str,
        transaction_id: str,
        amount_fen: int,
        paid_at: datetime,
        timestamp: int,
        nonce: str | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """The headers and body the sandbox sends when a payment succeeds (what a developer's
        "pay" button and the tests post to the notification endpoint)."""
        body = json.dumps(
            {
                "id": notification_id,
                "event_type": "TRANSACTION.SUCCESS",
                "resource": {
                    "out_trade_no": order_no,
                    "transaction_id": transaction_id,
                    "trade_state": "SUCCESS",
                    "amount": {"total": amount_fen, "currency": "CNY"},
                    "success_time": paid_at.isoformat(),
                },
            }
        ).encode()
        stamp, once = str(timestamp), nonce or secrets.token_hex(16)
        headers = {
            TIMESTAMP: stamp,
            NONCE: once,
            SIGNATURE: sandbox_signature(self._key, stamp, once, body),
        }
        return headers, body

    def verify(self, headers: Mapping[str, str], body: bytes, now: datetime) -> Notice:
        stamp, nonce, signature = (headers.get(h, "") for h in (TIMESTAMP, NONCE, SIGNATURE))
        if not (stamp and nonce and signature):
            raise NoticeRefused("SIGN_ERROR", "the signature headers are missing")
        expected = sandbox_signature(self._key, stamp, nonce, body)
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise NoticeRefused("SIGN_ERROR", "the signature does not verify", status=401)
        check_fresh(stamp, now)
        return _notice(body)

    def place(self, order: OrderToPlace, now: datetime) -> PlacedOrder:
        """The sandbox's cashier page, served by the platform the order's notifications go
        to (``gongzhi.graphql.fees.sandbox_cashier``): there the payer confirms."""
        return PlacedOrder(
            pay_url=urljoin(order.notify_url, CASHIER_PATH.format(order_no=order.order_no))
        )

    def accepted(self) -> Reply:
        """WeChat Pay v3: 200 or 204 stops the resending."""
        return Reply(204, b"", "application/json")

    def refused(self, code: str, message: str, status: int) -> Reply:
        """WeChat Pay v3: a 4xx or 5xx with ``{"code", "message"}``; the channel resends."""
        body = json.dumps({"code": code, "message": message}).encode()
        return Reply(status, body, "application/json")


def check_fresh(stamp: str, now: datetime) -> None:
    """Refuse a notification signed (``stamp``: seconds since the epoch) outside the window."""
    try:
        signed_at = datetime.fromtimestamp(int(stamp), tz=now.tzinfo)
    except (ValueError, OverflowError, OSError):
        raise NoticeRefused("SIGN_ERROR", "the timestamp is not a number") from None
    if abs(now - signed_at) > FRESHNESS:
        raise NoticeRefused("REPLAYED", "the notification was signed too long ago")


def _notice(body: bytes) -> Notice:
    """The verified body's payment (a signed body that is not one is refused all the same)."""
    try:
        data: Any = json.loads(body)
        resource = data["resource"]
        if data["event_type"] != "TRANSACTION.SUCCESS" or resource["trade_state"] != "SUCCESS":
            raise NoticeRefused("NOT_A_PAYMENT", "the notification is not of a successful payment")
        amount = resource["amount"]["total"]
        notice = Notice(
            notification_id=bounded_text(data["id"]),
            order_no=bounded_text(resource["out_trade_no"]),
            transaction_id=bounded_text(resource["transaction_id"]),
            amount_fen=amount if type(amount) is int else -1,
            paid_at=datetime.fromisoformat(resource["success_time"]),
        )
    except (KeyError, TypeError, ValueError):
        raise NoticeRefused("PARAM_ERROR", "the notification is not well formed") from None
    if notice.amount_fen < 0 or notice.paid_at.utcoffset() is None:
        raise NoticeRefused("PARAM_ERROR", "the amount or the time is not well formed")
    return notice


def read_key(path: Path) -> bytes:
    return path.read_bytes().strip()


def create_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(secrets.token_hex(32))
    path.chmod(0o600)


# The configured channel's adapter (each one a ``gongzhi.domain.payment_channel.ChannelAdapter``).
Adapter: TypeAlias = "SandboxChannel | WeChatPayChannel | AlipayChannel | UnionPayChannel"


def channel_adapter(name: str, key_file: Path | None) -> Adapter | None:
    """The adapter of the configured channel (``GONGZHI_PAYMENT_CHANNEL``); None for none.
    The real channels are configured by the JSON file ``key_file`` names (their modules say
    what it holds)."""
    if not name:
        return None
    if name in REAL_CHANNELS:
        if key_file is None:
            msg = f"GONGZHI_PAYMENT_CHANNEL={name} needs GONGZHI_PAYMENT_KEY_FILE (its JSON)"
            raise ChannelNotConfigured(msg)
        module, function = REAL_CHANNELS[name]
        make = getattr(importlib.import_module(module), function)
        try:
            adapter: Adapter = make(key_file)
        except ChannelNotConfigured as error:
            raise ChannelNotConfigured(f"GONGZHI_PAYMENT_CHANNEL={name}: {error}") from None
        return adapter
    if name != SANDBOX:
        known = ", ".join([SANDBOX, *REAL_CHANNELS])
        raise ChannelNotConfigured(f"GONGZHI_PAYMENT_CHANNEL={name}: no such channel ({known})")
    if key_file is None:
        raise ChannelNotConfigured("the sandbox channel needs GONGZHI_PAYMENT_KEY_FILE")
    return SandboxChannel(read_key(key_file))


# What every adapter shares: its JSON configuration and key files, the bounds of a
# notification's fields, the channels' clock.
MAX_FIELD = 64
BEIJING = ZoneInfo("Asia/Shanghai")  # the channels' times (the domain's business calendar too)


def read_config(
    path: Path, required: tuple[str, ...], optional: Mapping[str, str] | None = None
) -> dict[str, str]:
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        msg = f"GONGZHI_PAYMENT_KEY_FILE ({path}) is not the channel's JSON configuration: {error}"
        raise ChannelNotConfigured(msg) from None
    missing = [name for name in required if not isinstance(settings.get(name), str)]
    if missing:
        msg = f"GONGZHI_PAYMENT_KEY_FILE ({path}) lacks {', '.join(missing)}"
        raise ChannelNotConfigured(msg)
    chosen = {name: settings[name] for name in required}
    for name, default in (optional or {}).items():
        value = settings.get(name, default)
        if not isinstance(value, str) or not value.startswith(("https://", "http://")):
            raise ChannelNotConfigured(f"GONGZHI_PAYMENT_KEY_FILE ({path}): {name} is not a URL")
        chosen[name] = value
    return chosen


def key_file_bytes(config: Path, name: str) -> bytes:
    path = Path(name) if Path(name).is_absolute() else config.parent / name
    try:
        return path.read_bytes()
    except OSError as error:
        raise ChannelNotConfigured(f"the key file {path} cannot be read: {error}") from None


def checked_notice(notice: Notice) -> Notice:
    if notice.amount_fen < 0 or notice.paid_at.utcoffset() is None:
        raise NoticeRefused("PARAM_ERROR", "the amount or the time is not well formed")
    return notice


def bounded_text(value: Any, max_length: int = MAX_FIELD) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= max_length:
        raise ValueError(f"a text of 1-{max_length} characters")
    return value
