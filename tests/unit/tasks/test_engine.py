"""The task engine's own logic on Procrastinate's in-memory connector (no PostgreSQL needed):
lock names, one waiting drain per portal, re-deferral, and the periodic jobs registered."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from procrastinate.testing import InMemoryConnector
from sqlalchemy import text

from config import Settings
from jobs.runner import JobSpec, job_specs
from tasks import drain, engine, periodic


def run_async(coro):
    """A fresh loop in its own thread: an earlier test (Playwright's sync API) may leave a loop
    running in this one, and asyncio.run() refuses to nest."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture
def engine_app(settings: Settings):
    app = engine.build(settings, connector=InMemoryConnector())
    return app


def jobs_of(app) -> list[dict]:
    return list(app.connector.jobs.values())


def test_every_job_spec_becomes_a_periodic_task(engine_app, settings: Settings) -> None:
    specs = job_specs(settings)
    periodic_ids = {p.periodic_id for p in engine_app.periodic_registry.periodic_tasks.values()}
    assert {spec.id for spec in specs} <= periodic_ids
    assert {"dispatch", "stalled"} <= periodic_ids
    for spec in specs:
        task = engine_app.tasks[periodic.PREFIX + spec.id]
        assert task.lock == f"job:{spec.id}" and task.queueing_lock == f"job:{spec.id}"


@pytest.mark.parametrize(("kwargs", "cron"), [
    ({"seconds": 1}, "* * * * * */1"), ({"seconds": 10}, "* * * * * */10"),
    ({"minutes": 1}, "*/1 * * * *"), ({"minutes": 15}, "*/15 * * * *"),
    ({"hours": 6}, "0 */6 * * *"), ({"hours": 24}, "0 0 * * *"), ({"seconds": 300}, "*/5 * * * *"),
])
def test_intervals_as_cron_lines(kwargs: dict, cron: str) -> None:
    assert periodic.cron_of(JobSpec("x", lambda app: None, "interval", kwargs)) == cron


@pytest.mark.parametrize("kwargs", [{"seconds": 7}, {"minutes": 7}, {"hours": 5}])
def test_an_interval_cron_cannot_say_is_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        periodic.cron_of(JobSpec("x", lambda app: None, "interval", kwargs))


def test_one_waiting_drain_per_portal_under_the_portal_lock(engine_app) -> None:
    assert run_async(drain.defer_drain(engine_app, 7))
    assert not run_async(drain.defer_drain(engine_app, 7))  # one waits already
    assert run_async(drain.defer_drain(engine_app, 8))
    rows = jobs_of(engine_app)
    assert [(r["task_name"], r["lock"], r["queueing_lock"], r["args"]) for r in rows] == [
        ("drain_portal", "portal:7", "drain:7", {"portal_id": 7}),
        ("drain_portal", "portal:8", "drain:8", {"portal_id": 8})]


@pytest.fixture
def scripted_chunks(monkeypatch):
    """process_chunk answers from a script: (events, seconds to wait) per call."""
    script: list[tuple[int, float]] = []
    calls: list[int] = []

    def chunk(sessions, settings, portal_id, clock, factory):
        calls.append(portal_id)
        return script.pop(0)

    monkeypatch.setattr(drain, "process_chunk", chunk)
    settings = SimpleNamespace(inbox_chunk_size=50, inbox_pipeline_chunks=1)
    engine.bind(SimpleNamespace(extensions={"db_sessions": None}, config={"SETTINGS": settings}))
    return script, calls


def test_drain_runs_chunks_until_none_is_due(scripted_chunks) -> None:
    script, calls = scripted_chunks
    script += [(50, 0.0), (100, 0.0), (0, 0.0)]
    assert drain.drain(5) == (150, None)
    assert calls == [5, 5, 5]


def test_drain_stops_after_a_short_chunk(scripted_chunks) -> None:
    """A chunk short of full took every due row: no empty claim after it."""
    script, calls = scripted_chunks
    script += [(50, 0.0), (3, 0.0), (0, 0.0)]
    assert drain.drain(5) == (53, None)
    assert calls == [5, 5]


def test_drain_at_the_rate_limit_comes_back_when_a_request_is_free(scripted_chunks) -> None:
    script, _ = scripted_chunks
    script += [(50, 0.0), (0, 1.5)]
    assert drain.drain(5) == (50, 1.5)


def test_drain_over_its_budget_hands_the_slot_on(scripted_chunks) -> None:
    script, calls = scripted_chunks
    script += [(50, 0.0), (50, 0.0)]
    assert drain.drain(5, budget=-1.0) == (50, 0.0)
    assert calls == [5]


@pytest.mark.parametrize(("outcome", "queued"), [
    ((50, 0.0), [("portal:5", None)]), ((0, 2.0), [("portal:5", "later")]), ((7, None), [])])
def test_the_drain_task_queues_itself_again_only_when_work_remains(
        engine_app, monkeypatch, outcome, queued) -> None:
    monkeypatch.setattr(drain, "drain", lambda portal_id: outcome)
    task = engine_app.tasks[drain.DRAIN]
    run_async(task.func(SimpleNamespace(app=engine_app), portal_id=5))
    assert [(r["lock"], "later" if r["scheduled_at"] else None)
            for r in jobs_of(engine_app)] == queued


def test_dispatch_queues_every_due_portal_once(engine_app, monkeypatch) -> None:
    monkeypatch.setattr(drain, "due_portals", lambda: [3, 4, 3])
    task = engine_app.tasks["dispatch"]
    assert run_async(task.func(SimpleNamespace(app=engine_app), timestamp=0)) == 2
    assert sorted(r["queueing_lock"] for r in jobs_of(engine_app)) == ["drain:3", "drain:4"]


def test_dispatch_batch_falls_back_when_a_drain_slipped_in(engine_app, monkeypatch) -> None:
    assert run_async(drain.defer_drain(engine_app, 3))  # e.g. a drain queueing itself again
    monkeypatch.setattr(drain, "due_portals", lambda: [3, 4])
    task = engine_app.tasks["dispatch"]
    assert run_async(task.func(SimpleNamespace(app=engine_app), timestamp=0)) == 1
    assert sorted(r["queueing_lock"] for r in jobs_of(engine_app)) == ["drain:3", "drain:4"]


def test_two_dispatches_never_run_at_once(engine_app) -> None:
    task = engine_app.tasks["dispatch"]
    assert (task.lock, task.queueing_lock) == ("dispatch", "dispatch")


def test_the_engines_own_tasks_jump_the_queue_of_drains(engine_app) -> None:
    drains = engine_app.tasks[drain.DRAIN]
    for name in ("dispatch", "close_stalled"):
        assert engine_app.tasks[name].priority > drains.priority


def test_the_engine_refuses_sqlite() -> None:
    with pytest.raises(ValueError, match="PostgreSQL"):
        engine.conninfo("sqlite:///instance/app.db")


def test_a_periodic_task_runs_its_job_against_the_bound_app(engine_app, app, monkeypatch) -> None:
    ran: list[object] = []
    spec = next(s for s in job_specs(app.config["SETTINGS"]) if s.id == "planner_statistics")
    monkeypatch.setattr(periodic, "run_spec", lambda s: ran.append((s.id, engine.flask_app())))
    engine.bind(app)
    run_async(engine_app.tasks[periodic.PREFIX + spec.id].func(timestamp=0))
    assert ran == [("planner_statistics", app)]
    assert periodic.run_spec is not None and spec.func(app) in {"analyzed", "autovacuum"}


def test_dispatch_skips_portals_whose_drain_waits_or_runs(migrated: str, sessions) -> None:
    """On the real tables (PostgreSQL): a portal with a drain `todo` or `doing` is not queued
    again (with two workers each such defer became one more, empty, drain)."""
    if not migrated.startswith("postgresql"):
        pytest.skip("the Procrastinate tables exist on PostgreSQL only")
    with sessions() as session:
        for portal_id, status in ((1, "todo"), (2, "doing"), (3, "succeeded")):
            session.execute(text(
                "INSERT INTO procrastinate_jobs (queue_name, task_name, lock, args, status) "
                "VALUES ('default', 'drain_portal', :lock, '{}', :status)"),
                {"lock": drain.lock_of(portal_id), "status": status})
        session.commit()
        assert drain.without_drains(session, [1, 2, 3, 4]) == [3, 4]
        assert drain.without_drains(session, []) == []
