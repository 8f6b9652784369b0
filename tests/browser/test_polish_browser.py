"""The pages as a new user finds them (issue 19 item 3), in a real browser, with a screenshot
of each fix in out/screenshots/polish_*.png."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jobs.runner import sync_all
from store import portals
from store.calls import upsert_call
from tests.browser.test_pages_browser import open_as

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def go(page, tab: str) -> None:
    page.get_by_role("link", name=tab, exact=True).first.click()
    page.wait_for_load_state("load")


def shoot(page, target, path) -> None:
    """A screenshot without the sticky top bar laid over the middle of a scrolled page."""
    page.evaluate("""() => { const bar = document.querySelector('.topbar');
                             if (bar) { bar.style.position = 'static'; }
                             window.scrollTo(0, 0); }""")
    target.screenshot(path=str(path), **({"full_page": True} if target is page else {}))


def all_tabs_in_sight(page) -> None:
    """Every nav tab lies inside the window: none pushed past the edge or hidden by overflow."""
    width = page.viewport_size["width"]
    for tab in page.locator("nav.tabs a").all():
        box = tab.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, tab.inner_text()
        assert box["height"] < 60, tab.inner_text()  # one line: «Биржа лидов» does not break


def recorded_calls(portal, live_app, n: int) -> None:
    """`n` answered, recorded calls of the first manager on the seeded line, this morning."""
    manager = portal.meta["managers"][0]
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    with live_app.sessions() as s:
        pid = portals.find(s, portal.member_id).id
        for i in range(n):
            upsert_call(s, pid, {"call_id": f"polish-{i}", "call_type": 2, "user_id": manager,
                                 "phone": f"+7916{i:07d}", "answered": True,
                                 "duration": 60 + i, "answer_seconds": 5,
                                 "line": "reg150908", "start_at": now - timedelta(minutes=i),
                                 "record_url": f"https://pbx.example.com/rec/{i}.mp3"})
        s.commit()


def test_head_of_sales_finds_the_report_and_the_workload(exchange, live_app, page,
                                                         shots) -> None:
    open_as(page, exchange, exchange.meta["head"])
    nav = page.locator("nav.tabs")
    assert "Отчёт" in nav.inner_text() and "Настройки" not in nav.inner_text()
    all_tabs_in_sight(page)
    go(page, "Нагрузка")
    heads = page.locator("table thead").first.inner_text()
    assert "Взято за 30 дней".upper() in heads.upper()
    assert "Возвращено за 30 дней".upper() in heads.upper() and "Вернул" not in heads
    shoot(page, page, shots / "polish_head_nav_taken.png")
    go(page, "Отчёт")
    assert page.locator("h1").first.inner_text().startswith("Отчёт руководителя")


def test_leads_page_has_a_chart_and_no_service_user_as_manager(exchange, live_app, page,
                                                                shots) -> None:
    open_as(page, exchange, exchange.meta["owner"])
    go(page, "Лиды")
    assert page.locator("main svg").count() >= 1  # the new-leads chart, drawn by the server
    managers = page.locator('[data-quality="manager"]').inner_text()
    assert "Биржа лидов" not in managers
    overdue = page.locator("[data-overdue-list]")
    if overdue.count():
        assert "Биржа лидов" not in overdue.inner_text()
    shoot(page, page, shots / "polish_leads.png")


def test_calls_page_names_the_line_heads_duration_and_pages_recordings(exchange, live_app,
                                                                       page, shots) -> None:
    sync_all(live_app.app)  # line names come with the sync (voximplant.line.get)
    recorded_calls(exchange, live_app, 34)
    open_as(page, exchange, exchange.meta["owner"])
    go(page, "Звонки")
    all_tabs_in_sight(page)  # the admin's ten tabs
    records = page.locator("#records")
    heads = records.locator("thead").text_content()
    assert "Длительность" in heads and "Средний разговор" not in heads
    assert page.locator("[data-records] tbody tr").count() == 30
    assert "Показаны 1–30 из 34" in records.inner_text()
    body = page.locator("main").inner_text()
    assert "reg150908" not in body and "Отдел продаж, +7 495 150-90-08" in body
    shoot(page, page.locator("#records"), shots / "polish_calls_records.png")
    page.locator("[data-records-next]").click()
    page.wait_for_load_state("load")
    assert page.locator("[data-records] tbody tr").count() == 4
    assert "Показаны 31–34 из 34" in page.locator("#records").inner_text()
    shoot(page, page.locator("#records"), shots / "polish_calls_records_page2.png")
    chart = page.locator("section", has_text="LCR за 14 дней").first
    shoot(page, chart, shots / "polish_calls_lcr.png")
    shoot(page, page, shots / "polish_calls.png")


def test_telephony_settings_mask_the_secret_and_explain_the_pbx(exchange, live_app, page,
                                                                 shots) -> None:
    open_as(page, exchange, exchange.meta["owner"])
    go(page, "Звонки")
    page.get_by_role("link", name="Настройки телефонии").click()
    page.wait_for_load_state("load")
    assert page.locator("[data-new-secret]").count() == 1  # the first visit issues it, once
    page.reload()
    page.wait_for_load_state("load")
    text = page.locator("main").inner_text()
    assert page.locator("[data-new-secret]").count() == 0 and "оканчивается на" in text
    assert "README" not in text and "call_id" in text
    shoot(page, page, shots / "polish_calls_settings.png")


def test_routing_names_each_head_step_once(exchange, live_app, page, shots) -> None:
    open_as(page, exchange, exchange.meta["owner"])
    go(page, "Маршрутизация")
    page.fill("input[name=phone]", "+7 999 000-00-01")
    page.get_by_role("button", name="Показать").click()
    page.wait_for_load_state("load")
    steps = [page.locator("tr[data-step]").nth(i).inner_text().split("\t")[1]
             for i in range(page.locator("tr[data-step]").count())]
    assert len(steps) == len(set(steps)), steps
    assert not any(s.count("Плюс руководитель") > 1 for s in steps)
    owner_picker = page.locator("select[name=owner_user_id]").inner_text()
    assert "Биржа лидов" not in owner_picker
    shoot(page, page, shots / "polish_routing.png")


def test_report_settings_pick_stages_by_name_and_hygiene_opens(exchange, live_app, page,
                                                               shots) -> None:
    open_as(page, exchange, exchange.meta["owner"])
    go(page, "Отчёт")
    more = page.locator("details[data-hygiene-more] summary")
    if more.count():  # the seeded month has more than five of some kind
        hidden = page.locator("details[data-hygiene-more] li").first
        assert not hidden.is_visible()
        more.first.click()
        assert hidden.is_visible()
        shoot(page, page.locator("div.hygiene"), shots / "polish_report_hygiene.png")
    go(page, "Настройки")
    picker = page.locator("select[name=stages_proposals]")
    options = picker.locator("option").all_inner_texts()
    assert options and not any(":" in o and o.isupper() for o in options)
    shoot(page, page.locator("select[name=stages_proposals]"),
          shots / "polish_report_stage_picker.png")
    shoot(page, page, shots / "polish_settings.png")


def test_audit_settings_pick_stages_by_name(exchange, live_app, page, shots) -> None:
    open_as(page, exchange, exchange.meta["owner"])
    go(page, "Отказы")
    page.get_by_role("link", name="Настройки проверки").click()
    page.wait_for_load_state("load")
    picker = page.locator("select[name=proposal_stages]")
    assert page.locator("input[name=proposal_stages]").count() == 0
    chosen = picker.evaluate("s => Array.from(s.selectedOptions, o => o.textContent)")
    assert chosen and all(name != "PREPARATION" for name in chosen)  # names, not codes
    shoot(page, picker.locator("xpath=ancestor::section[1]"),
          shots / "polish_audit_stage_picker.png")
