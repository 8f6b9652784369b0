"""The routing page in a real browser: the admin opens it from the menu, previews a number,
saves a setting and issues the PBX secret; a manager sees it read-only."""

from __future__ import annotations

import pytest

from jobs.runner import sync_all
from store import portals
from tests.browser.test_pages_browser import open_as
from tests.unit.routing.test_pages import around_the_clock

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_admin_previews_a_number_and_sets_up_the_pbx(installed, live_app, page, shots) -> None:
    portal = installed
    manager = portal.meta["managers"][2]
    portal.invoke("crm.contact.add", {"fields": {
        "NAME": "Вера", "LAST_NAME": "Звонкова", "ASSIGNED_BY_ID": manager,
        "PHONE": [{"VALUE": "+7 916 555-12-34", "VALUE_TYPE": "MOBILE"}]}}, user_id=manager)
    live_app.drain(portal)
    with live_app.sessions() as s:  # the preview plans for the wall clock's "now"
        around_the_clock(s, portals.find(s, portal.member_id).id)
        s.commit()
    sync_all(live_app.app)
    open_as(page, portal, portal.meta["owner"])
    page.get_by_role("link", name="Маршрутизация").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").first.inner_text() == "Маршрутизация звонков"
    page.fill("input[name=phone]", "8 916 555-12-34")
    page.get_by_role("button", name="Показать").click()
    page.wait_for_load_state("load")
    plan = page.locator("[data-plan]")
    assert "Звонкова Вера" in plan.inner_text()
    assert page.locator("tr[data-step]").first.get_attribute("data-step") == "1"
    page.screenshot(path=str(shots / "routing_preview.png"), full_page=True)

    page.fill("input[name=ring_seconds]", "15")
    page.get_by_role("button", name="Сохранить").last.click()
    page.wait_for_load_state("load")
    assert "Настройки маршрутизации сохранены." in page.inner_text("body")
    assert page.input_value("input[name=ring_seconds]") == "15"

    page.get_by_role("button", name="Выпустить секрет").click()
    page.wait_for_load_state("load")
    secret = page.input_value("[data-new-secret]")
    assert len(secret) >= 40
    page.screenshot(path=str(shots / "routing_secret.png"), full_page=True)


def test_a_manager_sees_the_settings_read_only(installed, live_app, page) -> None:
    sync_all(live_app.app)
    open_as(page, installed, installed.meta["managers"][0])
    page.get_by_role("link", name="Маршрутизация").click()
    page.wait_for_load_state("load")
    assert page.locator("input[name=ring_seconds]").is_disabled()
    assert page.locator("#pbx").count() == 0
