"""The «Мой день» tab: a manager hands in his day, the head reads everyone's and comments;
a manager never reads another's (403); forged or malformed input is 400, never 500."""

from __future__ import annotations

import pytest

from store import myday
from store.models import Call
from tests.factories import make_portal
from tests.unit.myday.world import ANNA, HEAD, OLEG, build
from tests.unit.test_pages import OWNER, text, token


@pytest.fixture
def portal(sessions):
    with sessions() as s:
        row = make_portal(s)
        build(s, row.id)
        return row


@pytest.fixture
def day(portal):
    from tests.unit.myday.world import today
    return today()


def feedback_ids(sessions, portal) -> list[int]:
    with sessions() as s:
        return [s.query(Call.id).filter_by(portal_id=portal.id, call_id=c).scalar()
                for c in ("fb1", "fb2")]


def form(app, portal, today, extra=None, **fields) -> dict:
    data = {"s": token(app, portal, ANNA), "day": today.isoformat(), "new_calls": "2",
            "repeat_calls": "2", "feedback_calls": "2", "proposals": "1", "invoices": "1",
            "payments": "0", "text": "Договорился с «Альфой» о пилоте — счёт в январе."}
    data.update(extra or {}, **fields)
    return data


def test_the_form_is_prefilled_with_sources_and_the_client_vote(client, app, portal) -> None:
    page = client.get(f"/app/myday?s={token(app, portal, ANNA)}")
    assert page.status_code == 200
    body = text(page.text)
    assert "Мой день" in body and "Что решил сегодня и что это даст" in body
    assert 'name="new_calls" value="2"' in page.text and 'name="proposals" value="1"' in page.text
    assert "из телефонии" in body and "из CRM: стадии сделок" in body
    assert "оценка из телефонии: 4" in body
    assert page.text.count("<select name=\"rating_") == 2


def test_hand_in_then_the_head_reads_and_comments(client, app, portal, sessions, day) -> None:
    fb1, fb2 = feedback_ids(sessions, portal)
    sent = client.post("/app/myday", data=form(app, portal, day, {
        f"rating_{fb1}": "4", f"rating_{fb2}": "5"}))
    assert sent.status_code == 303
    with sessions() as s:
        row = myday.find(s, portal.id, ANNA, day)
        assert row.counters["invoices"] == 1 and row.prefill["counters"]["invoices"] == 0
        assert row.ratings == {str(fb1): 4, str(fb2): 5} and row.status == "scheduled"
    head = token(app, portal, HEAD)
    team = text(client.get(f"/app/myday?s={head}").text)
    assert "Анна Смирнова сдан" in team and "Олег Иванов" in team
    assert "Сдали 1 из 2" in team
    read = client.get(f"/app/myday?s={head}&user={ANNA}&date={day.isoformat()}")
    assert read.status_code == 200
    body = text(read.text)
    assert "Договорился с «Альфой» о пилоте — счёт в январе." in body
    assert "Счета и договоры 1 из CRM: стадии сделок · посчитано: 0" in body
    done = client.post("/app/myday/comment", data={"s": head, "report": str(row.id),
                                                   "comment": "Хорошо, дожимай до счёта."})
    assert done.status_code == 303
    mine = text(client.get(f"/app/myday?s={token(app, portal, ANNA)}").text)
    assert "Хорошо, дожимай до счёта." in mine and "Ирина Руководова" in mine


def test_a_manager_cannot_read_anothers_report(client, app, portal, sessions, day) -> None:
    assert client.post("/app/myday", data=form(app, portal, day)).status_code == 303
    oleg = token(app, portal, OLEG)
    assert client.get(f"/app/myday?s={oleg}&user={ANNA}").status_code == 403
    with sessions() as s:
        report_id = myday.find(s, portal.id, ANNA, day).id
    assert client.post("/app/myday/comment", data={"s": oleg, "report": str(report_id),
                                                   "comment": "ха"}).status_code == 403
    assert client.get(f"/app/myday?s={token(app, portal, OWNER, admin=True)}&user={ANNA}"
                      ).status_code == 200


@pytest.mark.parametrize("query", ["date=2026-13-45", "date=вчера", "date=9999-12-31",
                                   "date=0001-01-01", "user=abc", "user=-1",
                                   "user=99999999999", "user=²"])
def test_malformed_queries_are_400(client, app, portal, query) -> None:
    assert client.get(f"/app/myday?s={token(app, portal, HEAD)}&{query}").status_code == 400


def test_forged_and_malformed_forms_are_400(client, app, portal, sessions, day) -> None:
    fb1, _ = feedback_ids(sessions, portal)
    cases = [{"rating_123456": "5"}, {"rating_abc": "1"}, {f"rating_{fb1}": "9"},
             {"new_calls": "-1"}, {"new_calls": "1e3"}, {"new_calls": "100000"},
             {"text": ""}, {"text": "я" * 4001}, {"day": "2000-01-01"}, {"day": "x"}]
    for extra in cases:
        answer = client.post("/app/myday", data=form(app, portal, day, extra))
        assert answer.status_code == 400, extra
    with sessions() as s:
        assert myday.find(s, portal.id, ANNA, day) is None
    head = token(app, portal, HEAD)
    for data in ({"report": "x"}, {"report": "424242"}, {"report": ""}):
        assert client.post("/app/myday/comment", data={"s": head, "comment": "ок", **data}
                           ).status_code == 400


def test_a_second_hand_in_corrects_the_same_report(client, app, portal, sessions, day) -> None:
    client.post("/app/myday", data=form(app, portal, day))
    client.post("/app/myday", data=form(app, portal, day, proposals="3"))
    with sessions() as s:
        reports = myday.for_days(s, portal.id, day, day)
    assert [(r.user_id, r.counters["proposals"]) for r in reports] == [(ANNA, 3)]


def test_english(client, app, portal) -> None:
    body = text(client.get(f"/app/myday?s={token(app, portal, ANNA, lang='en')}").text)
    assert "My day" in body and "What I settled today and what it will bring" in body


def test_admins_set_the_reminder_time(client, app, portal, sessions) -> None:
    from handlers.myday import config

    admin = token(app, portal, OWNER, admin=True)
    assert 'name="remind_at" value="18:00"' in client.get(f"/app/myday?s={admin}").text
    bad = client.post("/app/myday/settings", data={"s": admin, "remind_at": "25:00",
                                                   "reminders": "on"})
    assert bad.status_code == 422 and "Время в виде ЧЧ:ММ" in bad.text
    ok = client.post("/app/myday/settings", data={"s": admin, "remind_at": "17:30"})
    assert ok.status_code == 303
    with sessions() as s:
        cfg = config.load(s, portal.id)
    assert (cfg.remind_at, cfg.reminders) == ("17:30", False)
    assert client.post("/app/myday/settings", data={"s": token(app, portal, HEAD),
                                                    "remind_at": "10:00"}).status_code == 403
