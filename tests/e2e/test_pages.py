"""The app pages against the emulated portal: opened the way the portal opens them (§1.2, §12),
verified against its auth server, and the buttons change the deal in the portal."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from handlers.exchange import config
from jobs.runner import sync_all
from store import portals

NBSP = "\u00a0"


@pytest.fixture
def exchange(installed, live_app):
    """Installed, mirrored, the exchange user chosen by the admin."""
    sync_all(live_app.app)
    with live_app.sessions() as s:
        portal_id = portals.find(s, installed.member_id).id
        config.save(s, portal_id, config.ExchangeConfig(
            exchange_user_id=installed.meta["exchange"], head_user_id=installed.meta["head"]),
            user_id=min(installed.admins), now=datetime.now(UTC))
        s.commit()
    return installed


def put_on_exchange(portal, live_app, title: str, amount: int = 120000) -> int:
    deal_id = portal.invoke("crm.deal.add", {"fields": {
        "TITLE": title, "ASSIGNED_BY_ID": portal.meta["exchange"], "OPPORTUNITY": amount,
        "CURRENCY_ID": "RUB", "SOURCE_ID": "CALL"}}, user_id=portal.meta["head"])
    live_app.drain(portal)
    return int(deal_id)


def session_of(response: requests.Response) -> str:
    return parse_qs(urlsplit(response.url).query)["s"][0]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(NBSP, " ")


def test_manager_opens_the_board_and_takes_a_deal(exchange, live_app) -> None:
    manager = exchange.meta["managers"][0]
    deal_id = put_on_exchange(exchange, live_app, "Кондиционеры для склада")
    page = exchange.open_app(manager)
    assert page.status_code == 200 and "/app/board?s=" in page.url
    body = text(page.text)
    assert "Кондиционеры для склада" in body and "120 000 ₽" in body
    assert f'data-claim="{deal_id}"' in page.text and "Моя нагрузка" in body
    answer = requests.post(f"{live_app.url}/app/api/claim", json={"deal_id": deal_id},
                           headers={"X-App-Session": session_of(page)}, timeout=10)
    assert answer.status_code == 200 and answer.json()["ok"] is True
    assert answer.json()["message"].startswith("Сделка ваша")
    assert int(exchange.table("crm.deal").get(deal_id)["ASSIGNED_BY_ID"]) == manager
    live_app.drain(exchange)  # the portal's echo of our update changes nothing
    assert int(exchange.table("crm.deal").get(deal_id)["ASSIGNED_BY_ID"]) == manager
    again = exchange.open_app(manager)
    assert f'data-claim="{deal_id}"' not in again.text


def test_deal_tab_shows_the_exchange_status(exchange, live_app) -> None:
    manager = exchange.meta["managers"][1]
    deal_id = put_on_exchange(exchange, live_app, "Окна в новый офис")
    tab = exchange.open_app(manager, "CRM_DEAL_DETAIL_TAB", {"ID": str(deal_id)})
    assert tab.status_code == 200 and f"/app/deal/{deal_id}?s=" in tab.url
    assert "Сделка ждёт на бирже" in tab.text and f'data-claim="{deal_id}"' in tab.text
    requests.post(f"{live_app.url}/app/api/claim", json={"deal_id": deal_id},
                  headers={"X-App-Session": session_of(tab)}, timeout=10)
    other = exchange.open_app(exchange.meta["managers"][2], "CRM_DEAL_DETAIL_TAB",
                              {"ID": str(deal_id)})
    assert "Сделку ведёт" in other.text and f'data-claim="{deal_id}"' not in other.text
    mine = exchange.open_app(manager, "CRM_DEAL_DETAIL_TAB", {"ID": str(deal_id)})
    assert "Это ваша сделка" in mine.text


def test_admin_saves_settings_and_a_manager_may_not(exchange, live_app) -> None:
    admin, manager = min(exchange.admins), exchange.meta["managers"][0]
    page = exchange.open_app(admin)
    token = session_of(page)
    settings_page = requests.get(f"{live_app.url}/app/settings", params={"s": token}, timeout=10)
    assert settings_page.status_code == 200 and "Пользователь биржи" in settings_page.text
    form = {"s": token, "exchange_user_id": str(exchange.meta["exchange"]),
            "categories": ["0", "1"], "landing_mode": "unassigned", "default_cap": "12",
            "cap_mode": "results", "cap_min": "4", "cap_max": "30", "stale_days": "5",
            "head_user_id": str(exchange.meta["head"]), "alert_waiting_over": "10",
            "alert_wait_hours": "2", "managers": [str(m) for m in exchange.meta["managers"]],
            f"cap_{manager}": "6"}
    saved = requests.post(f"{live_app.url}/app/settings", data=form, timeout=10)
    assert saved.status_code == 200 and "Настройки сохранены." in saved.text
    with live_app.sessions() as s:
        cfg = config.load(s, portals.find(s, exchange.member_id).id)
    assert cfg.categories == [0, 1] and cfg.landing_mode == "unassigned"
    assert cfg.default_cap == 12 and cfg.cap_mode == "results" and cfg.caps == {manager: 6}
    as_manager = session_of(exchange.open_app(manager))
    assert requests.get(f"{live_app.url}/app/settings", params={"s": as_manager},
                        timeout=10).status_code == 403
    assert requests.post(f"{live_app.url}/app/settings", data={**form, "s": as_manager},
                         timeout=10).status_code == 403


def test_unconfigured_exchange_asks_the_admin(installed, live_app) -> None:
    sync_all(live_app.app)
    admin_page = installed.open_app(min(installed.admins))
    assert "Биржа не настроена" in admin_page.text and "Открыть настройки" in admin_page.text
    manager_page = installed.open_app(installed.meta["managers"][0])
    assert "Биржа не настроена" in manager_page.text
    assert "Открыть настройки" not in manager_page.text


def test_forged_page_post_is_refused(installed, live_app) -> None:
    req = installed.app_page_request(installed.meta["managers"][0])
    forged = {**req.form, "APPLICATION_TOKEN": "0" * 32}
    assert requests.post(req.full_url, data=forged, timeout=10).status_code == 401
    stolen = {**req.form, "AUTH_ID": "not-a-token-of-this-portal"}
    assert requests.post(req.full_url, data=stolen, timeout=10).status_code == 401
    genuine = requests.post(req.full_url, data=req.form, timeout=10)
    assert genuine.status_code == 200 and "/app/board?s=" in genuine.url
