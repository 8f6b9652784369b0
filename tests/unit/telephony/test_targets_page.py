"""Daily call targets (handlers/telephony/targets.py), their settings page (400 on bad input),
the plurals of the money headline, and the calls page showing money, targets and charts."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from handlers.telephony import kpis, money, targets
from pages.i18n_money import form, lost_money
from store import mirror
from store.models import Deal
from store.telephony_models import CallDeal
from tests.factories import make_portal
from tests.unit.telephony.test_calls_page import (
    ANNA,
    HEAD,
    NOW,
    add,
    span,
    text,
    token,
)
from tests.unit.telephony.test_calls_page import portal as portal

NB = "\u00a0"
MSK = 3 * 3600


@pytest.mark.parametrize(("n", "word"), [
    (1, "звонок"), (2, "звонка"), (4, "звонка"), (5, "звонков"), (11, "звонков"),
    (12, "звонков"), (14, "звонков"), (21, "звонок"), (22, "звонка"), (25, "звонков"),
    (101, "звонок"), (111, "звонков"), (0, "звонков")])
def test_calls_plural_in_russian(n, word) -> None:
    assert form("ru", n, "calls") == word


def test_lost_money_headline_typography() -> None:
    assert lost_money("ru", 6, 540_000) == f"Потеряно 6{NB}звонков ≈{NB}540{NB}000{NB}₽"
    assert lost_money("ru", 1, 90_000.4) == f"Потерян 1{NB}звонок ≈{NB}90{NB}000{NB}₽"
    assert lost_money("ru", 3, 1_234_567) == f"Потеряно 3{NB}звонка ≈{NB}1{NB}234{NB}567{NB}₽"
    assert lost_money("ru", 0, 0) == "Потерянных звонков нет"
    assert lost_money("en", 1, 5000) == f"1{NB}call lost ≈{NB}5,000{NB}₽"
    assert form("en", 2, "calls") == "calls"


def test_the_most_specific_target_applies() -> None:
    cfg = targets.TargetsConfig(targets.Target(30, 180), {"head": targets.Target(10, 60)},
                                {7: targets.Target(50, 120)})
    assert cfg.for_user(7, "head") == targets.Target(50, 120)
    assert cfg.for_user(8, "head") == targets.Target(10, 60)
    assert cfg.for_user(8) == targets.Target(30, 180)
    assert targets.from_dict(cfg.to_dict()) == cfg
    assert targets.from_dict({"default": {"calls": "x"}}) == targets.TargetsConfig()


@pytest.mark.parametrize(("form_data", "error"), [
    ({"calls": "abc", "minutes": "3"}, "calls"),
    ({"calls": "-1", "minutes": "3"}, "calls"),
    ({"calls": "501", "minutes": "3"}, "calls"),
    ({"calls": "30", "minutes": "3.5"}, "minutes"),
    ({"calls": "30", "minutes": "181"}, "minutes"),
    ({"calls": "30", "minutes": "3", "role.boss.calls": "5", "role.boss.minutes": "1"},
     "role.boss.calls"),
    ({"calls": "30", "minutes": "3", "person.999.calls": "5", "person.999.minutes": "1"},
     "person.999.calls"),
    ({"calls": "30", "minutes": "3", "person.7.calls": "5", "person.7.minutes": ""},
     "person.7.minutes"),
])
def test_parse_form_names_the_bad_field(form_data, error) -> None:
    _, errors = targets.parse_form(form_data, {7})
    assert error in errors


def test_parse_form_reads_roles_and_people() -> None:
    cfg, errors = targets.parse_form({"calls": "30", "minutes": "3", "role.head.calls": "10",
                                      "role.head.minutes": "1", "role.manager.calls": "",
                                      "role.manager.minutes": "", "person.7.calls": "0",
                                      "person.7.minutes": "0"}, {7})
    assert errors == {}
    assert cfg.default == targets.Target(30, 180) and cfg.roles == {"head": targets.Target(10, 60)}
    assert cfg.people == {7: targets.Target(0, 0)} and not cfg.people[7].active


def test_progress_counts_answered_outgoing_calls_long_enough(session) -> None:
    """Against a plain count: per person and local day, answered outgoing calls ≥ the target's
    seconds; the average outgoing duration over the answered ones only."""
    from store import telephony
    from store.calls import upsert_call

    pid = make_portal(session).id
    first = datetime(2026, 11, 29, 21, tzinfo=UTC)  # 30 Nov 00:00 MSK (a Monday)
    period = kpis.Period(first, first + timedelta(days=2))
    rules = kpis.Rules(utc_offset=MSK)
    calls = []
    for n in range(80):
        at = first + timedelta(minutes=37 * n)
        c = {"call_id": f"t{n}", "source": "b24", "call_type": (1, 1, 2)[n % 3],
             "phone": f"+7916{n:07d}", "phone_raw": "", "user_id": (10, 11)[n % 2],
             "start_at": at, "answered": n % 5 != 0, "duration": (n * 29) % 400}
        c["duration"] = c["duration"] if c["answered"] else 0
        calls.append(c)
        row, _ = upsert_call(session, pid, c)
        telephony.note_call(session, row)
    who = {10: targets.Target(9, 180), 11: targets.Target(5, 60)}
    days = targets.period_days(period, MSK)
    assert days == [date(2026, 11, 30), date(2026, 12, 1)]
    got = {(p.user_id, p.day): p for p in targets.progress(session, pid, period, rules, who,
                                                          days)}
    for (uid, day), p in got.items():
        mine = [c for c in calls if c["user_id"] == uid and c["call_type"] == 1
                and (c["start_at"] + timedelta(seconds=MSK)).date() == day]
        answered = [c for c in mine if c["answered"]]
        assert p.done == sum(c["duration"] >= who[uid].min_seconds for c in answered)
        assert p.outgoing == len(mine)
        expected = sum(c["duration"] for c in answered) / len(answered) if answered else None
        assert p.avg_outgoing == (pytest.approx(expected) if expected is not None else None)
        assert p.met == (p.done >= who[uid].calls)
    assert len(got) == 4 and any(p.met for p in got.values())
    assert any(not p.met for p in got.values())


def seed_money(sessions, pid: int) -> None:
    """A won deal of 540 000 for the lost call's client, through the call's number."""
    with sessions() as s:
        mirror.upsert_user(s, pid, {"ID": str(ANNA), "NAME": "Анна", "LAST_NAME": "Т",
                                    "ACTIVE": True})
        s.add(Deal(portal_id=pid, b24_deal_id=70, title="Выигранная", category_id=0,
                   stage_semantic="S", stage_id="WON", contact_id=3,
                   opportunity=Decimal(540_000), moved_time=NOW - timedelta(days=10)))
        s.add(CallDeal(portal_id=pid, phone="+79160000002", line="+74950000001",
                       origin_call_id="call-2", b24_deal_id=70, status="open",
                       call_at=NOW - timedelta(minutes=100), created_at=NOW))
        s.commit()


def test_calls_page_shows_money_targets_and_charts(client, app, portal, sessions) -> None:
    seed_money(sessions, portal.id)
    with sessions() as s:
        targets.save(s, portal.id, targets.TargetsConfig(
            targets.Target(30, 180), {}, {ANNA: targets.Target(2, 180)}), user_id=1, now=NOW)
        s.commit()
    r = client.get("/app/calls", query_string={"s": token(app, portal, HEAD, admin=True),
                                               **span()})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    body = text(html)
    assert "Потерян 1 звонок ≈ 540 000 ₽" in body  # one lost call, one won client of 540 000
    assert f"540{NB}000{NB}₽" in html
    row = html[html.index('data-target-person="11"'):]
    row = row[:row.index("</tr>")]
    # Anna today: 240 s (counts, ≥ 3 min) and 30 s (does not) of a 2-call target
    assert "<span data-progress>1 / 2</span>" in row and f"2{NB}звонка от 3{NB}мин" in row
    for title in ("Время разговоров по номерам", "Звонки по операторам",
                  "Нагрузка по часам: минуты разговоров", "Средняя длительность исходящих"):
        assert title in body
    assert html.count("<svg viewBox") >= 6
    assert "data-revenue" in html


def test_targets_settings_bad_input_is_400_and_saves_nothing(client, app, portal, sessions,
                                                             caplog) -> None:
    s = token(app, portal, HEAD, admin=True)
    with caplog.at_level(logging.INFO):
        r = client.post("/app/calls/targets", data={"s": s, "months": "0", "calls": "лот",
                                                    "minutes": "3"})
    assert r.status_code == 400
    body = text(r.get_data(as_text=True))
    assert "Число звонков — целое число от 0 до 500." in body
    assert "Период — целое число месяцев от 1 до 36." in body
    assert any(rec.message == "web.targets.invalid" for rec in caplog.records)
    with sessions() as db:
        assert targets.load(db, portal.id) == targets.TargetsConfig()
        assert money.load(db, portal.id).months == 6
    r = client.post("/app/calls/targets", data={"s": s, "months": "12", "calls": "25",
                                                "minutes": "2", f"person.{ANNA}.calls": "40",
                                                f"person.{ANNA}.minutes": "1"})
    assert r.status_code == 303
    with sessions() as db:
        cfg = targets.load(db, portal.id)
        assert cfg.default == targets.Target(25, 120)
        assert cfg.people == {ANNA: targets.Target(40, 60)}
        assert money.load(db, portal.id).months == 12
    assert client.get("/app/calls/targets", query_string={"s": s}).status_code == 200


def test_targets_settings_are_for_admins(client, app, portal) -> None:
    r = client.post("/app/calls/targets", data={"s": token(app, portal, ANNA), "months": "6",
                                                "calls": "1", "minutes": "1"})
    assert r.status_code == 403
    assert add is not None


def test_calls_page_in_english(client, app, portal, sessions) -> None:
    seed_money(sessions, portal.id)
    with sessions() as s:
        targets.save(s, portal.id, targets.TargetsConfig(people={ANNA: targets.Target()}),
                     user_id=1, now=NOW)
        s.commit()
    r = client.get("/app/calls", query_string={"s": token(app, portal, HEAD, admin=True,
                                                          lang="en"), **span()})
    body = text(r.get_data(as_text=True))
    assert r.status_code == 200 and "1 call lost ≈ 540,000 ₽" in body
    assert "Daily targets" in body and "30 calls of 3+ min" in body
