"""Shared bits for the benchmarks: free ports, percentiles, a throwaway database."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from store import portals
from store.db import make_engine, make_session_factory
from store.migrate import upgrade

APP_TOKEN = "b" * 32
MEMBER_ID = "bench" + "0" * 27


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


def start_gunicorn(url: str, port: int, workers: int, *, wait: float = 30.0,
                   probe_timeout: float = 1.0) -> subprocess.Popen:
    """The app under gunicorn on loopback for a benchmark; returns once /healthz answers.

    A busy machine needs more patience (`wait`, `probe_timeout`) before the first answer.
    """
    env = {**os.environ, "DATABASE_URL": url, "B24_CLIENT_ID": "local.bench",
           "B24_CLIENT_SECRET": "bench", "APP_PUBLIC_URL": f"http://127.0.0.1:{port}",
           "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "app:create_app()"], env=env)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=probe_timeout).ok:
                return proc
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start")
