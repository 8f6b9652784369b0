"""`make bench` table: verdicts and layout on fake figures, and one tiny real run to show wiring."""

from __future__ import annotations

from dataclasses import replace

import pytest

import bench.__main__ as bench_main
from bench.table import BULK_CEILING, Row, machine_line, render

FAKE = {
    "ack": {"rps": 299.0, "p99_ms": 5.6, "lost": 0, "sent": 1500},
    "drain": {"ours_events_per_s": 46.2, "naive_events_per_s": 0.95},
    "bulk": {"ours_steady": 4613.0, "ours_burst": 23187.0},
    "page_render": {"board_p50_ms": 81.0, "board_p99_ms": 145.0},
    "report_scale": {"day": 6.5, "week": 6.6, "month": 2.9},
    "routing": {"p50_ms": 2.8, "p99_ms": 8.9, "errors": 0, "rps": 200.0},
    "many_portals": {"clean_events_per_s": 300.0, "faulty_events_per_s": 290.0, "ratio": 0.97},
    "call_kpis": {"total": 1.846, "total_cpu": 1.839},
    "fleet": {"where": "SQLite", "round_trip": "150 ms", **{
        f"{case}_{how}": {"events": 1500, "events_per_s": eps, "seconds": 1500 / eps,
                          "p50_ms": p50, "p99_ms": p99, "requests": 1000, "rss_mib": 120.0,
                          "cpu_share": 0.5, "machine_busy": 0.97, "cpu_ms_per_event": 8.0}
        for case, how, eps, p50, p99 in (
            ("trickle", "threads", 240.0, 900.0, 2400.0), ("trickle", "serial", 6.0, 9e4, 2e5),
            ("burst", "threads", 800.0, 5e3, 9e3), ("burst", "serial", 120.0, 4e4, 8e4))}},
}


def report(name: str, self_mib: int = 100, children_mib: int = 0) -> dict:
    return {"result": FAKE[name], "self_kib": self_mib * 1024, "children_kib": children_mib * 1024}


def test_bulk_ceiling_is_what_the_limit_allows() -> None:
    assert BULK_CEILING == 2 * 50 * 50


def test_every_benchmark_has_a_row_with_a_verdict() -> None:
    results = {name: report(name) for name in FAKE}
    results["ack"] = report("ack", 60, children_mib=180)
    rows = bench_main.table_rows(results, quick=False)
    def verdict(start: str) -> str:
        return next(r.verdict for r in rows if r.name.startswith(start))

    assert verdict("owner's report").startswith("MISS by 3.60 s (")  # day 6.5 s: worst
    assert verdict("bulk read 100,000 deals, burst spent") == "PASS"  # 92 % of the ceiling
    assert verdict("many portals: 200 x 20 events") == "PASS"
    assert [r.verdict for r in rows].count("info") == 1  # the fresh-burst bulk figure
    memory = rows[-1]
    assert memory.figure == "180 MiB (ack)" and memory.verdict == "PASS"
    assert rows[0].memory == "60 MiB (children 180 MiB)"
    assert "of ceiling 5,000" in next(r.figure for r in rows if r.name.startswith("bulk"))
    assert verdict("fleet trickle @150 ms: 1,000 portals") == "PASS"
    assert verdict("fleet burst @150 ms: 50 portals x 200") == "MISS"  # 800 < 1 000 events/s
    trickle = next(r.figure for r in rows if r.name.startswith("fleet trickle"))
    assert trickle.startswith("240 events/s, p50 900 ms, p99 2,400 ms, 1,000 requests, CPU 50% "
                              "of a core, machine 97% busy")
    assert "one portal at a time: 6 events/s" in trickle


def test_the_three_speed_targets_say_by_how_much_they_miss_and_why() -> None:
    """Issue 19 item 5: PASS, or the margin and the reason, for ack, report and call KPIs."""
    slow = {"ack": {**FAKE["ack"], "p99_ms": 40.5, "rps": 250.0, "pinned": True},
            "report_scale": {"day": 1.0, "week": 2.0, "month": 3.5},
            "call_kpis": {"total": 2.25, "total_cpu": 2.2}}
    rows = bench_main.table_rows({k: {**report(k), "result": v} for k, v in slow.items()},
                                 quick=False)
    ack, rep, kpi = (next(r for r in rows if r.name.startswith(s))
                     for s in ("webhook ack", "owner's report", "call KPIs"))
    assert ack.verdict.startswith("MISS by p99 +15.5 ms, 35 req/s (")
    assert "app CPU 0, generator CPU 1" in ack.name
    assert rep.verdict.startswith("MISS by 0.50 s (") and "transitions" in rep.verdict
    assert kpi.verdict.startswith("MISS by 250 ms (") and "calls" in kpi.verdict
    fast = bench_main.table_rows({"ack": report("ack"), "call_kpis": report("call_kpis")},
                                 quick=False)
    assert [r.verdict for r in fast[:2]] == ["PASS", "PASS"]


def test_a_failed_benchmark_is_an_error_row_not_a_crash() -> None:
    rows = bench_main.table_rows({"drain": None, "ack": report("ack"),
                                  "bulk": {"error": "timed out after 60 s"}}, quick=True)
    assert [r.verdict for r in rows[:3]] == ["PASS", "ERROR", "ERROR"]  # spec order
    assert rows[2].figure == "timed out after 60 s"


def test_misses_are_marked() -> None:
    results = {"routing": {**report("routing"), "result": {**FAKE["routing"], "p99_ms": 75.0}},
               "many_portals": {**report("many_portals"),
                                "result": {**FAKE["many_portals"], "ratio": 0.5}}}
    assert [r.verdict for r in bench_main.table_rows(results, quick=False)] == \
        ["MISS", "MISS", "PASS"]


def test_render_aligns_one_table_under_the_machine_line() -> None:
    rows = [Row("a", "1 ms", "< 2 ms", "PASS", "10 MiB"), Row("longer name", "3", "-", "info")]
    text = render(rows, "machine: test", quick=True).splitlines()
    assert text[0] == "machine: test" and text[1].startswith("QUICK")
    assert text[2].split() == ["benchmark", "figure", "target", "result", "peak", "RSS"]
    assert text[4].index("1 ms") == text[5].index("3") == text[2].index("figure")


def test_machine_line_names_cpu_cores_python_and_databases() -> None:
    line = machine_line(pg="15.0")
    for part in ("cores", "RAM", "Python 3.", "SQLite 3.", "PostgreSQL 15.0"):
        assert part in line


@pytest.mark.e2e
def test_quick_run_of_one_benchmark_prints_the_table(monkeypatch, capsys) -> None:
    tiny = tuple(replace(s, quick={"portals": 3, "events": 2}) if s.name == "many_portals"
                 else s for s in bench_main.SPECS)
    monkeypatch.setattr(bench_main, "SPECS", tiny)
    table = bench_main.main(["--quick", "--only", "many_portals"])
    lines = table.splitlines()
    assert lines[0].startswith("machine:") and "QUICK" in lines[1]
    assert any(line.startswith("many portals: 3 x 2 events") for line in lines)
    assert lines[-1].startswith("memory peak")


@pytest.mark.e2e
def test_quick_run_of_the_fleet_prints_both_cases(monkeypatch) -> None:
    tiny = {"portals": 4, "rate": 50, "busy": 2, "busy_events": 3, "serial_portals": 2,
            "serial_busy": 1, "threads": 4}
    specs = tuple(replace(s, quick=tiny) for s in bench_main.SPECS if s.key == "fleet")
    monkeypatch.setattr(bench_main, "SPECS", specs)
    monkeypatch.setenv("BENCH_ROUND_TRIP", "0")
    lines = bench_main.main(["--quick", "--only", "fleet"]).splitlines()
    trickle = next(line for line in lines if line.startswith("fleet trickle"))
    assert "4 portals x 1-2 events at 50/s, 4 threads (SQLite)" in trickle
    assert any(line.startswith("fleet burst @0 ms: 2 portals x 3 events") for line in lines)
