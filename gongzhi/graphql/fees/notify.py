"""``POST /payments/notify/{channel}``: the payment channel's notification (支付结果通知).

The body is trusted only once the configured channel's adapter verified its signature and
freshness; then the application books it exactly once (``PaymentOrderService.settle_notice``).
Every outcome is logged by its code, the order number and the amount, never a person's data
(a notification carries none the platform keeps, and the body is not logged).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gongzhi.domain.errors import DomainError
from gongzhi.domain.payment import PaymentChannel
from gongzhi.domain.payment_channel import ChannelAdapter, ChannelNotice, NoticeRefused
from gongzhi.graphql.context import Services
from gongzhi.infra.payment_channels import NoticeRefused as Unverified

PATH = "/payments/notify/{channel}"

log = logging.getLogger(__name__)


def notify_route(holder: dict[str, Services], adapter: ChannelAdapter | None) -> Route:
    """The endpoint of the configured channel; any other channel's name is not found."""

    async def notify(request: Request) -> Response:
        name = request.path_params["channel"].upper()
        if adapter is None or name != adapter.channel_name:
            return Response(b'{"code":"NOT_FOUND"}', 404, media_type="application/json")
        services = holder["services"]
        body = await request.body()
        notice: ChannelNotice | None = None
        try:
            notice = adapter.verify(request.headers, body, datetime.now(UTC))
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
            reply = adapter.refused(refusal.code, refusal.message, refusal.status)
        except DomainError as error:
            # The booking itself was refused (a prepayment over its limit, say): the channel
            # resends later, when staff may have sorted it out; nothing was booked.
            log.error(
                "payment notification not booked: %s (order %s)", error, notice and notice.order_no
            )
            reply = adapter.refused("NOT_BOOKED", "not booked; resend later", 500)
        else:
            log.info(
                "payment notification taken: %s order %s, %s fen, payment %s",
                name,
                verified.order_no,
                verified.amount_fen,
                payment_id,
            )
            reply = adapter.accepted()
        return Response(reply.body, reply.status, media_type=reply.media_type)

    return Route(PATH, notify, methods=["POST"])
