"""`make bench`: every benchmark in its own process, then ONE table of figures against targets.

    python -m bench [--quick] [--only NAME ...] [--timeout SECONDS]

Each benchmark runs as `python -m bench --child NAME JSON_PATH ARGS...`, so its peak memory
is its own: the child reports getrusage() ru_maxrss of itself (RUSAGE_SELF) and of the largest
process it waited for (RUSAGE_CHILDREN: the gunicorn master and, through it, its workers).
`--quick` runs every benchmark at smoke sizes (seconds each); its verdicts are indicative only.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.table import BULK_CEILING, Row, machine_line, mib, render, verdict

MEMORY_TARGET_MIB = 1024
# The production database for the report's PostgreSQL row (a fresh schema per run).
POSTGRES = os.environ.get("BENCH_POSTGRES_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@dataclass(frozen=True)
class Spec:
    """A benchmark: its module, arguments at full and at quick size, and its table rows."""

    name: str
    rows: Callable[[dict, dict], list[Row]]
    full: dict = field(default_factory=dict)
    quick: dict = field(default_factory=dict)
    label: str | None = None  # when one benchmark runs twice (SQLite and PostgreSQL)

    @property
    def key(self) -> str:
        return self.label or self.name

    def argv(self, quick: bool) -> list[str]:
        params = self.quick if quick else self.full
        out: list[str] = []
        for key, value in params.items():
            flag = "--" + key.replace("_", "-")
            out += [flag] if value is True else [flag, str(value)]
        return out


# Why each of the three figures issue 19 item 5 names misses, as measured (perf branch,
# 2 December 2026, and speed branch, 3 December 2026, 2 shared cores): printed next to the
# margin so a MISS explains itself.
WHY = {
    "ack": "app pinned to one core shared with other processes; ~0.9-1.1 ms CPU per event "
           "in Flask + SQLAlchemy + SQLite commit, ~1.4-2 ms with gunicorn's HTTP parsing; "
           "the tail is the shared core's scheduling when others load it (4 December, the "
           "same code: p99 14-93 ms at load 7-10, under 25 ms in 3 of 16 runs), not SQLite's "
           "write lock",
    "report": "one pass over the month's ~740 000 transitions, grouped per deal and stage "
              "and looked up per deal (~1.8-2 s CPU on SQLite, mostly SQLite's sorts), the "
              "other half (hygiene, index-only since 4 December, and the areas' figures) on a "
              "second connection meanwhile; quiet (load 2.8) the SQLite month took 1.7-1.9 s, "
              "so a miss is the machine's load: the two halves need two free cores",
    "call_kpis": "five breakdowns over the hourly rollup (call_hours) and missed_calls; "
                 "when it misses, it is the machine's load (CPU time is printed too)",
}


def missed(ok: bool, margin: str, why: str) -> str:
    """PASS, or MISS with how far off and why (issue 19 item 5: state the miss honestly)."""
    return "PASS" if ok else f"MISS by {margin} ({why})"


def ack_rows(r: dict, p: dict) -> list[Row]:
    rate = float(p.get("rate", 300))
    ok = r["rps"] >= 0.95 * rate and r["p99_ms"] < 25 and r["lost"] == 0
    short = [f"p99 +{r['p99_ms'] - 25:.1f} ms" if r["p99_ms"] >= 25 else "",
             f"{0.95 * rate - r['rps']:.0f} req/s" if r["rps"] < 0.95 * rate else "",
             f"{r['lost']} lost" if r["lost"] else ""]
    pinned = "app CPU 0, generator CPU 1" if r.get("pinned", False) else "not pinned"
    workers = r.get("workers", "?")
    return [Row(f"webhook ack @{rate:.0f} req/s (gunicorn.conf.py: {workers} worker(s), "
                f"SQLite, {pinned})",
                f"{r['rps']:.0f} req/s, p99 {r['p99_ms']:.1f} ms, lost {r['lost']}",
                f">= {0.95 * rate:.0f} req/s, p99 < 25 ms, 0 lost",
                missed(ok, ", ".join(x for x in short if x), WHY["ack"]))]


def drain_rows(r: dict, p: dict) -> list[Row]:
    ours, naive = r["ours_events_per_s"], r["naive_events_per_s"]
    two = r.get("two_request_events_per_s")
    apart = f"two requests per chunk {two:.1f}, " if two is not None else ""
    rows = [Row("backlog drain under 2 req/s (burst spent), one request per chunk",
                f"{ours:.1f} events/s ({apart}naive {naive:.2f})",
                ">= 80 events/s (naive <= 1)", verdict(ours >= 80 and naive <= 1))]
    if "synced_events_per_s" in r:  # events first: the sync runs back to back meanwhile
        synced = r["synced_events_per_s"]
        rows.append(Row("backlog drain while the sync runs back to back (its share spent)",
                        f"{synced:.1f} events/s ({r['sync_requests']} sync requests meanwhile)",
                        ">= 20 events/s", verdict(synced >= 20)))
    return rows


def bulk_rows(r: dict, p: dict) -> list[Row]:
    deals, steady = int(p.get("deals", 100_000)), r["ours_steady"]
    return [Row(f"bulk read {deals:,} deals, burst spent",
                f"{steady:,.0f} deals/s = {steady / BULK_CEILING:.0%} of ceiling "
                f"{BULK_CEILING:,.0f}", f">= 90% of ceiling (2 req/s x 50 x 50 = "
                f"{BULK_CEILING:,.0f}/s)", verdict(steady >= 0.9 * BULK_CEILING)),
            Row(f"bulk read {deals:,} deals, fresh burst", f"{r['ours_burst']:,.0f} deals/s",
                "- (burst of 50 requests first)", verdict(None))]


def page_rows(r: dict, p: dict) -> list[Row]:
    return [Row(f"exchange board, {int(p.get('deals', 5000)):,} waiting deals",
                f"p50 {r['board_p50_ms']:.0f} ms, p99 {r['board_p99_ms']:.0f} ms", "p99 < 300 ms",
                verdict(r["board_p99_ms"] < 300))]


def report_rows(r: dict, p: dict) -> list[Row]:
    deals = int(p.get("deals", 200_000))
    where = "PostgreSQL" if p.get("postgres") else "SQLite"
    worst = max(r[k] for k in ("day", "week", "month"))
    return [Row(f"owner's report, {deals:,} deals, 10 transitions, 5 calls each ({where})",
                ", ".join(f"{k} {r[k]:.2f} s" + (f" ({r[k + '_cpu']:.2f} s CPU)"
                                                  if k + "_cpu" in r else "")
                          for k in ("day", "week", "month")),
                "each < 3 s", missed(worst < 3, f"{worst - 3:.2f} s", WHY["report"]))]


def routing_rows(r: dict, p: dict) -> list[Row]:
    rate = float(p.get("rate", 200))
    return [Row(f"PBX routing API @{rate:.0f} req/s (gunicorn -w 2, SQLite)",
                f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, errors {r['errors']}",
                "p99 < 50 ms, 0 errors", verdict(r["p99_ms"] < 50 and r["errors"] == 0))]


def many_rows(r: dict, p: dict) -> list[Row]:
    n, events = int(p.get("portals", 200)), int(p.get("events", 20))
    return [Row(f"many portals: {n} x {events} events, one answering 503",
                f"healthy {r['faulty_events_per_s']:.0f} events/s vs {r['clean_events_per_s']:.0f}"
                f" without it (ratio {r['ratio']:.2f})", "ratio >= 0.90",
                verdict(r["ratio"] >= 0.9))]


def fleet_rows(r: dict, p: dict) -> list[Row]:
    """The fleet at a real round trip: threads vs the one-portal-at-a-time loop of the run."""
    portals, rate = int(p.get("portals", 1000)), float(p.get("rate", 250))
    busy, events = int(p.get("busy", 50)), int(p.get("busy_events", 200))
    threads = int(p.get("threads", 16))
    trickle, burst = r["trickle_threads"], r["burst_threads"]
    one_t, one_b = r["trickle_serial"], r["burst_serial"]

    def figure(run: dict, one: dict) -> str:
        return (f"{run['events_per_s']:,.0f} events/s, p50 {run['p50_ms']:,.0f} ms, "
                f"p99 {run['p99_ms']:,.0f} ms, {run['requests']:,} requests, CPU "
                f"{run['cpu_share']:.0%} of a core, machine {run['machine_busy']:.0%} busy "
                f"(one portal at a time: {one['events_per_s']:,.0f} events/s, "
                f"p99 {one['p99_ms']:,.0f} ms)")

    trip = r.get("round_trip", "150 ms")
    return [Row(f"fleet trickle @{trip}: {portals:,} portals x 1-2 events at {rate:.0f}/s, "
                f"{threads} threads ({r['where']})", figure(trickle, one_t),
                ">= 200 events/s, p99 < 5 000 ms",
                verdict(trickle["events_per_s"] >= 200 and trickle["p99_ms"] < 5000)),
            Row(f"fleet burst @{trip}: {busy} portals x {events} events, {threads} threads "
                f"({r['where']})", figure(burst, one_b), ">= 1 000 events/s",
                verdict(burst["events_per_s"] >= 1000))]


def engine_rows(r: dict, p: dict) -> list[Row]:
    """Task engines in one run on PostgreSQL: the thread loop against Procrastinate and Dramatiq
    (Redis) x1/x2/x4; each figure with the run's CPU split and the machine's load beside it."""
    procs = [int(n) for n in str(p.get("procs", "1,2,4")).split(",")]
    rows: list[Row] = []
    for case in ("trickle", "burst"):
        runs = [("thread loop, 1 process", r[f"{case}_loop_0"], None)]
        for engine, title in (("procrastinate", "Procrastinate"), ("dramatiq", "Dramatiq")):
            if f"{case}_{engine}_{procs[0]}" in r:
                one = r[f"{case}_{engine}_{procs[0]}"]
                runs += [(f"{title} x{n}", r[f"{case}_{engine}_{n}"], one) for n in procs]
        for name, run, one in runs:
            rows.append(_engine_row(r, case, name, run, one))
    return rows


def _engine_row(r: dict, case: str, name: str, run: dict, one: dict | None) -> Row:
    checked = run["lost"] == 0 and run["twice"] == 0
    cpu = run.get("cpu", {})
    figure = (f"{run['events_per_s']:,.0f} events/s, p50 {run['p50_ms']:,.0f} ms, "
              f"p99 {run['p99_ms']:,.0f} ms, {run['requests']:,} requests, peak RSS "
              f"{run['rss_mib']:.0f} MiB, lost {run['lost']}, twice {run['twice']}; CPU s "
              f"workers {cpu.get('workers', 0):.1f} / PostgreSQL {cpu.get('postgres', 0):.1f}"
              f" / cloud {cpu.get('cloud', 0):.1f}, load {run.get('load', 0):.1f}")
    target, ok = "lost 0, twice 0", checked
    if name.endswith(" x2") and one is not None:
        gain = run["events_per_s"] / one["events_per_s"]
        figure += f" ({gain:.2f}x of x1)"
        target, ok = ">= 1.7x of x1, lost 0, twice 0", checked and gain >= 1.7
    return Row(f"engines {case} @{r['round_trip']}: {name}", figure, target, verdict(ok))


def kpi_rows(r: dict, p: dict) -> list[Row]:
    calls = int(p.get("calls", 1_000_000))
    return [Row(f"call KPIs over {calls:,} calls (SQLite, 6 queries)",
                f"{r['total'] * 1000:,.0f} ms wall, {r['total_cpu'] * 1000:,.0f} ms CPU",
                "< 2 000 ms", missed(r["total"] < 2, f"{(r['total'] - 2) * 1000:,.0f} ms",
                                     WHY["call_kpis"]))]


def comm_rows(r: dict, p: dict) -> list[Row]:
    count = int(p.get("messages", 10_000))
    return [Row(f"communication checks, {count:,} messages (names, Hunspell, phrases)",
                f"{r['total_s']:.2f} s ({r['load_s']:.2f} s loading, "
                f"{r['distinct_words']:,} distinct words)", "< 10 s",
                verdict(r["total_s"] < 10))]


FLEET_QUICK = {"portals": 60, "rate": 100, "busy": 5, "busy_events": 60, "serial_portals": 20,
               "serial_busy": 2}
SPECS = (
    Spec("ack", ack_rows, quick={"rate": 100, "seconds": 2}),
    Spec("drain", drain_rows, quick={"events": 150, "naive_events": 4, "sync_events": 150}),
    Spec("bulk", bulk_rows, full={"skip_peer": True}, quick={"deals": 10_000, "skip_peer": True}),
    Spec("page_render", page_rows, quick={"deals": 300, "runs": 10}),
    Spec("report_scale", report_rows,
         quick={"deals": 2_000, "transitions": 20_000, "calls": 10_000}),
    Spec("report_scale", report_rows, full={"postgres": POSTGRES}, label="report_scale_pg",
         quick={"deals": 2_000, "transitions": 20_000, "calls": 10_000, "postgres": POSTGRES}),
    Spec("routing", routing_rows, quick={"rate": 50, "seconds": 5, "contacts": 1_000}),
    Spec("many_portals", many_rows, quick={"portals": 40, "events": 5, "repeat": 2}),
    Spec("call_kpis", kpi_rows, quick={"calls": 20_000, "runs": 1}),
    Spec("comm_texts", comm_rows, quick={"messages": 1_000}),
    Spec("fleet", fleet_rows, quick=FLEET_QUICK),
    Spec("fleet", fleet_rows, full={"postgres": POSTGRES}, label="fleet_pg",
         quick={**FLEET_QUICK, "postgres": POSTGRES}),
    Spec("engines", engine_rows, full={"postgres": POSTGRES},
         quick={"portals": 30, "rate": 50, "busy": 3, "busy_events": 20, "threads": 4,
                "postgres": POSTGRES}),
)


def child(name: str, out: str, argv: list[str]) -> None:
    """Run one benchmark in this process and leave its figures and peak memory in `out`."""
    # SIGTERM (the parent's timeout) as an exception: `finally` blocks stop gunicorn and servers
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    result = importlib.import_module(f"bench.{name}").main(argv)
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    Path(out).write_text(json.dumps({"result": result, "self_kib": me, "children_kib": kids},
                                    default=str))


def run(spec: Spec, quick: bool, timeout: float | None = None) -> dict | None:
    """The child's report, None when the benchmark failed (its output says why), or an error.

    A child over `timeout` is terminated (it stops its own gunicorn on the way out), so one
    benchmark gone slow still leaves a table of the others.
    """
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out = Path(tmp) / "result.json"
        proc = subprocess.Popen([sys.executable, "-m", "bench", "--child", spec.name, str(out),
                                 *spec.argv(quick)])
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait()
            return {"error": f"timed out after {timeout:.0f} s"}
        if code != 0 or not out.exists():
            return None
        return json.loads(out.read_text())


def memory_of(report: dict) -> str:
    me, kids = report["self_kib"], report["children_kib"]
    return f"{mib(me)} (children {mib(kids)})" if kids else mib(me)


def table_rows(results: dict[str, dict | None], quick: bool,
               specs: tuple[Spec, ...] = SPECS) -> list[Row]:
    """Every spec's rows from its child report; a failed benchmark gets an ERROR row."""
    rows: list[Row] = []
    peaks: list[tuple[int, str]] = []
    for spec in specs:
        if spec.key not in results:
            continue
        report = results[spec.key]
        if report is None or "error" in report:
            why = report["error"] if report else "failed (see its output above)"
            rows.append(Row(spec.key, why, "-", "ERROR"))
            continue
        params = spec.quick if quick else spec.full
        for i, row in enumerate(spec.rows(report["result"], params)):
            rows.append(Row(row.name, row.figure, row.target, row.verdict,
                            memory_of(report) if i == 0 else ""))
        peaks.append((max(report["self_kib"], report["children_kib"]), spec.key))
    if peaks:
        kib, name = max(peaks)
        rows.append(Row("memory peak: largest process of any benchmark (getrusage maxrss)",
                        f"{mib(kib)} ({name})", f"< {MEMORY_TARGET_MIB:,} MiB",
                        verdict(kib / 1024 < MEMORY_TARGET_MIB)))
    return rows


def main(argv: list[str] | None = None) -> str:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        child(argv[1], argv[2], argv[3:])
        return ""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke sizes, seconds each")
    parser.add_argument("--only", action="append", choices=sorted({s.name for s in SPECS}))
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds a benchmark may take before it is stopped (ERROR row)")
    args = parser.parse_args(argv)
    specs = tuple(s for s in SPECS if not args.only or s.name in args.only)
    machine = machine_line()  # before the load we make ourselves
    results = {spec.key: run(spec, args.quick, args.timeout) for spec in specs}
    table = render(table_rows(results, args.quick, specs), machine, quick=args.quick)
    print()
    print(table)
    return table


if __name__ == "__main__":
    main()
