"""A job that failed because the broker went away has its retry sent once the broker is back,
instead of being acknowledged with its retry lost (issue 14: the fault suite's long run lost a
健康指数 fan-out at a Redis restart). Real Redis and RabbitMQ, reached through a relay the
test cuts; the retry middleware runs as the worker runs it, on the job's failure."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import dramatiq
import pytest
import redis
from dramatiq.broker import MessageProxy
from dramatiq.common import dq_name
from dramatiq.middleware import Retries

from bench.faults.servers import Relay
from gongzhi.infra.broker import NamespacedRabbitmqBroker, make_broker, purge
from tests.support import LogSignal

QUEUE = "health"


@pytest.fixture
def waiting() -> Iterator[LogSignal]:
    """Set when the retry middleware says it is waiting for the broker."""
    with LogSignal("gongzhi.infra.broker", "the broker is away", logging.WARNING) as signal:
        yield signal


def relayed(url: str, relay: Relay) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{relay.port}"
    return urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) > 1 else host))


def test_a_retry_meeting_the_broker_away_is_sent_once_it_is_back(
    broker_url: str, waiting: LogSignal
) -> None:
    # Given a worker's broker reaching the broker through a relay, and a job of it
    parts = urlsplit(broker_url)
    relay = Relay((parts.hostname or "127.0.0.1", parts.port or 5672))
    namespace = f"gongzhi-test-{uuid.uuid4().hex[:8]}"
    broker = make_broker(relayed(broker_url, relay), namespace)
    direct = make_broker(broker_url, namespace)
    job = dramatiq.actor(lambda n: None, broker=broker, actor_name="job", queue_name=QUEUE)
    retries = next(m for m in broker.middleware if isinstance(m, Retries))
    message = job.message(1)
    try:
        # When the job fails because the broker went away, and it is still away
        relay.cut()
        failed = threading.Thread(
            target=retries.after_process_message,
            args=(broker, MessageProxy(message)),
            kwargs={"exception": ConnectionError("the broker went away")},
        )
        failed.start()
        # Then the worker waits for it (rather than giving the retry up)
        assert waiting.seen.wait(60)
        assert failed.is_alive()
        # And once the broker answers again, the retry is on it
        relay.open()
        failed.join(60)
        assert not failed.is_alive()
        assert message.options["retries"] == 1
        assert count_delayed(direct, namespace) == 1
    finally:
        relay.cut()
        purge(direct, [QUEUE])


def count_delayed(broker: dramatiq.Broker, namespace: str) -> int:
    """Messages in the queue's delay queue (where a retry waits for its backoff)."""
    if isinstance(broker, NamespacedRabbitmqBroker):
        broker.declare_queue(QUEUE)
        return int(broker.get_queue_message_counts(QUEUE)[1])
    client: redis.Redis = broker.client  # type: ignore[attr-defined]
    return int(client.hlen(f"{namespace}:{dq_name(QUEUE)}.msgs"))
