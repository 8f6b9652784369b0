"""Abuse limits (issue 14, findings 7, 8, 12): body size, inbox quota, retention, PBX ids,
health, replay. Each test is the finding as it was reproduced; it failed on the old code."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from store import inbox
from store.models import InboxEvent
from tests.abuse.test_targeted import event


def _now_ts() -> str:
    return str(int(time.time()))


def fresh(tenant, **extra: str) -> dict[str, str]:
    """A genuine-looking event stamped now (old stamps are refused as replays)."""
    return event(tenant, ts=_now_ts(), **extra)


def _rows(sessions, portal_id: int) -> list[InboxEvent]:
    with sessions() as s:
        return list(s.scalars(select(InboxEvent).where(InboxEvent.portal_id == portal_id)))


# --- 7: body size, quota, retention ---------------------------------------------------------

def test_a_huge_event_body_is_stored_trimmed_to_16_kb(client, tenants, sessions, logs) -> None:
    a, _ = tenants
    junk = {f"data[FIELDS][JUNK{i}]": "x" * 1000 for i in range(300)}  # ~300 KB of form
    response = client.post("/b24/events", data=fresh(a, **junk))
    assert response.status_code == 200
    (row,) = _rows(sessions, a.portal_id)
    assert len(json.dumps(row.payload, ensure_ascii=False).encode()) <= 16 * 1024
    assert row.payload["data"]["FIELDS"]["ID"] == "7"  # what the handler needs survives
    assert any(r.getMessage() == "b24.event.trimmed" for r in logs.records)


def test_an_ordinary_event_body_is_stored_whole(client, tenants, sessions) -> None:
    a, _ = tenants
    form = fresh(a, **{"data[FIELDS][TITLE]": "Сделка", "data[FIELDS][STAGE_ID]": "NEW"})
    assert client.post("/b24/events", data=form).status_code == 200
    (row,) = _rows(sessions, a.portal_id)
    assert row.payload["data"]["FIELDS"] == {"ID": "7", "TITLE": "Сделка", "STAGE_ID": "NEW"}


def test_a_portal_over_its_inbox_quota_gets_429_and_others_do_not(app, client, tenants,
                                                                   sessions, logs) -> None:
    a, b = tenants
    app.config["SETTINGS"] = replace(app.config["SETTINGS"], inbox_quota=3)
    for deal in range(3):
        form = fresh(a, **{"data[FIELDS][ID]": str(100 + deal)})
        assert client.post("/b24/events", data=form).status_code == 200
    over = client.post("/b24/events", data=fresh(a, **{"data[FIELDS][ID]": "200"}))
    assert over.status_code == 429
    assert any(r.getMessage() == "b24.event.over_quota" for r in logs.records)
    assert len(_rows(sessions, a.portal_id)) == 3
    assert client.post("/b24/events", data=fresh(b)).status_code == 200  # B is not punished


def test_default_quota_is_far_above_genuine_traffic(settings) -> None:
    assert settings.inbox_quota >= 10_000


def test_retention_purges_old_done_and_dead_rows_only(sessions, tenants, settings) -> None:
    from jobs.retention import purge_inbox

    a, _ = tenants
    now = datetime.now(UTC)
    ages = {"done-old": ("done", 8), "done-new": ("done", 1), "dead-old": ("dead", 31),
            "dead-new": ("dead", 8), "pending-old": ("pending", 90)}
    with sessions() as s:
        for name, (status, days) in ages.items():
            at = now - timedelta(days=days)
            s.add(InboxEvent(portal_id=a.portal_id, code="ONCRMDEALUPDATE", payload={"n": name},
                             status=status, attempts=1, next_attempt_at=at, received_at=at,
                             done_at=at if status == "done" else None))
        s.commit()
    assert settings.inbox_keep_done_days == 7 and settings.inbox_keep_dead_days == 30
    assert purge_inbox(sessions, settings, now) == 2
    left = sorted(row.payload["n"] for row in _rows(sessions, a.portal_id))
    assert left == ["dead-new", "done-new", "pending-old"]


def test_retention_runs_in_the_scheduler(settings) -> None:
    from jobs.runner import job_specs

    assert "purge_inbox" in {spec.id for spec in job_specs(settings)}


def test_quota_counts_only_what_waits(sessions, tenants) -> None:
    a, _ = tenants
    now = datetime.now(UTC)
    with sessions() as s:
        for _n in range(4):
            s.add(InboxEvent(portal_id=a.portal_id, code="X", payload={}, status="done",
                             attempts=1, next_attempt_at=now, received_at=now, done_at=now))
        s.commit()
        assert not inbox.over_quota(s, a.portal_id, quota=3)
        assert s.scalar(select(func.count()).select_from(InboxEvent)) == 4


# --- 8: made-up PBX member_ids --------------------------------------------------------------

def test_made_up_pbx_member_ids_are_not_remembered(app, client, tenants) -> None:
    """20 000 random ids took a worker from 88 to 218 MiB: each was cached for ever."""
    a, _ = tenants
    routing_cache = app.extensions["routing_cache"]
    for n in range(300):
        made_up = f"{n:032x}" if n % 2 else f"not-a-member-id-{n}"
        response = client.post(f"/pbx/{made_up}/route", json={"caller": "+79161234567"},
                               headers={"X-PBX-Secret": a.pbx_secret})
        assert response.status_code == 401
    assert routing_cache.cached_portals == 0
    known = client.post(f"/pbx/{a.member_id}/route", json={"caller": "+79161234567"},
                        headers={"X-PBX-Secret": a.pbx_secret})
    assert known.status_code == 200 and routing_cache.cached_portals == 1


def test_known_portals_are_held_in_a_bounded_lru(sessions, tenants) -> None:
    from handlers.routing.cache import RoutingCache

    a, b = tenants
    cache = RoutingCache(sessions, background=False, known_portals=1)
    assert cache.portal(a.member_id).portal_id == a.portal_id
    assert cache.portal(b.member_id).portal_id == b.portal_id
    assert cache.cached_portals == 1


# --- 12: health without tenants, replayed events -----------------------------------------

def test_healthz_tells_no_tenant_counts(client, tenants) -> None:
    a, _ = tenants
    assert client.post("/b24/events", data=fresh(a)).status_code == 200
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"ok": True}


def test_an_event_with_a_year_old_ts_is_refused(client, tenants, sessions, logs) -> None:
    a, _ = tenants
    year_ago = str(int(time.time()) - 365 * 86400)
    for ts in (year_ago, str(int(time.time()) - 25 * 3600), None):
        form = event(a, ts=ts) if ts else {k: v for k, v in event(a).items() if k != "ts"}
        response = client.post("/b24/events", data=form)
        assert response.status_code == 409, ts
    assert _rows(sessions, a.portal_id) == []
    assert sum(r.getMessage() == "b24.event.stale" for r in logs.records) == 3
    recent = event(a, ts=str(int(time.time()) - 23 * 3600))  # late, not a replay
    assert client.post("/b24/events", data=recent).status_code == 200
