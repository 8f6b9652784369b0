"""The charts' geometry: the LCR line has gaps where a day has no rate."""

from __future__ import annotations

from datetime import date, timedelta

from handlers.telephony.kpis import Kpis
from pages import calls_charts as charts

FIRST = date(2026, 11, 20)


def day(n: int, incoming: int = 0, lost: int = 0) -> Kpis:
    return Kpis(key=FIRST + timedelta(days=n), incoming=incoming, lost=lost,
                answered=incoming - lost)


def test_lcr_line_breaks_on_days_without_calls_and_draws_no_future_zeros() -> None:
    days = [day(0, 10, 1), day(1, 10, 2), day(2), day(3, 4, 1), day(4, 5, 0), day(5, 8, 2),
            day(6), day(7)]  # 22.11 quiet; 26.11 and 27.11 are still to come
    chart = charts.lcr_trend(days, "ru")
    assert len(chart.segments) == 2
    assert [len(s.split()) for s in chart.segments] == [2, 3]
    assert len(chart.dots) == 5 and not any("22.11" in t or "26.11" in t for *_, t in chart.dots)
    assert len(chart.labels) == 8  # the axis still shows every day
    zero = charts.HEIGHT - charts.BOTTOM
    assert all(abs(y - zero) > 0.01 for _, y, t in chart.dots if not t.startswith("24.11"))


def test_a_lone_day_between_gaps_is_a_dot_without_a_line() -> None:
    chart = charts.lcr_trend([day(0), day(1, 3, 1), day(2)], "ru")
    assert chart.segments == [] and len(chart.dots) == 1 and not chart.empty
