"""Where a benchmark run's CPU went: per process (from /proc), PostgreSQL backends included.

On a 2-core machine the emulated cloud, the feeder, PostgreSQL and the workers share the same
cores, so a throughput figure means little without the CPU each of them burnt: `CpuMeter`
samples utime+stime of named processes and of the PostgreSQL backends of one database (by
their `postgres: user db …` title) every `period` seconds, keeping the last value of a
backend that exits, and the machine's busy share (/proc/stat) and load average.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of one process, None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK  # fields 14, 15 of proc(5)


def backends_of(database: str) -> list[int]:
    """The PostgreSQL backends serving `database` (their process title names it)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as cmd:
                title = cmd.read().decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {database} " in title:
            found.append(int(name))
    return found


def machine_busy() -> tuple[float, float]:
    with open("/proc/stat") as stat:
        ticks = [float(v) for v in stat.readline().split()[1:]]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0.0)
    return sum(ticks) - idle, sum(ticks)


@dataclass
class CpuMeter:
    """CPU seconds per group over one run; groups map a name to a callable giving pids."""

    groups: dict[str, Callable[[], list[int]]]
    database: str | None = None
    period: float = 0.25
    _first: dict[int, float] = field(default_factory=dict)
    _last: dict[int, float] = field(default_factory=dict)
    _group_of: dict[int, str] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> CpuMeter:
        self._busy0, self._load0 = machine_busy(), os.getloadavg()[0]
        self._sample(first=True)
        self._thread = threading.Thread(target=self._loop, name="cpu-meter", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sample()
        busy, total = machine_busy()
        self.machine = (busy - self._busy0[0]) / max(1.0, total - self._busy0[1])
        self.load = max(self._load0, os.getloadavg()[0])

    def _loop(self) -> None:
        while not self._stop.wait(self.period):
            self._sample()

    def _sample(self, first: bool = False) -> None:
        pids = {name: fn() for name, fn in self.groups.items()}
        if self.database:
            pids["postgres"] = backends_of(self.database)
        for name, group in pids.items():
            for pid in group:
                now = cpu_seconds(pid)
                if now is None:
                    continue
                # a process born during the run counts from zero, one alive at the start
                # from its value then
                self._first.setdefault(pid, now if first else 0.0)
                self._last[pid], self._group_of[pid] = now, name

    def seconds(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for pid, last in self._last.items():
            name = self._group_of[pid]
            out[name] = out.get(name, 0.0) + last - self._first[pid]
        return out

    def busiest(self, group: str) -> float:
        """The most CPU one process of the group used (a worker bound by its one GIL?)."""
        return max((last - self._first[pid] for pid, last in self._last.items()
                    if self._group_of[pid] == group), default=0.0)


def wait_settled(pids: list[int], *, step: float = 0.5, quiet: float = 0.05,
                 min_cpu: float = 0.8, timeout: float = 60.0) -> float:
    """Wait until the processes stop burning CPU (imports done, connected, idle); seconds waited.

    A fixed sleep is not enough on a loaded machine: four workers still importing when the
    first event arrives count their start-up against the run, and more workers look slower.
    A worker's start-up costs about 1 s of CPU (measured), so each must have spent `min_cpu`
    before a quiet step counts: on a busy machine a starting process may get no CPU at all
    for a step."""
    import time

    start = time.monotonic()
    last = [cpu_seconds(p) or 0.0 for p in pids]
    while time.monotonic() - start < timeout:
        time.sleep(step)
        now = [cpu_seconds(p) or 0.0 for p in pids]
        if all(b - a < quiet and b >= min_cpu for a, b in zip(last, now, strict=True)):
            break
        last = now
    return time.monotonic() - start
