"""The pages over a mirror seeded directly: what a head of sales and a manager see and do.

The viewer's session is issued directly (pages.auth has its own tests); the portal's REST is a
`responses` mock that only the buttons reach — rendering a page never calls it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import responses

from handlers.exchange import config
from pages.auth import Viewer
from store import exchange as journal
from store import mirror
from store.models import Deal, Sweep
from tests.factories import make_portal, page_session

DOMAIN = "test.bitrix24.ru"
BATCH = f"https://{DOMAIN}/rest/batch.json"
EXCHANGE, HEAD, ANNA, OLEG, OWNER = 50, 10, 11, 12, 1
NBSP = "\u00a0"


@pytest.fixture
def portal(sessions):
    with sessions() as s:
        row = make_portal(s)
        seed(s, row.id)
        s.commit()
        return row


def seed(s, pid: int) -> None:
    mirror.upsert_department(s, pid, {"ID": "1", "NAME": "Отдел продаж", "UF_HEAD": str(HEAD)})
    for uid, name, last in ((OWNER, "Пётр", "Владельцев"), (HEAD, "Ирина", "Руководова"),
                            (ANNA, "Анна", "Смирнова"), (OLEG, "Олег", "Иванов"),
                            (EXCHANGE, "Биржа", "лидов")):
        mirror.upsert_user(s, pid, {"ID": str(uid), "NAME": name, "LAST_NAME": last,
                                    "ACTIVE": True, "UF_DEPARTMENT": [1] if uid != OWNER else []})
    for entity, code, name in (("DEAL_STAGE", "NEW", "Новая"),
                               ("DEAL_STAGE", "PREPARATION", "Квалификация"),
                               ("DEAL_STAGE_1", "C1:NEW", "Новая"),
                               ("SOURCE", "CALL", "Звонок"), ("SOURCE", "WEB", "Веб-сайт")):
        mirror.upsert_stage(s, pid, {"ENTITY_ID": entity, "STATUS_ID": code, "NAME": name})
    mirror.upsert_contact(s, pid, {"ID": "3", "NAME": "Мария", "LAST_NAME": "Клиентова",
                                   "PHONE": [{"VALUE": "+79161234567"}]})


def add_deal(s, pid: int, deal_id: int, *, assigned: int = EXCHANGE, amount: str = "120000",
             title: str = "Окна в офис", age: timedelta = timedelta(hours=2, minutes=15),
             source: str = "CALL", category: int = 0, stage: str = "NEW") -> None:
    created = (datetime.now(UTC) - age).isoformat()
    mirror.upsert_deal(s, pid, {"ID": str(deal_id), "TITLE": title, "ASSIGNED_BY_ID": assigned,
                                "OPPORTUNITY": amount, "CURRENCY_ID": "RUB", "SOURCE_ID": source,
                                "STAGE_ID": stage, "STAGE_SEMANTIC_ID": "P", "CONTACT_ID": "3",
                                "CATEGORY_ID": str(category), "DATE_CREATE": created,
                                "CREATED_BY_ID": str(HEAD)})


def configure(s, pid: int, **overrides) -> None:
    cfg = config.ExchangeConfig(exchange_user_id=EXCHANGE, default_cap=20, **overrides)
    config.save(s, pid, cfg, user_id=OWNER, now=datetime.now(UTC))
    s.commit()


def token(app, portal, user_id=ANNA, *, admin=False, lang="ru") -> str:
    return page_session(app, Viewer(portal_id=portal.id, member_id=portal.member_id,
                                    user_id=user_id, is_admin=admin, lang=lang,
                                    name="Анна Смирнова", domain=DOMAIN))


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(NBSP, " ")


def test_board_lists_waiting_deals_with_age_amount_client_and_source(client, app, portal,
                                                                     sessions) -> None:
    with sessions() as s:
        configure(s, portal.id)
        add_deal(s, portal.id, 101)
        add_deal(s, portal.id, 102, title="Склад", amount="5000", age=timedelta(minutes=5),
                 source="WEB")
        add_deal(s, portal.id, 103, title="Чужая", assigned=OLEG)
        s.commit()
    page = client.get(f"/app/board?s={token(app, portal)}")
    assert page.status_code == 200
    body = text(page.text)
    assert "Окна в офис" in body and "Склад" in body and "Чужая" not in body
    assert "120 000 ₽" in body and "2 ч 15 мин" in body and "Звонок" in body
    assert "Мария Клиентова" in body or "Клиентова Мария" in body
    assert "+7 916 123-45-67" in body
    assert "Моя нагрузка: 0 из 20" in body
    assert page.text.count('data-claim="') == 2


def test_board_sorts_by_the_chosen_column(client, app, portal, sessions) -> None:
    with sessions() as s:
        configure(s, portal.id)
        add_deal(s, portal.id, 101, title="Маленькая", amount="100", age=timedelta(hours=5))
        add_deal(s, portal.id, 102, title="Большая", amount="900000", age=timedelta(hours=1))
        s.commit()
    tok = token(app, portal)
    by_age = client.get(f"/app/board?s={tok}&sort=age").text
    by_amount = client.get(f"/app/board?s={tok}&sort=amount").text
    assert by_age.index("Маленькая") < by_age.index("Большая")
    assert by_amount.index("Большая") < by_amount.index("Маленькая")
    assert client.get(f"/app/board?s={tok}&sort=nonsense").status_code == 200


def test_not_configured_exchange_shows_the_banner(client, app, portal) -> None:
    manager = text(client.get(f"/app/board?s={token(app, portal)}").text)
    assert "Биржа не настроена: администратор должен выбрать пользователя биржи" in manager
    assert "Открыть настройки" not in manager
    admin = client.get(f"/app/board?s={token(app, portal, OWNER, admin=True)}").text
    assert "Открыть настройки" in admin and "/app/settings?s=" in admin


def test_empty_board_says_so(client, app, portal, sessions) -> None:
    with sessions() as s:
        configure(s, portal.id)
    assert "На бирже пусто" in client.get(f"/app/board?s={token(app, portal)}").text


def test_english_viewer_reads_english(client, app, portal, sessions) -> None:
    with sessions() as s:
        configure(s, portal.id)
        add_deal(s, portal.id, 101)
        s.commit()
    body = text(client.get(f"/app/board?s={token(app, portal, lang='en')}").text)
    assert "Deals on the exchange" in body and "120,000 ₽" in body and "2 h 15 min" in body
    assert "Take" in body and "Взять" not in body


def test_board_pages_through_many_deals(client, app, portal, sessions) -> None:
    with sessions() as s:
        configure(s, portal.id)
        for n in range(1, 131):
            add_deal(s, portal.id, n, title=f"Сделка {n}", age=timedelta(minutes=200 - n))
        s.commit()
    first = client.get(f"/app/board?s={token(app, portal)}").text
    second = client.get(f"/app/board?s={token(app, portal)}&page=2").text
    assert first.count('data-claim="') == 100 and second.count('data-claim="') == 30
    assert "Показаны 1–100 из 130" in text(first)


def batch_ok(rsps, result: dict) -> None:
    rsps.post(BATCH, json={"result": {"result": result, "result_error": [], "result_total": [],
                                      "result_next": [], "result_time": []}, "time": {}})


def test_claim_takes_the_deal_and_updates_my_load(client, app, portal, sessions) -> None:
    with sessions() as s:
        configure(s, portal.id)
        add_deal(s, portal.id, 101)
        s.commit()
    with responses.RequestsMock() as rsps:
        batch_ok(rsps, {"assign": True, "comment": 77})
        resp = client.post("/app/api/claim", json={"deal_id": 101},
                           headers={"X-App-Session": token(app, portal)})
        assert b"crm.deal.update?id=101&fields[ASSIGNED_BY_ID]=11" in rsps.calls[0].request.body
    assert resp.json == {"ok": True, "code": "claimed",
                         "message": "Сделка ваша. Нагрузка: 1 из 20.",
                         "load": {"open": 1, "cap": 20, "full": False}}
    with sessions() as s:
        assert s.query(Deal).filter_by(b24_deal_id=101).one().assigned_by_id == ANNA
    second = client.post("/app/api/claim", json={"deal_id": 101},
                         headers={"X-App-Session": token(app, portal, OLEG)})
    assert second.json["ok"] is False and second.json["message"].startswith("Сделку уже взял")


def test_claim_needs_a_deal_id(client, app, portal) -> None:
    resp = client.post("/app/api/claim", json={"deal_id": "x"},
                       headers={"X-App-Session": token(app, portal)})
    assert resp.status_code == 400 and resp.json["ok"] is False


def test_taken_shows_loads_and_my_deals_with_return(client, app, portal, sessions) -> None:
    with sessions() as s:
        configure(s, portal.id, caps={OLEG: 2})
        add_deal(s, portal.id, 201, title="Моя сделка", assigned=ANNA)
        for n in (202, 203, 204):
            add_deal(s, portal.id, n, title=f"Олега {n}", assigned=OLEG)
        journal.journal(s, portal.id, deal_id=201, kind="claimed", user_id=ANNA,
                        at=datetime.now(UTC), key="claimed:201")
        s.commit()
    page = client.get(f"/app/taken?s={token(app, portal)}")
    body = text(page.text)
    assert "Анна Смирнова" in body and "Олег Иванов" in body
    assert "1 из 20" in body and "3 из 2" in body
    assert "Взято за 30 дней" in body and "Возвращено за 30 дней" in body
    assert "Моя сделка" in body and "Олега 202" not in body
    assert 'data-return="201"' in page.text and "Клиент не отвечает" in body
    with responses.RequestsMock() as rsps:
        batch_ok(rsps, {"assign": True, "comment": 78})
        resp = client.post("/app/api/return", json={"deal_id": 201, "reason": "no_answer"},
                           headers={"X-App-Session": token(app, portal)})
    assert resp.json["ok"] is True and resp.json["message"] == "Сделка возвращена на биржу."


def test_deal_tab_shows_the_deal_state(client, app, portal, sessions) -> None:
    with sessions() as s:
        configure(s, portal.id)
        add_deal(s, portal.id, 301)
        add_deal(s, portal.id, 302, assigned=OLEG)
        add_deal(s, portal.id, 303, assigned=ANNA)
        add_deal(s, portal.id, 304, category=1, stage="C1:NEW")
        s.commit()
    tok = token(app, portal)
    waiting = text(client.get(f"/app/deal/301?s={tok}").text)
    assert "Сделка ждёт на бирже" in waiting and "Взять" in waiting
    assert "Сделку ведёт Олег Иванов" in text(client.get(f"/app/deal/302?s={tok}").text)
    yours = client.get(f"/app/deal/303?s={tok}").text
    assert "Это ваша сделка" in yours and 'data-return="303"' in yours
    assert "Воронка «Воронка 1» не участвует в бирже." in \
        text(client.get(f"/app/deal/304?s={tok}").text)  # no name mirrored: the fallback
    with sessions() as s:
        mirror.upsert_category(s, portal.id, {"id": 1, "name": "Повторные продажи", "sort": 200})
        s.commit()
    repeat = text(client.get(f"/app/deal/304?s={tok}").text)
    assert "Воронка «Повторные продажи» не участвует в бирже." in repeat
    assert "Воронка Повторные продажи" in repeat
    assert "Данных о сделке ещё нет" in client.get(f"/app/deal/999?s={tok}").text


def settings_form(tok: str, **overrides) -> dict:
    form = {"s": tok, "exchange_user_id": str(EXCHANGE), "categories": ["0", "1"],
            "landing_mode": "all", "default_cap": "15", "cap_mode": "fixed", "cap_min": "5",
            "cap_max": "40", "managers": [str(ANNA), str(OLEG)], f"cap_{OLEG}": "8",
            "stale_days": "4", "head_user_id": str(HEAD), "alert_waiting_over": "25",
            "alert_wait_hours": "3"}
    form.update(overrides)
    return form


def test_settings_preselect_the_guessed_exchange_user_and_list_pipelines(client, app,
                                                                         portal) -> None:
    page = client.get(f"/app/settings?s={token(app, portal, OWNER, admin=True)}").text
    assert re.search(rf'<option value="{EXCHANGE}" selected>Биржа лидов', page)
    assert "Общая воронка" in page and "Воронка 1" in page
    assert "Анна Смирнова" in page and "Предпросмотр" in page


def test_settings_save_and_validation(client, app, portal, sessions) -> None:
    tok = token(app, portal, OWNER, admin=True)
    bad = client.post("/app/settings", data=settings_form(tok, stale_days="0", default_cap="x",
                                                          categories=[]))
    assert bad.status_code == 422
    body = text(bad.text)
    assert "От 1 до 365 дней." in body and "Введите целое число." in body
    assert "Отметьте хотя бы одну воронку." in body
    with sessions() as s:
        assert not config.load(s, portal.id).ready  # nothing saved
    ok = client.post("/app/settings", data=settings_form(tok))
    assert ok.status_code == 303 and "notice=settings.saved" in ok.headers["Location"]
    with sessions() as s:
        cfg = config.load(s, portal.id)
    assert cfg.exchange_user_id == EXCHANGE and cfg.categories == [0, 1]
    assert cfg.default_cap == 15 and cfg.caps == {OLEG: 8} and cfg.stale_days == 4
    assert cfg.manager_ids == [] and cfg.head_user_id == HEAD  # all of sales ticked = follow
    assert "Настройки сохранены." in client.get(ok.headers["Location"]).text


def test_settings_distribution_section(client, app, portal, sessions) -> None:
    """Issue 16 items 5-6: the answerer switch and «Приоритет лучшим» are saved and checked."""
    tok = token(app, portal, OWNER, admin=True)
    page = client.get(f"/app/settings?s={tok}").text
    assert "Распределение" in page and 'name="answerer_takes_new_client" checked' in page
    shown = {"distribution_shown": "1", "priority_top": "2"}
    bad = client.post("/app/settings", data=settings_form(tok, **shown, priority_minutes="-1"))
    assert bad.status_code == 422 and "От 0 до 1440 минут." in text(bad.text)
    ok = client.post("/app/settings", data=settings_form(tok, **shown, priority_minutes="20"))
    assert ok.status_code == 303
    with sessions() as s:
        cfg = config.load(s, portal.id)
    assert (cfg.answerer_takes_new_client, cfg.priority_minutes, cfg.priority_top) == \
        (False, 20, 2)  # the box was not ticked


def test_settings_only_some_managers(client, app, portal, sessions) -> None:
    tok = token(app, portal, OWNER, admin=True)
    client.post("/app/settings", data=settings_form(tok, managers=[str(ANNA)]))
    with sessions() as s:
        assert config.load(s, portal.id).manager_ids == [ANNA]


def test_sweep_preview_confirm_and_undo(client, app, portal, sessions) -> None:
    with sessions() as s:
        configure(s, portal.id)
        add_deal(s, portal.id, 401, title="Анны первая", assigned=ANNA)
        add_deal(s, portal.id, 402, title="Анны вторая", assigned=ANNA)
        add_deal(s, portal.id, 403, title="Олега", assigned=OLEG)
        s.commit()
    tok = token(app, portal, OWNER, admin=True)
    preview = client.post("/app/settings/sweep/preview",
                          data={"s": tok, "managers": [str(ANNA)], "when": "now"})
    body = text(preview.text)
    assert "На биржу вернутся 2 сделки" in body and "Анны первая" in body and "Олега" not in body
    with sessions() as s:
        assert s.query(Sweep).count() == 0  # a preview changes nothing
    with responses.RequestsMock() as rsps:  # the portal confirms both updates
        batch_ok(rsps, {"a401": True, "c401": 1, "a402": True, "c402": 2})
        done = client.post("/app/settings/sweep/confirm",
                           data={"s": tok, "managers": [str(ANNA)], "when": "now"})
    assert done.status_code == 303
    page = text(client.get(done.headers["Location"]).text)
    assert "на биржу вернулось 2 сделки" in page and "Отменить разбор" in page
    with sessions() as s:
        sweep_id = s.query(Sweep).one().id
        assert {d.assigned_by_id for d in s.query(Deal).filter(Deal.b24_deal_id < 403)} == \
            {EXCHANGE}
    with responses.RequestsMock() as rsps:
        batch_ok(rsps, {})
        undone = client.post("/app/settings/sweep/undo", data={"s": tok, "sweep_id": sweep_id})
    assert "вернулось 2 сделки" in text(client.get(undone.headers["Location"]).text)
    with sessions() as s:
        assert {d.assigned_by_id for d in s.query(Deal).filter(Deal.b24_deal_id < 403)} == {ANNA}


def test_sweep_needs_managers(client, app, portal, sessions) -> None:
    with sessions() as s:
        configure(s, portal.id)
    resp = client.post("/app/settings/sweep/preview",
                       data={"s": token(app, portal, OWNER, admin=True), "when": "now"})
    assert resp.status_code == 422 and "Отметьте хотя бы одного менеджера." in resp.text


def test_sweep_at_a_later_time_is_planned(client, app, portal, sessions) -> None:
    with sessions() as s:
        configure(s, portal.id)
        add_deal(s, portal.id, 401, assigned=ANNA)
        s.commit()
    later = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    resp = client.post("/app/settings/sweep/confirm", data={
        "s": token(app, portal, OWNER, admin=True), "managers": [str(ANNA)], "when": "at",
        "at": later, "tz": "0"})
    assert "notice=sweep.planned_msg" in resp.headers["Location"]
    with sessions() as s:
        sweep = s.query(Sweep).one()
        assert sweep.status == "planned" and sweep.run_at > datetime.now(UTC) + timedelta(hours=23)
        assert s.query(Deal).filter_by(b24_deal_id=401).one().assigned_by_id == ANNA


def test_handler_url_opened_directly_says_where_it_works(client) -> None:
    resp = client.get("/app")
    assert resp.status_code == 400 and "Откройте приложение из меню Битрикс24" in resp.text


def test_lead_tab_is_honest_about_what_exists(client, app, portal) -> None:
    page = client.get(f"/app/lead/5?s={token(app, portal)}")
    assert page.status_code == 200 and "Проверка лида" in page.text


def test_the_head_of_sales_has_the_report_link_and_a_manager_not(client, app, portal,
                                                                 sessions) -> None:
    configure(sessions(), portal.id)
    head = client.get(f"/app/board?s={token(app, portal, HEAD)}").text
    assert "/app/report?s=" in head and "Отчёт" in text(head)
    assert client.get(f"/app/report?s={token(app, portal, HEAD)}").status_code == 200
    manager = client.get(f"/app/board?s={token(app, portal, ANNA)}").text
    assert "/app/report?s=" not in manager
    assert client.get(f"/app/report?s={token(app, portal, ANNA)}").status_code == 403
