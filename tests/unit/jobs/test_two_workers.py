"""Two workers on one database never process the same inbox row (run on PostgreSQL in CI)."""

from __future__ import annotations

import threading
from collections import Counter

from jobs.inbox import process_inbox
from store import inbox
from tests.factories import make_portal
from tests.unit.jobs.test_process_inbox import NOW, ScriptedPortal, deal, enqueue


def test_two_workers_split_the_backlog_without_overlap(sessions, settings) -> None:
    with sessions() as s:
        portal = make_portal(s)
    ids = list(range(1, 301))
    enqueue(sessions, portal.id, *ids)
    fake = ScriptedPortal({i: deal(i) for i in ids})
    small = settings.__class__(**{**settings.__dict__, "inbox_chunk_size": 10})
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            start.wait()
            while process_inbox(sessions, small, now=lambda: NOW,
                                client_factory=lambda p: fake):
                pass
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    reads = Counter(key for batch in fake.batches for key in batch)
    assert set(reads) == {f"deal:{i}" for i in ids}
    assert max(reads.values()) == 1  # no event was worked on by both workers
    with sessions() as s:
        assert inbox.stats(s).done == len(ids)


def test_two_workers_never_hold_one_portal_at_once(sessions) -> None:
    """Claims of one portal are serialised (advisory lock on PostgreSQL, the write lock on
    SQLite): racing workers never both get rows, so a portal's events stay in order."""
    from sqlalchemy import update

    from store.models import InboxEvent

    with sessions() as s:
        portal = make_portal(s)
    enqueue(sessions, portal.id, *range(1, 31))
    for _ in range(5):
        start, got = threading.Barrier(2), []

        def grab(start: threading.Barrier, got: list[int]) -> None:
            start.wait()
            with sessions() as s:
                got.append(len(inbox.claim(s, portal.id, NOW, 5)))

        threads = [threading.Thread(target=grab, args=(start, got)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(got) == [0, 5]
        with sessions() as s:  # the holder finished: free the portal for the next round
            s.execute(update(InboxEvent).where(InboxEvent.status == "processing")
                      .values(status="done"))
            s.commit()
