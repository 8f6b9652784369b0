"""The lead pages in a real browser: the lead tab's check and "Конвертировать", the "Лиды"
page with its overdue list, audit queue and rules."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from handlers.exchange import config as exchange_config
from jobs.runner import sync_all
from sandbox import people
from store import portals
from tests.browser.test_pages_browser import open_as

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


@pytest.fixture
def leads(installed, live_app):
    sync_all(live_app.app)
    with live_app.sessions() as s:
        exchange_config.save(s, portals.find(s, installed.member_id).id,
                             exchange_config.ExchangeConfig(
                                 exchange_user_id=installed.meta["exchange"],
                                 head_user_id=installed.meta["head"]),
                             user_id=1, now=datetime.now(UTC))
        s.commit()
    return installed


def test_manager_completes_and_converts_a_lead_in_its_tab(leads, live_app, page, shots) -> None:
    manager = leads.meta["managers"][0]
    lead_id = people.web_form_lead(leads, name="Ксения", phone="+7 916 404-50-60",
                                   email="ksenia@mail.test", assigned_by=manager,
                                   title="Заявка с сайта: монтаж кондиционера")
    people.edit(leads, manager, "lead", lead_id, LAST_NAME="Белова")
    live_app.drain(leads)
    open_as(page, leads, manager, "CRM_LEAD_DETAIL_TAB", {"ID": str(lead_id)})
    assert "монтаж кондиционера" in page.locator("h1").inner_text()
    assert page.get_by_role("button", name="Конвертировать").is_disabled()
    page.screenshot(path=str(shots / "lead-tab-incomplete.png"), full_page=True)

    people.edit(leads, manager, "lead", lead_id, SECOND_NAME="Андреевна")
    live_app.drain(leads)
    page.reload()
    page.get_by_role("button", name="Конвертировать").click()
    page.locator("[data-converted]").wait_for()
    assert "Готово" in page.locator("[data-notice]").inner_text()
    assert leads.table("crm.lead").get(lead_id)["STATUS_ID"] == "CONVERTED"
    page.screenshot(path=str(shots / "lead-tab-converted.png"), full_page=True)


def test_admin_reads_the_leads_page_and_changes_the_rules(leads, live_app, page,
                                                          shots) -> None:
    manager = leads.meta["managers"][1]
    junk = people.web_form_lead(leads, name="Пётр", phone="+7 916 111-22-33",
                                assigned_by=manager)
    live_app.drain(leads)
    people.call_back(leads, user_id=manager, phone="+7 916 111-22-33", duration=4)
    people.edit(leads, manager, "lead", junk, STATUS_ID="JUNK")
    live_app.drain(leads)
    open_as(page, leads, min(leads.admins))
    page.get_by_role("link", name="Лиды").click()
    page.wait_for_url(re.compile(r"/app/leads"))
    assert page.locator(f'[data-audit-list] tr[data-lead="{junk}"]').count() == 1
    page.screenshot(path=str(shots / "leads.png"), full_page=True)

    page.locator('input[name="junk_mode"][value="block"]').check()
    page.fill('input[name="min_call_seconds"]', "30")
    page.get_by_role("button", name="Сохранить правила").last.click()
    page.locator(".banner-ok", has_text="Правила для лидов сохранены").wait_for()
    assert page.locator('input[name="junk_mode"][value="block"]').is_checked()
