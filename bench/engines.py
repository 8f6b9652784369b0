"""Task engines side by side on PostgreSQL: the same fleet, the same round trip, one run.

    python -m bench.engines [--portals 300] [--rate 150] [--busy 20] [--busy-events 50]
                            [--threads 16] [--procs 1,2,4] [--postgres URL]
                            [--engines loop,procrastinate,dramatiq]

The in-process thread loop (run_worker: process_inbox with WORKER_THREADS) against Procrastinate
(`flask --app app worker --engine procrastinate --inbox-only`, `--threads` jobs each) and
Dramatiq on Redis (`--engine dramatiq`, REDIS_URL; its keys under a namespace of this run) with
1, 2 and 4 worker processes, on the emulated cloud of bench/fleet.py (a forked child, 150 ms a
request unless BENCH_ROUND_TRIP says otherwise) and the same open-loop feeder process. Per run:
events/s (first acknowledgement to last done), p50/p99 acknowledgement -> done, HTTP requests
the cloud got, the peak RSS of the largest worker process (VmHWM), and two checks: every event
fed is done, and none took a second attempt (a second attempt is the only way an event would
be processed twice: the lease and handlers/origins.py guard the rest).
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import subprocess
import sys
import time
from dataclasses import replace

from sqlalchemy import make_url, select, text

from b24.ratelimit import forget_buckets
from bench.common import free_port, percentile, round_trip, round_trip_label
from bench.cpu import CpuMeter, wait_settled
from bench.fleet import (
    ROUND_TRIP,
    Event,
    burst,
    database,
    feed,
    last_id,
    pending,
    served_apart,
    trickle,
    work,
)
from bench.many_portals import install_fleet, settings_for
from config import DEFAULT_REDIS_URL, ROOT, Settings
from sandbox import Cloud
from store.models import InboxEvent

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def env_of(settings: Settings) -> dict[str, str]:
    return {**os.environ, **settings.process_env(), "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT)}


def start_workers(settings: Settings, procs: int, threads: int,
                  engine: str = "procrastinate") -> list[subprocess.Popen]:
    argv = [sys.executable, "-m", "flask", "--app", "app", "worker", "--engine",
            engine, "--inbox-only", "--concurrency", str(threads)]
    env = {**env_of(settings), "TASKS_NAMESPACE": NAMESPACE}
    return [subprocess.Popen(argv, env=env, cwd=ROOT) for _ in range(procs)]


NAMESPACE = f"bench-engines-{os.getpid()}"  # this run's Redis keys (dropped at the end)


def redis_answers(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_timeout=2).ping())
    except Exception:
        return False


def drop_redis_keys(settings: Settings) -> None:
    """The Dramatiq queues and our mutex/beat keys of this run (the TTL ones expire anyway)."""
    try:
        import redis

        client = redis.Redis.from_url(settings.redis_url)
        for key in client.scan_iter(f"{NAMESPACE}*"):
            client.delete(key)
    except Exception as exc:  # Redis away: nothing of ours is left there to drop
        print(f"  (redis cleanup skipped: {exc})")


def peak_rss_mib(proc: subprocess.Popen) -> float:
    try:
        with open(f"/proc/{proc.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def stop_all(workers: list[subprocess.Popen]) -> None:
    for proc in workers:  # our own children, by pid
        if proc.poll() is None:
            proc.terminate()
    for proc in workers:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def figures(sessions, since: int, fed: int, requests: int, rss: float) -> dict:
    with sessions() as session:
        rows = session.execute(select(InboxEvent.received_at, InboxEvent.done_at,
                                      InboxEvent.attempts, InboxEvent.status)
                               .where(InboxEvent.id > since)).all()
    done = [r for r in rows if r.status == "done"]
    waits = [(r.done_at - r.received_at).total_seconds() for r in done]
    span = (max(r.done_at for r in done) - min(r.received_at for r in rows)).total_seconds()
    return {"events": len(done), "fed": fed, "events_per_s": len(done) / span, "seconds": span,
            "p50_ms": percentile(waits, 50) * 1000, "p99_ms": percentile(waits, 99) * 1000,
            "requests": requests, "rss_mib": rss,
            "twice": sum(1 for r in rows if (r.attempts or 0) > 1),
            "lost": fed - len(done)}


def run(sessions, settings: Settings, url: str, hits, events: list[Event], rate: float | None,
        procs: int, threads: int, timeout: float = 900.0, engine: str = "procrastinate") -> dict:
    """procs == 0: the in-process thread loop; otherwise worker processes of `engine`."""
    since, before, jobs_before = last_id(sessions), hits(), last_job(sessions)
    workers = start_workers(settings, procs, threads, engine) if procs else []
    feeder = multiprocessing.get_context("spawn").Process(
        target=feed, args=(url, events, rate), name="feeder", daemon=True)
    rss = 0.0
    if procs:  # the workers import and connect before the first event
        time.sleep(1)
        wait_settled([w.pid for w in workers])
    meter = CpuMeter({"workers": lambda: [w.pid for w in workers] or [os.getpid()],
                      "cloud": lambda: [hits.pid],
                      "feeder": lambda: [feeder.pid] if feeder.pid else []},
                     database=make_url(url).database)
    with meter:
        rss = _drive(sessions, settings, since, workers, feeder, threads, timeout)
    return {**figures(sessions, since, len(events), hits() - before, rss), **cpu_of(meter),
            "jobs": jobs_since(sessions, jobs_before)}


def last_job(sessions) -> int:
    with sessions() as session:
        return session.execute(text("SELECT coalesce(max(id), 0) FROM procrastinate_jobs")
                               ).scalar_one()


def jobs_since(sessions, since: int) -> dict[str, int]:
    """Task engine jobs the run made, per task: how many drains the events cost."""
    with sessions() as session:
        rows = session.execute(text(
            "SELECT task_name, count(*) FROM procrastinate_jobs WHERE id > :since "
            "GROUP BY task_name"), {"since": since}).all()
    return {name: count for name, count in rows}


def cpu_of(meter: CpuMeter) -> dict:
    return {"cpu": meter.seconds(), "cpu_busiest_worker": meter.busiest("workers"),
            "machine_busy": meter.machine, "load": meter.load}


def _drive(sessions, settings: Settings, since: int, workers: list[subprocess.Popen],
           feeder, threads: int, timeout: float) -> float:
    """Feed while the workers drain, until everything fed is done; the peak RSS."""
    rss, procs = 0.0, len(workers)
    try:
        feeder.start()
        if procs:
            deadline = time.monotonic() + timeout
            while feeder.is_alive() or pending(sessions, since):
                rss = max([rss, *(peak_rss_mib(w) for w in workers)])
                if time.monotonic() > deadline:
                    raise RuntimeError("the fleet did not drain")
                time.sleep(0.2)
        else:
            import resource

            work(sessions, replace(settings, worker_threads=threads), since, feeder.is_alive,
                 timeout)
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    finally:
        feeder.join(30)
        stop_all(workers)
    return rss


def line(case: str, engine: str, r: dict) -> str:
    return (f"  {case:7} {engine:22}: {r['events']:>6}/{r['fed']} events in "
            f"{r['seconds']:6.1f} s = {r['events_per_s']:7.1f} events/s, p50 "
            f"{r['p50_ms']:6.0f} ms, p99 {r['p99_ms']:6.0f} ms, {r['requests']:>5} requests, "
            f"peak RSS {r['rss_mib']:.0f} MiB, lost {r['lost']}, twice {r['twice']}\n"
            f"          CPU s: {cpu_line(r)}")


def cpu_line(r: dict) -> str:
    cpu = r["cpu"]
    parts = [f"{name} {cpu.get(name, 0.0):.1f}" for name in ("workers", "cloud", "postgres")]
    jobs = ", ".join(f"{n} {c}" for n, c in sorted(r.get("jobs", {}).items()))
    # the stack without the feeder (the web's share): what one event costs us, whatever the load
    stack = sum(cpu.get(name, 0.0) for name in ("workers", "cloud", "postgres"))
    per_event = stack / max(1, r["events"]) * 1000
    return (f"feeder {cpu.get('feeder', 0.0):.1f}; " + ", ".join(parts)
            + f" = {per_event:.1f} ms/event (busiest worker "
            f"{r['cpu_busiest_worker']:.1f}); machine "
            f"{r['machine_busy']:.0%} busy of {os.cpu_count()} cores, load {r['load']:.1f}"
            + (f"; jobs: {jobs}" if jobs else ""))


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--portals", type=int, default=300)
    parser.add_argument("--rate", type=float, default=150.0)
    parser.add_argument("--busy", type=int, default=20)
    parser.add_argument("--busy-events", type=int, default=50)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--procs", default="1,2,4")
    parser.add_argument("--engines", default="loop,procrastinate,dramatiq",
                        help="which of loop, procrastinate, dramatiq (Redis at REDIS_URL)")
    parser.add_argument("--postgres", default=POSTGRES, metavar="URL")
    args = parser.parse_args(argv)
    args.database_url = None
    return args


def main(argv: list[str] | None = None) -> dict:
    from store.db import make_engine, make_session_factory
    from store.migrate import upgrade

    args = parse(argv)
    logging.getLogger("jobs.inbox").setLevel(logging.CRITICAL)
    forget_buckets()
    cloud = Cloud(round_trip=round_trip(ROUND_TRIP), url=f"http://127.0.0.1:{free_port()}")
    chosen = args.engines.split(",")
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    if "dramatiq" in chosen and not redis_answers(redis_url):
        print("  (no Redis at REDIS_URL: the Dramatiq runs are skipped)", flush=True)
        chosen.remove("dramatiq")
    engines = [("loop", 0)] if "loop" in chosen else []
    engines += [(name, int(n)) for name in ("procrastinate", "dramatiq") if name in chosen
                for n in args.procs.split(",")]
    result: dict = {"round_trip": round_trip_label(ROUND_TRIP), "threads": args.threads}
    with database(args) as url:
        upgrade(url)
        engine = make_engine(url, pool_size=max(10, args.threads))
        sessions = make_session_factory(engine)
        settings = replace(settings_for(cloud, url), redis_url=redis_url)
        fleet = install_fleet(cloud, sessions, max(args.portals, args.busy * len(engines)))
        plan = []
        for i, (name, procs) in enumerate(engines):
            # each engine its own portals and deals: no run finds the work of another done
            quiet = fleet.portals[:args.portals]
            busy = fleet.portals[i * args.busy:(i + 1) * args.busy]
            plan.append((name, procs, "trickle", trickle(quiet, seed=11 + i), args.rate))
            plan.append((name, procs, "burst", burst(busy, args.busy_events), None))
        engine.dispose()
        print(f"engines (PostgreSQL, {round_trip_label(ROUND_TRIP)}): trickle {args.portals} "
              f"portals x 1-2 events at {args.rate:.0f}/s, burst {args.busy} x "
              f"{args.busy_events}; {args.threads} threads per process", flush=True)
        with served_apart(cloud) as hits:
            for name, procs, case, arrivals, rate in plan:
                label = "thread loop, 1 process" if not procs else f"{name} x{procs}"
                events = [(fleet.id_of(p), d) for p, d in arrivals]
                r = run(sessions, settings, url, hits, events, rate, procs, args.threads,
                        engine=name)
                print(line(case, label, r), flush=True)
                result[f"{case}_{name}_{procs}"] = r
        engine.dispose()
        drop_redis_keys(settings)
    return result


if __name__ == "__main__":
    main()
