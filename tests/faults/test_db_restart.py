"""The database restarted in the middle of a drain (PostgreSQL, a private cluster): the worker
process fails its chunk, keeps polling through the outage, reconnects, and the day ends as if
nothing happened."""

from __future__ import annotations

import os
import threading

import pytest

from store.db import make_engine, make_session_factory
from store.migrate import upgrade
from tests.faults import processes
from tests.faults.harness import Day, assert_same, no_client_limit, play, prepared_day
from tests.faults.pg_cluster import private_cluster

pytestmark = [
    pytest.mark.long,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason=(
        "needs PostgreSQL (TEST_DATABASE_URL); a private cluster is started from its "
        "binaries, the shared server is never restarted")),
]
FAULT_AT = 4
LEASE = 3.0  # the worker's lease, in seconds: its own abandoned chunk comes back quickly


@pytest.mark.parametrize("task_engine", ["loop", "procrastinate", "dramatiq"])
def test_database_restart_mid_drain_loses_nothing(baseline, monkeypatch, task_engine: str) -> None:
    processes.skip_without_redis(task_engine)
    no_client_limit(monkeypatch)
    seen: dict[str, object] = {}

    def restart_mid_drain(day: Day, cluster) -> None:
        reached, release = threading.Event(), threading.Event()

        def stall(method: str, params: dict) -> None:
            """Hold the chunk's first batch (its reads) while the database goes down."""
            if method.lower() == "batch" and not reached.is_set():
                reached.set()
                release.wait(60)

        day.cloud.wait_idle(30)
        day.portal.on_request = stall
        worker = processes.start_worker(day.settings, name="survivor", lease=LEASE,
                                            engine=task_engine)
        try:
            assert reached.wait(60), "the worker never started a chunk"
            cluster.crash()
            release.set()  # the chunk goes on and meets a dead database
            processes.wait_for(lambda: "round failed" in worker.log_path.read_text()
                               or "portal_failed" in worker.log_path.read_text()
                               or "tasks.drain.failed" in worker.log_path.read_text(), 30,
                               "the worker did not notice the database was gone")
            cluster.start()
            processes.wait_for(lambda: processes.inbox_settled(day.sessions), 120,
                               f"no recovery: {processes.inbox_counts(day.sessions)}")
            seen["alive"] = worker.poll() is None
        finally:
            day.portal.on_request = None
            release.set()
            processes.stop(worker)

    with private_cluster() as cluster:
        upgrade(cluster.url)
        engine = make_engine(cluster.url)
        try:
            with prepared_day(cluster.url, make_session_factory(engine)) as day:
                day.fault_at, day.fault = FAULT_AT, lambda d: restart_mid_drain(d, cluster)
                got = play(day)
        finally:
            engine.dispose()
    assert seen["alive"], "the same worker process recovered"
    assert_same(got, baseline)
