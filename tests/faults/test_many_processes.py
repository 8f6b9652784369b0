"""Two web processes behind a round-robin front and two worker processes, all on one
PostgreSQL schema: every event lands in either web process, either worker drains it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask

from bench.common import free_port
from tests.faults import processes
from tests.faults.harness import Day, assert_same, live_server, play

pytestmark = [
    pytest.mark.long,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason=(
        "needs PostgreSQL (TEST_DATABASE_URL): several processes writing one SQLite "
        "file is not a supported deployment")),
]


def wait_drained(day: Day) -> None:
    """The workers are other processes: deliveries landed, nothing pending or leased.

    Between checkpoints the portal holds its events (as the fault-free run leaves them
    unprocessed), so both runs see the same batches; a checkpoint lets them through.
    """
    day.portal.resume_delivery()
    day.cloud.wait_idle(30)
    processes.wait_for(lambda: processes.inbox_settled(day.sessions), 120,
                       f"the workers did not drain: {processes.inbox_counts(day.sessions)}")
    day.portal.pause_delivery()


@pytest.mark.parametrize("task_engine", ["loop", "procrastinate", "dramatiq"])
def test_two_webs_and_two_workers_on_postgres(new_day, baseline, task_engine: str) -> None:
    processes.skip_without_redis(task_engine)
    fronts: list[processes.RoundRobin] = []
    workers: list = []

    @contextmanager
    def two_of_each(app: Flask, port: int) -> Iterator[None]:
        settings = app.config["SETTINGS"]
        ports = [free_port(), free_port()]
        started = []
        try:
            for n, web_port in enumerate(ports):
                started.append(processes.start_web(settings, web_port, name=f"web{n}"))
            for n in range(2):
                workers.append(processes.start_worker(settings, name=f"worker{n}",
                                                      engine=task_engine))
                started.append(workers[-1])
            front = processes.RoundRobin(ports)
            fronts.append(front)
            with live_server(front, port):
                yield
        finally:
            for proc in started:
                processes.stop(proc)

    with new_day(front=two_of_each) as day:
        day.drain = wait_drained
        day.portal.pause_delivery()
        got = play(day)
    hits = fronts[0].hits
    assert min(hits) > 30, hits  # both web processes took a fair share of the events
    handled = [processes.handled_by(w) for w in workers]
    assert min(handled) > 10, handled  # both workers drained
    assert_same(got, baseline)
