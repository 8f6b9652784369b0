"""The "Лиды" page and the lead tab over a mirror seeded directly (no REST while rendering)."""

from __future__ import annotations

import re
from datetime import UTC, timedelta

import pytest

from handlers.exchange import config as exchange_config
from handlers.lead_rules import config
from store import lead_rules as store
from store import mirror
from tests.conftest import frozen_moment
from tests.factories import make_portal
from tests.unit.test_pages import ANNA, EXCHANGE, OWNER, seed, text, token

NOW = frozen_moment().astimezone(UTC)  # the tests run at TEST_NOW


@pytest.fixture
def portal(sessions):
    with sessions() as s:
        row = make_portal(s)
        seed(s, row.id)
        for n, (code, name, sem) in enumerate((("NEW", "Не обработан", None),
                                               ("IN_PROCESS", "В работе", None),
                                               ("CONVERTED", "Качественный лид", "S"),
                                               ("JUNK", "Некачественный лид", "F"))):
            mirror.upsert_stage(s, row.id, {"ENTITY_ID": "STATUS", "STATUS_ID": code,
                                            "NAME": name, "SEMANTICS": sem, "SORT": 10 * n})
        for lid, status, sem in ((1, "NEW", "P"), (2, "JUNK", "F"), (3, "CONVERTED", "S")):
            mirror.upsert_lead(s, row.id, {
                "ID": str(lid), "TITLE": f"Заявка {lid}", "SOURCE_ID": "WEB",
                "ASSIGNED_BY_ID": str(ANNA), "STATUS_ID": status, "STATUS_SEMANTIC_ID": sem,
                "DATE_CREATE": (NOW - timedelta(days=1)).isoformat()})
        track = store.upsert_track(s, row.id, 1, NOW)
        track.status_id, track.status_semantic = "NEW", "P"
        track.due_at, track.notified_at = NOW - timedelta(hours=3), NOW - timedelta(hours=2)
        track.last_name, track.name, track.phones = "Клиентова", "Мария", ["+79161234567"]
        store.add_audit(s, row.id, key="a:2", b24_lead_id=2, status_id="JUNK", manager_id=ANNA,
                        missing=["call", "email", "meeting"],
                        evidence={"longest_call": 3, "min_call_seconds": 20}, mode="flag",
                        junked_at=NOW)
        s.commit()
        return row


def test_leads_page_shows_quality_overdue_and_the_audit_queue(client, app, portal) -> None:
    page = client.get(f"/app/leads?s={token(app, portal)}")
    assert page.status_code == 200
    body = text(page.text)
    assert "Качество лидов" in body and "Веб-сайт" in body and "Анна Смирнова" in body
    assert "33 %" in body  # one of three converted, one junked
    assert 'data-lead="1"' in page.text and "менеджер" in body  # overdue, manager told
    assert "звонка от 20 с, письма, встречи" in body and "самый долгий звонок: 3 с" in body
    assert "Некачественный лид" in body  # the junk reason is the failure status
    assert 'id="lead-settings"' not in page.text  # managers do not see the rules


@pytest.mark.parametrize("configured", [True, False])
def test_the_exchange_user_is_no_manager_on_the_leads_page(client, app, portal, sessions,
                                                            configured) -> None:
    with sessions() as s:
        mirror.upsert_lead(s, portal.id, {
            "ID": "9", "TITLE": "Заявка с биржи", "SOURCE_ID": "WEB",
            "ASSIGNED_BY_ID": str(EXCHANGE), "STATUS_ID": "NEW", "STATUS_SEMANTIC_ID": "P",
            "DATE_CREATE": (NOW - timedelta(days=1)).isoformat()})
        if configured:
            exchange_config.save(s, portal.id,
                                 exchange_config.ExchangeConfig(exchange_user_id=EXCHANGE),
                                 user_id=OWNER, now=NOW)
        s.commit()
    page = client.get(f"/app/leads?s={token(app, portal, OWNER, admin=True)}").text
    managers = re.search(r'data-quality="manager">(.*?)</table>', page, re.S).group(1)
    assert "Анна Смирнова" in text(managers) and f'data-key="{EXCHANGE}"' not in managers
    head_picker = re.search(r'name="head_user_id".*?</select>', page, re.S).group(0)
    assert "Анна Смирнова" in head_picker and "Биржа лидов" not in head_picker


def test_an_overdue_lead_on_the_exchange_names_no_manager(client, app, portal, sessions) -> None:
    """The service user holds the lead until someone takes it: «Биржа лидов» is no manager."""
    with sessions() as s:
        mirror.upsert_lead(s, portal.id, {
            "ID": "9", "TITLE": "Заявка с биржи", "SOURCE_ID": "WEB",
            "ASSIGNED_BY_ID": str(EXCHANGE), "STATUS_ID": "NEW", "STATUS_SEMANTIC_ID": "P",
            "DATE_CREATE": (NOW - timedelta(days=1)).isoformat()})
        track = store.upsert_track(s, portal.id, 9, NOW)
        track.status_id, track.status_semantic = "NEW", "P"
        track.due_at = NOW - timedelta(hours=1)
        exchange_config.save(s, portal.id,
                             exchange_config.ExchangeConfig(exchange_user_id=EXCHANGE),
                             user_id=OWNER, now=NOW)
        s.commit()
    page = client.get(f"/app/leads?s={token(app, portal, OWNER, admin=True)}").text
    overdue = re.search(r"data-overdue-list>(.*?)</table>", page, re.S).group(1)
    row = re.search(r'data-lead="9">(.*?)</tr>', overdue, re.S).group(1)
    assert "Биржа лидов" not in text(row) and "на бирже, менеджер не назначен" in text(row)
    assert "Анна Смирнова" in text(overdue)  # a real manager's lead still names him


def test_admin_sees_and_saves_the_rules_and_mistakes_come_back(client, app, portal,
                                                                sessions) -> None:
    tok = token(app, portal, OWNER, admin=True)
    assert 'id="lead-settings"' in client.get(f"/app/leads?s={tok}").text
    form = {"s": tok, "sla_hours": "2,5", "grace_hours": "1", "stage_default_hours": "8",
            "stage_IN_PROCESS": "4", "timezone": "Europe/Moscow", "work_start": "09:00",
            "work_end": "18:00", "work_days": ["0", "1", "2", "3", "4"], "junk_mode": "flag",
            "reason_mode": "status", "evidence_kinds": ["call"], "min_call_seconds": "30",
            "deal_owner": "exchange", "deal_category": "0", "holidays": "2026-12-31"}
    saved = client.post("/app/leads/settings", data=form)
    assert saved.status_code == 303
    with sessions() as s:
        cfg = config.load(s, portal.id)
        track = store.find_track(s, portal.id, 1)
    assert (cfg.sla_hours, cfg.stage_hours, cfg.min_call_seconds, cfg.evidence_kinds,
            cfg.holidays, cfg.link_repeats) == (2.5, {"IN_PROCESS": 4.0}, 30, ["call"],
                                                ["2026-12-31"], False)
    assert track.due_at is not None and track.due_at != NOW - timedelta(hours=3)  # recomputed
    wrong = client.post("/app/leads/settings", data={**form, "sla_hours": "два",
                                                      "work_start": "19:00", "work_days": []})
    assert wrong.status_code == 422
    body = text(wrong.text)
    assert "Введите число" in body and "Начало дня должно быть раньше конца" in body
    assert "Отметьте хотя бы один рабочий день" in body and 'value="два"' in wrong.text


def test_rules_are_for_admins_only(client, app, portal) -> None:
    answer = client.post("/app/leads/settings", data={"s": token(app, portal)})
    assert answer.status_code == 403


def test_lead_tab_names_what_is_missing_and_the_known_client(client, app, portal) -> None:
    page = client.get(f"/app/lead/1?s={token(app, portal)}")
    assert page.status_code == 200
    body = text(page.text)
    assert "просрочен на" in body and "✗ ФИО полностью" in body and "отчество" in body
    assert "Клиент уже есть в CRM: Клиентова Мария" in body or \
        "Клиент уже есть в CRM: Мария Клиентова" in body
    assert "disabled" in page.text


def test_lead_tab_before_the_app_saw_the_lead(client, app, portal) -> None:
    body = text(client.get(f"/app/lead/77?s={token(app, portal)}").text)
    assert "Лид ещё не попал в приложение" in body


def test_lead_tab_in_english(client, app, portal) -> None:
    body = text(client.get(f"/app/lead/1?s={token(app, portal, lang='en')}").text)
    assert "overdue by" in body and "Full name (surname, name, patronymic)" in body


def test_conversion_claim_lets_one_click_run(sessions, portal) -> None:
    with sessions() as s:
        first, mine = store.claim_conversion(s, portal.id, 1, user_id=ANNA, now=NOW,
                                             stale_after=timedelta(minutes=2))
        s.commit()
        again, second = store.claim_conversion(s, portal.id, 1, user_id=OWNER, now=NOW,
                                               stale_after=timedelta(minutes=2))
        later, third = store.claim_conversion(s, portal.id, 1, user_id=OWNER,
                                              now=NOW + timedelta(minutes=5),
                                              stale_after=timedelta(minutes=2))
        s.commit()
    assert mine and not second and third  # a run left behind is taken over
    assert first.id == again.id == later.id and later.user_id == OWNER


def test_leads_page_draws_new_leads_per_day(client, app, portal) -> None:
    page = client.get(f"/app/leads?s={token(app, portal)}&days=7").text
    chart = re.search(r"<section class=\"card\" data-leads-chart>(.*?)</section>", page,
                      re.S).group(1)
    assert "Новые лиды по дням" in chart and "<svg viewBox" in chart
    day = (NOW - timedelta(days=1)).astimezone(config.LeadRulesConfig().zone()).strftime("%d.%m")
    titles = re.findall(r"<title>([^<]+)</title>", chart)
    assert sorted(titles) == sorted(f"{day} · {what}: 1" for what in
                                    ("В сделку", "В работе", "Некачественные"))
    assert chart.count("<text x=") >= 8  # eight days on the axis, zeros included
    english = client.get(f"/app/leads?s={token(app, portal, lang='en')}").text
    assert "New leads per day" in english


@pytest.mark.parametrize("zone", ["Europe/Moscow", "Asia/Yekaterinburg"])
def test_times_on_the_page_are_in_the_portals_zone_not_utc(client, app, portal, sessions,
                                                           zone) -> None:
    from dataclasses import replace
    from zoneinfo import ZoneInfo

    from handlers.telephony import config as telephony_config
    with sessions() as s:
        cfg = replace(telephony_config.load(s, portal.id), timezone=zone)
        telephony_config.save(s, portal.id, cfg, user_id=OWNER, now=NOW)
        s.commit()
    page = client.get(f"/app/leads?s={token(app, portal, OWNER, admin=True)}").text
    due = (NOW - timedelta(hours=3)).astimezone(ZoneInfo(zone))  # lead 1's deadline
    row = re.search(r'data-lead="1">(.*?)</tr>', page, re.S).group(1)
    assert f"{due:%d.%m.%Y, %H:%M}" in text(row)  # Babel (CLDR ru): «24.11.2026, 08:00»
    assert "UTC" not in re.sub(r"UTC\+|<option[^>]*>UTC<", "", page)  # the zone list has one
