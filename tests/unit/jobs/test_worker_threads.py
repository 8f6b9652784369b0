"""Many portals in flight in one worker: chunks of different portals overlap, one portal's never."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import replace

from b24.batching import BatchResult
from jobs.inbox import process_inbox
from store import inbox
from tests.factories import make_portal
from tests.unit.jobs.test_process_inbox import NOW, ScriptedPortal, deal, enqueue


class MeetingPortal(ScriptedPortal):
    """Every read batch waits at a barrier: it passes only when all parties are in flight."""

    def __init__(self, deals: dict[int, dict], barrier: threading.Barrier) -> None:
        super().__init__(deals)
        self.barrier = barrier

    def batch(self, cmds: dict, *, halt: bool = False) -> BatchResult:
        self.barrier.wait()  # BrokenBarrierError after its timeout: the chunk fails
        return super().batch(cmds, halt=halt)


class WatchedPortal(ScriptedPortal):
    """Counts how many of this portal's batches are in flight at once (the most ever seen)."""

    def __init__(self, deals: dict[int, dict]) -> None:
        super().__init__(deals)
        self.lock = threading.Lock()
        self.active = self.most = 0

    def batch(self, cmds: dict, *, halt: bool = False) -> BatchResult:
        with self.lock:
            self.active += 1
            self.most = max(self.most, self.active)
        try:
            time.sleep(0.01)  # a round trip, long enough for another thread to try this portal
            return super().batch(cmds, halt=halt)
        finally:
            with self.lock:
                self.active -= 1


def test_two_portals_chunks_run_at_once(sessions, settings) -> None:
    with sessions() as s:
        first, second = make_portal(s, member_id="a" * 32), make_portal(s, member_id="b" * 32)
    enqueue(sessions, first.id, 1)
    enqueue(sessions, second.id, 2)
    barrier = threading.Barrier(2, timeout=10)
    fakes = {first.id: MeetingPortal({1: deal(1)}, barrier),
             second.id: MeetingPortal({2: deal(2)}, barrier)}
    handled = process_inbox(sessions, settings, now=lambda: NOW, threads=2,
                            client_factory=lambda p: fakes[p.id])
    assert handled == 2 and not barrier.broken
    with sessions() as s:
        assert inbox.stats(s).done == 2


def test_one_portals_chunks_never_overlap(sessions, settings) -> None:
    """Two workers of four threads each over two portals: each portal has one chunk in flight."""
    with sessions() as s:
        portal_ids = [make_portal(s, member_id=c * 32).id for c in "ab"]
    ids = {pid: list(range(100 * n + 1, 100 * n + 41)) for n, pid in enumerate(portal_ids)}
    fakes = {}
    for pid, deal_ids in ids.items():
        enqueue(sessions, pid, *deal_ids)
        fakes[pid] = WatchedPortal({i: deal(i) for i in deal_ids})
    small = replace(settings, inbox_chunk_size=5)
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            start.wait()
            while process_inbox(sessions, small, now=lambda: NOW, threads=4, max_rounds=5,
                                client_factory=lambda p: fakes[p.id]):
                pass
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(60)
    assert not errors
    for pid, fake in fakes.items():
        assert fake.most == 1
        reads = Counter(key for batch in fake.batches for key in batch)
        assert reads == Counter({f"deal:{i}": 1 for i in ids[pid]})
    with sessions() as s:
        assert inbox.stats(s).done == 80

