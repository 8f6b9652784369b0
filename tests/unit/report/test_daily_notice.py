"""The morning notice: sent after the set time, once per day, to the owner and the head."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from b24.batching import BatchResult
from handlers.exchange.actions import ActionContext
from handlers.exchange.config import ExchangeConfig
from handlers.lead_rules import config as lead_config
from handlers.report.period import Period
from jobs.report import compose, send_daily_report
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
    assert all(p["MESSAGE"].startswith("[B]Отчёт за 23 ноября[/B]:") for _, p in cmds.values())
    assert all("Ответ на звонок в среднем через 12\u00a0с." in p["MESSAGE"]
               for _, p in cmds.values())


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


def test_monday_covers_friday_to_sunday_and_the_weekend_gets_none(session) -> None:
    """Tuesday 24.11.2026 above reports Monday; here Saturday and Sunday send nothing, and
    Monday 30.11 reports 27–29 November, the weekend's calls included (not Sunday alone)."""
    portal = make_portal(session)
    mirror.upsert_department(session, portal.id, {"ID": "1", "NAME": "Компания", "UF_HEAD": "1"})
    for n, day in enumerate((27, 28, 29)):  # one missed call on Friday, Saturday and Sunday
        upsert_call(session, portal.id, {
            "call_id": f"m{n}", "call_type": 2, "user_id": 1, "answered": False,
            "duration": 0, "start_at": datetime(2026, 11, day, 10, tzinfo=UTC)})
    session.commit()
    b24 = Portal24()
    for saturday_or_sunday in (28, 29):
        moment = datetime(2026, 11, saturday_or_sunday, 7, 0, tzinfo=UTC)
        assert send_daily_report(ctx_at(session, portal, moment, b24)) is False
    monday = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # 10:00 in Moscow
    assert send_daily_report(ctx_at(session, portal, monday, b24)) is True
    ((_, params),) = b24.sent[0].values()
    assert params["MESSAGE"].startswith("[B]Отчёт за 27\u201329 ноября[/B]:")
    assert "звонков из 3 (" in params["MESSAGE"]  # Friday's, Saturday's and Sunday's calls


def test_a_holiday_is_skipped_like_a_weekend(session) -> None:
    portal = make_portal(session)
    mirror.upsert_department(session, portal.id, {"ID": "1", "NAME": "Компания", "UF_HEAD": "1"})
    cfg = lead_config.load(session, portal.id)
    cfg.holidays = ["2026-12-01"]  # a Tuesday off
    lead_config.save(session, portal.id, cfg, user_id=None, now=datetime(2026, 11, 1, tzinfo=UTC))
    session.commit()
    b24 = Portal24()
    assert send_daily_report(ctx_at(session, portal,
                                    datetime(2026, 12, 1, 7, 0, tzinfo=UTC), b24)) is False
    assert send_daily_report(ctx_at(session, portal,
                                    datetime(2026, 12, 2, 7, 0, tzinfo=UTC), b24)) is True
    ((_, params),) = b24.sent[0].values()
    assert params["MESSAGE"].startswith("[B]Отчёт за 30 ноября \u2013 1 декабря[/B]:")


@pytest.mark.parametrize(("won", "lost", "ru"), [
    (1, 1, "Выиграна 1\u00a0сделка на 120\u00a0000\u00a0₽, проиграна 1."),
    (3, 2, "Выиграны 3\u00a0сделки на 120\u00a0000\u00a0₽, проиграны 2."),
    (5, 11, "Выиграно 5\u00a0сделок на 120\u00a0000\u00a0₽, проиграно 11."),
    (21, 0, "Выиграна 21\u00a0сделка на 120\u00a0000\u00a0₽, проиграно 0."),
])
def test_the_deals_sentence_agrees_with_its_numbers(won: int, lost: int, ru: str) -> None:
    head = {"won": won, "won_amount": 120000, "lost": lost, "never_moved": 0,
            "no_next_step": 0, "shared_clients": 0, "incoming": 40, "lost_calls": 6,
            "lcr": 0.15, "lcr_prev": 0.18, "money_at_risk": 540000, "escalations": 2,
            "bottleneck": ("Счёт", 0.4), "avg_answer": 12.4}
    text = compose(head, "ru", Period(date(2026, 11, 23), date(2026, 11, 23)))
    assert ru in text
    assert ("Потеряно 6\u00a0звонков из 40 (15\u00a0%, было 18\u00a0%) ≈ 540\u00a0000\u00a0₽ "
            "под угрозой.") in text
    assert "До руководителя дошли 2\u00a0звонка." in text
    assert "Узкое место воронки — «Счёт»: 40\u00a0% доходят дальше." in text
    english = compose(head, "en", Period(date(2026, 11, 27), date(2026, 11, 29)))
    assert english.startswith("[B]Report for November 27\u201329[/B]:")
    assert "6 of 40 calls lost (15%, was 18%) ≈ 540,000\u00a0₽ at risk." in english
