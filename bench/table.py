"""The `make bench` table: one row per figure with its target and PASS/MISS, machine on top.

Kept apart from running the benchmarks so the formatting and the verdicts are testable on
fake figures (tests/unit/test_bench_table.py).
"""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from b24.batching import MAX_COMMANDS
from b24.listing import PAGE_SIZE
from b24.ratelimit import PORTAL_DRAIN_PER_SECOND

# What the portal's limit allows a bulk read once the burst is spent: 2 requests a second,
# each a batch of 50 list commands, each command a page of 50 rows.
BULK_CEILING = PORTAL_DRAIN_PER_SECOND * MAX_COMMANDS * PAGE_SIZE
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class Row:
    name: str
    figure: str
    target: str
    verdict: str  # PASS | MISS | info | ERROR
    memory: str = ""  # peak RSS of the benchmark's processes


def verdict(ok: bool | None) -> str:
    """None: a figure without a target (shown for context)."""
    return "info" if ok is None else "PASS" if ok else "MISS"


def mib(kib: float) -> str:
    return f"{kib / 1024:,.0f} MiB"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 2**20:.0f} GiB RAM"
    except OSError:
        pass
    return "RAM unknown"


def postgres_version(url: str | None = None) -> str:
    """The server's version if one answers, else the client tools', else "not found"."""
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(url or os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG_URL,
                               connect_args={"connect_timeout": 2})
        try:
            with engine.connect() as conn:
                return "server " + str(conn.execute(text("SHOW server_version")).scalar())
        finally:
            engine.dispose()
    except Exception:  # no server here: say what the tools are, the figures are SQLite's
        for tool in ("postgres", "psql", "pg_config"):
            if shutil.which(tool):
                out = subprocess.run([tool, "--version"], capture_output=True, text=True,
                                     check=False).stdout.strip()
                return f"{out} (no server answered)"
    return "not found"


def machine_line(pg: str | None = None) -> str:
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"machine: {_cpu_model()}, {os.cpu_count()} cores, {_ram()}, load {load}; "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"PostgreSQL {pg if pg is not None else postgres_version()}")


def render(rows: Sequence[Row], machine: str, *, quick: bool = False) -> str:
    """A plain-text table that reads the same in a terminal and pasted into an issue."""
    head = Row("benchmark", "figure", "target", "result", "peak RSS")
    widths = [max(len(getattr(r, f)) for r in (head, *rows))
              for f in ("name", "figure", "target", "verdict", "memory")]
    lines = [machine]
    if quick:
        lines.append("QUICK smoke run: reduced sizes; verdicts against the full-size targets "
                     "are indicative only")
    for r in (head, *rows):
        cells = (r.name, r.figure, r.target, r.verdict, r.memory)
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
        if r is head:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
