"""Finding 11 of issue 14: the keep sweep claims nothing the portal has not confirmed.

Before the fix the sweep committed "on the exchange" and then sent: when the send failed, our
board showed the deals waiting on the exchange while the portal still had them with their
manager, and another manager's "Взять" took them. Now it is planned -> sending -> done, and the
exchange_sweep_retries job re-reads and finishes what was not confirmed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from handlers.exchange import config, sweep
from handlers.exchange.actions import action_context, claim
from jobs import exchange as exchange_jobs
from sandbox import people
from store import portals
from store.models import Deal, Sweep, SweepItem
from tests.e2e.test_exchange import exchange, new_web_deal, open_deals  # noqa: F401


def _two_deals_of_a_manager(portal, live_app) -> tuple[int, list[int]]:
    def mine(m: int) -> list[int]:
        return open_deals(portal, m, category="0")

    manager = max(portal.meta["managers"], key=lambda m: len(mine(m)))
    while len(mine(manager)) < 2:
        deal_id = new_web_deal(portal)
        live_app.drain(portal)
        people.claim_deal(portal, manager, deal_id)
        live_app.drain(portal)
    for deal_id in mine(manager):  # nothing marked keep: every one of them is swept
        portal.invoke("crm.deal.update", {"id": deal_id, "fields": {config.KEEP_FIELD: "N"}},
                      user_id=manager)
    live_app.drain(portal)
    return manager, mine(manager)


def _planned(live_app, portal, manager: int):
    with live_app.sessions() as s:
        row = portals.find(s, portal.member_id)
        planned = sweep.plan(s, row.id, manager_ids=[manager], run_at=datetime.now(UTC),
                             user_id=portal.meta["head"], now=datetime.now(UTC))
        s.commit()
        return row, planned.id


def _mirror_owner(live_app, portal_id: int, deal_id: int) -> int:
    with live_app.sessions() as s:
        return s.scalar(select(Deal.assigned_by_id).where(Deal.portal_id == portal_id,
                                                          Deal.b24_deal_id == deal_id))


def _swept_comments(portal, deal_id: int) -> int:
    return sum(1 for c in portal.table("crm.timeline.comment")
               if int(c["ENTITY_ID"]) == deal_id and "разборе" in c["COMMENT"])


def test_failed_send_claims_nothing_and_the_retry_finishes(exchange, live_app) -> None:  # noqa: F811
    manager, deals = _two_deals_of_a_manager(exchange, live_app)
    portal, sweep_id = _planned(live_app, exchange, manager)
    exchange.fail_next("batch", error="INTERNAL_SERVER_ERROR", status=500)
    with action_context(portal, live_app.sessions, live_app.settings) as ctx:
        assert sweep.run(ctx, sweep_id) == 0
    for deal_id in deals:  # the portal still has them with the manager, and so do we
        assert int(exchange.table("crm.deal").get(deal_id)["ASSIGNED_BY_ID"]) == manager
        assert _mirror_owner(live_app, portal.id, deal_id) == manager
    other = next(m for m in exchange.meta["managers"] if m != manager)
    with action_context(portal, live_app.sessions, live_app.settings) as ctx:
        assert not claim(ctx, other, deals[0]).ok  # "Взять" cannot take the manager's deal
    with action_context(portal, live_app.sessions, live_app.settings) as ctx:
        assert exchange_jobs.retry_sweeps(ctx) == len(deals)
    live_app.drain(exchange)
    ex = exchange.meta["exchange"]
    for deal_id in deals:
        assert int(exchange.table("crm.deal").get(deal_id)["ASSIGNED_BY_ID"]) == ex
        assert _mirror_owner(live_app, portal.id, deal_id) == ex
        assert _swept_comments(exchange, deal_id) == 1
    with live_app.sessions() as s:
        assert s.get(Sweep, sweep_id).status == "done"
    notices = [n for n in exchange.table("im.notify")
               if n["TAG"] == f"exchange-sweep-{sweep_id}-{manager}"]
    assert len(notices) == 1 and str(len(deals)) in notices[0]["MESSAGE"]


def test_lost_answer_is_re_read_not_sent_twice(exchange, live_app) -> None:  # noqa: F811
    manager, deals = _two_deals_of_a_manager(exchange, live_app)
    portal, sweep_id = _planned(live_app, exchange, manager)
    exchange.lose_answer_next("batch")  # the portal moves them; we never hear it
    with action_context(portal, live_app.sessions, live_app.settings) as ctx:
        assert sweep.run(ctx, sweep_id) == 0
    with live_app.sessions() as s:
        assert s.get(Sweep, sweep_id).status == "sending"
    with action_context(portal, live_app.sessions, live_app.settings) as ctx:
        assert exchange_jobs.retry_sweeps(ctx) == len(deals)
        assert exchange_jobs.retry_sweeps(ctx) == 0  # done: nothing left to retry
    live_app.drain(exchange)
    for deal_id in deals:
        assert _swept_comments(exchange, deal_id) == 1
        assert _mirror_owner(live_app, portal.id, deal_id) == exchange.meta["exchange"]


def test_a_deal_deleted_before_the_retry_does_not_keep_the_sweep_open(exchange,  # noqa: F811
                                                                     live_app) -> None:
    manager, deals = _two_deals_of_a_manager(exchange, live_app)
    portal, sweep_id = _planned(live_app, exchange, manager)
    exchange.fail_next("batch", error="INTERNAL_SERVER_ERROR", status=500)
    with action_context(portal, live_app.sessions, live_app.settings) as ctx:
        assert sweep.run(ctx, sweep_id) == 0
    exchange.invoke("crm.deal.delete", {"id": deals[0]}, user_id=manager)
    with action_context(portal, live_app.sessions, live_app.settings) as ctx:
        assert exchange_jobs.retry_sweeps(ctx) == len(deals) - 1
    with live_app.sessions() as s:
        assert s.get(Sweep, sweep_id).status == "done"
        states = {i.b24_deal_id: i.status for i in s.scalars(
            select(SweepItem).where(SweepItem.sweep_id == sweep_id))}
    assert states[deals[0]] == "skipped" and states[deals[1]] == "done"
