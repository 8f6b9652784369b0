"""«Приоритет лучшим» (issue 16 item 6): a fresh exchange deal is first for the best managers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import responses

from handlers.exchange import priority
from handlers.exchange.config import ExchangeConfig
from handlers.telephony.config import MOSCOW
from store import mirror
from store.models import Deal
from tests.factories import make_portal
from tests.unit.test_pages import (
    ANNA,
    EXCHANGE,
    OLEG,
    add_deal,
    batch_ok,
    configure,
    seed,
    text,
    token,
)


@pytest.fixture
def portal(sessions):
    """The pages' seeded portal: Anna and Oleg in sales, the exchange user."""
    with sessions() as s:
        row = make_portal(s)
        seed(s, row.id)
        s.commit()
        return row


def closed(s, pid: int, first_id: int, user: int, won: int, lost: int) -> None:
    """Deals this manager closed yesterday: `won` won, `lost` lost."""
    moved = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    for n, semantic in enumerate(["S"] * won + ["F"] * lost):
        mirror.upsert_deal(s, pid, {"ID": str(first_id + n), "ASSIGNED_BY_ID": user,
                                    "STAGE_ID": "WON" if semantic == "S" else "LOSE",
                                    "STAGE_SEMANTIC_ID": semantic, "MOVED_TIME": moved,
                                    "CATEGORY_ID": "0", "CREATED_BY_ID": str(user)})


def seeded(sessions, portal, *, age: timedelta) -> None:
    with sessions() as s:
        configure(s, portal.id, priority_minutes=15, priority_top=1)
        closed(s, portal.id, 900, OLEG, won=3, lost=1)   # 75 %
        closed(s, portal.id, 920, ANNA, won=1, lost=3)   # 25 %
        add_deal(s, portal.id, 101, age=age)
        s.commit()


def test_ranking_needs_enough_closed_deals(sessions, portal) -> None:
    with sessions() as s:
        closed(s, portal.id, 900, OLEG, won=3, lost=1)
        closed(s, portal.id, 920, ANNA, won=1, lost=0)  # a newcomer's lucky first sale
        s.commit()
        cfg = ExchangeConfig(exchange_user_id=EXCHANGE, priority_minutes=15, priority_top=2)
        top = priority.best(s, portal.id, cfg, datetime.now(UTC))
        assert [(r.user_id, r.won, r.closed) for r in top] == [(OLEG, 3, 4)]
        off = ExchangeConfig(exchange_user_id=EXCHANGE, priority_minutes=0)
        assert priority.best(s, portal.id, off, datetime.now(UTC)) == []


def test_a_fresh_deal_waits_for_the_best_and_the_board_says_until_when(
        client, app, portal, sessions) -> None:
    seeded(sessions, portal, age=timedelta(minutes=5))
    anna = token(app, portal, ANNA)
    refused = client.post("/app/api/claim", json={"deal_id": 101},
                          headers={"X-App-Session": anna})
    assert refused.json["ok"] is False and refused.json["code"] == "priority"
    until = (datetime.now(UTC) + timedelta(minutes=10)).astimezone(MOSCOW).strftime("%H:%M")
    assert refused.json["message"] == f"Сделка доступна лучшим менеджерам до {until}."
    board = text(client.get(f"/app/board?s={anna}").text)
    assert f"Сделка доступна лучшим менеджерам до {until}." in board
    assert "Олег Иванов (75 %, 3 из 4)" in board
    with responses.RequestsMock() as rsps:  # the best manager takes it at once
        batch_ok(rsps, {"assign": True, "comment": 77})
        taken = client.post("/app/api/claim", json={"deal_id": 101},
                            headers={"X-App-Session": token(app, portal, OLEG)})
    assert taken.json["ok"] is True
    with sessions() as s:
        assert s.query(Deal).filter_by(b24_deal_id=101).one().assigned_by_id == OLEG


def test_after_the_window_everyone_may_claim(client, app, portal, sessions) -> None:
    seeded(sessions, portal, age=timedelta(minutes=16))
    with responses.RequestsMock() as rsps:
        batch_ok(rsps, {"assign": True, "comment": 77})
        taken = client.post("/app/api/claim", json={"deal_id": 101},
                            headers={"X-App-Session": token(app, portal, ANNA)})
    assert taken.json["ok"] is True
