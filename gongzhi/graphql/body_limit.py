"""The request body limit: a larger body gets 413 with a JSON error, and is never read whole.

Every request body may hold ``max_body_bytes`` (1 MiB by default). A roster import
(``importRoster``) carries its file, of up to 20 MB, inside the JSON: a body whose first
``max_body_bytes`` name that mutation may grow to ``max_upload_bytes``. Anyone may write the
word into any request, so the most a client can make the process hold is still bounded, by
the upload limit.

A declared ``Content-Length`` over the largest limit is refused before a byte is read; any
other body is counted as it arrives and refused at the first chunk past its limit, however
the client framed it (chunked or not).

A websocket message (graphql-transport-ws: a subscription, or a query or mutation sent over
the socket) may hold ``max_body_bytes`` too, the same bound as a request body (the upload
exception is HTTP only: a roster is imported over HTTP). A larger message closes that socket
with 1009 (Message Too Big, RFC 6455) before the application sees it; the application then
reads a disconnect, so its subscriptions on that socket end, and other sockets are untouched.
The server's own frame limit (uvicorn's ``ws_max_size``, 16 MiB) still stops anything larger
before it is assembled.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gongzhi.infra.limits import Limits

# What an upload's body says early (the query text; clients send it before the file): a roster
# import, a smart-meter export (``importReadings``), a 装表清单 (``importMeters``) or a payment
# statement.
UPLOAD_MARKERS = (
    b"importRoster",
    b"importReadings",
    b"importMeters",
    b"importPaymentStatement",
)


# RFC 6455 §7.4.1: the endpoint received a message too big for it to process.
MESSAGE_TOO_BIG = 1009


class BodyTooLarge(Exception):
    """Raised from ``receive`` when a body passes its limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is larger than {limit} bytes")
        self.limit = limit


def too_large(limit: int) -> Response:
    return JSONResponse(
        {
            "errors": [
                {
                    "message": f"the request body is larger than the limit of {limit} bytes",
                    "extensions": {"code": "PAYLOAD_TOO_LARGE", "limit": limit},
                }
            ]
        },
        status_code=413,
        headers={"Connection": "close"},
    )


def _uploads(head: bytearray) -> bool:
    return any(marker in head for marker in UPLOAD_MARKERS)


class BodyLimit:
    """ASGI middleware: bounds every HTTP request body (see the module's docstring)."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.max_bytes = limits.max_body_bytes
        self.max_upload_bytes = max(limits.max_upload_bytes, limits.max_body_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_upload_bytes:
            await too_large(self.max_upload_bytes)(scope, receive, send)
            return
        received = 0
        limit = self.max_bytes
        head = bytearray()  # the first max_bytes of the body, to look for the upload marker

        async def counted() -> Message:
            nonlocal received, limit
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                if len(head) < self.max_bytes:
                    head.extend(chunk[: self.max_bytes - len(head)])
                if received > limit and limit == self.max_bytes and _uploads(head):
                    limit = self.max_upload_bytes
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge as error:
            if started:  # pragma: no cover - the app answered before reading its body
                raise
            await too_large(error.limit)(scope, receive, send)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Bound each message of a websocket (see the module's docstring)."""
        closed = False

        async def bounded() -> Message:
            nonlocal closed
            message = await receive()
            if message["type"] == "websocket.receive" and _size(message) > self.max_bytes:
                closed = True
                await send(
                    {
                        "type": "websocket.close",
                        "code": MESSAGE_TOO_BIG,
                        "reason": f"a message may hold at most {self.max_bytes} bytes",
                    }
                )
                return {"type": "websocket.disconnect", "code": MESSAGE_TOO_BIG}
            return message

        async def unless_closed(message: Message) -> None:
            if not closed:  # the app may still answer what it had: the socket is gone
                await send(message)

        await self.app(scope, bounded, unless_closed)


def _size(message: Message) -> int:
    """A websocket message's size in bytes (a text frame's as UTF-8)."""
    data = message.get("bytes")
    if data is not None:
        return len(data)
    return len((message.get("text") or "").encode())
