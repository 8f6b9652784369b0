"""A worker process killed with SIGKILL in the middle of a chunk: its leases run out, another
worker process takes the rows over, and the day ends as if nothing happened."""

from __future__ import annotations

import os
import signal
import threading

import pytest
from sqlalchemy import select

from store import inbox
from store.models import InboxEvent
from tests.faults import processes
from tests.faults.harness import Day, assert_same, is_write_batch, play

pytestmark = pytest.mark.long  # ~8 s on SQLite, over 20 s on PostgreSQL (two processes)
FAULT_AT = 4
# The production engine (tasks/) runs on PostgreSQL only: `make test-long` plays it too.
ENGINES = ["loop", "procrastinate"] if os.environ.get("TEST_DATABASE_URL") else ["loop"]


@pytest.mark.parametrize("task_engine", ENGINES)
def test_worker_killed_mid_chunk_loses_nothing(new_day, baseline, task_engine: str) -> None:
    seen: dict[str, object] = {}

    def kill_mid_chunk(day: Day) -> None:
        reached, release = threading.Event(), threading.Event()

        def stall(method: str, params: dict) -> None:
            """Hold the chunk's write batch until the worker is dead, then drop it unread."""
            if is_write_batch(method, params) and not reached.is_set():
                reached.set()
                release.wait(60)
                raise ConnectionAbortedError("the worker that sent this is dead")

        day.cloud.wait_idle(30)
        day.portal.on_request = stall
        first = processes.start_worker(day.settings, name="doomed", engine=task_engine)
        try:
            assert reached.wait(60), "the worker never reached a write batch"
            with day.sessions() as s:
                leased = list(s.scalars(select(InboxEvent).where(
                    InboxEvent.status == "processing", InboxEvent.locked_by.is_not(None))))
            seen["leased"] = len(leased)
            processes.stop(first, signal.SIGKILL)
            seen["killed"] = first.returncode
        finally:
            release.set()
            day.portal.on_request = None
            processes.stop(first, signal.SIGKILL)
        ahead = (inbox.LEASE.total_seconds() + 60)  # a later worker: the leases ran out
        second = processes.start_worker(day.settings, ahead=ahead, name="heir",
                                        engine=task_engine)
        try:
            processes.wait_for(lambda: processes.inbox_settled(day.sessions), 120,
                               f"the inbox did not settle: {processes.inbox_counts(day.sessions)}")
        finally:
            processes.stop(second)

    with new_day() as day:
        day.fault_at, day.fault = FAULT_AT, kill_mid_chunk
        got = play(day)
    assert seen["leased"] and seen["killed"] == -signal.SIGKILL, seen
    assert_same(got, baseline)
