"""More charts of the calls page, drawn by calls_charts.html's macros (inline SVG, nothing
downloaded): talk time per line, calls per operator, minutes of conversation per hour."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from handlers import formats
from handlers.telephony.kpis import Kpis
from pages.calls_charts import PALETTE, WIDTH, Chart, Rect, by_hour

IN, OUT = "#2f80ed", "#9b51e0"
ROW, TOP_ROWS = 28, 12


def talk_by_line(lines: list[Kpis], label: Callable[[Any], str], lang: str) -> Chart:
    """Total talk time per tracking number, longest first."""
    shown = sorted((r for r in lines if r.talk_seconds), key=lambda r: -r.talk_seconds)
    shown = shown[:TOP_ROWS]
    chart = Chart(height=max(60, ROW * len(shown) + 10), empty=not shown)
    if chart.empty:
        return chart
    top = shown[0].talk_seconds
    for i, row in enumerate(shown):
        name = label(row.key) if row.key else "—"
        w = (WIDTH - 260) * row.talk_seconds / top
        chart.rects.append(Rect(180, 8 + ROW * i, max(w, 1), 18, PALETTE[i % len(PALETTE)],
                                f"{name}: {formats.elapsed(row.talk_seconds, lang)}"))
        chart.labels.append((176, 21 + ROW * i, name))
        chart.dots.append((186 + w, 21 + ROW * i, formats.elapsed(row.talk_seconds, lang)))
    return chart


def calls_by_operator(operators: list[Kpis], names: Mapping[int | None, str],
                      legend: Mapping[str, str]) -> Chart:
    """Incoming and outgoing calls per operator, one stacked bar each, busiest first."""
    shown = sorted((r for r in operators if r.incoming or r.outgoing),
                   key=lambda r: -(r.incoming + r.outgoing))[:TOP_ROWS]
    chart = Chart(height=max(60, ROW * len(shown) + 10), empty=not shown)
    if chart.empty:
        return chart
    top = max(r.incoming + r.outgoing for r in shown)
    unit = (WIDTH - 260) / top
    for i, row in enumerate(shown):
        name, y = names.get(row.key, "—"), 8 + ROW * i
        chart.rects.append(Rect(180, y, max(row.incoming * unit, 0), 18, IN,
                                f"{name} · {legend['in']}: {row.incoming}"))
        chart.rects.append(Rect(180 + row.incoming * unit, y, max(row.outgoing * unit, 0), 18,
                                OUT, f"{name} · {legend['out']}: {row.outgoing}"))
        chart.labels.append((176, y + 13, name))
        chart.dots.append((186 + (row.incoming + row.outgoing) * unit, y + 13,
                           f"{row.incoming} + {row.outgoing}"))
    chart.legend = [(IN, legend["in"]), (OUT, legend["out"])]
    return chart


def talk_by_hour(rows: list[Kpis], names: Mapping[int | None, str]) -> Chart:
    """Minutes of conversation per local hour, stacked by operator (the hourly load)."""
    chart = by_hour(rows, names, measure=lambda r: round(r.talk_seconds / 60))
    if not any(r.talk_seconds for r in rows):
        return Chart(empty=True)
    return chart
