"""沙箱收银台 the sandbox channel's cashier: the page a sandbox order's ``payUrl`` opens.

It stands in for the WeChat or Alipay app where a payer confirms a payment: it shows the
order's amount and a 确认支付 button, and the button makes the sandbox's signed notification
and hands it to the platform's own notification handling (``notify.receive_notice``: the
signature verified and the payment booked exactly once, as a real channel's), then goes back
to the page it came from. Mounted only when the configured channel is the sandbox.

The page is served whole by the platform (no script, no external asset, a nonce for its one
style element) and moves no money. Anyone holding an order's number may pay it here, as
anyone holding a real channel's QR code may: the number is a random 128-bit id.
"""

from __future__ import annotations

import html
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl
from uuid import UUID, uuid4

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from gongzhi.graphql.context import Services
from gongzhi.graphql.fees.notify import receive_notice
from gongzhi.graphql.fees.payment_orders import ORDER_SELECT
from gongzhi.infra.payment_channels import CASHIER_PATH, SandboxChannel

MAX_RETURN = 500  # characters of the path a payer is sent back to
HOME = "/console/"
SHOWN = {"PAID": "已支付", "EXPIRED": "已过期", "CLOSED": "已关闭"}


def cashier_routes(holder: dict[str, Services], adapter: object) -> list[Route]:
    """The cashier's page and its button, for the sandbox channel only."""
    if not isinstance(adapter, SandboxChannel):
        return []
    sandbox = adapter

    async def cashier(request: Request) -> Response:
        services = holder["services"]
        order = await _order(services, request.path_params["order_no"])
        if request.method == "GET":
            back = safe_return(request.query_params.get("return", ""))
            return _page(order, back)
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        back = safe_return(form.get("return", ""))
        if order is None or order["shown_status"] != "CREATED":
            return _page(order, back, status=409)
        now = datetime.now(UTC)
        headers, body = sandbox.notification(
            notification_id=uuid4().hex,
            order_no=order["id"].hex,
            # One payment per order: a second confirmation (a double tap, two tabs) is the
            # same transaction, which the booking takes once.
            transaction_id=f"SBX{order['id'].hex}",
            amount_fen=order["amount_fen"],
            paid_at=now,
            timestamp=int(now.timestamp()),
        )
        reply = await receive_notice(services, sandbox, headers, body)
        if reply.status >= 300:
            return _page(order, back, status=502, problem="支付通知未被平台接受，请稍后再试")
        return RedirectResponse(back, status_code=303)

    return [Route(CASHIER_PATH, cashier, methods=["GET", "POST"])]


def safe_return(value: str) -> str:
    """Back to a path of this platform only: an absolute or scheme-relative address (or
    anything odd) goes to the console's home instead of another site."""
    if (
        not value.startswith("/")
        or value.startswith(("//", "/\\"))
        or len(value) > MAX_RETURN
        or any(ord(c) < 0x20 or c == "\\" for c in value)
    ):
        return HOME
    return value


async def _order(services: Services, order_no: str) -> dict[str, Any] | None:
    try:
        order_id = UUID(hex=order_no)
    except ValueError:
        return None
    row = await services.pool.fetchrow(f"{ORDER_SELECT} WHERE o.id = $1", order_id)
    return dict(row) if row else None


def _page(
    order: dict[str, Any] | None, back: str, *, status: int = 200, problem: str = ""
) -> Response:
    nonce = secrets.token_urlsafe(16)
    if order is None:
        body, status = "<h1>沙箱收银台</h1><p class='state'>没有这个订单</p>", 404
    else:
        amount = int(str(order["amount_fen"]))
        shown = str(order["shown_status"])
        order_no = html.escape(UUID(str(order["id"])).hex)
        action = html.escape(CASHIER_PATH.format(order_no=order_no))
        pay = (
            f"<form method='post' action='{action}'>"
            f"<input type='hidden' name='return' value='{html.escape(back)}'>"
            "<button type='submit'>确认支付</button></form>"
            if shown == "CREATED"
            else f"<p class='state' data-status='{html.escape(shown)}'>订单{SHOWN[shown]}</p>"
        )
        body = (
            "<h1>沙箱收银台</h1><p class='note'>开发与测试用的模拟支付渠道，不会扣款。</p>"
            f"<p class='amount'>¥{amount // 100}.{amount % 100:02d}</p>"
            f"<p class='order'>订单号 <code>{order_no}</code></p>"
            + (f"<p class='problem'>{html.escape(problem)}</p>" if problem else "")
            + pay
            + f"<p><a href='{html.escape(back)}'>返回</a></p>"
        )
    page = (
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>沙箱收银台</title><style nonce='{nonce}'>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    policy = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    )
    headers = {
        "Content-Security-Policy": policy,
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }
    return HTMLResponse(page, status, headers=headers)


STYLE = (
    "body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#222}"
    "main{max-width:24rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px}"
    "h1{font-size:1.25rem}.note{color:#777;font-size:.85rem}"
    ".amount{font-size:2.25rem;font-weight:600;margin:1rem 0}"
    "code{word-break:break-all}.problem{color:#b42318}"
    "button{width:100%;padding:.8rem;font-size:1.1rem;border:0;border-radius:6px;"
    "background:#07c160;color:#fff}.state{font-size:1.2rem;font-weight:600}"
)
