"""A broker restart orphans messages in a live worker's acknowledgement set (fetched, never
run); the Redis broker puts them back when dramatiq replaces the consumer, and leaves alone
the ones the worker is running. Real Redis, no worker threads: the consumer is driven by hand."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from dramatiq import Message

from gongzhi.infra.broker import ResumingRedisBroker, make_redis_broker, purge
from tests.conftest import Servers

QUEUE = "health"


@pytest.fixture
def broker(servers: Servers) -> Iterator[ResumingRedisBroker]:
    broker = make_redis_broker(servers.broker_url, f"gongzhi-test-{uuid.uuid4().hex[:8]}")
    assert isinstance(broker, ResumingRedisBroker)
    broker.declare_queue(QUEUE)
    yield broker
    purge(broker)


def send(broker: ResumingRedisBroker, count: int) -> None:
    for n in range(count):
        broker.enqueue(
            Message(queue_name=QUEUE, actor_name="job", args=(n,), kwargs={}, options={})
        )


def queued(broker: ResumingRedisBroker) -> int:
    """Messages waiting in the queue (``do_qsize`` counts the held ones too)."""
    return int(broker.client.llen(f"{broker.namespace}:{QUEUE}"))


def held(broker: ResumingRedisBroker, queue: str = QUEUE) -> int:
    return int(broker.client.scard(f"{broker.namespace}:__acks__.{broker.broker_id}.{queue}"))


def test_a_replaced_consumer_gives_back_what_it_fetched_and_did_not_hand_out(
    broker: ResumingRedisBroker,
) -> None:
    # Given a consumer that fetched three messages and handed one to the worker
    send(broker, 3)
    consumer = broker.consume(QUEUE, prefetch=3)
    running = next(consumer)
    assert running is not None
    assert held(broker) == 3 and queued(broker) == 0

    # When dramatiq replaces it (as after a lost connection)
    replacement = broker.consume(QUEUE, prefetch=3)

    # Then the two it never handed out are back in the queue, the running one is still held
    assert queued(broker) == 2
    assert held(broker) == 1
    # And the running one is settled through the new consumer
    replacement.ack(running)
    assert held(broker) == 0


def test_a_fetch_whose_reply_was_lost_is_given_back(broker: ResumingRedisBroker) -> None:
    # Given a consumer, and a fetch that Redis ran but whose reply never arrived
    send(broker, 2)
    broker.consume(QUEUE, prefetch=1)
    assert len(broker.do_fetch(QUEUE, 2)) == 2  # the reply the consumer never saw
    assert held(broker) == 2

    # When the consumer is replaced
    broker.consume(QUEUE, prefetch=1)

    # Then both messages are back in the queue
    assert queued(broker) == 2 and held(broker) == 0


def test_a_first_consumer_takes_nothing_back(broker: ResumingRedisBroker) -> None:
    # Given messages another consumer of this worker fetched before this broker consumed
    send(broker, 1)
    assert len(broker.do_fetch(QUEUE, 1)) == 1
    # When the queue's first consumer starts, Then it leaves them (they are no orphans of its)
    broker.consume(QUEUE)
    assert held(broker) == 1
