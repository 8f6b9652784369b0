"""Client-side model of the portal's request counter, so we wait instead of collecting 503s.

The portal counts HTTP requests per portal (and source IP) in a leaky bucket: burst 50,
draining 2 per second (§5.3); one `batch` is one request. We keep the same bucket per portal
in this process and acquire a slot before every HTTP request.

Concurrency: the slot is *reserved under the lock* (the level is raised before the caller
sleeps), so N threads arriving together get staggered send times. fast_bitrix24 computes the
wait first and records later, so its concurrent callers all fire at once
(python-clients.md §1.3). Safety margin: we keep `headroom` slots free and drain a little
slower than the portal, because clocks, network jitter and other apps on our IP (which share
the portal's counter) make our picture optimistic. The bucket is per process; the web and
scheduler processes each hold their own, which the headroom and 503 backoff absorb.

Events first: background work (the periodic sync, sweeps, reminders) goes through the bucket's
`background` lane. The lane paces itself to a share of the drain and never fills the bucket
past that share of the burst, so the rest is always there for event chunks, in this process
(the lane waits while events hold the bucket above its ceiling) and across processes (a
scheduler process sending at half the portal's drain leaves the other half to the worker).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

PORTAL_CAPACITY = 50
PORTAL_DRAIN_PER_SECOND = 2.0
BACKGROUND_SHARE = 0.5  # of the burst and of the drain; the rest is kept for events


class Limiter(Protocol):
    """What B24Client needs: a slot before each request, a look ahead, a 503 signal."""

    def acquire(self) -> float: ...

    def delay(self, requests: int = 1) -> float: ...

    def note_limited(self) -> None: ...


class LeakyBucket:
    """Thread-safe leaky bucket; acquire() sleeps until this request may be sent."""

    def __init__(self, capacity: int = PORTAL_CAPACITY, drain: float = PORTAL_DRAIN_PER_SECOND,
                 *, headroom: int = 5, slack: float = 0.05,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if capacity < 1 or drain <= 0:
            raise ValueError("capacity must be >= 1 and drain > 0")
        self.capacity = capacity
        self.drain = drain
        self.limit = max(1, capacity - headroom)  # the burst we allow ourselves
        self.rate = drain * (1.0 - slack)  # the drain we assume
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._level = 0.0
        self._stamp = clock()
        self.waited = 0.0  # seconds acquire() slept in all: shows who held a loop waiting
        self._lane: BackgroundLane | None = None

    @property
    def background(self) -> BackgroundLane:
        """The one lane all background jobs of this portal share in this process."""
        with self._lock:
            if self._lane is None:
                self._lane = BackgroundLane(self)
            return self._lane

    def reserve(self, ceiling: float | None = None) -> float:
        """Claim the next slot now; return the seconds the caller must wait before sending.

        `ceiling` (the background lane's) is the level the slot must fit under instead of the
        whole burst, so the slots above it stay free for event chunks.
        """
        with self._lock:
            self._drain_to_now()
            self._level += 1.0
            limit = self.limit if ceiling is None else min(self.limit, ceiling)
            return max(0.0, (self._level - limit) / self.rate)

    def acquire(self) -> float:
        """Reserve a slot and sleep until it is due; returns the time waited."""
        wait = self.reserve()
        if wait > 0:
            self.waited += wait
            self._sleep(wait)
        return wait

    def delay(self, requests: int = 1) -> float:
        """Seconds until `requests` could be sent without waiting; reserves nothing.

        A loop serving many portals asks this first and turns to another portal instead of
        sleeping on this one (jobs/inbox.py).
        """
        with self._lock:
            self._drain_to_now()
            return max(0.0, (self._level + requests - self.limit) / self.rate)

    def note_limited(self) -> None:
        """The portal answered 503 anyway: assume the bucket is full (others share it)."""
        with self._lock:
            self._drain_to_now()
            self._level = max(self._level, float(self.limit))

    @property
    def level(self) -> float:
        """Requests the portal is assumed to still count (reserved ones included)."""
        with self._lock:
            self._drain_to_now()
            return self._level

    def _drain_to_now(self) -> None:
        now = self._clock()
        self._level = max(0.0, self._level - max(0.0, now - self._stamp) * self.rate)
        self._stamp = now


class BackgroundLane:
    """Background requests of one portal: a share of the drain and burst, never the rest.

    `gate` runs before every background request (between the sync's chunks and pages): a
    yield point; tests use it to interleave event chunks with a running sync step by step.
    """

    def __init__(self, parent: LeakyBucket, share: float = BACKGROUND_SHARE) -> None:
        self.parent = parent
        self.ceiling = max(1.0, parent.limit * share)
        self.pace = LeakyBucket(max(1, int(self.ceiling)), parent.drain * share, headroom=0,
                                slack=0.05, clock=parent._clock, sleep=parent._sleep)
        self.gate: Callable[[], None] | None = None
        self.sent = 0
        self.waited = 0.0

    def acquire(self) -> float:
        """Yield, then wait for a slot within both the lane's pace and its ceiling."""
        if self.gate is not None:
            self.gate()
        wait = max(self.pace.reserve(), self.parent.reserve(self.ceiling))
        with self.parent._lock:  # counters shared by the portal's background threads
            self.sent += 1
            self.waited += wait
        if wait > 0:
            self.parent._sleep(wait)
        return wait

    def delay(self, requests: int = 1) -> float:
        with self.parent._lock:
            self.parent._drain_to_now()
            over = self.parent._level + requests - self.ceiling
        return max(self.pace.delay(requests), over / self.parent.rate, 0.0)

    def note_limited(self) -> None:
        self.parent.note_limited()


_buckets: dict[str, LeakyBucket] = {}
_buckets_lock = threading.Lock()


def bucket_for(key: str) -> LeakyBucket:
    """The process-wide bucket of one portal, keyed by member_id (or REST endpoint)."""
    with _buckets_lock:
        bucket = _buckets.get(key)
        if bucket is None:
            bucket = _buckets[key] = LeakyBucket()
        return bucket


def use_bucket(key: str, bucket: LeakyBucket) -> LeakyBucket:
    """Tests and benchmarks put in a bucket on the emulated portal's clock."""
    with _buckets_lock:
        _buckets[key] = bucket
        return bucket


def forget_buckets() -> None:
    """Tests and benchmarks start every emulated portal with a fresh allowance."""
    with _buckets_lock:
        _buckets.clear()
