"""The headline's bottleneck: found per pipeline, the main one first, never a tiny pipeline."""

from __future__ import annotations

from datetime import date

from handlers.report.build import MIN_HEADLINE_DEALS, Report, main_first
from handlers.report.funnel import Funnel, StageRow
from handlers.report.period import Period


def _funnel(category_id: int, deals: int, weakest: float) -> Funnel:
    rows = [StageRow(f"C{category_id}:A", f"A{category_id}", deals, weakest),
            StageRow(f"C{category_id}:B", f"B{category_id}", int(deals * weakest), None)]
    return Funnel(category_id, rows, deals)


def _report(found: list[Funnel]) -> Report:
    return Report(period=Period.of("day", date(2026, 11, 30)), funnels=main_first(found),
                  won_count=0, won_amount=0.0, lost_count=0, managers=[], exchange={},
                  hygiene={"never_moved": [], "no_next_step": [], "shared_clients": []})


def test_a_pipeline_with_a_handful_of_deals_never_heads_the_report() -> None:
    report = _report([_funnel(1, MIN_HEADLINE_DEALS - 1, 0.0), _funnel(0, 35, 0.57)])
    assert [f.category_id for f in report.funnels] == [0, 1]
    assert report.headline()["bottleneck"] == ("A0", 0.57)
    assert report.headline()["bottleneck_pipeline"] == 0


def test_the_pipeline_with_most_deals_is_the_main_one() -> None:
    report = _report([_funnel(0, 12, 0.2), _funnel(3, 60, 0.5)])
    assert [f.category_id for f in report.funnels] == [3, 0]
    assert report.headline()["bottleneck"] == ("A3", 0.5)


def test_ties_go_to_the_default_pipeline_and_tiny_ones_give_no_headline() -> None:
    assert [f.category_id for f in main_first([_funnel(2, 20, 0.5), _funnel(0, 20, 0.5)])] \
        == [0, 2]
    assert _report([_funnel(0, 3, 0.1), _funnel(1, 2, 0.0)]).headline()["bottleneck"] is None
