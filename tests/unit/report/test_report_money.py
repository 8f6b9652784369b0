"""The owner's report shows the money at risk (headline card and section) and the targets."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

from handlers.report.build import build
from handlers.report.period import Period
from handlers.telephony import money
from pages.i18n_money import lost_money
from store import telephony
from store.calls import upsert_call
from tests.unit.report.test_report_page import portal as portal
from tests.unit.report.test_report_page import token
from tests.unit.report.world import PERIOD


def test_report_headline_says_what_the_lost_calls_cost(client, app, portal, sessions) -> None:
    week = Period.of("week", PERIOD.end)
    with sessions() as s:  # one missed call nobody called back, in the middle of the week
        row, _ = upsert_call(s, portal.id, {
            "call_id": "money-lost", "source": "b24", "call_type": 2, "phone": "+79990001122",
            "phone_raw": "", "user_id": None, "line": "reg-money", "answered": False,
            "duration": 0, "start_at": week.since + timedelta(days=2, hours=8)})
        telephony.note_call(s, row)
        s.commit()
    query = f"period=week&date={PERIOD.end.isoformat()}"
    page = client.get(f"/app/report?s={token(app, portal)}&{query}")
    assert page.status_code == 200
    with sessions() as s:
        report = build(s, portal.id, week, datetime.now(UTC))
        risk = report.sections["money"]["risk"]
        direct = money.report_section(s, portal.id, week.since, week.until, datetime.now(UTC))
    assert risk.total.lost > 0 and risk.total.lost == report.sections["calls"].lost  # LCR rule
    assert direct["risk"].total == risk.total
    head = report.headline()
    assert (head["money_lost_calls"], head["money_at_risk"]) == (risk.total.lost,
                                                                 risk.total.amount)
    phrase = lost_money("ru", risk.total.lost, risk.total.amount)
    cards = re.findall(r"data-money-headline>(.*?)<", page.text)
    assert len(cards) == 2 and all(unescape(c) == phrase for c in cards)
    assert 'data-section="money"' in page.text and "Дневные цели" in page.text
    assert page.text.count("data-revenue") == len(report.sections["lines"])
