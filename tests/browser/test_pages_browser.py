"""The app pages in a real browser, opened the way the portal opens them: a form POST of the
viewer's AUTH_ID and APPLICATION_TOKEN (§1.2, §12), then clicks on the buttons."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from handlers.exchange import config
from sandbox import people
from store import portals
from store.models import ExchangeEvent

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

# (client, phone, deal, amount, source, waiting minutes): a believable morning on the exchange.
REQUESTS = (
    ("Алексей Морозов", "+7 912 345-67-89", "Кондиционеры для склада", 480000, "CALL", 135),
    ("Светлана Кузнецова", "+7 903 111-22-33", "Окна в новый офис", 120000, "WEB", 47),
    ("Дмитрий Соколов", "+7 926 555-44-33", "Поставка стеллажей", 86500, "WEBFORM", 340),
    ("Ольга Лебедева", "+7 915 222-88-77", "Сервисный договор на год", 240000,
     "RECOMMENDATION", 1570),
    ("Игорь Павлов", "+7 999 123-00-11", "Монтаж вентиляции", 315000, "ADVERTISING", 12),
    ("Наталья Волкова", "+7 901 765-43-21", "Кухня на заказ", 64000, "WEB", 3),
    ("Максим Новиков", "+7 985 432-10-98", "Расчёт сметы на ремонт", 0, "CALLBACK", 95),
)


def fill_exchange(portal, live_app) -> dict[str, int]:
    """Requests from the site and calls land on the exchange; their waits are spread out."""
    ids = {}
    for name, phone, title, amount, source, _ in REQUESTS:
        deal_id, _, _ = people.web_form_deal(portal, name=name, phone=phone, title=title,
                                             source=source, opportunity=amount,
                                             assigned_by=portal.meta["head"])
        ids[title] = int(deal_id)
    live_app.drain(portal)
    now = datetime.now(UTC)
    with live_app.sessions() as s:
        pid = portals.find(s, portal.member_id).id
        for *_, title, _, _, minutes in ((*r[:2], r[2], r[3], r[4], r[5]) for r in REQUESTS):
            s.execute(update(ExchangeEvent).where(
                ExchangeEvent.portal_id == pid, ExchangeEvent.b24_deal_id == ids[title],
                ExchangeEvent.kind == "landed").values(at=now - timedelta(minutes=minutes)))
        s.commit()
    return ids


def open_as(page, portal, user_id: int, placement: str = "DEFAULT",
            options: dict | None = None) -> None:
    """The portal's frame: an auto-submitting form that POSTs the page data to the app."""
    req = portal.app_page_request(user_id, placement, options)
    fields = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                     for k, v in req.form.items())
    with page.expect_navigation(url=re.compile(r"/app/(board|deal|lead)")):
        page.set_content(f'<form method="post" action="{html.escape(req.full_url)}">{fields}'
                         "</form><script>document.forms[0].submit()</script>",
                         wait_until="commit")
    page.wait_for_load_state("load")


def assigned(portal, deal_id: int) -> int:
    return int(portal.table("crm.deal").get(deal_id)["ASSIGNED_BY_ID"])


def test_manager_takes_a_deal_from_the_board(exchange, live_app, page, shots) -> None:
    ids = fill_exchange(exchange, live_app)
    manager = exchange.meta["managers"][0]
    open_as(page, exchange, manager)
    assert page.locator("h1").first.inner_text() == "Сделки на бирже"
    assert page.locator("tr[data-deal]").count() >= len(REQUESTS)  # + what the seed left
    page.screenshot(path=str(shots / "board.png"), full_page=True)

    target = ids["Окна в новый офис"]
    row = page.locator(f'tr[data-deal="{target}"]')
    assert "120\u00a0000\u00a0₽" in row.inner_text()  # no-break spaces keep it on one line
    before = int(page.locator("[data-load-open]").first.inner_text())
    row.get_by_role("button", name="Взять").click()
    page.locator(".toast-ok").wait_for()
    assert page.locator(".toast-ok").inner_text().startswith("Сделка ваша")
    row.wait_for(state="detached")
    assert int(page.locator("[data-load-open]").first.inner_text()) == before + 1
    assert assigned(exchange, target) == manager
    page.screenshot(path=str(shots / "board-claimed.png"), full_page=True)

    page.get_by_role("link", name="Нагрузка").click()
    page.wait_for_url(re.compile(r"/app/taken"))
    assert page.locator(f'tr[data-deal="{target}"]').count() == 1  # among "Мои сделки"
    page.screenshot(path=str(shots / "taken.png"), full_page=True)


def test_deal_tab_take_in_the_card(exchange, live_app, page, shots) -> None:
    ids = fill_exchange(exchange, live_app)
    manager, target = exchange.meta["managers"][1], ids["Монтаж вентиляции"]
    open_as(page, exchange, manager, "CRM_DEAL_DETAIL_TAB", {"ID": str(target)})
    assert "Сделка ждёт на бирже" in page.locator("h1").inner_text()
    page.screenshot(path=str(shots / "deal-tab.png"), full_page=True)
    page.get_by_role("button", name="Взять").click()
    page.locator("h1", has_text="Это ваша сделка").wait_for()
    assert assigned(exchange, target) == manager


def test_admin_saves_settings_and_previews_a_sweep(exchange, live_app, page, shots) -> None:
    admin = min(exchange.admins)
    open_as(page, exchange, admin)
    page.get_by_role("link", name="Настройки").click()
    page.wait_for_url(re.compile(r"/app/settings"))
    assert page.locator("#exchange_user_id").input_value() == str(exchange.meta["exchange"])
    page.screenshot(path=str(shots / "settings.png"), full_page=True)

    page.fill('input[name="default_cap"]', "25")
    page.fill('input[name="stale_days"]', "5")
    page.get_by_role("button", name="Сохранить").last.click()
    page.locator(".banner-ok", has_text="Настройки сохранены").wait_for()
    with live_app.sessions() as s:
        cfg = config.load(s, portals.find(s, exchange.member_id).id)
    assert cfg.default_cap == 25 and cfg.stale_days == 5

    first = exchange.meta["managers"][0]
    page.locator(f'#sweep input[name="managers"][value="{first}"]').check()
    page.get_by_role("button", name="Предпросмотр").click()
    page.locator("[data-preview]").wait_for()
    assert page.url.endswith("#sweep")  # the answer opens where the preview is
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(shots / "settings-sweep-preview.png"), full_page=True)


def test_manager_cannot_open_settings(exchange, page) -> None:
    open_as(page, exchange, exchange.meta["managers"][0])
    assert page.get_by_role("link", name="Настройки").count() == 0
    token = page.evaluate("document.body.dataset.session")
    response = page.goto(page.url.split("/app/")[0] + f"/app/settings?s={token}")
    assert response.status == 403 and "Нет доступа" in page.content()
