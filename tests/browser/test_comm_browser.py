"""The «Общение» tab in a real browser: the head of sales opens the app, goes to the tab, sees
each manager's addressing, typos, phrases and reply speed — in Russian, then in English."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.exchange.actions import action_context
from jobs import comm as comm_jobs
from jobs.runner import sync_all
from sandbox import conversations
from store import portals
from tests.browser.test_pages_browser import open_as

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def talk(portal, live_app) -> None:
    managers = portal.meta["managers"]
    # The last working day before today, 11:00 in Moscow: reply speed counts working hours only,
    # so a Sunday conversation would measure 0 min (CI failed on a Monday and on a Sunday).
    yesterday = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0) \
        - timedelta(days=1)
    while yesterday.weekday() >= 5:
        yesterday -= timedelta(days=1)
    ivan = portal.invoke("crm.contact.add", {"fields": {"NAME": "Иван", "SECOND_NAME": "Петрович"}},
                         user_id=managers[0])
    conversations.email(portal, manager=managers[0], contact_id=ivan, incoming=True,
                        text="Добрый день, пришлите счёт.", at=yesterday)
    conversations.email(portal, manager=managers[0], contact_id=ivan, incoming=False,
                        text="Иван Петрович, извените за задержку, счёт сдесь.",
                        at=yesterday + timedelta(minutes=25))
    elena = portal.invoke("crm.contact.add", {"fields": {"NAME": "Елена"}}, user_id=managers[1])
    conversations.dialogue(portal, manager=managers[1], contact_id=elena, client_name="Елена",
                           lines=[(True, "Когда доставка?", yesterday),
                                  (False, "Завтра. У нас бардак на складе, сами не знаем.",
                                   yesterday + timedelta(hours=3)),
                                  (True, "Спасибо", yesterday + timedelta(hours=3, minutes=5)),
                                  (False, "Лена, напишу, как узнаю.",
                                   yesterday + timedelta(hours=3, minutes=9))])
    with live_app.sessions() as s:
        row = portals.find(s, portal.member_id)
    with action_context(row, live_app.sessions, live_app.settings) as ctx:
        comm_jobs.sync_conversations(ctx)


def test_head_of_sales_reads_the_comm_tab(page, installed, live_app, shots) -> None:
    sync_all(live_app.app)
    talk(installed, live_app)
    open_as(page, installed, installed.meta["head"])
    page.click("text=Общение")
    page.wait_for_selector("table.comm tr[data-manager]")
    body = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
    assert "извените, сдесь" in body and "«у нас бардак», «сами не знаем»" in body
    assert "Почта: медиана 25\u00a0мин" in body  # the one duration format, no-break space
    page.screenshot(path=str(shots / "comm.png"), full_page=True)
    installed.lang = "en"
    english = page.context.new_page()  # a fresh frame, as the portal opens the app anew
    try:
        open_as(english, installed, installed.meta["head"])
        english.click("text=Communication")
        english.wait_for_selector("table.comm tr[data-manager]")
        assert "How managers talk to clients" in english.inner_text("body")
        english.screenshot(path=str(shots / "comm_en.png"), full_page=True)
    finally:
        english.close()
