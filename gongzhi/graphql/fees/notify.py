"""``POST /payments/notify/{channel}``: the payment channel's notification (支付结果通知).

The body is trusted only once the configured channel's adapter verified its signature and
freshness; then the application books it exactly once (``PaymentOrderService.settle_notice``).
Every outcome is logged by its code, the order number and the amount, never a person's data
(a notification carries none the platform keeps, and the body is not logged).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gongzhi.domain.errors import DomainError
from gongzhi.domain.payment import PaymentChannel
from gongzhi.domain.payment_channel import (
    ChannelAdapter,
    ChannelNotice,
    ChannelReply,
    NoticeRefused,
)
from gongzhi.graphql.context import Services
from gongzhi.infra.payment_channels import NoticeRefused as Unverified

PATH = "/payments/notify/{channel}"

log = logging.getLogger(__name__)


def notify_url(public_url: str, channel: str) -> str:
    """Where ``channel`` posts its notifications, as sent with each order it places."""
    return public_url.rstrip("/") + PATH.format(channel=channel.lower())


def notify_route(holder: dict[str, Services], adapter: ChannelAdapter | None) -> Route:
    """The endpoint of the configured channel; any other channel's name is not found."""

    async def notify(request: Request) -> Response:
        name = request.path_params["channel"].upper()
        if adapter is None or name != adapter.channel_name:
            return Response(b'{"code":"NOT_FOUND"}', 404, media_type="application/json")
        body = await request.body()
        reply = await receive_notice(holder["services"], adapter, request.headers, body)
        return Response(reply.body, reply.status, media_type=reply.media_type)

    return Route(PATH, notify, methods=["POST"])


async def receive_notice(
    services: Services, adapter: ChannelAdapter, headers: Mapping[str, str], body: bytes
) -> ChannelReply:
    """The one way a notification is taken (the endpoint, and the sandbox's cashier that
    delivers its own): verified by the adapter, then booked exactly once, every outcome
    logged without the body."""
    name = adapter.channel_name
    notice: ChannelNotice | None = None
    try:
        notice = adapter.verify(headers, body, datetime.now(UTC))
        verified = notice
        payment_id = await to_thread.run_sync(
            lambda: services.app.settle_notice(PaymentChannel(name), verified),
            limiter=services.limiter,
        )
    except (Unverified, NoticeRefused) as refusal:
        log.warning(
            "payment notification refused: %s %s (order %s, %s fen)",
            name,
            refusal.code,
            notice.order_no if notice else "-",
            notice.amount_fen if notice else "-",
        )
        return adapter.refused(refusal.code, refusal.message, refusal.status)
    except DomainError as error:
        # The booking itself was refused (a prepayment over its limit, say): the channel
        # resends later, when staff may have sorted it out; nothing was booked.
        log.error(
            "payment notification not booked: %s (order %s)", error, notice and notice.order_no
        )
        return adapter.refused("NOT_BOOKED", "not booked; resend later", 500)
    log.info(
        "payment notification taken: %s order %s, %s fen, payment %s",
        name,
        verified.order_no,
        verified.amount_fen,
        payment_id,
    )
    return adapter.accepted()
