"""Webhook acknowledgement under gunicorn on loopback: rate, p50/p99, and zero lost.

    python -m bench.ack [--rate 300] [--seconds 10] [--workers N] [--threads N]
                        [--database-url URL] [--app-cpus 0] [--load-cpus 1] [--server-times]

An open-loop generator sends event posts at a fixed rate (each a distinct deal, so nothing
coalesces); afterwards the inbox rows are counted: every 200 must be a stored row.
gunicorn runs pinned to `--app-cpus` (taskset) and the generator to `--load-cpus`
(sched_setaffinity), so the figure is the app's latency and not the generator's share of the
same core; on a machine with one core nothing is pinned (and the output says so).
gunicorn runs with the shipped gunicorn.conf.py, so workers and threads are production's
unless --workers / --threads override them. Printed with the figures: the CPU the app and the
generator spent per request and the machine's load average (/proc/loadavg), because the core
is shared with whatever else runs there. --server-times also prints gunicorn's own request
time (its access log, `%(D)s`: from the parsed request to the written response, so without
the wait for a thread and the generator's side); the log costs the app some CPU.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import func, select

from bench.common import (
    APP_TOKEN,
    MEMBER_ID,
    free_port,
    open_loop,
    prepared_database,
    process_cpu,
    start_gunicorn,
    summary_ms,
    temp_sqlite_url,
    worker_count,
)
from store.db import make_engine, make_session_factory
from store.models import InboxEvent


def form(i: int) -> str:
    return urlencode({
        "event": "ONCRMDEALUPDATE", "event_handler_id": "1", "data[FIELDS][ID]": str(i),
        "ts": str(int(time.time())), "auth[domain]": "bench.bitrix24.test",
        "auth[client_endpoint]": "http://127.0.0.1:9/rest/", "auth[member_id]": MEMBER_ID,
        "auth[application_token]": APP_TOKEN, "auth[access_token]": "t" * 40})


def load(port: int, rate: float, seconds: float, senders: int = 16) -> tuple[list[float], int]:
    url = f"http://127.0.0.1:{port}/b24/events"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return open_loop(int(rate * seconds), rate, lambda http, i: http.post(
        url, data=form(i), headers=headers, timeout=10).status_code == 200, senders=senders)


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages: the share of the machine others took meanwhile."""
    return " ".join(open("/proc/loadavg").read().split()[:3])


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=None, help="gunicorn.conf.py's if unset")
    parser.add_argument("--threads", type=int, default=None, help="gunicorn.conf.py's if unset")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--app-cpus", default="0", help="taskset list for gunicorn")
    parser.add_argument("--load-cpus", default="1", help="cores of the load generator")
    parser.add_argument("--server-times", action="store_true",
                        help="gunicorn's request times too (access log)")
    args = parser.parse_args(argv)
    url = args.database_url or temp_sqlite_url()
    prepared_database(url)
    port = free_port()
    pinned = (os.cpu_count() or 1) >= 2
    env = {} if args.threads is None else {"WEB_THREADS": str(args.threads)}
    access = Path(url.removeprefix("sqlite:///")).with_name("access.log") \
        if args.server_times and url.startswith("sqlite:///") else None
    if access is not None:
        env |= {"ACCESS_LOG": str(access), "GUNICORN_CMD_ARGS": "--access-logformat %(D)s"}
    proc = start_gunicorn(url, port, args.workers, cpus=args.app_cpus if pinned else None,
                          env=env)
    before = os.sched_getaffinity(0)
    try:
        if pinned:
            os.sched_setaffinity(0, {int(c) for c in args.load_cpus.split(",")})
        where = (f"app on CPU {args.app_cpus}, generator on CPU {args.load_cpus}" if pinned
                 else "one core: not pinned")
        workers = worker_count(proc.pid)
        shape = f"{workers} worker(s) x {args.threads or 'conf'} threads"
        print(f"ack: {args.rate:.0f} req/s for {args.seconds:.0f} s, gunicorn {shape}, "
              f"{url.split(':')[0]}, {where}, load {loadavg()}", flush=True)
        app0, load0, t0 = process_cpu(proc.pid), time.process_time(), time.perf_counter()
        latencies, failures = load(port, args.rate, args.seconds)
        wall = time.perf_counter() - t0
        app_cpu, load_cpu = process_cpu(proc.pid) - app0, time.process_time() - load0
    finally:
        os.sched_setaffinity(0, before)
        proc.terminate()
        proc.wait(10)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        stored = session.scalar(select(func.count()).select_from(InboxEvent))
    engine.dispose()
    ok = len(latencies) - failures
    result = {"pinned": pinned, "workers": workers, "sent": len(latencies), "ok": ok,
              "stored": stored, "lost": ok - stored,
              "rps": len(latencies) / wall, "p50_ms": sorted(latencies)[len(latencies) // 2] * 1000,
              "p99_ms": sorted(latencies)[int(len(latencies) * 0.99) - 1] * 1000,
              "app_cpu_ms": app_cpu / len(latencies) * 1000, "load_cpu": load_cpu / wall,
              "loadavg": loadavg()}
    print(f"  sent {len(latencies)}, 200 OK {ok}, inbox rows {stored}, lost {ok - stored}, "
          f"achieved {result['rps']:.0f} req/s")
    print(f"  latency: {summary_ms(latencies)}")
    if access is not None and access.exists():
        served = [int(line) / 1e6 for line in access.read_text().split() if line.isdigit()]
        result["server_p99_ms"] = sorted(served)[int(len(served) * 0.99) - 1] * 1000
        print(f"  gunicorn's own time ({len(served)} requests): {summary_ms(served)}")
    print(f"  CPU: app {result['app_cpu_ms']:.2f} ms per request, generator "
          f"{result['load_cpu']:.0%} of its core; load {result['loadavg']}")
    return result


if __name__ == "__main__":
    main()
