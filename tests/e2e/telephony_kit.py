"""Shared steps of the telephony end-to-end tests: set up, let the app work, look at results."""

from __future__ import annotations

from datetime import UTC, datetime

from b24.ratelimit import LeakyBucket
from handlers.exchange import config
from handlers.exchange.actions import action_context
from jobs import telephony as telephony_jobs
from jobs.runner import sync_all
from store import portals


def no_client_limit(monkeypatch) -> None:
    """The emulator's rate limit is off in these tests (conftest), so is our model of it: a
    day of calls would otherwise spend most of its time in the client's leaky-bucket sleeps."""
    monkeypatch.setattr("handlers.context.bucket_for",
                        lambda key: LeakyBucket(capacity=10**6, drain=10**6))


def prepare(portal, live_app, *, exchange: bool = True) -> int:
    """Mirror the seeded company; choose the exchange user (or not). Returns our portal id."""
    sync_all(live_app.app)
    with live_app.sessions() as s:
        pid = portals.find(s, portal.member_id).id
        if exchange:
            config.save(s, pid, config.ExchangeConfig(
                exchange_user_id=portal.meta["exchange"], head_user_id=portal.meta["head"]),
                user_id=1, now=datetime.now(UTC))
        s.commit()
    return pid


def run_work(live_app, portal) -> dict:
    """What the scheduler's telephony_work job does for this portal."""
    with live_app.sessions() as s:
        row = portals.find(s, portal.member_id)
        s.expunge(row)
    with action_context(row, live_app.sessions, live_app.settings) as ctx:
        return telephony_jobs.run_call_work(ctx)


def settle(live_app, portal) -> None:
    """Events in, queued call work out, and the events that work caused in again."""
    for _ in range(5):
        live_app.drain(portal)
        if not run_work(live_app, portal):
            return
    live_app.drain(portal)


def deals_by_phone(portal, phone_key) -> list[dict]:
    """Deals whose contact owns this number (phone_key: sandbox.crm_common.phone_key)."""
    contacts = {str(c["ID"]) for c in portal.table("crm.contact")
                if any(phone_key(e.get("VALUE")) for e in c.get("PHONE") or ())}
    return [d for d in portal.table("crm.deal") if str(d.get("CONTACT_ID")) in contacts]


def comments_on(portal, deal_id: int) -> list[str]:
    return [c["COMMENT"] for c in portal.table("crm.timeline.comment")
            if str(c["ENTITY_TYPE"]).lower() == "deal" and int(c["ENTITY_ID"]) == int(deal_id)]


def our_deals(portal) -> list[dict]:
    return [d for d in portal.table("crm.deal") if d.get("ORIGINATOR_ID") == "sales-guard"]


def todos_on(portal, deal_id: int) -> list[dict]:
    return [a for a in portal.table("crm.activity") if a.get("PROVIDER_ID") == "CRM_TODO"
            and int(a["OWNER_TYPE_ID"]) == 2 and int(a["OWNER_ID"]) == int(deal_id)]
