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
        self._relisten: asyncio.Task[None] | None = None
        self._stopped = False

    @property
    def listening(self) -> bool:
        """Whether the LISTEN connection is up (else the waits fall back to polling)."""
        return self._listener is not None and not self._listener.is_closed()

    async def start(self) -> None:
        await self._listen()
        await self._refresh()

    async def stop(self) -> None:
        self._stopped = True
        if self._relisten is not None:
            self._relisten.cancel()
            with contextlib.suppress(BaseException):
                await self._relisten
        if self._listener is not None:
            listener, self._listener = self._listener, None
            with contextlib.suppress(Exception):
                listener.remove_termination_listener(self._lost)
                await listener.remove_listener(PROJECTED_CHANNEL, self._notified)
            with contextlib.suppress(Exception):
                await self.pool.release(listener)

    async def _listen(self) -> None:
        connection = await self.pool.acquire()
        try:
            await connection.add_listener(PROJECTED_CHANNEL, self._notified)
        except BaseException:
            await self.pool.release(connection)
            raise
        connection.add_termination_listener(self._lost)
        self._listener = connection

    def _lost(self, connection: object) -> None:
        """The LISTEN connection closed (the database restarted, or its backend was ended):
        listen again on a fresh one, so that waits are woken by NOTIFY rather than polling."""
        if connection is not self._listener or self._stopped:
            return
        log.warning("lost the LISTEN connection for %s; listening again", PROJECTED_CHANNEL)
        # (asyncpg's pool takes a closed connection's slot back by itself: the test checks)
        self._listener = None
        self._ensure_listening()

    def _ensure_listening(self) -> None:
        if self._stopped or self.listening:
            return
        if self._relisten is None or self._relisten.done():
            self._relisten = asyncio.get_running_loop().create_task(self._listen_again())

    async def _listen_again(self) -> None:
        delay = 0.1
        while not self._stopped and not self.listening:
            try:
                await self._listen()
                # Notifications sent while nobody listened are lost: read the position.
                await self._refresh()
                log.warning("listening for %s again", PROJECTED_CHANNEL)
                return
            except Exception:
                await asyncio.sleep(delay)  # backoff between reconnects, not synchronisation
                delay = min(delay * 2, 5.0)

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        self._advance(int(payload))

    def _advance(self, position: int) -> None:
        """Take the projector's position as it is now. It only grows, except when the views
        are rebuilt from zero (``project --rebuild`` notifies 0 as it empties them): then it
        is taken back, so that no wait passes on views that no longer hold what it waits
        for. A stale lower reading taken back by mistake only makes a wait longer."""
        if position < self.position:
            self.position = position
        elif position > self.position:
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
                self._ensure_listening()
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
                self._ensure_listening()
                await self._refresh()  # a lost notification or a dropped listener
        return True
