"""A local stand-in for WeChat Pay's and Alipay's order APIs (统一下单), on 127.0.0.1.

It checks a request as the channel does (the merchant's signature with the merchant's public
key, the fields it needs) and answers signed with the channel's own key, so that the
adapters' signing and their checking of the answer meet a peer that can refuse them. It is
the channel's side, written from the channels' documentation, not a copy of our code.

``mode``: ``"ok"``; ``"forged"`` (the answer signed with a key that is not the channel's);
``"refuse"`` (the channel's error answer, properly signed where the channel signs errors).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

NATIVE = "/v3/pay/transactions/native"
GATEWAY = "/gateway.do"
AUTH = re.compile(r"^WECHATPAY2-SHA256-RSA2048 (.+)$")


def sign(key: rsa.RSAPrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def verifies(key: rsa.RSAPublicKey, signature: str, message: bytes) -> bool:
    try:
        key.verify(base64.b64decode(signature), message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass
class ChannelPeer:
    """The channel: its own signing key, the merchant's public key it was given."""

    channel_key: rsa.RSAPrivateKey
    merchant_key: rsa.RSAPublicKey
    platform_serial: str
    merchant_serial: str = ""
    mchid: str = ""
    app_id: str = ""
    mode: str = "ok"
    placed: list[dict[str, Any]] = field(default_factory=list)  # the orders it took
    refused: list[str] = field(default_factory=list)  # why it refused requests
    base_url: str = ""

    def answer_wechat(self, headers: Any, body: bytes) -> tuple[int, dict[str, str], bytes]:
        found = AUTH.match(headers.get("Authorization", ""))
        parts = dict(re.findall(r'(\w+)="([^"]*)"', found.group(1))) if found else {}
        message = (
            f"POST\n{NATIVE}\n{parts.get('timestamp')}\n{parts.get('nonce_str')}\n".encode()
            + body
            + b"\n"
        )
        if (
            parts.get("mchid") != self.mchid
            or parts.get("serial_no") != self.merchant_serial
            or not verifies(self.merchant_key, parts.get("signature", ""), message)
        ):
            self.refused.append("SIGN_ERROR")
            return self._wechat(401, {"code": "SIGN_ERROR", "message": "签名错误"})
        order = json.loads(body)
        expires = datetime.fromisoformat(order["time_expire"])
        if (
            order["mchid"] != self.mchid
            or order["amount"]["currency"] != "CNY"
            or type(order["amount"]["total"]) is not int
            or not order["time_expire"].endswith("+08:00")
            or expires <= datetime.now(UTC)
            or not order["notify_url"].startswith("http")
        ):
            self.refused.append("PARAM_ERROR")
            return self._wechat(400, {"code": "PARAM_ERROR", "message": "参数错误"})
        if self.mode == "refuse":
            self.refused.append("ORDERPAID")
            return self._wechat(403, {"code": "ORDERPAID", "message": "该订单已支付"})
        self.placed.append(order)
        pay = f"weixin://wxpay/bizpayurl?pr={secrets.token_urlsafe(8)}"
        return self._wechat(200, {"code_url": pay})

    def _wechat(self, status: int, answer: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        body = json.dumps(answer, ensure_ascii=False).encode()
        stamp, nonce = str(int(datetime.now(UTC).timestamp())), secrets.token_hex(16)
        key = self.channel_key if self.mode != "forged" else _stranger()
        headers = {
            "Content-Type": "application/json",
            "Wechatpay-Timestamp": stamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Serial": self.platform_serial,
            "Wechatpay-Signature": sign(key, f"{stamp}\n{nonce}\n".encode() + body + b"\n"),
        }
        return status, headers, body

    def answer_alipay(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        # A request signs every parameter but sign itself, sign_type included.
        content = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v)
        if params.get("app_id") != self.app_id or not verifies(
            self.merchant_key, params.get("sign", ""), content.encode()
        ):
            self.refused.append("isv.invalid-signature")
            return self._alipay(
                {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature"}
            )
        biz = json.loads(params["biz_content"])
        if (
            params.get("method") != "alipay.trade.precreate"
            or params.get("sign_type") != "RSA2"
            or not re.fullmatch(r"\d+\.\d\d", biz["total_amount"])
            or not re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", params["timestamp"])
        ):
            self.refused.append("isv.invalid-arguments")
            return self._alipay({"code": "40002", "msg": "Invalid Arguments"})
        if self.mode == "refuse":
            self.refused.append("ACQ.TRADE_HAS_CLOSE")
            return self._alipay(
                {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_HAS_CLOSE"}
            )
        self.placed.append({**params, "biz": biz})
        qr = f"https://qr.alipay.com/bax0{secrets.token_hex(8)}"
        return self._alipay(
            {"code": "10000", "msg": "Success", "out_trade_no": biz["out_trade_no"], "qr_code": qr}
        )

    def _alipay(self, answer: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        # Signed over the answer object's own text, which sits in the body as it was signed.
        text = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
        key = self.channel_key if self.mode != "forged" else _stranger()
        body = f'{{"alipay_trade_precreate_response":{text},"sign":"{sign(key, text.encode())}"}}'
        return 200, {"Content-Type": "application/json;charset=utf-8"}, body.encode()


def _stranger() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@contextmanager
def serving(peer: ChannelPeer) -> Iterator[ChannelPeer]:
    """The peer listening on 127.0.0.1 (a free port) while the block runs."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path == NATIVE:
                status, headers, answer = peer.answer_wechat(self.headers, body)
            elif self.path == GATEWAY:
                status, headers, answer = peer.answer_alipay(body)
            else:
                status, headers, answer = 404, {}, b""
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    peer.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield peer
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
