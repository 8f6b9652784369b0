"""The portal's two REST limits: the request-rate leaky bucket and the per-method operating time.

EN:limits.md (= EN:settings/performance/limits.md): each HTTP request adds 1 to a per-portal
counter that drains by 2 per second; above 50 the request fails with 503 QUERY_LIMIT_EXCEEDED
("Too many requests"). Execution time of each method is summed per app in ten 1-minute buckets;
over the limit, the next call of that method gets 429 OPERATION_TIME_LIMIT until the buckets
expire. Both are O(1) per request so the emulator can serve bulk-read benchmarks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sandbox.errors import RestError


class LeakyBucket:
    """Counter that drains `rate` per second; `take()` fails once it would exceed `capacity`."""

    def __init__(self, time_fn: Callable[[], float], *, capacity: float = 50,
                 rate: float = 2) -> None:
        self.capacity = capacity
        self.rate = rate
        self._time = time_fn
        self._level = 0.0
        self._last = time_fn()
        self._lock = threading.Lock()

    def level(self) -> float:
        """The counter now (after draining)."""
        with self._lock:
            self._drain()
            return self._level

    def take(self) -> None:
        """Count one request or raise 503 QUERY_LIMIT_EXCEEDED; a refused request is not counted."""
        with self._lock:
            self._drain()
            if self._level + 1 > self.capacity:
                raise RestError("QUERY_LIMIT_EXCEEDED", "Too many requests", 503)
            self._level += 1

    def _drain(self) -> None:
        now = self._time()
        self._level = max(0.0, self._level - (now - self._last) * self.rate)
        self._last = now


class OperatingMeter:
    """Seconds spent per method in the last ten minutes, bucketed by minute (EN:limits.md)."""

    WINDOW_MINUTES = 10

    def __init__(self, time_fn: Callable[[], float], limit: float | None = None) -> None:
        self.limit = limit  # None: measure only, never block (the default outside the demo)
        self._time = time_fn
        self._buckets: dict[str, dict[int, float]] = {}
        self._lock = threading.Lock()

    def check(self, method: str) -> None:
        """Refuse a method whose accumulated time is over the limit (429 OPERATION_TIME_LIMIT)."""
        if self.limit is None:
            return
        used, _ = self.usage(method)
        if used > self.limit:
            raise RestError("OPERATION_TIME_LIMIT",
                            f"Method is blocked due to operation time limit: {method}", 429)

    def add(self, method: str, seconds: float) -> tuple[float, int]:
        """Record a run; returns (operating, operating_reset_at) for the `time` block."""
        minute = int(self._time() // 60)
        with self._lock:
            buckets = self._buckets.setdefault(method.lower(), {})
            buckets[minute] = buckets.get(minute, 0.0) + seconds
        return self.usage(method)

    def usage(self, method: str) -> tuple[float, int]:
        """(seconds used in the window, unix time when the oldest minute bucket drops)."""
        minute = int(self._time() // 60)
        oldest_kept = minute - self.WINDOW_MINUTES + 1
        with self._lock:
            buckets = self._buckets.get(method.lower(), {})
            for old in [m for m in buckets if m < oldest_kept]:
                del buckets[old]
            used = sum(buckets.values())
            first = min(buckets, default=minute)
        return used, (first + self.WINDOW_MINUTES) * 60
