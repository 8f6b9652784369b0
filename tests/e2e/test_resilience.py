"""What must never be lost: the acceptance points of issue 01, against the emulated portal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests

from jobs.inbox import process_inbox
from jobs.runner import sync_all
from store import inbox, portals
from store.models import Deal, InboxEvent


def manager(portal) -> int:
    return portal.meta["managers"][0]


def add_deal(portal, title: str = "Сделка с сайта") -> int:
    return int(portal.invoke("crm.deal.add", {"fields": {
        "TITLE": title, "STAGE_ID": "NEW", "ASSIGNED_BY_ID": manager(portal)}},
        user_id=manager(portal)))


def mirrored(live_app, deal_id: int) -> Deal | None:
    with live_app.sessions() as s:
        return s.query(Deal).filter_by(b24_deal_id=deal_id).one_or_none()


def test_event_roundtrip_updates_the_mirror(installed, live_app) -> None:
    deal_id = add_deal(installed)
    installed.invoke("crm.deal.update", {"id": deal_id, "fields": {"STAGE_ID": "PREPARATION"}},
                     user_id=manager(installed))
    live_app.drain(installed)
    row = mirrored(live_app, deal_id)
    assert row is not None and row.stage_id == "PREPARATION"
    assert row.assigned_by_id == manager(installed)


def test_same_event_delivered_twice_has_one_effect(installed, live_app) -> None:
    deal_id = add_deal(installed)
    installed.flush_events()
    delivery = next(d for d in installed.deliveries if d.event == "ONCRMDEALADD")
    again = requests.post(delivery.url, data=delivery.form, timeout=10)
    assert again.status_code == 200
    live_app.drain(installed)
    with live_app.sessions() as s:
        assert s.query(Deal).filter_by(b24_deal_id=deal_id).count() == 1
        assert s.query(InboxEvent).filter_by(code="ONCRMDEALADD").count() == 1


def test_token_expiry_mid_work_refreshes_persists_and_retries(installed, live_app) -> None:
    with live_app.sessions() as s:
        old = portals.find(s, installed.member_id)
        old_access, old_refresh = old.access_token, old.refresh_token
    installed.expire_access_tokens()
    deal_id = add_deal(installed)
    live_app.drain(installed)
    assert mirrored(live_app, deal_id) is not None
    with live_app.sessions() as s:
        row = portals.find(s, installed.member_id)
        assert row.access_token != old_access and row.refresh_token != old_refresh
    # the used refresh token is dead on the portal: the new pair had to be saved to go on
    reuse = requests.get(f"{installed.cloud.url}/oauth/token/", params={
        "grant_type": "refresh_token", "client_id": live_app.settings.b24_client_id,
        "client_secret": live_app.settings.b24_client_secret.value,
        "refresh_token": old_refresh}, timeout=10)
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"


def test_503_for_a_while_is_retried_and_nothing_lost(installed, live_app) -> None:
    ids = [add_deal(installed, f"Сделка {i}") for i in range(3)]
    installed.flush_events()
    # the worker tries each portal once per round (no backoff sleep inside the shared loop):
    # two rounds meet a 503, the inbox backs off and a later round gets through
    installed.fail_next("batch", "QUERY_LIMIT_EXCEEDED", 503, times=2,
                        description="Too many requests")
    process_inbox(live_app.sessions, live_app.settings)
    with live_app.sessions() as s:
        assert inbox.stats(s).pending == 3  # failed, kept, waiting for the backoff
    for minutes in (5, 10):
        later = datetime.now(UTC) + timedelta(minutes=minutes)
        process_inbox(live_app.sessions, live_app.settings, now=lambda t=later: t, max_rounds=3)
    assert all(mirrored(live_app, i) is not None for i in ids)


def test_events_acknowledged_before_a_crash_are_processed_after_restart(
        installed, live_app) -> None:
    deal_id = add_deal(installed)
    installed.flush_events()  # acknowledged: stored in the inbox, not processed
    with live_app.sessions() as s:
        pending = s.query(InboxEvent).filter_by(status="pending").count()
        assert pending >= 1
        # a worker claimed the rows and was killed before finishing
        claimed = inbox.claim(s, s.query(InboxEvent).first().portal_id, datetime.now(UTC), 50)
        assert claimed
    assert process_inbox(live_app.sessions, live_app.settings) == 0  # leased, not yet free
    after_lease = datetime.now(UTC) + inbox.LEASE + timedelta(seconds=1)
    assert process_inbox(live_app.sessions, live_app.settings, now=lambda: after_lease) >= 1
    assert mirrored(live_app, deal_id) is not None


def test_events_missed_while_down_are_caught_by_sync(installed, live_app) -> None:
    sync_all(live_app.app)  # the first sync sets the watermarks
    installed.handler_down = True  # the app is down: the portal drops deliveries (§3.4)
    deal_id = add_deal(installed, "Пока нас не было")
    installed.flush_events()
    assert any(d.status != 200 for d in installed.deliveries)
    installed.handler_down = False
    assert mirrored(live_app, deal_id) is None
    sync_all(live_app.app)
    live_app.drain(installed)
    assert mirrored(live_app, deal_id) is not None
