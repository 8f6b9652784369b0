"""The "Лиды" page's chart, drawn with the calls page's geometry (inline SVG, no JS)."""

from __future__ import annotations

from collections.abc import Mapping

from handlers.lead_rules.stats import QualityRow
from pages.calls_charts import (
    ANSWERED,
    BAR,
    BOTTOM,
    HEIGHT,
    LEFT,
    LOST,
    WIDTH,
    Chart,
    Rect,
    day_label,
    grid,
    scale,
)

OPEN = "#2f80ed"


def by_day(days: list[QualityRow], labels: Mapping[str, str]) -> Chart:
    """New leads per day, stacked: converted, still open, junked."""
    chart = Chart(empty=not any(d.total for d in days))
    if chart.empty:
        return chart
    top, step = max(d.total for d in days), (WIDTH - LEFT) / len(days)
    unit, width = scale(top), min(step * 0.7, BAR)
    grid(chart, top)
    for i, d in enumerate(days):
        x, y = LEFT + i * step + (step - width) / 2, HEIGHT - BOTTOM
        for n, fill, key in ((d.converted, ANSWERED, "converted"), (d.open, OPEN, "open"),
                             (d.junked, LOST, "junked")):
            if n:
                y -= n * unit
                chart.rects.append(Rect(x, y, width, n * unit, fill,
                                        f"{day_label(d.key)} · {labels[key]}: {n}"))
        if len(days) <= 16 or i % max(1, len(days) // 12) == 0:
            chart.labels.append((x + width / 2, HEIGHT - 6, day_label(d.key)))
    chart.legend = [(ANSWERED, labels["converted"]), (OPEN, labels["open"]),
                    (LOST, labels["junked"])]
    return chart
