"""The "Лиды" page's chart, drawn with the calls page's geometry (inline SVG, no JS)."""

from __future__ import annotations

from collections.abc import Mapping

from handlers.lead_rules.stats import QualityRow
from pages.calls_charts import ANSWERED, LOST, Chart, stacked_days

OPEN = "#2f80ed"


def by_day(days: list[QualityRow], labels: Mapping[str, str], lang: str) -> Chart:
    """New leads per day, stacked: converted, still open, junked."""
    return stacked_days([d.key for d in days], [(d.converted, d.open, d.junked) for d in days],
                        [(ANSWERED, "converted"), (OPEN, "open"), (LOST, "junked")], labels, lang)
