"""The Dramatiq/Redis engine's own logic on a real Redis (REDIS_URL; failing without one), each
test under a namespace of its own: the per-portal mutex, one waiting drain per portal, dispatch
skipping running portals, and each periodic job's period claimed once across workers."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
import redis

from config import Settings
from tasks import drain, redis_engine


@pytest.fixture
def eng(settings: Settings):
    client = redis.Redis.from_url(settings.redis_url)
    try:
        client.ping()
    except redis.RedisError:
        pytest.fail(f"no Redis at {settings.redis_url} (start redis-server, or set REDIS_URL)",
                    pytrace=False)
    namespace = f"test-{uuid.uuid4().hex[:10]}"
    built = redis_engine.build(settings, namespace=namespace)
    yield built
    for key in client.scan_iter(f"{namespace}*"):
        client.delete(key)


def waiting(eng) -> int:
    """Messages in the default queue (Dramatiq's Redis layout: a list of ids)."""
    return eng.client.llen(f"{eng.namespace}:default")


def test_the_portal_mutex_admits_one_and_only_its_owner_releases(eng) -> None:
    token = eng.acquire("portal:1", 60)
    assert token and eng.acquire("portal:1", 60) is None
    eng.release("portal:1", "not-the-owner")
    assert eng.acquire("portal:1", 60) is None
    eng.release("portal:1", token)
    assert eng.acquire("portal:1", 60)


def test_one_waiting_drain_per_portal(eng) -> None:
    assert eng.queue_drain(7) and not eng.queue_drain(7) and eng.queue_drain(8)
    assert waiting(eng) == 2


def test_a_drain_finding_the_mutex_taken_does_nothing(eng, monkeypatch) -> None:
    ran: list[int] = []
    monkeypatch.setattr(drain, "drain", lambda portal_id: (ran.append(portal_id), (3, None))[1])
    held = eng.acquire(drain.lock_of(5), 60)
    assert redis_engine.drain_once(eng, 5) is None and ran == []
    eng.release(drain.lock_of(5), held)
    assert redis_engine.drain_once(eng, 5) == 3 and ran == [5]
    assert eng.acquire(drain.lock_of(5), 60)  # released after the drain


def test_a_drain_with_work_left_queues_itself_again(eng, monkeypatch) -> None:
    monkeypatch.setattr(drain, "drain", lambda portal_id: (50, 0.0))
    eng.queue_drain(5)
    assert waiting(eng) == 1
    redis_engine.drain_once(eng, 5)  # clears its own waiting flag, then queues the next
    assert waiting(eng) == 2 and not eng.queue_drain(5)


def test_dispatch_skips_portals_whose_drain_runs(eng, monkeypatch) -> None:
    monkeypatch.setattr(drain, "inbox_due", lambda: [1, 2, 3])
    eng.acquire(drain.lock_of(2), 60)
    assert eng.dispatch() == 2
    assert eng.dispatch() == 0  # 1 and 3 wait already


def test_each_period_is_claimed_once_across_workers(eng, settings, monkeypatch) -> None:
    monkeypatch.setattr(drain, "inbox_due", lambda: [])
    other = redis_engine.build(settings, namespace=eng.namespace)  # a second worker
    first = eng.beat_once(1_000_000.0)
    assert "dispatch" in first and set(eng.specs) <= set(first)
    assert other.beat_once(1_000_000.5) == []  # same periods: nothing again
    new_period = {i for i, spec in eng.specs.items()
                  if 1_000_001 // redis_engine.interval_of(spec) > 1_000_000 //
                  redis_engine.interval_of(spec)}
    # the next second: its dispatch, and only the jobs whose period began in it
    assert set(other.beat_once(1_000_001.0)) == {"dispatch"} | new_period


def test_inbox_only_registers_no_periodic_job(settings) -> None:
    built = redis_engine.build(replace(settings), periodic_jobs=False, namespace="unused")
    assert built.specs == {} and set(built.actors) == {drain.DRAIN, "job"}


def test_a_periodic_job_never_overlaps_its_last_run(eng, monkeypatch) -> None:
    ran: list[str] = []
    monkeypatch.setattr(redis_engine.periodic, "run_spec", lambda spec: ran.append(spec.id))
    job_id = next(iter(eng.specs))
    held = eng.acquire(f"job:{job_id}", 60)
    eng.actors["job"].fn(job_id)
    assert ran == []  # the last run still holds it
    eng.release(f"job:{job_id}", held)
    eng.actors["job"].fn(job_id)
    assert ran == [job_id] and eng.acquire(f"job:{job_id}", 60)  # released after the run
