"""The «Общение» tab over stored messages: figures per manager, worst examples, settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.comm import config as comm_config
from store.comm_models import CommMessage
from tests.unit.test_pages import ANNA, OLEG, OWNER, portal, text, token  # noqa: F401


def workday() -> datetime:
    """08:00 UTC (11:00 in Moscow) of the last working day before today (TEST_NOW varies)."""
    day = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0) - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def add(s, pid: int, key: str, *, manager: int, incoming: bool, minutes: int, text_: str = "",
        named: bool | None = None, misspelled=(), forbidden=(), thread: str = "email:1") -> None:
    at = workday() + timedelta(minutes=minutes)
    s.add(CommMessage(portal_id=pid, source_key=key, b24_activity_id=1, channel="email",
                      thread=thread, incoming=incoming, manager_id=manager, contact_id=1, at=at,
                      subject="", text=text_, named=named, misspelled=list(misspelled),
                      forbidden=list(forbidden), rejection=[]))


@pytest.fixture
def talked(sessions, portal):  # noqa: F811
    with sessions() as s:
        add(s, portal.id, "a1", manager=ANNA, incoming=True, minutes=0)
        add(s, portal.id, "a2", manager=ANNA, incoming=False, minutes=20, named=True,
            text_="Иван, извените, счёт сдесь.", misspelled=["извените", "сдесь"])
        add(s, portal.id, "o1", manager=OLEG, incoming=False, minutes=5, named=False,
            text_="У нас бардак, ждите.", forbidden=["у нас бардак"], thread="email:2")
        s.commit()
    return portal


def test_figures_and_worst_examples_in_russian(client, app, talked) -> None:
    page = client.get(f"/app/comm?s={token(app, talked, OWNER, admin=True)}")
    assert page.status_code == 200
    body = text(page.text)
    assert "Как менеджеры общаются с клиентами" in body and "Общение" in body
    assert "Худшие сообщения — Анна Смирнова" in body and "извените, сдесь" in body
    assert "«у нас бардак»" in body and "Клиент не назван по имени" in body
    assert "Почта: медиана 20 мин, в срок 100 %" in body


def test_english(client, app, talked) -> None:
    body = text(client.get(f"/app/comm?s={token(app, talked, OWNER, admin=True, lang='en')}")
                .text)
    assert "How managers talk to clients" in body and "Worst messages — Олег Иванов" in body


def test_a_manager_may_not_see_the_tab(client, app, talked) -> None:
    assert client.get(f"/app/comm?s={token(app, talked, ANNA)}").status_code == 403


def test_settings_saved_and_bad_numbers_rejected(client, app, sessions, talked) -> None:
    s_token = token(app, talked, OWNER, admin=True)
    bad = client.post("/app/comm/settings", data={"s": s_token, "reply_target_minutes": "0",
                                                  "talk_turns": "4"})
    assert bad.status_code == 422 and "От 1 до 1440 минут." in bad.text
    ok = client.post("/app/comm/settings", data={
        "s": s_token, "reply_target_minutes": "15", "talk_turns": "3",
        "allowed_words": "Сейлзгард\n Сейлзгард \nКонтролПро", "forbidden": "у нас бардак",
        "rejection": "не берёт трубку"})
    assert ok.status_code == 303
    with sessions() as s:
        cfg = comm_config.load(s, talked.id)
    assert (cfg.reply_target_minutes, cfg.allowed_words) == (15, ["Сейлзгард", "КонтролПро"])
    body = text(client.get(f"/app/comm?s={s_token}").text)
    assert "в срок 0 %" in body  # 20 minutes is late for a 15-minute target


def test_owners_report_shows_the_comm_section_with_the_previous_period(client, app, sessions,
                                                                        talked) -> None:
    with sessions() as s:
        add(s, talked.id, "old", manager=ANNA, incoming=False, minutes=-24 * 60,
            named=False, text_="Добрый день.")
        s.commit()
    day = workday().date().isoformat()
    s_token = token(app, talked, OWNER, admin=True)
    page = client.get(f"/app/report?period=day&date={day}&s={s_token}")
    assert page.status_code == 200
    body = text(page.text)
    assert "Общение с клиентами" in body
    row = text(page.text.split(f'data-comm-manager="{ANNA}"')[1].split("</tr>")[0])
    assert "100 % (было 0 %)" in row  # named that day, not the day before
