"""Fleet: a thousand quiet portals and fifty busy ones at a real round trip, threads vs serial.

    python -m bench.fleet [--portals 1000] [--rate 250] [--busy 50] [--busy-events 200]
                          [--threads 16] [--serial-portals 100] [--serial-busy 10]
                          [--postgres URL] [--database-url URL]

Two cases on one emulated cloud (the real limit on) whose every answer waits 150 ms, the round
trip of a real cloud portal (BENCH_ROUND_TRIP overrides it, e.g. 0 or 100-300):
- trickle: every portal gets 1 or 2 deal updates; they arrive in an open loop at `--rate`
  events/s in random portal order, each stored the way the webhook stores it (its commit is
  the acknowledgement) by a feeder process (the web's CPU is not the worker's), while the
  worker drains;
- burst: `--busy` portals get `--busy-events` each, all stored at once (interleaved), then drain.
The worker is `run_worker`'s loop (process_inbox, max_rounds=10, a poll sleep when idle) with
WORKER_THREADS = `--threads`; the same loop with one thread (one portal at a time, the worker
before issue 11) runs in the same process on the first `--serial-portals` / `--serial-busy`
portals, since at its pace the full fleet would take many minutes.

The emulated cloud is prepared here (portals installed, deals seeded), then served from a forked
child process: in this process it would share the interpreter lock with the worker and the
figure would measure the emulator as much as us (a real portal's CPU is not ours either).
Figures per run: events/s
(from the first acknowledgement to the last event done), p50/p99 from acknowledgement to done
(received_at -> done_at), HTTP requests the cloud got (OAuth included), and the process's
peak RSS so far (getrusage: it only grows, so a run's figure includes the runs before it).
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import random
import resource
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from b24.ratelimit import forget_buckets
from bench.common import free_port, percentile, round_trip, round_trip_label, temp_sqlite_url
from bench.many_portals import install_fleet, new_deals, settings_for
from config import Settings
from sandbox import Cloud, LiveServer, PortalState, make_wsgi_app
from store import inbox
from store.models import InboxEvent

Arrival = tuple[PortalState, int]  # (portal, deal id): one ONCRMDEALUPDATE
Event = tuple[int, int]  # (our portal id, deal id), as the feeder process stores it
ROUND_TRIP = "150"  # milliseconds, unless BENCH_ROUND_TRIP says otherwise
TICK = 0.02  # the feeder stores what is due every 20 ms, one transaction per tick


class Hits:
    """The served cloud's request count so far (call it); `pid` is the serving child's."""

    def __init__(self, value, pid: int) -> None:
        self._value, self.pid = value, pid

    def __call__(self) -> int:
        return self._value.value


@contextmanager
def served_apart(cloud: Cloud) -> Iterator[Hits]:
    """Serve the prepared cloud on cloud.url from a forked child; yields its request count."""
    fork = multiprocessing.get_context("fork")
    hits, ready = fork.Value("q", 0), fork.Event()
    child = fork.Process(target=_serve, args=(cloud, hits, ready), daemon=True)
    child.start()
    try:
        if not ready.wait(30):
            raise RuntimeError("the emulated cloud did not start")
        yield Hits(hits, child.pid)
    finally:
        child.terminate()
        child.join(10)


def _serve(cloud: Cloud, hits, ready) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    wsgi = make_wsgi_app(cloud)

    def counting(environ: dict, start_response: Callable) -> Iterable[bytes]:
        with hits.get_lock():
            hits.value += 1
        return wsgi(environ, start_response)

    LiveServer(counting, port=int(cloud.url.rsplit(":", 1)[1]))
    ready.set()
    threading.Event().wait()


def trickle(portals: list[PortalState], seed: int = 11) -> list[Arrival]:
    """One or two new deals per portal, in a random order across the fleet."""
    rng = random.Random(seed)
    out = [(p, d) for p in portals for d in new_deals(p, rng.choice((1, 2)))]
    rng.shuffle(out)
    return out


def burst(portals: list[PortalState], events: int) -> list[Arrival]:
    """`events` deals per portal, event j of every portal before event j+1 of any."""
    deals = {p.member_id: new_deals(p, events) for p in portals}
    return [(p, deals[p.member_id][j]) for j in range(events) for p in portals]


def store(sessions: sessionmaker[Session], arrivals: list[Event]) -> None:
    """What the webhook does for each event: record it, commit; the commit is the ack."""
    with sessions() as session:
        now = datetime.now(UTC)
        for portal_id, deal_id in arrivals:
            inbox.record(session, portal_id=portal_id, code="ONCRMDEALUPDATE", event_ts=None,
                         now=now, payload={"event": "ONCRMDEALUPDATE",
                                           "data": {"FIELDS": {"ID": str(deal_id)}}})
        session.commit()


def feed(url: str, arrivals: list[Event], rate: float | None) -> None:
    """Open loop: arrival i is due at start + i/rate whatever the worker is doing.

    It runs in a process of its own, as the webhook runs in the web processes: its CPU is not
    the worker's."""
    from store.db import make_engine, make_session_factory

    engine = make_engine(url)
    sessions = make_session_factory(engine)
    start, sent = time.perf_counter(), 0
    while sent < len(arrivals):
        due = len(arrivals) if rate is None else \
            min(len(arrivals), int((time.perf_counter() - start) * rate) + 1)
        store(sessions, arrivals[sent:due])
        sent = due
        time.sleep(TICK)
    engine.dispose()


def pending(sessions: sessionmaker[Session], since_id: int) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(InboxEvent).where(
            InboxEvent.id > since_id, InboxEvent.status != "done")) or 0


def work(sessions: sessionmaker[Session], settings: Settings, since_id: int,
         feeding: Callable[[], bool], timeout: float) -> None:
    """run_worker's loop (jobs/runner.py) until everything fed is done."""
    from jobs.inbox import process_inbox

    t0 = time.perf_counter()
    while feeding() or pending(sessions, since_id):
        if not process_inbox(sessions, settings, max_rounds=10):
            time.sleep(settings.worker_poll_seconds)
        if time.perf_counter() - t0 > timeout:
            raise RuntimeError("the fleet did not drain")


def last_id(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.max(InboxEvent.id))) or 0


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU jiffies of the whole machine since boot (/proc/stat), all cores."""
    try:
        with open("/proc/stat") as stat:
            ticks = [float(v) for v in stat.readline().split()[1:]]
    except OSError:
        return 0.0, 0.0
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0.0)  # idle + iowait
    return sum(ticks) - idle, sum(ticks)


def figures(sessions: sessionmaker[Session], since_id: int, requests: int,
            cpu: tuple[float, float, float, float]) -> dict:
    """`cpu`: this process's CPU seconds, the machine's busy and total jiffies, wall seconds
    (all as deltas over the run): whether the worker was bound by its one interpreter lock
    (CPU near 100 % of one core) or by a machine busy with other work."""
    with sessions() as session:
        rows = session.execute(select(InboxEvent.received_at, InboxEvent.done_at)
                               .where(InboxEvent.id > since_id)).all()
    waits = [(done - got).total_seconds() for got, done in rows]
    span = (max(done for _, done in rows) - min(got for got, _ in rows)).total_seconds()
    return {"events": len(rows), "events_per_s": len(rows) / span, "seconds": span,
            "p50_ms": percentile(waits, 50) * 1000, "p99_ms": percentile(waits, 99) * 1000,
            "requests": requests, "cpu_ms_per_event": cpu[0] / len(rows) * 1000,
            "cpu_share": cpu[0] / cpu[3], "machine_busy": cpu[1] / cpu[2] if cpu[2] else 0.0,
            "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run(sessions: sessionmaker[Session], settings: Settings, url: str, hits: Callable[[], int],
        arrivals: list[Event], rate: float | None, timeout: float = 1200.0) -> dict:
    """Feed the arrivals (another process) while the worker drains them; the run's figures."""
    since, before = last_id(sessions), hits()
    cpu, (busy, total), wall = time.process_time(), machine_busy(), time.perf_counter()
    feeder = multiprocessing.get_context("spawn").Process(target=feed, args=(url, arrivals, rate),
                                                          name="feeder", daemon=True)
    feeder.start()
    try:
        work(sessions, settings, since, feeder.is_alive, timeout)
    finally:
        feeder.join(30)
    if feeder.exitcode != 0:
        raise RuntimeError(f"the feeder failed ({feeder.exitcode})")
    (busy_after, total_after) = machine_busy()
    return figures(sessions, since, hits() - before,
                   (time.process_time() - cpu, busy_after - busy, total_after - total,
                    time.perf_counter() - wall))


def line(name: str, threads: int, r: dict) -> str:
    return (f"  {name:8} {threads:>3} thread(s): {r['events']:>6} events in {r['seconds']:6.1f} s"
            f" = {r['events_per_s']:7.1f} events/s, ack->done p50 {r['p50_ms']:7.0f} ms, "
            f"p99 {r['p99_ms']:7.0f} ms, {r['requests']:>5} HTTP requests, "
            f"CPU {r['cpu_ms_per_event']:.1f} ms/event = {r['cpu_share']:.0%} of a core "
            f"(machine {r['machine_busy']:.0%} busy), peak RSS {r['rss_mib']:.0f} MiB")


@contextmanager
def database(args: argparse.Namespace) -> Iterator[str]:
    """A throwaway SQLite file, or a private schema on the PostgreSQL server (dropped after)."""
    if not args.postgres:
        yield args.database_url or temp_sqlite_url()
        return
    name = f"bench_fleet_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {name}")
    sep = "&" if "?" in args.postgres else "?"
    try:
        yield f"{args.postgres}{sep}options=-csearch_path%3D{name}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")
        admin.dispose()


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--portals", type=int, default=1000, help="trickle: 1-2 events each")
    parser.add_argument("--rate", type=float, default=250.0, help="trickle arrivals, events/s")
    parser.add_argument("--busy", type=int, default=50, help="burst: portals")
    parser.add_argument("--busy-events", type=int, default=200, help="burst: events each")
    parser.add_argument("--threads", type=int, default=16, help="WORKER_THREADS")
    parser.add_argument("--serial-portals", type=int, default=100)
    parser.add_argument("--serial-busy", type=int, default=10)
    parser.add_argument("--postgres", default=None, metavar="URL")
    parser.add_argument("--database-url", default=None)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    from store.db import make_engine, make_session_factory
    from store.migrate import upgrade

    args = parse(argv)
    logging.getLogger("jobs.inbox").setLevel(logging.CRITICAL)
    forget_buckets()
    result: dict = {}
    cloud = Cloud(round_trip=round_trip(ROUND_TRIP), url=f"http://127.0.0.1:{free_port()}")
    where = "PostgreSQL" if args.postgres else "SQLite"
    with database(args) as url:
        upgrade(url)
        engine = make_engine(url, pool_size=max(10, args.threads))
        sessions = make_session_factory(engine)
        base = settings_for(cloud, url)
        fleet = install_fleet(cloud, sessions, max(args.portals, args.busy))
        plan = [("trickle", 1, trickle(fleet.portals[:args.serial_portals]), args.rate),
                ("trickle", args.threads, trickle(fleet.portals[:args.portals]), args.rate),
                ("burst", 1, burst(fleet.portals[:args.serial_busy], args.busy_events), None),
                ("burst", args.threads, burst(fleet.portals[:args.busy], args.busy_events), None)]
        engine.dispose()  # no connection of ours crosses the fork
        print(f"fleet ({where}, {round_trip_label(ROUND_TRIP)}): trickle {args.portals} portals"
              f" x 1-2 events at {args.rate:.0f}/s offered, burst {args.busy} x "
              f"{args.busy_events}; {args.threads} threads vs one portal at a time on "
              f"{args.serial_portals} / {args.serial_busy} portals", flush=True)
        with served_apart(cloud) as hits:
            for name, threads, arrivals, rate in plan:
                settings = replace(base, worker_threads=threads)
                events = [(fleet.id_of(portal), deal_id) for portal, deal_id in arrivals]
                figures_ = run(sessions, settings, url, hits, events, rate)
                print(line(name, threads, figures_), flush=True)
                result[f"{name}_{'serial' if threads == 1 else 'threads'}"] = figures_
        engine.dispose()
    low, high = (round(t * 1000) for t in round_trip(ROUND_TRIP))
    result.update(where=where, round_trip=f"{low} ms" if low == high else f"{low}-{high} ms")
    return result


if __name__ == "__main__":
    main()
