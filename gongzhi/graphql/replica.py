"""Queries read the views from a streaming replica (``GONGZHI_READ_DATABASE_URL``), with
read-your-writes kept.

What goes where:

- a **query** operation reads with the replica's pool (``Context.pool``), while the replica is
  usable (below);
- everything else uses the primary: mutations and the reply they build, subscriptions (they
  follow the projector's NOTIFY, which only the primary sends), the token checks, the
  read-your-writes LISTEN, ``/metrics`` and ``/readyz``, the event store, and the one write a
  query makes, the personal-data access log (``Context.primary``).

Read-your-writes: a mutation first waits for the projector to pass its position (as without a
replica, ``positions.py``), then reads the primary's WAL position — which then includes the
projector's commit, flushed before its NOTIFY under ``synchronous_commit=on`` — and waits until
the replica has replayed that far (``pg_last_wal_replay_lsn``). Only then does it answer, so a
query sent after the answer, to this API process or any other, finds the change on the replica.
A replica that has not replayed it within the read-your-writes timeout makes the mutation answer
``Recorded`` (saved; the views will show it shortly), as a projector that lags does, and this
process reads its queries from the primary until the replica has replayed that far; a replica
out of reach sends them to the primary too, until it answers again and has replayed what the
primary had written by then (by any API process, while this one did not look).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator

import asyncpg
from prometheus_client import Counter
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from gongzhi.graphql.errors import unreachable
from gongzhi.graphql.metrics import REGISTRY

log = logging.getLogger(__name__)

# How often the replica's replay position is read while a mutation waits for it (a local
# standby replays a commit in about a millisecond), and while nobody waits (to notice that a
# replica that lagged or went away is back).
WAITING_POLL = 0.002
IDLE_POLL = 1.0
# A replica that does not answer this fast counts as out of reach (seconds).
READ_TIMEOUT = 2.0

# WAL positions as bytes from 0/0, comparable integers. On a server that is not in recovery
# (a URL that names a primary) the replay position is its own: every commit is "replayed".
REPLAYED = (
    "SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() "
    "ELSE pg_current_wal_lsn() END - '0/0'::pg_lsn)::int8"
)
WRITTEN = "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::int8"

READS = Counter(
    "gongzhi_query_reads",
    "GraphQL query operations by the database that served their reads (with a replica)",
    ["database"],
    registry=REGISTRY,
)


class ReplicaWatch:
    """Follows how far the replica has replayed the primary's WAL."""

    def __init__(self, primary: asyncpg.Pool, replica: asyncpg.Pool) -> None:
        self.primary = primary
        self.replica = replica
        self.replayed = 0
        self.reachable = True
        # A WAL position a mutation stopped waiting for: until the replica is past it, this
        # process's queries read the primary (they would not see that mutation's change).
        self.behind_until = 0
        self._waiters = 0
        self._changed = asyncio.Event()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def usable(self) -> bool:
        return self.reachable and self.replayed >= self.behind_until

    async def start(self) -> None:
        await self._read()
        self._task = asyncio.get_running_loop().create_task(self._follow())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task

    async def catch_up(self, timeout: float) -> bool:
        """True once the replica has replayed the primary's WAL as it stands now; False after
        ``timeout`` (and queries read the primary until the replica gets there)."""
        target = int(await self.primary.fetchval(WRITTEN))
        deadline = time.monotonic() + timeout
        self._waiters += 1
        self._wake.set()
        try:
            while self.replayed < target:
                if not self.reachable:
                    # Queries read the primary while the replica is out of reach, and after,
                    # until it has replayed this change.
                    self.behind_until = max(self.behind_until, target)
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    log.warning("the replica has not replayed %s after %.1fs", target, timeout)
                    self.behind_until = max(self.behind_until, target)
                    return False
                changed = self._changed
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), remaining)
            return True
        finally:
            self._waiters -= 1

    def lost(self) -> None:
        if self.reachable:
            log.warning("the replica is out of reach; queries read the primary")
        self.reachable = False
        self._wake.set()

    async def _read(self) -> None:
        try:
            value = await self.replica.fetchval(REPLAYED, timeout=READ_TIMEOUT)
        except Exception:  # whatever the failure, the queries go to the primary meanwhile
            self.lost()
            return
        if not self.reachable:
            # Back, it may not yet have replayed what was written meanwhile (through any API
            # process): it serves queries again once it has replayed the primary's WAL as it
            # stands now.
            try:
                written = int(await self.primary.fetchval(WRITTEN, timeout=READ_TIMEOUT))
            except Exception:  # the primary is out of reach: look again on the next pass
                return
            self.behind_until = max(self.behind_until, written)
            log.warning("the replica answers again")
        self.reachable = True
        if value is not None and int(value) > self.replayed:
            self.replayed = int(value)
            changed, self._changed = self._changed, asyncio.Event()
            changed.set()

    async def _follow(self) -> None:
        while True:
            await self._read()
            interval = WAITING_POLL if self._waiters else IDLE_POLL
            self._wake.clear()
            # A pause between reads of the position (polling pace), cut short when a
            # mutation starts waiting.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), interval)


class ReadFromReplica(SchemaExtension):
    """Points a query operation's ``Context.pool`` at the replica while it is usable."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        services = getattr(context, "services", None)
        replica = getattr(services, "replica", None)
        if replica is not None and self.execution_context.operation_type is OperationType.QUERY:
            context.on_replica = replica.usable
            READS.labels("replica" if replica.usable else "primary").inc()
        yield
        result = self.execution_context.result
        errors = (result.errors if result is not None else None) or []
        # Found out of reach by a query before the follower's next look: the next queries go
        # to the primary at once.
        if (
            replica is not None
            and getattr(context, "on_replica", False)
            and any(unreachable(e.original_error) for e in errors if e.original_error)
        ):
            replica.lost()
