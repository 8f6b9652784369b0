"""Shared bits for the benchmarks: free ports, percentiles, a throwaway database."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from config import ROOT
from store import crypto, portals
from store.db import make_engine, make_session_factory
from store.migrate import upgrade

# The portal benchmarks (drain, bulk, many_portals) talk to the emulated cloud across the
# round trip of a real cloud portal: each answer waits 100–200 ms (sandbox.latency). Set
# BENCH_ROUND_TRIP=0 for loopback speed, or e.g. 150 / 100-300 (milliseconds).
ROUND_TRIP_ENV, ROUND_TRIP_DEFAULT = "BENCH_ROUND_TRIP", "100-200"


def round_trip(default: str = ROUND_TRIP_DEFAULT) -> tuple[float, float]:
    """(low, high) seconds for Cloud(round_trip=...), from BENCH_ROUND_TRIP."""
    from sandbox.latency import RoundTrip

    trip = RoundTrip.parse(os.environ.get(ROUND_TRIP_ENV, default))
    return trip.low, trip.high


def round_trip_label(default: str = ROUND_TRIP_DEFAULT) -> str:
    low, high = round_trip(default)
    return f"round trip {low * 1000:.0f}–{high * 1000:.0f} ms"


APP_TOKEN = "b" * 32
# The tokens-at-rest key of the throwaway bench databases (a real deployment sets TOKEN_KEYS).
BENCH_TOKEN_KEY = "Ry8LJIMZErdhH7i9vY9EdOG4RvZtfJy4adr5wmkVZOA="
MEMBER_ID = "be7c4" + "0" * 27  # 32 hex digits, like a real member_id (PBX routes check it)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary_ms(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (f"p50 {percentile(ms, 50):.1f} ms, p99 {percentile(ms, 99):.1f} ms, "
            f"max {max(ms):.1f} ms, mean {statistics.fmean(ms):.1f} ms")


def temp_sqlite_url() -> str:
    path = Path(tempfile.mkdtemp(prefix="bench-")) / "bench.db"
    return f"sqlite:///{path}"


def prepared_database(url: str) -> None:
    """Migrated, with one installed portal whose application_token the load uses."""
    crypto.use(crypto.KeyRing([BENCH_TOKEN_KEY]))
    upgrade(url)
    engine = make_engine(url)
    now = datetime.now(UTC)
    with make_session_factory(engine)() as session:
        portals.upsert_installed(session, portals.Installation(
            member_id=MEMBER_ID, domain="bench.bitrix24.test",
            client_endpoint="http://127.0.0.1:9/rest/", server_endpoint=None,
            access_token="x", refresh_token="y", token_expires_at=now + timedelta(hours=1),
            application_token=APP_TOKEN, scope="crm", installer_user_id=1), now)
        session.commit()
    engine.dispose()


def start_gunicorn(url: str, port: int, workers: int | None, *, wait: float = 30.0,
                   probe_timeout: float = 1.0, cpus: str | None = None,
                   env: dict[str, str] | None = None) -> subprocess.Popen:
    """The app under gunicorn on loopback for a benchmark; returns once /healthz answers.

    A busy machine needs more patience (`wait`, `probe_timeout`) before the first answer.
    `cpus` ("0") pins gunicorn and its workers there (taskset), so a load generator pinned
    elsewhere measures the app, not its own share of the same cores. It runs with the shipped
    gunicorn.conf.py (worker class, threads); `workers` None keeps its count, `env` adds to
    the environment (WEB_THREADS, WEB_CONCURRENCY...).
    """
    env = {**os.environ, **(env or {}), "DATABASE_URL": url, "B24_CLIENT_ID": "local.bench",
           "B24_CLIENT_SECRET": "bench", "APP_PUBLIC_URL": f"http://127.0.0.1:{port}",
           "SECRET_KEY": "bench", "TOKEN_KEYS": BENCH_TOKEN_KEY, "LOG_LEVEL": "WARNING"}
    pin = ["taskset", "-c", cpus] if cpus is not None else []
    count = [] if workers is None else ["-w", str(workers)]
    proc = subprocess.Popen(
        [*pin, sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), *count,
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "app:create_app()"],
        env=env, cwd=ROOT)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=probe_timeout).ok:
                return proc
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its live children, from /proc (Linux)."""
    from bench.cpu import cpu_seconds

    own = cpu_seconds(pid)
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return (own or 0.0) + sum(process_cpu(int(child)) for child in children)


def worker_count(pid: int) -> int:
    """How many workers a gunicorn master runs (its child processes)."""
    try:
        return len(Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
    except OSError:
        return 0


def open_loop(total: int, rate: float, send: Callable[[requests.Session, int], bool], *,
              senders: int = 16) -> tuple[list[float], int]:
    """Open loop: request i is due at start + i/rate whatever the previous answers took.

    `send(http, i)` makes request i on the sender's own session and says whether it succeeded;
    returns every request's latency and the number of failures.
    """
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    counter = iter(range(total))
    start = time.perf_counter() + 0.2

    def sender() -> None:
        nonlocal failures
        http = requests.Session()
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            t0 = time.perf_counter()
            ok = send(http, i)
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
                failures += not ok

    threads = [threading.Thread(target=sender) for _ in range(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, failures
