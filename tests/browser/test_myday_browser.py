"""«Мой день» in a real browser: a manager opens the tab, finds the day's figures counted (a
feedback call with the client's rating from the telephony), writes what he settled and hands
it in; the head of sales sees the team's day, reads the report, comments, and finds it in the
owner's report. Screenshots: out/screenshots/myday.png, myday_head.png, myday_report.png."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from sandbox import people
from tests.browser.test_pages_browser import open_as
from tests.e2e.telephony_kit import settle

pytestmark = [pytest.mark.browser, pytest.mark.e2e]
DECIDED = "Договорился с клиентом о повторной поставке — счёт уйдёт завтра."


def buyer_called_back(portal, live_app, manager: int) -> None:
    """A client who already bought (a won deal) is called back and rates the company 5."""
    contact = portal.invoke("crm.contact.add", {"fields": {
        "NAME": "Ольга", "LAST_NAME": "Покупателева",
        "PHONE": [{"VALUE": "+79995550101", "VALUE_TYPE": "WORK"}]}}, user_id=manager)
    portal.invoke("crm.deal.add", {"fields": {
        "TITLE": "Первая поставка", "CONTACT_ID": contact, "STAGE_ID": "WON",
        "ASSIGNED_BY_ID": manager, "OPPORTUNITY": 50000}}, user_id=manager)
    settle(live_app, portal)
    people.call(portal, user_id=manager, phone="+79995550101", incoming=False, duration=90,
                vote=5)
    settle(live_app, portal)


def test_manager_hands_in_and_the_head_reads_it(exchange, live_app, page, shots) -> None:
    manager = exchange.meta["managers"][0]
    buyer_called_back(exchange, live_app, manager)
    open_as(page, exchange, manager)
    page.click("text=Мой день")
    page.wait_for_selector("form[data-myday-form]")
    assert page.input_value("input[name=feedback_calls]") == "1"
    assert "из телефонии" in page.inner_text("[data-source=feedback_calls]")
    call = page.locator("[data-ratings] label[data-call]").first
    assert "оценка из телефонии: 5" in call.inner_text()
    assert call.locator("select").input_value() == "5"
    page.fill("textarea[name=text]", DECIDED)
    page.fill("input[name=proposals]", "2")
    with page.expect_navigation():
        page.click("text=Сдать «Мой день»")
    assert "«Мой день» сдан" in page.inner_text("body")
    assert page.input_value("input[name=proposals]") == "2"
    assert "посчитано: 0" in page.inner_text("[data-source=proposals]")
    page.screenshot(path=str(shots / "myday.png"), full_page=True)

    head = page.context.new_page()  # the head opens the app in his own portal frame
    open_as(head, exchange, exchange.meta["head"])
    head.click("text=Мой день")
    row = head.locator(f"[data-team] tr[data-member='{manager}']")
    assert row.get_attribute("data-state") == "handed"
    with head.expect_navigation():
        row.locator("text=Открыть").click()
    assert DECIDED in head.inner_text("[data-text]")
    head.fill("textarea[name=comment]", "Отлично, держи в курсе.")
    with head.expect_navigation():
        head.click("text=Сохранить комментарий")
    assert "Отлично, держи в курсе." in head.inner_text("[data-comment]")
    head.screenshot(path=str(shots / "myday_head.png"), full_page=True)

    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Moscow")).date().isoformat()
    report = head.locator("a.tab", has_text="Отчёт").get_attribute("href")
    head.goto(f"{live_app.url}{report}&period=day&date={today}")
    section = head.locator("section[data-section=myday]")
    cell = section.locator(f"tr[data-myday-person='{manager}'] td[data-day='{today}']")
    assert cell.get_attribute("data-state") == "handed"
    section.screenshot(path=str(shots / "myday_report.png"))

    lost = head.context.new_page()  # a manager never reads another's report
    try:
        other = exchange.meta["managers"][1]
        open_as(lost, exchange, other)
        mine = lost.locator("a.tab", has_text="Мой день").get_attribute("href")
        answer = lost.goto(f"{live_app.url}{mine}&user={manager}")
        assert answer.status == 403
    finally:
        lost.close()
