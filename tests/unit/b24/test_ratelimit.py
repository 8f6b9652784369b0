"""LeakyBucket: burst, drain, reservation under the lock, shared registry."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from b24.ratelimit import LeakyBucket, bucket_for


def peak(send_times: list[float], drain: float) -> float:
    """The highest level the portal's own counter would reach for these send times (§5.3)."""
    level, previous, highest = 0.0, None, 0.0
    for moment in sorted(send_times):
        if previous is not None:
            level = max(0.0, level - (moment - previous) * drain)
        level += 1
        highest, previous = max(highest, level), moment
    return highest


def test_burst_then_one_slot_per_drain_interval() -> None:
    bucket = LeakyBucket(clock=lambda: 0.0, sleep=lambda s: None, headroom=5, slack=0.0)
    waits = [bucket.reserve() for _ in range(48)]
    assert waits[:45] == [0.0] * 45
    assert waits[45:] == [0.5, 1.0, 1.5]


def test_level_drains_with_time() -> None:
    now = [0.0]
    bucket = LeakyBucket(clock=lambda: now[0], sleep=lambda s: None)
    for _ in range(40):
        bucket.acquire()
    now[0] = 10.0
    assert bucket.level == 40 - 10 * bucket.rate


def test_a_503_makes_the_bucket_assume_it_is_full() -> None:
    bucket = LeakyBucket(clock=lambda: 0.0, sleep=lambda s: None)
    bucket.note_limited()
    assert bucket.reserve() > 0


def test_eight_threads_get_staggered_slots_never_over_capacity() -> None:
    """Reservations under a frozen clock: the send times must fit the portal's bucket."""
    sends: list[float] = []
    lock = threading.Lock()

    def record(wait: float) -> None:
        with lock:
            sends.append(wait)

    bucket = LeakyBucket(clock=lambda: 0.0, sleep=record)
    barrier = threading.Barrier(8)

    def burst(_: int) -> None:
        barrier.wait()
        for _ in range(20):
            if bucket.acquire() == 0.0:
                record(0.0)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(burst, range(8)))
    assert len(sends) == 160
    assert peak(sends, bucket.drain) <= bucket.limit < bucket.capacity
    assert len({s for s in sends if s > 0}) == 160 - bucket.limit  # nobody fires together


def test_eight_threads_in_real_time_never_exceed_capacity() -> None:
    """Real clock and threads; the headroom absorbs a thread scheduled late after its slot."""
    bucket = LeakyBucket(capacity=5, drain=1000.0, headroom=2, slack=0.05)
    sent: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def burst(_: int) -> None:
        barrier.wait()
        for _ in range(5):
            bucket.acquire()
            with lock:
                sent.append(time.monotonic())

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(burst, range(8)))
    assert len(sent) == 40
    assert peak(sent, bucket.drain) <= bucket.capacity + 1e-9


def test_bucket_for_is_one_bucket_per_portal() -> None:
    assert bucket_for("member-a") is bucket_for("member-a")
    assert bucket_for("member-a") is not bucket_for("member-b")
