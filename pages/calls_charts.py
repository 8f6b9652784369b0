"""Geometry of the calls page's charts, drawn by the template as inline SVG (no JS, no build).

Colours are SVG presentation attributes, not CSS: the pages' CSP allows no inline styles.
Every function takes KPI rows (handlers.telephony.kpis.Kpis) and returns plain numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from handlers import formats
from handlers.telephony.kpis import Kpis

PALETTE = ("#2f80ed", "#27ae60", "#f2994a", "#9b51e0", "#eb5757", "#56ccf2", "#219653",
           "#f2c94c", "#6fcf97", "#bb6bd9")
ANSWERED, CALLED_BACK, LOST = "#27ae60", "#f2c94c", "#eb5757"
WIDTH, HEIGHT, LEFT, BOTTOM = 720, 220, 36, 24
BAR = 36  # widest bar: a day with two busy hours should not look like a wall


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    title: str


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    rects: list[Rect] = field(default_factory=list)
    labels: list[tuple[float, float, str]] = field(default_factory=list)  # x, y, text
    legend: list[tuple[str, str]] = field(default_factory=list)          # colour, text
    segments: list[str] = field(default_factory=list)  # polylines between gaps (no data)
    dots: list[tuple[float, float, str]] = field(default_factory=list)
    grid: list[tuple[float, str]] = field(default_factory=list)          # y, label
    empty: bool = False


def scale(top: float) -> float:
    return (HEIGHT - BOTTOM - 10) / top if top > 0 else 0.0


def grid(chart: Chart, top: float, label: Callable[[float], str] = lambda v: f"{v:.0f}") -> None:
    for share in (0, 0.5, 1):
        chart.grid.append((HEIGHT - BOTTOM - share * (HEIGHT - BOTTOM - 10), label(top * share)))


def calls_of(row: Kpis) -> int:
    return row.incoming + row.outgoing


def by_hour(rows: list[Kpis], names: Mapping[int | None, str],
            measure: Callable[[Kpis], int] = calls_of) -> Chart:
    """Calls (in + out) per local hour, stacked by operator; or any other whole `measure`
    (pages.load_charts draws the minutes of conversation the same way)."""
    totals: dict[int, dict[int | None, int]] = {}
    for row in rows:
        hour, user = row.key
        totals.setdefault(hour, {})[user] = measure(row)
    chart = Chart(empty=not totals)
    if chart.empty:
        return chart
    hours = list(range(min(totals), max(totals) + 1))
    users = sorted({u for per in totals.values() for u in per}, key=lambda u: names.get(u, ""))
    colour = {u: PALETTE[i % len(PALETTE)] for i, u in enumerate(users)}
    top = max(sum(per.values()) for per in totals.values())
    step, unit = (WIDTH - LEFT) / len(hours), scale(top)
    width = min(step * 0.7, BAR)
    grid(chart, top)
    for i, hour in enumerate(hours):
        x, y = LEFT + i * step + (step - width) / 2, HEIGHT - BOTTOM
        for user in users:
            n = totals.get(hour, {}).get(user, 0)
            if n:
                y -= n * unit
                chart.rects.append(Rect(x, y, width, n * unit, colour[user],
                                        f"{hour:02d}:00 · {names.get(user, '—')}: {n}"))
        chart.labels.append((x + width / 2, HEIGHT - 6, f"{hour:02d}"))
    chart.legend = [(colour[u], names.get(u, "—")) for u in users]
    return chart


Segment = tuple[str, str]  # (colour, label key)


def stacked_days(keys: list, stacks: list[tuple[int, ...]], segments: list[Segment],
                 labels: Mapping[str, str], lang: str) -> Chart:
    """One stacked bar per day (bottom segment first); the calls and the leads pages share it
    so both read the same way (same geometry, tooltips, thinned day labels, legend)."""
    totals = [sum(stack) for stack in stacks]
    chart = Chart(empty=not any(totals))
    if chart.empty:
        return chart
    top, step = max(totals), (WIDTH - LEFT) / len(keys)
    unit, width = scale(top), min(step * 0.7, BAR)
    grid(chart, top)
    for i, (key, stack) in enumerate(zip(keys, stacks, strict=True)):
        x, y = LEFT + i * step + (step - width) / 2, HEIGHT - BOTTOM
        for n, (fill, name) in zip(stack, segments, strict=True):
            if n:
                y -= n * unit
                chart.rects.append(Rect(x, y, width, n * unit, fill,
                                        f"{day_label(key, lang)} · {labels[name]}: {n}"))
        if len(keys) <= 16 or i % max(1, len(keys) // 12) == 0:
            chart.labels.append((x + width / 2, HEIGHT - 6, day_label(key, lang)))
    chart.legend = [(fill, labels[name]) for fill, name in segments]
    return chart


def answered_vs_missed(days: list[Kpis], labels: Mapping[str, str], lang: str) -> Chart:
    """Incoming calls per day: answered, missed but called back in time, lost."""
    return stacked_days([d.key for d in days],
                        [(d.answered, d.missed - d.lost, d.lost) for d in days],
                        [(ANSWERED, "answered"), (CALLED_BACK, "called_back"), (LOST, "lost")],
                        labels, lang)


def lcr_trend(days: list[Kpis], lang: str) -> Chart:
    """Lost Call Rate per day; a day without incoming calls (a quiet day, or one still to
    come) has no rate, so the line breaks there instead of drawing a false 0 %."""
    chart = Chart(empty=not any(d.incoming for d in days))
    if chart.empty:
        return chart
    top = max(0.1, *(d.lcr or 0 for d in days))
    step, unit = (WIDTH - LEFT) / max(1, len(days) - 1), scale(top)
    grid(chart, top, lambda share: formats.percent(share, lang, 0))
    segment: list[str] = []
    for i, d in enumerate(days):
        x = LEFT + i * step
        chart.labels.append((x, HEIGHT - 6, day_label(d.key, lang)))
        if d.lcr is None:
            _close(chart, segment)
            segment = []
            continue
        y = HEIGHT - BOTTOM - d.lcr * unit
        segment.append(f"{x:.1f},{y:.1f}")
        chart.dots.append((x, y, f"{day_label(d.key, lang)}: {formats.percent(d.lcr, lang)} "
                                 f"({d.lost}/{d.incoming})"))
    _close(chart, segment)
    return chart


def _close(chart: Chart, segment: list[str]) -> None:
    if len(segment) > 1:  # a lone day is its dot; a line needs two
        chart.segments.append(" ".join(segment))


def channels(lines: list[Kpis], label: Callable[[Any], str] = str) -> Chart:
    """Incoming calls per line, longest bar first; the deals they opened in the label."""
    shown = [row for row in lines if row.incoming or row.deals][:10]
    chart = Chart(height=max(60, 28 * len(shown) + 10), empty=not shown)
    if chart.empty:
        return chart
    top = max(row.incoming for row in shown) or 1
    for i, row in enumerate(shown):
        w = (WIDTH - 260) * row.incoming / top
        chart.rects.append(Rect(180, 8 + 28 * i, max(w, 1), 18, PALETTE[i % len(PALETTE)],
                                label(row.key) if row.key else "—"))
        chart.labels.append((176, 21 + 28 * i, label(row.key) if row.key else "—"))
        chart.dots.append((186 + w, 21 + 28 * i, f"{row.incoming} · {row.deals} / {row.won}"))
    return chart


def day_label(value: object, lang: str) -> str:
    """«02.12» / "Dec 2" for a day; anything else (an hour, a name) as it is."""
    return formats.day_month(value, lang) if isinstance(value, date) else str(value)
