"""Real processes for the fault tests: inbox workers and web servers on the test's database.

`python -m tests.faults.processes worker AHEAD` runs the inbox worker loop like `flask --app app
worker`, with its clock AHEAD seconds in the future: a worker started after a crash can then
see the dead worker's leases run out without the test waiting five minutes.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from sqlalchemy import func, select
from werkzeug.wrappers import Request

from config import ROOT, Settings
from store.models import InboxEvent

LOG_DIR = Path(tempfile.gettempdir())  # the fault tests point it at pytest's temp dir


def app_env(settings: Settings) -> dict[str, str]:
    """The environment a production process would get (Settings.from_env reads it)."""
    return {**os.environ, **settings.process_env(), "LOG_LEVEL": "WARNING",
            "WORKER_POLL_SECONDS": "0.05", "INBOX_CHUNK_SIZE": str(settings.inbox_chunk_size),
            "PYTHONPATH": str(ROOT)}


def start_worker(settings: Settings, *, ahead: float = 0.0, name: str = "worker",
                 lease: float | None = None, engine: str = "loop") -> subprocess.Popen:
    """engine: "loop" (jobs.runner.run_worker's loop), "procrastinate" (tasks/worker.py) or
    "dramatiq" (tasks/redis_engine.py: the workers of one day share a Redis namespace)."""
    path = LOG_DIR / f"faults-{name}-{os.getpid()}-{time.monotonic_ns()}.log"
    with path.open("wb") as log:
        env = app_env(settings) | ({"FAULTS_LEASE_SECONDS": str(lease)} if lease else {}) \
            | {"FAULTS_ENGINE": engine, "TASKS_NAMESPACE": f"{namespace_prefix()}{id(settings)}"}
        proc = subprocess.Popen([sys.executable, "-m", "tests.faults.processes", "worker",
                                 str(ahead)], env=env, cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT)
    proc.log_path = path  # type: ignore[attr-defined]
    return proc


def start_web(settings: Settings, port: int, *, name: str = "web") -> subprocess.Popen:
    """One gunicorn web process (one sync worker) on loopback; returns once /healthz answers."""
    path = LOG_DIR / f"faults-{name}-{os.getpid()}-{time.monotonic_ns()}.log"
    with path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "1", "--threads", "4",
                                 "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                                 "app:create_app()"], env=app_env(settings), cwd=ROOT,
                                stdout=log, stderr=subprocess.STDOUT)
    wait_for(lambda: _healthy(port), 60, f"{name} did not start")
    return proc


class RoundRobin:
    """A tiny load balancer: each request goes to the next web process in turn."""

    def __init__(self, ports: list[int]) -> None:
        self.ports, self.hits = ports, [0] * len(ports)
        self._next = itertools.count()
        self._http = requests.Session()

    def __call__(self, environ: dict, start_response: Callable) -> list[bytes]:
        request = Request(environ)
        n = next(self._next) % len(self.ports)
        self.hits[n] += 1
        answer = self._http.request(
            request.method, f"http://127.0.0.1:{self.ports[n]}{request.full_path}",
            data=request.get_data(), timeout=30, allow_redirects=False,
            headers={k: v for k, v in request.headers.items() if k.lower() != "host"})
        start_response(f"{answer.status_code} {answer.reason}", [
            (k, v) for k, v in answer.headers.items()
            if k.lower() in ("content-type", "location", "set-cookie")])
        return [answer.content]


def _healthy(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok
    except requests.RequestException:
        return False


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Stop a process this test started (by its own pid, never by name)."""
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def wait_for(check: Callable[[], bool], timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(message)


def inbox_counts(sessions) -> dict[str, int]:
    with sessions() as s:
        return dict(s.execute(select(InboxEvent.status, func.count())
                              .group_by(InboxEvent.status)).all())


def inbox_settled(sessions) -> bool:
    counts = inbox_counts(sessions)
    return not counts.get("pending") and not counts.get("processing")


def _run_worker(ahead: float) -> None:
    """The worker loop of jobs.runner.run_worker, on a clock `ahead` seconds in the future."""
    import handlers.context
    import store.inbox
    from app import create_app
    from b24.ratelimit import LeakyBucket
    from jobs.inbox import process_inbox

    if os.environ.get("FAULTS_LEASE_SECONDS"):  # a short lease instead of moving the clock
        store.inbox.LEASE = timedelta(seconds=float(os.environ["FAULTS_LEASE_SECONDS"]))
    # the emulator's rate limit is off, so is the client's model of it (as in the tests)
    handlers.context.bucket_for = lambda key: LeakyBucket(capacity=10**6, drain=10**6)
    app = create_app()
    if os.environ.get("FAULTS_ENGINE") in ("procrastinate", "dramatiq"):
        _run_task_worker(app, ahead, os.environ["FAULTS_ENGINE"])
        return
    stop_flag = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop_flag.set())
    sessions, settings = app.extensions["db_sessions"], app.config["SETTINGS"]
    shift, total = timedelta(seconds=ahead), 0
    while not stop_flag.is_set():
        try:
            handled = process_inbox(sessions, settings, max_rounds=10,
                                    now=lambda: datetime.now(UTC) + shift)
        except Exception as exc:  # the database went away: try again, like run_worker
            print(f"worker round failed: {type(exc).__name__}: {exc}", flush=True)
            handled = 0
        total += handled
        if not handled:
            stop_flag.wait(settings.worker_poll_seconds)
    print(f"handled {total}", flush=True)


def _run_task_worker(app, ahead: float, engine: str = "procrastinate") -> None:
    """A task engine's worker (flask --app app worker --engine procrastinate|dramatiq), its
    clock moved `ahead`; Procrastinate closes a dead worker's jobs after 3 s without a
    heartbeat instead of 30 s (Dramatiq's portal mutex runs out with the lease)."""
    import tasks.drain
    import tasks.stalled
    from tasks import redis_engine, worker

    shift, total, drain = timedelta(seconds=ahead), [0], tasks.drain.drain
    tasks.drain.clock = lambda: datetime.now(UTC) + shift
    tasks.stalled.STALLED_AFTER, tasks.stalled.HEARTBEAT = 3.0, 0.5

    def counted(portal_id: int) -> tuple[int, float | None]:
        handled, again = drain(portal_id)
        total[0] += handled
        return handled, again

    tasks.drain.drain = counted
    if engine == "dramatiq":
        redis_engine.run(app, 4, periodic_jobs=False)
    else:
        worker.run(app, 4, periodic_jobs=False)
    print(f"handled {total[0]}", flush=True)


def namespace_prefix() -> str:
    """This test process's Redis namespaces (a day's Dramatiq workers share one)."""
    return f"faults-{os.getpid()}-"


def drop_redis_keys() -> None:
    """What this test process's Dramatiq workers left in Redis (its queues have no TTL)."""
    import redis

    from config import DEFAULT_REDIS_URL
    try:
        client = redis.Redis.from_url(os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL,
                                      socket_timeout=2)
        for key in client.scan_iter(f"{namespace_prefix()}*"):
            client.delete(key)
    except redis.RedisError:
        pass  # no Redis: nothing of ours is there


def skip_without_redis(engine: str) -> None:
    """The Dramatiq engine's fault tests need the Redis at REDIS_URL: missing, they fail
    loudly (CI never skips silently)."""
    import pytest
    import redis

    from config import DEFAULT_REDIS_URL
    if engine != "dramatiq":
        return
    try:
        redis.Redis.from_url(os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL,
                             socket_timeout=2).ping()
    except redis.RedisError:
        pytest.fail("no Redis at REDIS_URL (start redis-server, or set REDIS_URL): the "
                    "Dramatiq engine's fault tests need it", pytrace=False)


def handled_by(proc: subprocess.Popen) -> int:
    """What a stopped worker reported as handled (its last line)."""
    lines = Path(proc.log_path).read_text().splitlines()  # type: ignore[attr-defined]
    return int(next(x for x in reversed(lines) if x.startswith("handled ")).split()[1])


if __name__ == "__main__":
    if sys.argv[1:2] == ["worker"]:
        _run_worker(float(sys.argv[2]) if len(sys.argv) > 2 else 0.0)
