"""A worker process killed with SIGKILL in the middle of a chunk: its leases run out, another
worker process takes the rows over, and the day ends as if nothing happened."""

from __future__ import annotations

import os
import signal
import threading

import pytest
from sqlalchemy import select, text

from bench.cpu import wait_settled
from store import inbox
from store.models import InboxEvent
from tests.faults import processes
from tests.faults.harness import Day, assert_same, is_write_batch, play

pytestmark = pytest.mark.long  # ~8 s on SQLite, over 20 s on PostgreSQL (two processes)
# (the two-worker kill: about 100 s at load 10 on 2 cores)
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


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="the task engines run on "
                    "PostgreSQL (TEST_DATABASE_URL)")
@pytest.mark.parametrize("task_engine", ["procrastinate", "dramatiq"])
def test_one_of_two_task_workers_killed_mid_chunk(new_day, baseline, task_engine: str) -> None:
    """Two task workers at once; the one holding the portal's chunk is SIGKILLed.

    The survivor, live all along on the real clock, is the one that recovers. Procrastinate:
    its close_stalled sees the dead worker's heartbeat stop and queues the portal again;
    Dramatiq: the dead worker's portal mutex runs out (lease + budget) and the survivor's
    dispatch queues the portal. Its drain takes the rows over once their (shortened) lease
    runs out. Nothing is lost, nothing is done twice (the day ends as the fault-free one),
    and the survivor did the work."""
    processes.skip_without_redis(task_engine)
    seen: dict[str, object] = {}

    def kill_one_of_two(day: Day) -> None:
        reached, release = threading.Event(), threading.Event()

        def stall(method: str, params: dict) -> None:
            if is_write_batch(method, params) and not reached.is_set():
                reached.set()
                release.wait(90)
                raise ConnectionAbortedError("the worker that sent this is dead")

        day.cloud.wait_idle(30)
        day.portal.on_request = stall
        # the first worker takes the chunk (it is alone), then the second comes up beside it
        first = processes.start_worker(day.settings, name="doomed", engine=task_engine,
                                       lease=KILL_LEASE)
        second = None
        try:
            assert reached.wait(60), "the worker never reached a write batch"
            second = processes.start_worker(day.settings, name="survivor",
                                            engine=task_engine, lease=KILL_LEASE)
            if task_engine == "procrastinate":
                processes.wait_for(lambda: live_task_workers(day) >= 2, 60,
                                   "the second worker did not register")
            else:  # no registry of workers in Redis: up once its start-up CPU settles
                wait_settled([second.pid])
            with day.sessions() as s:
                seen["leased"] = len(list(s.scalars(select(InboxEvent).where(
                    InboxEvent.status == "processing", InboxEvent.locked_by.is_not(None)))))
            processes.stop(first, signal.SIGKILL)
            seen["killed"] = first.returncode
            release.set()
            day.portal.on_request = None
            processes.wait_for(lambda: processes.inbox_settled(day.sessions), 120,
                               f"the inbox did not settle: {processes.inbox_counts(day.sessions)}")
        finally:
            release.set()
            day.portal.on_request = None
            processes.stop(first, signal.SIGKILL)
            if second is not None:
                processes.stop(second)
        seen["survivor_handled"] = processes.handled_by(second)
        with day.sessions() as s:
            seen["attempts"] = max(s.scalars(select(InboxEvent.attempts)), default=0)

    with new_day() as day:
        day.fault_at, day.fault = FAULT_AT, kill_one_of_two
        got = play(day)
    assert seen["leased"] and seen["killed"] == -signal.SIGKILL, seen
    assert seen["survivor_handled"] >= seen["leased"], seen  # it redid the dead chunk
    assert seen["attempts"] <= 2, seen  # the killed chunk's rows once more, nothing else
    assert_same(got, baseline)


KILL_LEASE = 8.0  # s: the survivor waits this out instead of five minutes


def live_task_workers(day: Day) -> int:
    """Workers beating now (the test's workers beat every 0.5 s; a dead one's row may stay)."""
    with day.sessions() as s:
        return s.execute(text("SELECT count(*) FROM procrastinate_workers WHERE "
                              "last_heartbeat > now() - interval '2 seconds'")).scalar_one()
