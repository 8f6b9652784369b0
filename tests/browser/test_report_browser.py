"""The owner's report in a real browser: the owner opens the app, goes to "Отчёт" and sees the
calls figures, the charts, the telephony and people tables; the stage setting is saved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jobs.runner import sync_all
from sandbox import people
from store import portals
from store.calls import upsert_call
from tests.browser.test_pages_browser import open_as

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def a_day_of_calls(portal, live_app) -> None:
    """A won deal (stage history comes with the sync) and a few calls of the first manager."""
    manager = portal.meta["managers"][0]
    deal_id = int(portal.invoke("crm.deal.add", {"fields": {
        "TITLE": "Отчётная сделка", "ASSIGNED_BY_ID": manager, "OPPORTUNITY": "5000"}},
        user_id=manager))
    people.win_deal(portal, manager, deal_id)
    live_app.drain(portal)
    sync_all(live_app.app)
    now = datetime.now(UTC)
    with live_app.sessions() as s:
        pid = portals.find(s, portal.member_id).id
        for n, (kind, answered, seconds) in enumerate(((2, True, 200), (2, False, 0),
                                                       (1, True, 240), (1, True, 30))):
            upsert_call(s, pid, {"call_id": f"report-{n}", "call_type": kind,
                                 "user_id": manager, "phone": f"+7916000000{n}",
                                 "answered": answered, "duration": seconds,
                                 "answer_seconds": 4 if kind == 2 and answered else None,
                                 "line": "+74950001122",
                                 "start_at": now - timedelta(minutes=30 - n)})
        s.commit()


def test_owner_reads_the_report(installed, live_app, page, shots) -> None:
    a_day_of_calls(installed, live_app)
    open_as(page, installed, installed.meta["owner"])
    page.get_by_role("link", name="Отчёт").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").first.inner_text().startswith("Отчёт руководителя")
    stats = page.locator("[data-section=telephony]").text_content()
    assert "Время ответа" in stats and "4\u00a0с" in stats and "Исходящие от 3 минут" in stats
    assert "2\u00a0мин 37\u00a0с" in stats  # (200 + 240 + 30) s over three answered calls, rounded
    assert page.locator("[data-section=charts] svg").count() >= 1
    operators = page.locator("[data-section=operators]").text_content()
    assert "Телефония по сотрудникам" in operators and "+7 495 000-11-22" in operators
    people_table = page.locator("[data-section=people]")
    assert "Новые звонки" in people_table.text_content()
    manager = installed.meta["managers"][0]
    row = page.locator(f'[data-section=people] tr[data-manager="{manager}"]').first
    assert row.locator('[data-col="new_calls"]').inner_text() == "4"
    assert row.locator('[data-col="calls_out_long"]').inner_text() == "1"
    assert page.locator("svg.funnel").count() >= 1
    page.screenshot(path=str(shots / "report.png"), full_page=True)
    people_table.screenshot(path=str(shots / "report_people.png"))

    page.get_by_role("link", name="Настройки").click()
    page.wait_for_load_state("load")
    picker = page.locator("select[name=stages_proposals]")  # a picker, not typed codes
    picker.select_option(["PREPARATION", "EXECUTING"])
    page.get_by_role("button", name="Применить стадии отчёта").click()
    page.wait_for_load_state("load")
    assert "Настройки сохранены." in page.inner_text("body")
    chosen = picker.evaluate("s => Array.from(s.selectedOptions, o => o.value)")
    assert chosen == ["PREPARATION", "EXECUTING"]
