"""The calls page and the telephony settings over a seeded database (REST mocked for buttons)."""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from html import unescape

import pytest
import responses
from sqlalchemy import select

from handlers.phones import normalize
from handlers.telephony import config as telephony_config
from handlers.telephony.config import MOSCOW
from pages.auth import Viewer
from store import mirror, telephony
from store import routing as routing_store
from store.calls import upsert_call
from store.telephony_models import CallbackTodo
from tests.conftest import frozen_moment
from tests.factories import make_portal, page_session

DOMAIN = "test.bitrix24.ru"
REST = f"https://{DOMAIN}/rest/"
HEAD, ANNA, EXCHANGE = 10, 11, 50
NOW = frozen_moment().astimezone(UTC).replace(microsecond=0)  # the tests run at TEST_NOW


def add(s, pid: int, n: int, *, minutes_ago: int, phone: str, kind: int = 2,
        answered: bool = True, talk: int = 90, user: int = ANNA, record: bool = False) -> None:
    row, _ = upsert_call(s, pid, {
        "call_id": f"call-{n}", "source": "b24", "call_type": kind, "phone_raw": phone,
        "phone": normalize(phone), "line": "+74950000001", "user_id": user,
        "start_at": NOW - timedelta(minutes=minutes_ago), "duration": talk if answered else 0,
        "answer_seconds": 4 if answered and kind != 1 else None,
        "failed_code": "200" if answered else "304", "answered": answered,
        "record_url": f"https://pbx.example.com/rec/{n}.mp3" if record else None})
    telephony.note_call(s, row)


@pytest.fixture
def portal(sessions):
    with sessions() as s:
        row = make_portal(s)
        for uid, name in ((HEAD, "Ирина"), (ANNA, "Анна"), (EXCHANGE, "Биржа")):
            mirror.upsert_user(s, row.id, {"ID": str(uid), "NAME": name, "LAST_NAME": "Т",
                                           "ACTIVE": True})
        mirror.upsert_contact(s, row.id, {"ID": "3", "NAME": "Клиент",
                                          "PHONE": [{"VALUE": "+79161234567"}]},
                              normalize=normalize)
        mirror.upsert_deal(s, row.id, {"ID": "7", "TITLE": "Окна", "ASSIGNED_BY_ID": str(HEAD),
                                       "STAGE_ID": "NEW", "STAGE_SEMANTIC_ID": "P",
                                       "CONTACT_ID": "3", "CATEGORY_ID": "0",
                                       "DATE_CREATE": NOW.isoformat()})
        add(s, row.id, 1, minutes_ago=120, phone="8 (916) 123-45-67", answered=False)  # lost
        add(s, row.id, 2, minutes_ago=100, phone="+79160000002", record=True)
        add(s, row.id, 3, minutes_ago=90, phone="+79160000003", kind=1, talk=240)
        add(s, row.id, 4, minutes_ago=80, phone="+79160000004", answered=False)
        add(s, row.id, 5, minutes_ago=75, phone="+79160000004", kind=1, talk=30)  # in time
        s.commit()
        return row


def token(app, portal, user_id: int = ANNA, *, admin: bool = False, lang: str = "ru") -> str:
    return page_session(app, Viewer(portal_id=portal.id, member_id=portal.member_id,
                                    user_id=user_id, is_admin=admin, lang=lang,
                                    name="Анна Т", domain=DOMAIN))


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u00a0", " ")


def span() -> dict[str, str]:
    today = NOW.astimezone(MOSCOW).date()
    return {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()}


def test_calls_page_shows_kpis_charts_lost_calls_and_recordings(client, app, portal) -> None:
    answer = client.get("/app/calls", query_string={"s": token(app, portal), **span()})
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert re.search(r'data-kpi="incoming">\s*3<', html) and re.search(
        r'data-kpi="missed">\s*2<', html)
    assert re.search(r'data-kpi="lcr">\s*33,3\u00a0%<', html)  # 1 lost of 3 incoming
    assert html.count("<svg viewBox") >= 4 and "<rect x=" in html
    # the trend has calls on one day only: a dot, no line of false 0 % through the other days
    assert 'stroke="#eb5757"' not in html and html.count('r="3.5" fill="#eb5757"') == 1
    assert 'data-lost="call-1"' in html and 'data-lost="call-4"' not in html
    assert "Перезвонить" in html and "https://pbx.example.com/rec/2.mp3" in html
    assert "Звонки" in text(html) and 'style="' not in html  # the CSP allows no inline styles


def test_calls_page_in_english_and_with_bad_dates(client, app, portal) -> None:
    answer = client.get("/app/calls", query_string={"s": token(app, portal, lang="en"),
                                                    "from": "nonsense", "to": "2026-13-45"})
    assert answer.status_code == 200 and "Lost calls" in answer.get_data(as_text=True)


def test_call_back_button_sets_one_todo_for_the_deals_manager(client, app, portal,
                                                              sessions) -> None:
    with responses.RequestsMock() as rsps:
        # an earlier click's answer may have been lost after the add: looked up first
        rsps.post(f"{REST}crm.activity.list.json", json={"result": [], "total": 0})
        rsps.post(f"{REST}crm.activity.todo.add.json", json={"result": {"id": 901}})
        answer = client.post("/app/calls/callback", data={
            "s": token(app, portal), "call_id": "call-1", **span()})
        assert answer.status_code == 303 and "notice=callback_set" in answer.location
        sent = rsps.calls[1].request.body.decode()
        assert '"ownerTypeId": 2' in sent and '"ownerId": 7' in sent
        assert f'"responsibleId": {HEAD}' in sent
    with responses.RequestsMock() as rsps:  # ours is still open in the portal: no second one
        rsps.post(f"{REST}crm.activity.get.json", json={"result": {"ID": "901",
                                                                   "COMPLETED": "N"}})
        answer = client.post("/app/calls/callback", data={
            "s": token(app, portal), "call_id": "call-1", **span()})
        assert "notice=callback_exists" in answer.location
    with sessions() as s:
        assert [t.activity_id for t in s.scalars(select(CallbackTodo))] == [901]
    page = client.get(answer.location).get_data(as_text=True)
    assert "уже есть открытое дело" in page


def test_settings_are_for_admins_and_the_first_visit_issues_the_secret(client, app, portal,
                                                                       sessions) -> None:
    assert client.get("/app/calls/settings",
                      query_string={"s": token(app, portal)}).status_code == 403
    admin = token(app, portal, HEAD, admin=True)
    first = client.get("/app/calls/settings", query_string={"s": admin}).get_data(as_text=True)
    secret = re.search(r"data-new-secret>([^<]+)<", first).group(1)
    assert f"/pbx/{portal.member_id}/calls" in first
    with sessions() as s:
        assert routing_store.check_pbx_secret(s, portal.id, secret)
    again = client.get("/app/calls/settings", query_string={"s": admin}).get_data(as_text=True)
    assert "data-new-secret" not in again and secret[-4:] in again
    fresh = client.post("/app/calls/secret", data={"s": admin}).get_data(as_text=True)
    assert re.search(r"data-new-secret>([^<]+)<", fresh).group(1) != secret


def test_settings_save_and_refuse_bad_values(client, app, portal, sessions) -> None:
    admin = token(app, portal, HEAD, admin=True)
    good = {"s": admin, "region": "KZ", "timezone": "Asia/Almaty", "callback_minutes": "20",
            "ring_seconds": "8", "long_call_seconds": "120", "workday_hours": "7,5"}
    assert client.post("/app/calls/settings", data=good).status_code == 303
    with sessions() as s:
        cfg = telephony_config.load(s, portal.id)
    assert (cfg.region, cfg.callback_minutes, cfg.workday_hours) == ("KZ", 20, 7.5)
    bad = client.post("/app/calls/settings", data={**good, "callback_minutes": "0",
                                                   "region": "XX", "ring_seconds": "abc"})
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert "От 1 до 1440 минут." in body and "Выберите страну из списка." in body


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_settings_explain_the_pbx_request_in_the_page(client, app, portal, lang) -> None:
    admin = token(app, portal, HEAD, admin=True, lang=lang)
    page = client.get("/app/calls/settings", query_string={"s": admin}).get_data(as_text=True)
    assert "README" not in page
    fields = unescape(text(re.search(r"data-pbx-fields>(.*?)</p>", page, re.S).group(1)))
    for name in ("call_id", "direction", "answered_at", "extension", "record_url"):
        assert name in fields
    assert ("номер клиента" if lang == "ru" else "the client's number") in fields
    example = re.search(r"data-pbx-example>(.*?)</pre>", page, re.S).group(1)
    assert f"/pbx/{portal.member_id}/calls" in example and '"call_id": "pbx-1001"' in example
    assert ("401 — неверный секрет" if lang == "ru" else "401 — a wrong secret") in text(page)


def test_recordings_table_heads_the_call_duration_and_says_when_it_cuts(client, app, portal,
                                                                         sessions) -> None:
    def records(html: str) -> str:
        return re.search(r"<h2>Записи разговоров</h2>(.*?)</section>", html, re.S).group(1)

    query = {"s": token(app, portal, HEAD, admin=True), **span()}
    few = records(client.get("/app/calls", query_string=query).get_data(as_text=True))
    assert "Длительность" in few and "Средний разговор" not in few
    assert "data-records-cut" not in few  # one recording: nothing cut
    with sessions() as s:
        for n in range(10, 45):
            add(s, portal.id, n, minutes_ago=60 - n, phone=f"+791600000{n}", record=True)
        s.commit()
    many = records(client.get("/app/calls", query_string=query).get_data(as_text=True))
    assert many.count("data-record>") + many.count("data-record ") == 30
    assert "Показаны 1–30 из 36" in text(many) and "data-records-prev" not in many
    after = re.search(r'href="([^"]+)"[^>]*data-records-next', many).group(1)
    rest = records(client.get(unescape(after)).get_data(as_text=True))
    assert rest.count("data-record>") + rest.count("data-record ") == 6  # the oldest six
    assert "Показаны 31–36 из 36" in text(rest) and "data-records-next" not in rest
    assert "data-records-prev" in rest
    for wrong in ("0", "-3", "abc", "99999999999"):  # clamped to a real page, never a 500
        got = client.get("/app/calls", query_string={**query, "rec": wrong})
        assert got.status_code == 200


def test_talk_times_use_the_one_duration_format(client, app, portal) -> None:
    """Talk in total (90 + 240 + 30 s), the recorded call's length and the workday hours."""
    html = client.get("/app/calls", query_string={"s": token(app, portal, HEAD, admin=True),
                                                  **span()}).get_data(as_text=True)
    body = text(html)
    assert "всего 6 мин разговоров" in body and "6\u00a0мин" in html
    assert re.search(r'<td class="num">1\u00a0мин 30\u00a0с</td>', html)  # the recording
    assert "рабочего дня (8 ч)" in body and not re.search(r">\d:\d\d<", html)  # no m:ss
    english = text(client.get("/app/calls", query_string={
        "s": token(app, portal, HEAD, admin=True, lang="en"), **span()}).get_data(as_text=True))
    assert "6 min of talk in total" in english and "1 min 30 s" in english


@pytest.mark.parametrize(("value", "ru", "en"), [
    (0.0, "0", "0"), (8.0, "8", "8"), (1.5, "1,5", "1.5"), (0.14, "0,1", "0.1"),
    (12.25, "12,2", "12.2")])
def test_decimal_drops_zeros_and_uses_the_local_mark(value, ru, en) -> None:
    from handlers.formats import decimal
    assert (decimal(value, "ru"), decimal(value, "en")) == (ru, en)


def test_the_lcr_trend_has_no_days_still_to_come(client, app, portal) -> None:
    today = NOW.astimezone(MOSCOW).date()
    ahead = {"from": today.isoformat(), "to": (today + timedelta(days=3)).isoformat()}
    html = client.get("/app/calls", query_string={"s": token(app, portal, HEAD, admin=True),
                                                  **ahead}).get_data(as_text=True)
    chart = re.search(r"LCR за 14 дней.*?</svg>", html, re.S).group(0)
    assert f">{today:%d.%m}<" in chart
    assert f">{today + timedelta(days=1):%d.%m}<" not in chart
    assert f">{today - timedelta(days=13):%d.%m}<" in chart  # still two weeks


@pytest.mark.parametrize(("share", "places", "ru", "en"), [
    (1 / 3, 1, "33,3\u00a0%", "33.3%"), (0.0, 1, "0\u00a0%", "0%"), (1.0, 0, "100\u00a0%", "100%"),
    (0.255, 0, "26\u00a0%", "26%")])
def test_percent_has_the_local_mark_and_a_no_break_space_in_russian(share, places, ru,
                                                                     en) -> None:
    from handlers.formats import percent
    assert (percent(share, "ru", places), percent(share, "en", places)) == (ru, en)


def test_the_period_fields_show_and_read_days_the_local_way(client, app, portal) -> None:
    """Not a date input: an English Chromium shows those as 11/23/2026 on a Russian page."""
    today = NOW.astimezone(MOSCOW).date()
    typed = {"from": f"{today - timedelta(days=1):%d.%m.%Y}", "to": f"{today:%d.%m.%Y}"}
    html = client.get("/app/calls", query_string={"s": token(app, portal, HEAD, admin=True),
                                                  **typed}).get_data(as_text=True)
    assert f'name="from" value="{typed["from"]}"' in html and 'type="date"' not in html
    assert f'name="to" value="{typed["to"]}"' in html and 'placeholder="дд.мм.гггг"' in html
    assert f"Звонки · {typed['from']} – {typed['to']}" in text(html)
    english = client.get("/app/calls", query_string={
        "s": token(app, portal, HEAD, admin=True, lang="en"), **span()}).get_data(as_text=True)
    assert f'name="to" value="{today.isoformat()}"' in english
