"""The API's read-your-writes watch (issue 14): its LISTEN comes back after the connection is
lost, and during a rebuild it does not pass on views that were emptied."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from sqlalchemy import text

from gongzhi.application.base import Meta
from gongzhi.application.communities import RegisterCommunity
from gongzhi.bootstrap import Platform
from gongzhi.graphql.app import create_pool
from gongzhi.graphql.positions import POLL_INTERVAL, ProjectionWatch
from gongzhi.infra.settings import PgParams, Settings
from gongzhi.projections.runner import PROJECTED_CHANNEL
from gongzhi.projections.views import PROJECTION_NAME


def watching(
    settings: Settings, body: Callable[[ProjectionWatch, asyncpg.Pool], Awaitable[None]]
) -> None:
    async def main() -> None:
        assert settings.database_url
        pool = await create_pool(PgParams.from_url(settings.database_url), 3)
        watch = ProjectionWatch(pool, PROJECTION_NAME)
        await watch.start()
        try:
            await body(watch, pool)
        finally:
            await watch.stop()
            await pool.close()

    asyncio.run(main())


async def until(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition did not hold in time"
        await asyncio.sleep(0.02)  # pacing of the poll, not synchronisation of a result


def test_listen_is_re_established_after_its_backend_is_terminated(
    platform: Platform, settings: Settings
) -> None:
    async def body(watch: ProjectionWatch, pool: asyncpg.Pool) -> None:
        assert watch.listening
        listener: Any = watch._listener
        old_pid = listener.get_server_pid()
        # When the LISTEN connection's backend is ended (as a PostgreSQL restart would)
        assert await pool.fetchval("SELECT pg_terminate_backend($1)", old_pid)
        # Then the watch listens again, on another backend
        await until(
            lambda: watch.listening and watch._listener.get_server_pid() != old_pid, timeout=10
        )
        # And a NOTIFY wakes a wait at once: the position notified is nowhere in the tracking
        # table, so polling could never release this wait, only the notification can
        target = watch.position + 1_000_000
        started = time.monotonic()
        waiting = asyncio.create_task(watch.wait(target, timeout=5))
        await pool.execute("SELECT pg_notify($1, $2)", PROJECTED_CHANNEL, str(target))
        assert await waiting
        assert time.monotonic() - started < POLL_INTERVAL

        # And the lost connection went back to the pool: both other connections can be had
        async def two() -> None:
            async with pool.acquire(), pool.acquire():
                pass

        await asyncio.wait_for(two(), timeout=5)

    watching(settings, body)


def test_a_rebuild_takes_the_watch_back_so_waits_do_not_pass_on_emptied_views(
    platform: Platform, settings: Settings
) -> None:
    # Given a few changes, all projected, and a watch that has seen them
    for n in range(5):
        platform.app.execute(
            Meta(actor="admin", reason="登记", actor_role="PLATFORM_ADMIN"),
            RegisterCommunity(name=f"幸福里{n}", district="红塔区", street="玉兴街道"),
        )
    runner = platform.projection_runner(batch_size=1)
    runner.catch_up()
    last = platform.app.recorder.max_notification_id() or 0
    paused, resume = threading.Event(), threading.Event()

    def hold_after_first_batch(_: int) -> None:
        paused.set()
        resume.wait(30)

    async def body(watch: ProjectionWatch, pool: asyncpg.Pool) -> None:
        assert watch.position == last
        # When the views are rebuilt, and the rebuild is held after its first batch
        rebuilding = threading.Thread(target=runner.rebuild, args=(hold_after_first_batch,))
        rebuilding.start()
        try:
            assert await asyncio.to_thread(paused.wait, 30)
            # Then a wait for the last position does not pass: the views hold one event now
            await until(lambda: watch.position < last, timeout=5)
            assert not await watch.wait(last, timeout=2 * POLL_INTERVAL)
        finally:
            resume.set()
            await asyncio.to_thread(rebuilding.join)
        # And it passes once the rebuild has reached it
        assert await watch.wait(last, timeout=10)

    watching(settings, body)
    with platform.engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM communities")).scalar()
    assert count == 5
