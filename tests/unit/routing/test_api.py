"""The PBX API through the Flask test client, and the per-process cache behind it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.routing import config
from handlers.routing.cache import RoutingCache
from store import mirror, portals
from store import routing as store
from store.routing_models import RoutingCall
from tests.factories import make_portal
from tests.unit.routing.company import ANNA, KNOWN, OWNER, contact, seed


@pytest.fixture
def pbx(sessions):
    with sessions() as s:
        portal = make_portal(s, member_id="ab" * 16)  # 32 hex digits, as Bitrix24 gives
        seed(s, portal.id)
        config.save(s, portal.id, config.RoutingConfig(
            sales_department_ids=[3, 4], work_days=list(range(7)), work_start="00:00",
            work_end="00:00"), user_id=OWNER, now=datetime.now(UTC))
        secret = store.issue_pbx_secret(s, portal.id, user_id=OWNER, now=datetime.now(UTC))
        s.commit()
        return portal, secret


def post(client, portal, path: str, body: object, secret: str | None) -> object:
    headers = {} if secret is None else {"X-PBX-Secret": secret}
    return client.post(f"/pbx/{portal.member_id}{path}", json=body, headers=headers)


def test_route_answers_the_plan_and_records_the_call(client, pbx, sessions) -> None:
    portal, secret = pbx
    answer = post(client, portal, "/route", {"caller": "8 (916) 123-45-67", "line": "7495"},
                  secret)
    assert answer.status_code == 200
    plan = answer.get_json()
    assert plan["caller"] == KNOWN and plan["responsible_id"] == ANNA
    assert plan["steps"][0]["users"] == [{"user_id": ANNA, "name": "Анна Смирнова",
                                          "extension": "102"}]
    with sessions() as s:
        row = store.find_call(s, portal.id, plan["routing_id"])
        assert (row.caller, row.line, row.responsible_id, row.client_name, row.status) == \
            (KNOWN, "7495", ANNA, "Клиентова Мария", "routed")
        assert row.steps[0] == {"step": 1, "kind": "responsible", "users": [ANNA]}


@pytest.mark.parametrize("secret", [None, "", "wrong"])
def test_route_refuses_without_the_secret(client, pbx, sessions, secret) -> None:
    portal, _ = pbx
    assert post(client, portal, "/route", {"caller": KNOWN}, secret).status_code == 401
    with sessions() as s:
        assert s.query(RoutingCall).count() == 0


def test_a_portal_without_a_secret_refuses_everyone(client, sessions) -> None:
    with sessions() as s:
        portal = make_portal(s, member_id="e" * 32)
    assert post(client, portal, "/route", {"caller": KNOWN}, "anything").status_code == 401


def test_progress_is_recorded_and_bad_input_named(client, pbx) -> None:
    portal, secret = pbx
    rid = post(client, portal, "/route", {"caller": KNOWN}, secret).get_json()["routing_id"]
    ok = post(client, portal, f"/route/{rid}/progress", {"step": 1, "answered_by": ANNA},
              secret)
    assert ok.status_code == 200 and ok.get_json()["status"] == "answered"
    again = post(client, portal, f"/route/{rid}/progress", {"step": 1, "answered_by": ANNA},
                 secret)
    assert again.get_json()["changed"] is False
    bad = post(client, portal, f"/route/{rid}/progress", {"step": "one"}, secret)
    assert (bad.status_code, bad.get_json()["error"]) == (400, "bad_step")
    assert post(client, portal, "/route/nope/progress", {"step": 1}, secret).status_code == 404
    assert post(client, portal, f"/route/{rid}/progress", {"step": 1}, "x").status_code == 401
    assert post(client, portal, "/route", "not json", secret).status_code == 400


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_cache_serves_the_old_snapshot_until_a_rebuild_lands(pbx, sessions) -> None:
    portal, _ = pbx
    clock = Clock()
    cache = RoutingCache(sessions, ttl=15, portal_ttl=10, clock=clock, background=False)
    assert cache.portal(portal.member_id).portal_id == portal.id
    first = cache.snapshot(portal.id)
    with sessions() as s:
        mirror.upsert_user(s, portal.id, {"ID": "77", "NAME": "Новый", "LAST_NAME": "Менеджер",
                                          "ACTIVE": True, "UF_DEPARTMENT": [3]})
        s.commit()
    clock.now = 14
    assert cache.snapshot(portal.id) is first  # fresh enough
    clock.now = 16
    assert cache.snapshot(portal.id) is first  # old: it starts the rebuild, never waits on it
    assert 77 in cache.snapshot(portal.id).org.people  # the rebuild has landed


def test_phones_are_reread_less_often_than_the_structure(pbx, sessions) -> None:
    portal, _ = pbx
    clock = Clock()
    cache = RoutingCache(sessions, ttl=10, directory_ttl=60, clock=clock, background=False)
    cache.snapshot(portal.id)
    with sessions() as s:
        contact(s, portal.id, 9, "Новая", "+79165550000", ANNA)
        s.commit()
    clock.now = 11
    cache.snapshot(portal.id)  # the structure is refreshed, the directory kept
    assert "+79165550000" not in cache.snapshot(portal.id).directory.by_phone
    clock.now = 61
    cache.snapshot(portal.id)
    assert "+79165550000" in cache.snapshot(portal.id).directory.by_phone


def test_invalidate_rereads_settings_without_making_the_pbx_wait(pbx, sessions) -> None:
    portal, _ = pbx
    cache = RoutingCache(sessions, clock=Clock(), background=False)
    old = cache.snapshot(portal.id)
    with sessions() as s:
        config.save(s, portal.id, config.RoutingConfig(ring_seconds=20), user_id=OWNER,
                    now=datetime.now(UTC))
        s.commit()
    cache.invalidate(portal.id)
    assert cache.snapshot(portal.id) is old  # answered at once, rebuilt behind it
    fresh = cache.snapshot(portal.id)
    assert fresh.config.ring_seconds == 20 and fresh.directory is old.directory


def test_cache_sees_an_uninstall_within_the_portal_ttl(pbx, sessions) -> None:
    portal, _ = pbx
    clock = Clock()
    cache = RoutingCache(sessions, clock=clock, background=False)
    assert cache.portal(portal.member_id).portal_id is not None
    assert cache.portal("unknown").portal_id is None
    with sessions() as s:
        portals.mark_uninstalled(s, portals.find(s, portal.member_id), datetime.now(UTC))
        s.commit()
    assert cache.portal(portal.member_id).portal_id is not None  # cached
    clock.now = 11
    assert cache.portal(portal.member_id).portal_id is None


def test_presence_is_cached_and_refreshed_with_the_structure(pbx, sessions) -> None:
    """The PBX's request never reads presence: the snapshot holds it, re-read every `ttl`."""
    from store import presence as presence_store

    portal, _ = pbx
    clock = Clock()
    cache = RoutingCache(sessions, ttl=10, directory_ttl=60, clock=clock, background=False)
    first = cache.snapshot(portal.id)
    assert first.presence.away(ANNA) is None
    with sessions() as s:
        presence_store.save_presence(s, portal.id, {ANNA: ("paused", None, "timeman")},
                                     now=datetime.now(UTC))
        s.commit()
    clock.now = 9
    assert cache.snapshot(portal.id).presence.away(ANNA) is None  # cached
    clock.now = 11
    cache.snapshot(portal.id)  # starts the rebuild (here: synchronously)
    assert cache.snapshot(portal.id).presence.away(ANNA).reason == "paused"
