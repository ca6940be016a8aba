"""Read-your-writes: wait (bounded) until the projector has passed a log position."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import asyncpg

from gongzhi.projections.runner import PROJECTED_CHANNEL

log = logging.getLogger(__name__)
POLL_INTERVAL = 0.5


class ProjectionWatch:
    """Follows the projector's position through LISTEN, with polling as a fallback."""

    def __init__(self, pool: asyncpg.Pool, projection: str) -> None:
        self.pool = pool
        self.projection = projection
        self.position = 0
        self._changed = asyncio.Event()
        self._listener: Any = None

    async def start(self) -> None:
        self._listener = await self.pool.acquire()
        await self._listener.add_listener(PROJECTED_CHANNEL, self._notified)
        await self._refresh()

    async def stop(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.remove_listener(PROJECTED_CHANNEL, self._notified)
            await self.pool.release(self._listener)
            self._listener = None

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        self._advance(int(payload))

    def _advance(self, position: int) -> None:
        if position > self.position:
            self.position = position
            self._changed.set()
            self._changed = asyncio.Event()

    async def _refresh(self) -> None:
        value = await self.pool.fetchval(
            "SELECT position FROM projection_tracking WHERE name = $1", self.projection
        )
        self._advance(int(value or 0))

    async def next_change(self, after: int, timeout: float) -> int:
        """The position once it is past ``after``, or as it stands after ``timeout`` (re-read
        then, in case a notification was lost). For live subscriptions: no warning."""
        if self.position <= after:
            try:
                await asyncio.wait_for(self._changed.wait(), timeout)
            except TimeoutError:
                await self._refresh()
        return self.position

    async def wait(self, position: int, timeout: float) -> bool:
        """True once the views include ``position``; False if ``timeout`` passes first."""
        deadline = time.monotonic() + timeout
        while self.position < position:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                log.warning("projection has not reached %s after %.1fs", position, timeout)
                return False
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), min(remaining, POLL_INTERVAL))
            except TimeoutError:
                await self._refresh()  # a lost notification or a dropped listener
        return True
