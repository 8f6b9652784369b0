"""Finding 9 of issue 14: slow clients must not stop genuine events (gunicorn.conf.py).

A real gunicorn, started with the shipped config, on loopback: four sockets send a request
head one header line every 2 s and never finish it, while genuine events keep being posted.
Every genuine event must be answered 200 in time and stored. (With the README's former
`gunicorn -w 4`, sync workers, the same four sockets stopped every worker.)
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
import time_machine
from sqlalchemy import func, select

from config import ROOT
from store.models import InboxEvent
from tests.abuse.test_targeted import event
from tests.faults.processes import app_env, stop

SLOW_CLIENTS = 4
HOLD_SECONDS = 8.0
CONFIG = ROOT / "gunicorn.conf.py"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _real_now() -> int:
    """The gunicorn child keeps the machine's clock; events are stamped by it, not TEST_NOW."""
    return int(time_machine.escape_hatch.time.time())


def _start(settings, port: int, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(CONFIG),
                                 "-b", f"127.0.0.1:{port}", "app:create_app()"],
                                env=app_env(settings), cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                return proc
        except requests.RequestException:
            time.sleep(0.2)
    stop(proc)
    raise AssertionError(f"gunicorn did not start: {log.read_text()[-2000:]}")


def _slow_client(port: int, stop_at: float, opened: list[socket.socket],
                 cut: list[int]) -> None:
    """Slowloris: a request head that never ends, one header line every 2 s."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    opened.append(sock)
    sock.sendall(b"POST /b24/events HTTP/1.1\r\nHost: app.test\r\n")
    n = 0
    while time.monotonic() < stop_at:
        time.sleep(2)
        n += 1
        try:
            sock.sendall(f"X-Slow-{n}: {'x' * 20}\r\n".encode())
        except OSError:
            cut.append(n)  # the server hung up: then this test would prove nothing
            return


@pytest.mark.long  # 17-20 s: a gunicorn start, 8 s of slow clients, a graceful stop
def test_slow_clients_do_not_stop_genuine_events(settings, tenants, sessions,
                                                 tmp_path) -> None:
    assert CONFIG.exists(), "gunicorn.conf.py is the shipped web tier config"
    a, _ = tenants
    port = _free_port()
    proc = _start(settings, port, tmp_path / "gunicorn.log")
    opened: list[socket.socket] = []
    cut: list[int] = []
    stop_at = time.monotonic() + HOLD_SECONDS
    slow = [threading.Thread(target=_slow_client, args=(port, stop_at, opened, cut), daemon=True)
            for _ in range(SLOW_CLIENTS)]
    try:
        for thread in slow:
            thread.start()
        time.sleep(1)  # the slow heads are in before the first genuine event
        answers, slowest, n = [], 0.0, 0
        while time.monotonic() < stop_at - 1:
            n += 1
            form = event(a, ts=str(_real_now()), **{"data[FIELDS][ID]": str(1000 + n)})
            started = time.monotonic()
            try:
                answers.append(requests.post(f"http://127.0.0.1:{port}/b24/events",
                                             data=form, timeout=3).status_code)
            except requests.RequestException as exc:
                answers.append(type(exc).__name__)
            slowest = max(slowest, time.monotonic() - started)
            time.sleep(0.3)
        for thread in slow:
            thread.join(timeout=5)
    finally:
        for sock in opened:
            sock.close()
        stop(proc)
    assert len(answers) >= 8 and set(answers) == {200}, answers
    assert slowest < 2.0, slowest
    assert not cut and len(opened) == SLOW_CLIENTS, "the slow clients were held open"
    with sessions() as s:
        stored = s.scalar(select(func.count()).select_from(InboxEvent)
                          .where(InboxEvent.portal_id == a.portal_id))
    assert stored == len(answers)
