"""The morning notice: sent after the set time, once per day, to the owner and the head."""

from __future__ import annotations

from datetime import UTC, datetime

from b24.batching import BatchResult
from handlers.exchange.actions import ActionContext
from handlers.exchange.config import ExchangeConfig
from jobs.report import send_daily_report
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
    assert all("ответ в среднем за 12 с" in p["MESSAGE"] for _, p in cmds.values())


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
