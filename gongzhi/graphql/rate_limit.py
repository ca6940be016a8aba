"""A per-token rate limit for mutations: a token bucket per token subject, in process.

Every mutation takes one token from its sender's bucket before anything else happens
(``Registration.run`` in ``gongzhi.graphql.commands``); an empty bucket is answered with the
``RateLimited`` member of the mutation's result union, saying when to try again. A bucket
holds a minute's worth (``GONGZHI_MUTATIONS_PER_MINUTE``) and refills evenly over the
minute, so a client may send a burst and then keeps the rate. Queries are not limited here:
they change nothing and are bounded by depth, aliases and page sizes.

The buckets live in the API process: behind several replicas each holds its own, which
bounds a client per replica — enough to keep one client from swamping the event store.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import strawberry

# Beyond this many senders, buckets that have refilled completely are forgotten (a full
# bucket is what a new sender gets anyway).
MAX_REMEMBERED = 10_000


@strawberry.type(
    description="Too many changes in a short time: nothing was done; send it again after "
    "`retryAfterSeconds`."
)
class RateLimited:
    message: str
    retry_after_seconds: int


@dataclass
class _Bucket:
    tokens: float
    at: float


class MutationBudget:
    """Token buckets by sender; ``take`` is called on the event loop only (no awaits
    inside, so no two calls interleave)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0  # tokens a second
        self.clock = clock
        self.buckets: dict[str, _Bucket] = {}

    def take(self, sender: str) -> RateLimited | None:
        """Take one mutation from the sender's budget; a ``RateLimited`` when it is spent."""
        now = self.clock()
        bucket = self.buckets.get(sender)
        if bucket is None:
            if len(self.buckets) >= MAX_REMEMBERED:
                self._forget_full(now)
            bucket = self.buckets[sender] = _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        # (less a hair: 19.999999… seconds of float arithmetic must not read as 21)
        wait = max(1, math.ceil((1 - bucket.tokens) / self.rate - 1e-6))
        return RateLimited(
            message=f"too many changes: at most {int(self.capacity)} a minute; "
            f"try again in {wait} s",
            retry_after_seconds=wait,
        )

    def _forget_full(self, now: float) -> None:
        for sender, bucket in list(self.buckets.items()):
            if bucket.tokens + (now - bucket.at) * self.rate >= self.capacity:
                del self.buckets[sender]
