"""银联全渠道 5.1.0 (gongzhi.infra.unionpay) against keys and certificates made here: a
throwaway root CA, an intermediate and UnionPay's signing certificate, signed as UnionPay's
SDK signs. Its notifications are taken; one whose certificate does not chain, is not
UnionPay's, has expired, or whose parameters were altered is refused. Orders are placed at
a test peer on 127.0.0.1 that checks the merchant's signature as UnionPay would."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from gongzhi.domain.payment_channel import ChannelUnavailable, OrderToPlace
from gongzhi.infra.payment_channels import NoticeRefused, channel_adapter
from gongzhi.infra.settings import ConfigurationError, Settings
from gongzhi.infra.unionpay import (
    UNIONPAY_NAME,
    UnionPayChannel,
    parse_reply,
    sign,
    signed_content,
)

NOW = datetime(2026, 12, 7, 2, 30, tzinfo=UTC)  # 10:30 in Beijing
MER_ID, CERT_ID = "777290058110048", "69629715588"
UNIONPAY_CN = f"041@8310000000000000@{UNIONPAY_NAME}@00000001"
# What every message of a QR consumption (二维码消费) carries.
QR_CONSUMPTION = {
    "version": "5.1.0",
    "encoding": "UTF-8",
    "signMethod": "01",
    "txnType": "01",
    "txnSubType": "07",
    "bizType": "000000",
    "accessType": "0",
}


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def certificate(
    subject: str,
    key: rsa.RSAPrivateKey,
    issuer: x509.Certificate | None = None,
    issuer_key: rsa.RSAPrivateKey | None = None,
    *,
    ca: bool = False,
    valid_from: datetime = NOW - timedelta(days=365),
    valid_until: datetime = NOW + timedelta(days=365),
    serial: int | None = None,
) -> x509.Certificate:
    """A certificate of ``key`` issued by ``issuer`` (self-signed without one)."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(valid_from)
        .not_valid_after(valid_until)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    return builder.sign(issuer_key or key, hashes.SHA256())


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@dataclass
class UnionPayWorld:
    """UnionPay's chain and signing certificate, and the merchant's key and certificate."""

    root_key: rsa.RSAPrivateKey = field(default_factory=_key)
    middle_key: rsa.RSAPrivateKey = field(default_factory=_key)
    signing_key: rsa.RSAPrivateKey = field(default_factory=_key)
    merchant_key: rsa.RSAPrivateKey = field(default_factory=_key)
    valid_at: datetime = NOW  # the certificates are valid a year either side of it

    def __post_init__(self) -> None:
        days = {
            "valid_from": self.valid_at - timedelta(days=365),
            "valid_until": self.valid_at + timedelta(days=365),
        }
        self.root = certificate("CFCA ACS TEST ROOT", self.root_key, ca=True, **days)
        self.middle = certificate(
            "CFCA ACS TEST OCA31", self.middle_key, self.root, self.root_key, ca=True, **days
        )
        self.signing = certificate(
            UNIONPAY_CN, self.signing_key, self.middle, self.middle_key, **days
        )
        self.merchant = certificate(
            f"041@{MER_ID}@商户@00000001", self.merchant_key, serial=int(CERT_ID), **days
        )

    def channel(self, back_url: str = "http://127.0.0.1:9/unused") -> UnionPayChannel:
        return UnionPayChannel(
            mer_id=MER_ID,
            root=self.root,
            middle=self.middle,
            merchant_key=self.merchant_key,
            merchant_cert_id=CERT_ID,
            back_url=back_url,
        )

    def configured(self, folder: Path, back_url: str | None = None) -> Path:
        """The JSON configuration and its files, as an operator lays them out."""
        (folder / "root.pem").write_text(pem(self.root))
        (folder / "middle.pem").write_text(pem(self.middle))
        (folder / "merchant.key").write_bytes(
            self.merchant_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        settings = {
            "mer_id": MER_ID,
            "root_cert_file": "root.pem",
            "middle_cert_file": "middle.pem",
            "merchant_private_key_file": "merchant.key",
            "merchant_cert_id": CERT_ID,
            **({"back_url": back_url} if back_url else {}),
        }
        config = folder / "unionpay.json"
        config.write_text(json.dumps(settings))
        return config

    def signed(
        self,
        params: dict[str, str],
        key: rsa.RSAPrivateKey | None = None,
        cert: x509.Certificate | None = None,
    ) -> dict[str, str]:
        """``params`` signed as UnionPay signs, its certificate beside them."""
        message = {**params, "signPubKeyCert": pem(cert or self.signing)}
        return {**message, "signature": sign(message, key or self.signing_key)}

    def notice(self, order_no: str, amount_fen: int, query_id: str, **changed: str) -> bytes:
        """The back notification UnionPay posts when the order is paid (form-encoded)."""
        params = {
            **QR_CONSUMPTION,
            "merId": MER_ID,
            "orderId": order_no,
            "queryId": query_id,
            "txnTime": "20261207102958",
            "txnAmt": str(amount_fen),
            "currencyCode": "156",
            "respCode": "00",
            "respMsg": "成功[0000000]",
            "settleAmt": str(amount_fen),
            "settleDate": "1207",
            "traceNo": "782563",
            "traceTime": "1207102958",
            **changed,
        }
        return urlencode(self.signed(params)).encode()


@pytest.fixture(scope="module")
def world() -> UnionPayWorld:
    return UnionPayWorld()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_a_notification_signed_by_unionpays_certificate_is_taken(world: UnionPayWorld) -> None:
    # Given a back notification of a paid order, signed by UnionPay's certificate
    body = world.notice("a" * 32, 14685, "782563123456789012345")
    # When verified
    notice = world.channel().verify(FORM, body, NOW)
    # Then it is the payment: our order, UnionPay's id of it, the amount in fen, Beijing time
    assert (notice.order_no, notice.transaction_id, notice.amount_fen) == (
        "a" * 32,
        "782563123456789012345",
        14685,
    )
    assert notice.notification_id == "782563123456789012345"
    assert notice.paid_at == datetime(2026, 12, 7, 2, 29, 58, tzinfo=UTC)
    assert world.channel().accepted().body == b"ok"
    # And A6 (paid, part deferred) is a payment too
    assert world.channel().verify(FORM, world.notice("b" * 32, 1, "Q-A6", respCode="A6"), NOW)


def test_the_signature_covers_the_hex_digest_of_the_sorted_parameters() -> None:
    # UnionPay's SDK: sha256 hex of "k=v&…" sorted, signature left out, empty values kept
    content = signed_content({"b": "2", "a": "", "signature": "x"})
    assert content == hashlib.sha256(b"a=&b=2").hexdigest().encode()


def _forged(world: UnionPayWorld, case: str) -> bytes:
    """A notification that must be refused, and why."""
    base = {
        "version": "5.1.0",
        "signMethod": "01",
        "merId": MER_ID,
        "orderId": "c" * 32,
        "queryId": "Q-1",
        "txnTime": "20261207102958",
        "txnAmt": "14685",
        "respCode": "00",
    }
    if case == "not chained":
        # A certificate in UnionPay's name from a CA of the forger's own
        own_key, key = _key(), _key()
        own_ca = certificate("CFCA ACS TEST OCA31", own_key, ca=True)  # the same name
        forged_cert = certificate(UNIONPAY_CN, key, own_ca, own_key)
        return urlencode(world.signed(base, key, forged_cert)).encode()
    if case == "wrong name":
        key = _key()
        other = certificate(
            "041@8310000000000000@某某支付有限公司@00000001", key, world.middle, world.middle_key
        )
        return urlencode(world.signed(base, key, other)).encode()
    if case == "expired":
        key = _key()
        old = certificate(
            UNIONPAY_CN,
            key,
            world.middle,
            world.middle_key,
            valid_from=NOW - timedelta(days=800),
            valid_until=NOW - timedelta(days=1),
        )
        return urlencode(world.signed(base, key, old)).encode()
    if case == "tampered":
        params = world.signed(base)
        return urlencode({**params, "txnAmt": "1"}).encode()
    if case == "another key":
        return urlencode(world.signed(base, key=_key())).encode()
    if case == "another merchant":
        return urlencode(world.signed({**base, "merId": "777290058110049"})).encode()
    if case == "not paid":
        return urlencode(world.signed({**base, "respCode": "03"})).encode()
    if case == "no certificate":
        params = world.signed(base)
        del params["signPubKeyCert"]
        return urlencode(params).encode()
    raise AssertionError(case)


@pytest.mark.parametrize(
    ("case", "code", "status"),
    [
        ("not chained", "SIGN_ERROR", 401),
        ("wrong name", "SIGN_ERROR", 401),
        ("expired", "SIGN_ERROR", 401),
        ("tampered", "SIGN_ERROR", 401),
        ("another key", "SIGN_ERROR", 401),
        ("no certificate", "SIGN_ERROR", 401),
        ("another merchant", "PARAM_ERROR", 400),
        ("not paid", "NOT_A_PAYMENT", 400),
    ],
)
def test_a_notification_that_does_not_verify_is_refused(
    world: UnionPayWorld, case: str, code: str, status: int
) -> None:
    with pytest.raises(NoticeRefused) as refused:
        world.channel().verify(FORM, _forged(world, case), NOW)
    assert (refused.value.code, refused.value.status) == (code, status)
    assert world.channel().refused(code, "x", status).body == b"fail"


def test_a_chain_that_has_expired_is_refused_though_the_certificate_is_valid(
    world: UnionPayWorld,
) -> None:
    # Given the intermediate certificate is no longer valid on the day
    later = world.middle.not_valid_after_utc + timedelta(days=1)
    body = world.notice("d" * 32, 100, "Q-2")
    with pytest.raises(NoticeRefused, match="not valid now"):
        world.channel().verify(FORM, body, later)


def test_the_configuration_is_read_from_the_json_the_settings_name(
    world: UnionPayWorld, tmp_path: Path
) -> None:
    config = world.configured(tmp_path)
    adapter = channel_adapter("UNIONPAY", config)
    assert isinstance(adapter, UnionPayChannel)
    assert adapter.channel_name == "UNIONPAY"
    assert adapter.back_url == "https://gateway.95516.com/gateway/api/backTransReq.do"
    assert adapter.statement_format.name == "银联交易明细"
    env = {
        "GONGZHI_DATA_DIR": str(tmp_path),
        "GONGZHI_JWT_SECRET": "s" * 40,
        "GONGZHI_PAYMENT_CHANNEL": "UNIONPAY",
        "GONGZHI_PAYMENT_KEY_FILE": str(config),
    }
    assert Settings.from_env(env).payment_channel == "UNIONPAY"
    # A chain whose intermediate is not the root's refuses to start
    (tmp_path / "middle.pem").write_text(pem(certificate("OTHER", _key(), ca=True)))
    with pytest.raises(ConfigurationError, match="intermediate certificate is not issued"):
        Settings.from_env(env)
    # And so does a configuration that lacks the merchant's key
    config.write_text(json.dumps({"mer_id": MER_ID}))
    with pytest.raises(ConfigurationError, match="lacks root_cert_file"):
        Settings.from_env(env)


def test_an_answer_is_read_as_unionpays_sdk_reads_it() -> None:
    # Values are not URL-encoded: a signature ends in "=", a reserved field nests "&"
    text = "a=1&signature=YWJj+/==&reqReserved={x=1&y=2}&b="
    assert parse_reply(text) == {
        "a": "1",
        "signature": "YWJj+/==",
        "reqReserved": "{x=1&y=2}",
        "b": "",
    }


# --- 二维码申码 at a test peer that checks requests as UnionPay does ---


class UnionPayPeer:
    """backTransReq.do on 127.0.0.1: verifies the merchant's signature with the merchant's
    certificate (named by certId), and answers as UnionPay does, signed, not URL-encoded."""

    def __init__(self, world: UnionPayWorld, answer: str = "00", key: Any = None) -> None:
        self.world, self.answer, self.key = world, answer, key
        self.requests: list[dict[str, str]] = []
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                body = peer.respond(form).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain;charset=UTF-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/gateway/api/backTransReq.do"

    def respond(self, form: dict[str, str]) -> str:
        self.requests.append(form)
        merchant = self.world.merchant
        try:
            assert form["certId"] == str(merchant.serial_number)
            key = cast(rsa.RSAPublicKey, merchant.public_key())
            key.verify(
                base64.b64decode(form["signature"]),
                signed_content(form),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
            code = self.answer
        except Exception:
            code = "11"  # 验证签名失败
        answer = {
            **QR_CONSUMPTION,
            "merId": form.get("merId", ""),
            "orderId": form.get("orderId", ""),
            "txnTime": form.get("txnTime", ""),
            "respCode": code,
            "respMsg": "成功[0000000]" if code == "00" else "重复交易[1100012]",
            **(
                {"qrCode": "https://qr.95516.com/00010000/01234567890123456789"}
                if code == "00"
                else {}
            ),
        }
        signed = self.world.signed(answer, key=self.key)
        return "&".join(f"{k}={v}" for k, v in signed.items())

    def __enter__(self) -> UnionPayPeer:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def peer(world: UnionPayWorld) -> Iterator[UnionPayPeer]:
    with UnionPayPeer(world) as running:
        yield running


ORDER = OrderToPlace(
    order_no="e" * 32,
    amount_fen=14685,
    description="物业费",
    expires_at=NOW + timedelta(minutes=30),
    notify_url="https://wy.example.cn/payments/notify/unionpay",
)


def test_an_order_is_placed_signed_and_its_qr_code_taken(
    world: UnionPayWorld, peer: UnionPayPeer
) -> None:
    # When the order is placed at the gateway
    placed = world.channel(peer.url).place(ORDER, NOW)
    # Then UnionPay's QR code is what the payer scans
    assert placed.pay_url == "https://qr.95516.com/00010000/01234567890123456789"
    # And the request was UnionPay's QR 申码, signed with the merchant's key
    (request,) = peer.requests
    assert {k: request[k] for k in ("txnType", "txnSubType", "bizType", "channelType")} == {
        "txnType": "01",
        "txnSubType": "07",
        "bizType": "000000",
        "channelType": "08",
    }
    assert (request["accessType"], request["currencyCode"], request["txnAmt"]) == (
        "0",
        "156",
        "14685",
    )
    assert (request["orderId"], request["merId"], request["certId"]) == ("e" * 32, MER_ID, CERT_ID)
    assert (request["txnTime"], request["payTimeout"]) == ("20261207103000", "20261207110000")
    assert request["backUrl"] == ORDER.notify_url


def test_a_refused_unverifiable_or_unreachable_placing_is_unavailable(world: UnionPayWorld) -> None:
    # A refusal by UnionPay names its code
    refusing = UnionPayPeer(world, answer="12")
    with refusing, pytest.raises(ChannelUnavailable) as refused:
        world.channel(refusing.url).place(ORDER, NOW)
    assert refused.value.code == "UNIONPAY_12"
    # An answer signed with another key than its certificate's is not believed
    with UnionPayPeer(world, key=_key()) as forger, pytest.raises(ChannelUnavailable) as forged:
        world.channel(forger.url).place(ORDER, NOW)
    assert forged.value.code == "UNVERIFIED_ANSWER"
    # And a gateway that is not there
    with UnionPayPeer(world) as gone:
        url = gone.url
    with pytest.raises(ChannelUnavailable) as unreachable:
        world.channel(url).place(ORDER, NOW)
    assert unreachable.value.code == "UNREACHABLE"
