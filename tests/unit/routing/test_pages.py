"""The routing page over a seeded mirror: the preview, settings (admins only), the PBX secret."""

from __future__ import annotations

import re

import pytest

from handlers.routing import config
from pages.auth import Viewer
from store import routing as store
from tests.factories import make_portal, page_session
from tests.unit.routing.company import ANNA, EXCHANGE, HEAD, KNOWN, OWNER, seed


@pytest.fixture
def portal(sessions):
    with sessions() as s:
        row = make_portal(s)
        seed(s, row.id)
        around_the_clock(s, row.id)
        s.commit()
        return row


def around_the_clock(session, portal_id: int) -> None:
    """The page plans for "now" (the wall clock): with the default 9-18 Mon-Fri, a run in the
    evening or at the weekend would plan an out-of-hours call and the test would fail."""
    from dataclasses import replace
    from datetime import UTC, datetime

    from handlers.routing import config

    cfg = replace(config.load(session, portal_id), work_days=list(range(7)),
                  work_start="00:00", work_end="00:00")
    config.save(session, portal_id, cfg, user_id=None, now=datetime.now(UTC))


def token(app, portal, user_id=ANNA, *, admin=False, lang="ru") -> str:
    return page_session(app, Viewer(portal_id=portal.id, member_id=portal.member_id,
                                    user_id=user_id, is_admin=admin, lang=lang,
                                    name="Анна Смирнова", domain="test.bitrix24.ru"))


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_manager_sees_the_page_read_only_with_the_nav_link(client, app, portal) -> None:
    page = client.get(f"/app/routing?s={token(app, portal)}")
    assert page.status_code == 200
    assert "Маршрутизация" in page.text and "/app/routing?s=" in page.text
    assert "<fieldset disabled" in page.text
    assert "Менять настройки может только администратор портала." in text(page.text)
    assert "X-PBX-Secret" not in page.text  # the connection is for admins


def test_preview_shows_who_rings_for_a_number_now(client, app, portal) -> None:
    body = text(client.get(f"/app/routing?s={token(app, portal)}&phone=8 916 123-45-67").text)
    assert "Клиентова Мария" in body and "Ответственный за контакт" in body
    assert "Анна Смирнова · 102" in body
    assert "Ирина Руководова · 101" in body  # the head joins at step 3
    page = client.get(f"/app/routing?s={token(app, portal)}&phone={KNOWN}").text
    steps = {int(n): text(row) for n, row in
             re.findall(r'<tr data-step="(\d+)">(.*?)</tr>', page, re.S)}
    assert "Плюс руководитель отдела" in steps[3] and "Ирина Руководова" in steps[3]
    assert "Плюс руководитель выше, уровень 2" in steps[4] and "Олеся Директорова" in steps[4]
    assert "Плюс руководитель выше, уровень 3" in steps[5]  # the owner heads the top
    unknown = text(client.get(f"/app/routing?s={token(app, portal)}&phone=+70000000001").text)
    assert "Неизвестный номер" in unknown


def test_admin_saves_the_settings_and_a_manager_may_not(client, app, portal, sessions) -> None:
    form = {"s": token(app, portal, OWNER, admin=True), "sales_department_ids": ["3"],
            "ring_seconds": "15", "work_days": ["0", "1", "2", "3", "4", "5"],
            "work_start": "08:00", "work_end": "20:00", "time_zone": "Asia/Yekaterinburg",
            "owner_user_id": str(HEAD), "show_cards": "1"}
    saved = client.post("/app/routing", data=form)
    assert saved.status_code == 303 and "notice=routing.saved" in saved.location
    assert "Настройки маршрутизации сохранены." in client.get(saved.location).text
    with sessions() as s:
        cfg = config.load(s, portal.id)
    assert (cfg.sales_department_ids, cfg.ring_seconds, cfg.work_days, cfg.time_zone,
            cfg.owner_user_id, cfg.show_cards) == ([3], 15, [0, 1, 2, 3, 4, 5],
                                                   "Asia/Yekaterinburg", HEAD, True)
    manager = client.post("/app/routing", data={**form, "s": token(app, portal)})
    assert manager.status_code == 403


def test_wrong_input_is_shown_back_with_messages(client, app, portal, sessions) -> None:
    form = {"s": token(app, portal, OWNER, admin=True), "ring_seconds": "2",
            "work_start": "nine", "work_end": "18:00", "time_zone": "Mars/Olympus",
            "work_days": ["0"]}
    page = client.post("/app/routing", data=form)
    assert page.status_code == 422
    body = text(page.text)
    assert "От 5 до 120 секунд." in body and "Неизвестный часовой пояс." in body
    assert "Укажите время в формате ЧЧ:ММ." in body and 'value="nine"' in page.text
    with sessions() as s:
        assert config.load(s, portal.id).ring_seconds == 10  # nothing saved


def test_the_secret_is_shown_once_and_only_its_hash_is_kept(client, app, portal,
                                                            sessions) -> None:
    admin = token(app, portal, OWNER, admin=True)
    page = client.post("/app/routing/secret", data={"s": admin})
    assert page.status_code == 200
    secret = re.search(r'value="([^"]+)" data-new-secret', page.text).group(1)
    with sessions() as s:
        row = store.find_pbx_secret(s, portal.id)
        assert row.secret_hash != secret and store.check_pbx_secret(s, portal.id, secret)
    again = client.get(f"/app/routing?s={admin}")
    assert secret not in again.text and f"…{secret[-4:]}" in again.text
    assert client.post("/app/routing/secret", data={"s": token(app, portal)}).status_code == 403


def test_english(client, app, portal) -> None:
    page = client.get(f"/app/routing?s={token(app, portal, lang='en')}&phone={KNOWN}")
    assert "Call routing" in page.text and "Responsible manager" in page.text


def test_the_exchange_user_is_not_offered_as_the_last_in_the_chain(client, app, portal) -> None:
    page = client.get(f"/app/routing?s={token(app, portal, OWNER, admin=True)}").text
    picker = re.search(r'name="owner_user_id".*?</select>', page, re.S).group(0)
    assert f'value="{EXCHANGE}"' not in picker and f'value="{OWNER}"' in picker
