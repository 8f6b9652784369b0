"""The network between our app and a cloud portal: each answer waits a round trip.

A real Bitrix24 cloud portal answers a REST call in 100–300 ms from a data centre outside its
region (measured figures in README "Benchmarks"); loopback answers in 1 ms and hides every
serial loop over portals. `RoundTrip(0.1, 0.2)` delays each HTTP answer of the emulated cloud
by a uniform 100–200 ms; `RoundTrip()` (0, 0) is the tests' default and costs nothing.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable


class RoundTrip:
    """A uniform delay in [low, high] seconds, drawn from a seeded generator (reproducible)."""

    def __init__(self, low: float = 0.0, high: float | None = None, *, seed: int = 150,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        high = low if high is None else high
        if low < 0 or high < low:
            raise ValueError(f"sandbox: round trip needs 0 <= low <= high, got {low}, {high}")
        self.low, self.high = float(low), float(high)
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._sleep = sleep

    @classmethod
    def parse(cls, text: str) -> RoundTrip:
        """'150' or '100-200' (milliseconds), as the demo and benchmarks take it from the env."""
        low, _, high = text.strip().partition("-")
        return cls(float(low) / 1000, float(high or low) / 1000)

    def draw(self) -> float:
        if self.high == 0:
            return 0.0
        with self._lock:
            return self._random.uniform(self.low, self.high)

    def wait(self) -> None:
        """Hold the calling request thread for one round trip (the server is threaded)."""
        delay = self.draw()
        if delay:
            self._sleep(delay)
