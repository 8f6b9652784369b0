"""Webhook acknowledgement under gunicorn on loopback: rate, p50/p99, and zero lost.

    python -m bench.ack [--rate 300] [--seconds 10] [--workers 2] [--database-url URL]
                        [--app-cpus 0] [--load-cpus 1]

An open-loop generator sends event posts at a fixed rate (each a distinct deal, so nothing
coalesces); afterwards the inbox rows are counted: every 200 must be a stored row.
gunicorn runs pinned to `--app-cpus` (taskset) and the generator to `--load-cpus`
(sched_setaffinity), so the figure is the app's latency and not the generator's share of the
same core; on a machine with one core nothing is pinned (and the output says so).
"""

from __future__ import annotations

import argparse
import os
import time
from urllib.parse import urlencode

from sqlalchemy import func, select

from bench.common import (
    APP_TOKEN,
    MEMBER_ID,
    free_port,
    open_loop,
    prepared_database,
    start_gunicorn,
    summary_ms,
    temp_sqlite_url,
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


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--app-cpus", default="0", help="taskset list for gunicorn")
    parser.add_argument("--load-cpus", default="1", help="cores of the load generator")
    args = parser.parse_args(argv)
    url = args.database_url or temp_sqlite_url()
    prepared_database(url)
    port = free_port()
    pinned = (os.cpu_count() or 1) >= 2
    proc = start_gunicorn(url, port, args.workers, cpus=args.app_cpus if pinned else None)
    before = os.sched_getaffinity(0)
    try:
        if pinned:
            os.sched_setaffinity(0, {int(c) for c in args.load_cpus.split(",")})
        where = (f"app on CPU {args.app_cpus}, generator on CPU {args.load_cpus}" if pinned
                 else "one core: not pinned")
        print(f"ack: {args.rate:.0f} req/s for {args.seconds:.0f} s, gunicorn -w {args.workers}, "
              f"{url.split(':')[0]}, {where}", flush=True)
        t0 = time.perf_counter()
        latencies, failures = load(port, args.rate, args.seconds)
        wall = time.perf_counter() - t0
    finally:
        os.sched_setaffinity(0, before)
        proc.terminate()
        proc.wait(10)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        stored = session.scalar(select(func.count()).select_from(InboxEvent))
    engine.dispose()
    ok = len(latencies) - failures
    result = {"pinned": pinned, "sent": len(latencies), "ok": ok, "stored": stored,
              "lost": ok - stored,
              "rps": len(latencies) / wall, "p50_ms": sorted(latencies)[len(latencies) // 2] * 1000,
              "p99_ms": sorted(latencies)[int(len(latencies) * 0.99) - 1] * 1000}
    print(f"  sent {len(latencies)}, 200 OK {ok}, inbox rows {stored}, lost {ok - stored}, "
          f"achieved {result['rps']:.0f} req/s")
    print(f"  latency: {summary_ms(latencies)}")
    return result


if __name__ == "__main__":
    main()
