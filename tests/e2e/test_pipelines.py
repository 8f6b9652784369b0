"""Pipelines by the portal's own names (crm.category.list), and the headline bottleneck taken
from the main pipeline: a pipeline with a handful of deals never makes the headline."""

from __future__ import annotations

from datetime import timedelta

import requests

from handlers.report import build as report_build
from handlers.report.period import Period
from jobs.runner import first_sync
from store import portals
from tests.e2e.test_pages import text
from tests.e2e.test_report import admin_token


def test_report_names_the_pipelines_and_heads_with_the_main_one(installed, live_app) -> None:
    first_sync(live_app.app)
    token = admin_token(live_app, installed)
    # The seed spreads deals over the three weeks before today: the calendar month of eleven
    # days ago holds most of them on any date (on the 5th, this month would hold a handful).
    day = (installed.clock.now() - timedelta(days=11)).date()
    page = requests.get(f"{live_app.url}/app/report", timeout=10,
                        params={"s": token, "period": "month", "date": day.isoformat()})
    assert page.status_code == 200
    body = text(page.text)
    assert "Воронка за период: Продажи" in body
    assert "Воронка за период: Повторные продажи" in body
    assert "Общая воронка" not in body and "Воронка 1" not in body
    assert body.index(": Продажи") < body.index(": Повторные продажи")  # the main one first
    with live_app.sessions() as s:
        pid = portals.find(s, installed.member_id).id
        report = report_build.build(s, pid, Period.of("month", day), installed.clock.now())
    sales = next(f for f in report.funnels if f.category_id == 0)
    repeat = next(f for f in report.funnels if f.category_id == 1)
    assert sales.deals >= report_build.MIN_HEADLINE_DEALS > repeat.deals
    neck = report.headline()["bottleneck"]
    assert neck == (sales.bottleneck.name, sales.bottleneck.conversion)
    assert f"«{sales.bottleneck.name}»" in body and "в воронке «Продажи»" in body


def test_settings_list_the_pipelines_by_name(installed, live_app) -> None:
    page = installed.open_app(min(installed.admins))
    token = page.url.split("s=")[1].split("&")[0]
    html = requests.get(f"{live_app.url}/app/settings", params={"s": token}, timeout=10).text
    body = text(html)
    assert "Продажи" in body and "Повторные продажи" in body
    assert "Общая воронка" not in body and "Воронка 1" not in body
