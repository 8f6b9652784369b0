"""The second task engine: Dramatiq on Redis, the same drains and jobs as the Procrastinate one.

    flask --app app worker --engine dramatiq [--concurrency 16] [--inbox-only]

Redis has no row locks, so what Procrastinate's `lock`, `queueing_lock` and periodic defers
give is built here from keys under one namespace (REDIS_URL; TASKS_NAMESPACE, default
"sales-guard"):
- `portal:<id>`: the per-portal mutex (SET NX PX, released by a compare-and-delete script).
  Its TTL is the inbox lease plus the drain budget: a SIGKILLed worker's mutex runs out when
  its rows' leases do, and the inbox lease stays the second guard meanwhile;
- `queued:<id>`: at most one drain message waiting per portal (SET NX, cleared when it runs);
- `beat:<job>:<n>`: period n of a periodic job is sent by whichever worker sets it first, so
  every worker runs the beat and each job runs once per period (no single scheduler process).
`dispatch` (every second, in the winning worker's beat thread) queues a drain for every portal
with due events whose mutex is free. A drain message that finds the mutex taken is dropped: the
running drain takes what is due, and dispatch what comes after. Dramatiq's own retries are off
(no Retries middleware): the inbox's per-event backoff decides when events are due again.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import ShutdownNotifications, TimeLimit
from flask import Flask

from config import Settings
from jobs.runner import JobSpec, job_specs
from store import inbox
from tasks import drain, engine, periodic

logger = logging.getLogger(__name__)
NAMESPACE_ENV, NAMESPACE = "TASKS_NAMESPACE", "sales-guard"
QUEUED_TTL = 60  # s: a waiting flag outlives its message only if that message was lost
BEAT_SECONDS = 0.2
JOB_HOLD_MAX = 3600.0  # s: a periodic job's mutex outlives a dead worker at most this long
RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) " \
          "else return 0 end"


def interval_of(spec: JobSpec) -> int:
    """A JobSpec's period in seconds (the same one-unit intervals periodic.cron_of takes)."""
    periodic.cron_of(spec)  # refuses what the other engine refuses
    (unit, every), = spec.kwargs.items()
    return int(every) * {"seconds": 1, "minutes": 60, "hours": 3600}[unit]


@dataclass
class RedisEngine:
    """The broker, its actors and the key helpers of one worker process (or of a test)."""

    broker: RedisBroker
    client: redis.Redis
    namespace: str
    specs: dict[str, JobSpec] = field(default_factory=dict)
    actors: dict[str, dramatiq.Actor] = field(default_factory=dict)

    def key(self, *parts: object) -> str:
        return ":".join([self.namespace, *map(str, parts)])

    def acquire(self, name: str, ttl: float) -> str | None:
        token = uuid.uuid4().hex
        ok = self.client.set(self.key(name), token, nx=True, px=max(1, int(ttl * 1000)))
        return token if ok else None

    def release(self, name: str, token: str) -> None:
        self.client.eval(RELEASE, 1, self.key(name), token)

    def queue_drain(self, portal_id: int, delay: float | None = None) -> bool:
        """Send a drain unless one waits already; True if this call sent it."""
        if not self.client.set(self.key("queued", portal_id), 1, nx=True,
                               ex=QUEUED_TTL + int(delay or 0)):
            return False
        self.actors[drain.DRAIN].send_with_options(
            args=(portal_id,), delay=int(delay * 1000) if delay else None)
        return True

    def dispatch(self) -> int:
        """Queue a drain for every portal with due events and no drain running."""
        due = drain.inbox_due()
        if not due:
            return 0
        with self.client.pipeline(transaction=False) as pipe:
            for portal_id in due:
                pipe.exists(self.key(drain.lock_of(portal_id)))
            running = pipe.execute()
        return sum(self.queue_drain(p) for p, busy in zip(due, running, strict=True) if not busy)

    def beat_once(self, now: float, *, dispatch_every: int = 1) -> list[str]:
        """The periods that began by `now` and were not claimed yet: claim and start them."""
        started = []
        for job_id, every in [("dispatch", dispatch_every),
                              *((i, interval_of(s)) for i, s in self.specs.items())]:
            period = int(now // every)
            if self.client.set(self.key("beat", job_id, period), 1, nx=True, ex=every + 60):
                started.append(job_id)
                if job_id == "dispatch":
                    self.dispatch()
                else:
                    self.actors["job"].send(job_id)
        return started


def build(settings: Settings, *, periodic_jobs: bool = True,
          namespace: str | None = None) -> RedisEngine:
    namespace = namespace or os.environ.get(NAMESPACE_ENV) or NAMESPACE
    # no Retries middleware (the inbox retries), no Callbacks/Pipelines/AgeLimit (unused)
    broker = RedisBroker(url=settings.redis_url, namespace=namespace,
                         middleware=[TimeLimit(), ShutdownNotifications()])
    eng = RedisEngine(broker, redis.Redis.from_url(settings.redis_url), namespace)
    if periodic_jobs:
        eng.specs = {spec.id: spec for spec in job_specs(settings)}
    _register(eng)
    return eng


def drain_once(eng: RedisEngine, portal_id: int) -> int | None:
    """One drain message: the portal's drain under its mutex; None if another one runs."""
    eng.client.delete(eng.key("queued", portal_id))
    token = eng.acquire(drain.lock_of(portal_id),
                        inbox.LEASE.total_seconds() + drain.BUDGET_SECONDS)
    if token is None:
        return None  # a drain of this portal runs: it takes what is due
    try:
        handled, again = drain.drain(portal_id)
    finally:
        eng.release(drain.lock_of(portal_id), token)
    if again is not None:
        eng.queue_drain(portal_id, again or None)
    return handled


def _register(eng: RedisEngine) -> None:
    def drain_portal(portal_id: int) -> None:  # no Results middleware: actors return None
        drain_once(eng, portal_id)

    def job(job_id: str) -> None:
        spec = eng.specs[job_id]
        # held while it runs, so a slow run never overlaps the next; a killed worker's hold
        # runs out within the hour (a daily job must not wait two days for it)
        token = eng.acquire(f"job:{job_id}", min(JOB_HOLD_MAX, max(60.0, interval_of(spec) * 2.0)))
        if token is None:
            return  # the last period's run is still going (max_instances=1)
        try:
            periodic.run_spec(spec)
        finally:
            eng.release(f"job:{job_id}", token)

    for name, fn in ((drain.DRAIN, drain_portal), ("job", job)):
        eng.actors[name] = dramatiq.actor(fn, actor_name=name, broker=eng.broker,
                                          time_limit=3_600_000)


def run(flask_app: Flask, concurrency: int, *, periodic_jobs: bool = True,
        stop: threading.Event | None = None) -> None:
    """One worker process: `concurrency` threads, the beat, until SIGTERM/SIGINT."""
    engine.bind(flask_app)
    eng = build(flask_app.config["SETTINGS"], periodic_jobs=periodic_jobs)
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    worker = dramatiq.Worker(eng.broker, worker_threads=concurrency, worker_timeout=100)
    # prefetch no more than it runs: a message cached in one worker waits there while a
    # second worker idles (the default prefetches twice the threads)
    worker.queue_prefetch = concurrency
    worker.start()
    beat = threading.Thread(target=_beat, args=(eng, stop), name="beat", daemon=True)
    beat.start()
    try:
        stop.wait()
    finally:
        beat.join(5)
        worker.stop()


def _beat(eng: RedisEngine, stop: threading.Event,
          clock: Callable[[], float] = time.time) -> None:
    while not stop.wait(BEAT_SECONDS):
        try:
            eng.beat_once(clock())
        except Exception:  # Redis or the database away: the next beat tries again
            logger.exception("tasks.beat.failed")
