"""Issue 14 #10/#11: "Взять" and "Вернуть" whose answer was lost after the portal moved the deal
keep our side equal to the portal's (it is re-read), instead of rolling the mirror back."""

from __future__ import annotations

from sqlalchemy import select

from handlers.exchange.actions import action_context, claim, give_back
from sandbox import people
from store import portals
from store.models import Deal
from tests.e2e.test_exchange import deal, exchange, journal_kinds, new_web_deal, open_deals  # noqa: F401


def mirror_holder(live_app, portal, deal_id: int) -> int:
    with live_app.sessions() as s:
        pid = portals.find(s, portal.member_id).id
        return s.scalar(select(Deal.assigned_by_id).where(Deal.portal_id == pid,
                                                          Deal.b24_deal_id == deal_id))


def press(live_app, portal, action, *args):
    with live_app.sessions() as s:
        row = portals.find(s, portal.member_id)
    with action_context(row, live_app.sessions, live_app.settings) as ctx:
        return action(ctx, *args)


def free_manager(portal, live_app, index: int) -> int:
    manager = portal.meta["managers"][index]
    for extra in open_deals(portal, manager):
        people.win_deal(portal, manager, extra)
    live_app.drain(portal)
    return manager


def test_claim_with_a_lost_answer_keeps_the_deal_with_the_manager(exchange,  # noqa: F811
                                                                  live_app) -> None:
    deal_id = new_web_deal(exchange, "+7 912 333-44-55")
    manager, other = free_manager(exchange, live_app, 0), free_manager(exchange, live_app, 1)
    exchange.lose_answer_next("batch")  # the portal moves the deal; the app gets a 504 page
    result = press(live_app, exchange, claim, manager, deal_id)
    assert int(deal(exchange, deal_id)["ASSIGNED_BY_ID"]) == manager
    assert result.ok and result.message_key == "claimed", result
    assert mirror_holder(live_app, exchange, deal_id) == manager
    live_app.drain(exchange)
    again = press(live_app, exchange, claim, other, deal_id)
    assert not again.ok and again.message_key == "already_taken"
    assert int(deal(exchange, deal_id)["ASSIGNED_BY_ID"]) == manager
    assert journal_kinds(live_app, exchange).get("claimed") == 1


def test_give_back_with_a_lost_answer_leaves_the_deal_on_the_exchange(exchange,  # noqa: F811
                                                                      live_app) -> None:
    deal_id = new_web_deal(exchange, "+7 912 333-66-77")
    manager = free_manager(exchange, live_app, 2)
    assert press(live_app, exchange, claim, manager, deal_id).ok
    live_app.drain(exchange)
    exchange.lose_answer_next("batch")
    result = press(live_app, exchange, give_back, manager, deal_id, "not_my_profile")
    ex = exchange.meta["exchange"]
    assert int(deal(exchange, deal_id)["ASSIGNED_BY_ID"]) == ex
    assert result.ok and result.message_key == "returned", result
    assert mirror_holder(live_app, exchange, deal_id) == ex
    live_app.drain(exchange)
    assert mirror_holder(live_app, exchange, deal_id) == ex
    assert journal_kinds(live_app, exchange).get("returned") == 1


def test_claim_the_portal_refused_is_rolled_back(exchange, live_app) -> None:  # noqa: F811
    deal_id = new_web_deal(exchange, "+7 912 333-88-99")
    manager = free_manager(exchange, live_app, 3)
    exchange.fail_next("batch", "INTERNAL_SERVER_ERROR", 500)  # refused: nothing was done
    result = press(live_app, exchange, claim, manager, deal_id)
    assert not result.ok and result.message_key == "portal_error"
    assert int(deal(exchange, deal_id)["ASSIGNED_BY_ID"]) == exchange.meta["exchange"]
    assert mirror_holder(live_app, exchange, deal_id) == exchange.meta["exchange"]
    assert not journal_kinds(live_app, exchange).get("claimed")
