"""The morning notice: sent after the set time, once per day, to the owner and the head."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from b24.batching import BatchResult
from handlers.exchange.actions import ActionContext
from handlers.exchange.config import ExchangeConfig
from handlers.lead_rules import config as lead_config
from handlers.lead_rules.workclock import WorkClock
from jobs.report import reported_day, send_daily_report, text
from store import mirror
from store.calls import upsert_call
from tests.factories import make_portal


class Portal24:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    def batch(self, cmds: dict, *, halt: bool = False) -> BatchResult:
        self.sent.append(cmds)
        return BatchResult(results=dict.fromkeys(cmds, 1))


def ctx_at(session, portal, now: datetime, b24: Portal24) -> ActionContext:
    return ActionContext(portal, session, b24, now, ExchangeConfig())


def test_sent_once_after_the_set_time(session) -> None:
    portal = make_portal(session)
    mirror.upsert_department(session, portal.id, {"ID": "1", "NAME": "Компания", "UF_HEAD": "1"})
    mirror.upsert_department(session, portal.id, {"ID": "2", "NAME": "Отдел продаж",
                                                  "PARENT": "1", "UF_HEAD": "2"})
    for n, seconds in enumerate((9, 15)):  # answered incoming calls of the reported day
        upsert_call(session, portal.id, {
            "call_id": f"in{n}", "call_type": 2, "user_id": 2, "answered": True,
            "answer_seconds": seconds, "duration": 60,
            "start_at": datetime(2026, 11, 23, 10, n, tzinfo=UTC)})
    session.commit()
    b24 = Portal24()
    early = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)  # 08:00 in Moscow: before 08:30
    assert send_daily_report(ctx_at(session, portal, early, b24)) is False
    due = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # 09:00 in Moscow
    assert send_daily_report(ctx_at(session, portal, due, b24)) is True
    assert send_daily_report(ctx_at(session, portal, due, b24)) is False  # once a day
    (cmds,) = b24.sent
    assert sorted(p["USER_ID"] for _, p in cmds.values()) == [1, 2]
    assert all("23.11.2026" in p["MESSAGE"] for _, p in cmds.values())
    assert all("ответ в среднем за 12\u00a0с" in p["MESSAGE"] for _, p in cmds.values())


def test_notice_links_to_the_report_page_of_the_app_not_the_app_list(session) -> None:
    portal = make_portal(session)
    mirror.upsert_department(session, portal.id, {"ID": "1", "NAME": "Компания", "UF_HEAD": "1"})
    session.commit()
    b24 = Portal24()
    ctx = ActionContext(portal, session, b24, datetime(2026, 11, 24, 6, 0, tzinfo=UTC),
                        ExchangeConfig(), app_code="local.abc.123")
    assert send_daily_report(ctx) is True
    ((_, params),) = b24.sent[0].values()
    assert "/marketplace/local/list/" not in params["MESSAGE"]
    assert params["MESSAGE"].endswith(
        f"«Отчёт»: [URL=https://{portal.domain}/marketplace/view/local.abc.123/"
        "?params%5Bpage%5D=report&params%5Bdate%5D=2026-11-23]открыть[/URL]")


NB = "\u00a0"
HEAD = {"bottleneck": ("Переговоры", 0.4), "won": 3, "won_amount": 2409000, "lost": 1,
        "never_moved": 2, "lcr": 0.133, "lcr_prev": None, "escalations": 5, "avg_answer": 505,
        "no_next_step": 4, "shared_clients": 0, "myday": None}


def test_the_notice_text_in_russian_and_english() -> None:
    ru = text(HEAD, lang="ru", day=date(2026, 11, 27), link="")
    assert ru.startswith(f"[B]Отчёт за 27.11.2026[/B]: выиграно 3{NB}сделки на "
                         f"2{NB}409{NB}000{NB}₽, проиграна 1. Потерянные звонки: 13{NB}% "
                         f"(было —), ответ в среднем за 8{NB}мин 25{NB}с, до руководителя "
                         f"дошло 5{NB}звонков. Узкое место воронки: «Переговоры» 40{NB}%.")
    en = text(HEAD, lang="en", day=date(2026, 11, 27), link="")
    assert en.startswith(f"[B]Report for Nov 27, 2026[/B]: 3{NB}deals won for "
                         f"2,409,000{NB}₽, 1{NB}lost. Lost Call Rate 13% (was —), answered in "
                         f"8{NB}min 25{NB}s on average, 5{NB}calls reached a head.")


@pytest.mark.parametrize(("won", "phrase"), [(1, f"выиграна 1{NB}сделка"),
                                             (2, f"выиграно 2{NB}сделки"),
                                             (5, f"выиграно 5{NB}сделок"),
                                             (21, f"выиграна 21{NB}сделка")])
def test_won_deals_carry_the_noun_in_the_right_form(won: int, phrase: str) -> None:
    assert f"{phrase} на " in text({**HEAD, "won": won}, lang="ru", day=date(2026, 11, 27),
                                   link="")


WEEK = WorkClock(ZoneInfo("Europe/Moscow"), frozenset(range(5)), time(9), time(18),
                 frozenset({date(2026, 11, 4)}))


@pytest.mark.parametrize(("today", "day"), [
    (date(2026, 11, 30), date(2026, 11, 27)),  # Monday: Friday's figures, not Sunday's
    (date(2026, 11, 24), date(2026, 11, 23)),  # Tuesday: Monday
    (date(2026, 11, 5), date(2026, 11, 3)),  # after the holiday of 4 November: Tuesday
    (date(2026, 11, 28), None), (date(2026, 11, 29), None),  # the weekend: no report
    (date(2026, 11, 4), None)])  # the holiday itself
def test_the_reported_day_is_the_last_working_day(today: date, day: date | None) -> None:
    assert reported_day(WEEK, today) == day


def test_monday_morning_reports_friday_from_the_portal_calendar(session) -> None:
    portal = make_portal(session)
    mirror.upsert_department(session, portal.id, {"ID": "1", "NAME": "Компания", "UF_HEAD": "1"})
    upsert_call(session, portal.id, {  # Friday 27.11, 13:00 Moscow
        "call_id": "fri", "call_type": 2, "user_id": 1, "answered": True,
        "answer_seconds": 7, "duration": 60, "start_at": datetime(2026, 11, 27, 10, tzinfo=UTC)})
    session.commit()
    b24 = Portal24()
    saturday = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)  # 09:00 in Moscow
    assert send_daily_report(ctx_at(session, portal, saturday, b24)) is False
    monday = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    assert send_daily_report(ctx_at(session, portal, monday, b24)) is True
    ((_, params),) = b24.sent[0].values()
    assert "Отчёт за 27.11.2026" in params["MESSAGE"]
    assert f"ответ в среднем за 7{NB}с" in params["MESSAGE"]


def test_a_portal_that_works_on_saturday_gets_its_saturday_report(session) -> None:
    portal = make_portal(session)
    mirror.upsert_department(session, portal.id, {"ID": "1", "NAME": "Компания", "UF_HEAD": "1"})
    six_days = replace(lead_config.load(session, portal.id), work_days=[0, 1, 2, 3, 4, 5])
    lead_config.save(session, portal.id, six_days, user_id=None,
                     now=datetime(2026, 11, 1, tzinfo=UTC))
    session.commit()
    b24 = Portal24()
    assert send_daily_report(ctx_at(session, portal, datetime(2026, 11, 30, 6, tzinfo=UTC), b24))
    ((_, params),) = b24.sent[0].values()
    assert "Отчёт за 28.11.2026" in params["MESSAGE"]
