"""The calls page in a real browser: the head of sales sees the money at risk from lost calls,
each manager's daily target progress and the calls charts (inline SVG, nothing downloaded)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from handlers.telephony import targets
from handlers.telephony.config import MOSCOW
from jobs.runner import sync_all
from store import portals, telephony
from store.calls import upsert_call
from store.models import Deal
from tests.browser.test_pages_browser import open_as

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def day_of_calls(now: datetime) -> date:
    """The local day 12 hours ago: its 09:00-09:50 is in the past whatever the hour of TEST_NOW
    (at 00:30 it is yesterday, at 23:00 today), and never crosses midnight."""
    return (now - timedelta(hours=12)).astimezone(MOSCOW).date()


def calls_today(live_app, portal) -> tuple[int, int]:
    """Two managers' calls one morning: one lost call (nobody called back), two long outgoing
    calls and one short one for the first manager; a won deal of 120 000 ₽ sets the value."""
    first, second = portal.meta["managers"][:2]
    now = datetime.now(UTC).replace(microsecond=0)
    start = datetime.combine(day_of_calls(now), time(9), MOSCOW)  # always ≥ 2 h in the past
    plan = [  # (minutes after start, type, phone, user, answered, seconds)
        (0, 2, "+79991110001", first, False, 0),    # lost: never called back
        (5, 1, "+79991110002", first, True, 240),
        (20, 1, "+79991110003", first, True, 200),
        (30, 1, "+79991110004", first, True, 40),
        (40, 2, "+79991110005", second, True, 300),
        (50, 1, "+79991110006", second, True, 190),
    ]
    with live_app.sessions() as s:
        pid = portals.find(s, portal.member_id).id
        for n, (minute, kind, phone, user, answered, seconds) in enumerate(plan):
            row, _ = upsert_call(s, pid, {
                "call_id": f"money-{n}", "source": "b24", "call_type": kind, "phone": phone,
                "phone_raw": phone, "line": "+74950000777", "user_id": user,
                "start_at": start + timedelta(minutes=minute), "answered": answered,
                "duration": seconds, "failed_code": "200" if answered else "304"})
            telephony.note_call(s, row)
        s.add(Deal(portal_id=pid, b24_deal_id=990_001, title="Выигранная", category_id=0,
                   stage_semantic="S", stage_id="WON", contact_id=990_001,
                   opportunity=Decimal(120_000), moved_time=now - timedelta(days=5)))
        targets.save(s, pid, targets.TargetsConfig(targets.Target(3, 180)), user_id=None,
                     now=now)
        s.commit()
    return first, second


def test_head_of_sales_sees_money_targets_and_charts(page, installed, live_app, shots) -> None:
    sync_all(live_app.app)
    first, _ = calls_today(live_app, installed)
    open_as(page, installed, installed.meta["head"])
    page.click("text=Звонки")
    day = day_of_calls(datetime.now(UTC)).isoformat()
    page.fill("input[name=from]", day)
    page.fill("input[name=to]", day)
    page.click("form.inline-form button[type=submit]")
    page.wait_for_selector(f"[data-section=targets] th:has-text('{day[8:]}.{day[5:7]}')")
    headline = page.inner_text("[data-section=money] [data-money-headline]")
    assert headline.startswith("Потерян") and "₽" in headline and "\u00a0₽" in headline
    progress = page.locator(f'tr[data-target-person="{first}"] [data-progress]')
    assert progress.inner_text() == "2 / 3"  # 240 s and 200 s count, 40 s does not
    assert page.locator("[data-avg-outgoing] tr").count() >= 2
    for title in ("Время разговоров по номерам", "Звонки по операторам",
                  "Нагрузка по часам: минуты разговоров"):
        assert page.locator(f"svg[aria-label^='{title}'] rect").count() >= 1, title
    assert page.locator("td[data-revenue]").count() >= 1
    page.screenshot(path=str(shots / "calls_money.png"), full_page=True)
