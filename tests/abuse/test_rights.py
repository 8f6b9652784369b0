"""Findings 3 and 4: rights on every action, and admin rights that are asked again.

The role matrix (README "Security"): a manager converts his own leads and sees his own call
figures; the head of sales and admins convert any lead and see every operator; settings and
the PBX secret are for admins, whose rights the portal confirms again (user.admin with the
viewer's own AUTH_ID, believed for at most a minute). The page session idles out after
15 minutes and never outlives the hour of the AUTH_ID it was made from.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import time_machine

from pages.auth import Viewer
from store import crypto, mirror
from store.calls import upsert_call
from tests.abuse.conftest import ADMIN, MANAGER, session_token
from tests.factories import page_session

OTHER = 50  # "Биржа": a second operator of portal A
USER_ADMIN = "https://a.bitrix24.test/rest/user.admin.json"


def lead(sessions, tenant, lead_id: int, owner: int) -> None:
    with sessions() as s:
        mirror.upsert_lead(s, tenant.portal_id, {"ID": str(lead_id), "TITLE": "Лид",
                                                 "STATUS_ID": "NEW", "ASSIGNED_BY_ID": owner})
        s.commit()


def test_manager_cannot_convert_someone_elses_lead(client, app, tenants, sessions,
                                                   probe) -> None:
    a, _ = tenants
    lead(sessions, a, 77, owner=OTHER)
    token = session_token(app, a, user_id=MANAGER, admin=False)
    for lead_id in (77, 78):  # another's lead, and one the mirror does not know
        probe.start()
        response = client.post(f"/app/lead/{lead_id}/convert", data={"s": token})
        probe.check(response)
        assert response.status_code == 403


def test_responsible_manager_may_convert(client, app, tenants, sessions, rsps) -> None:
    a, _ = tenants
    lead(sessions, a, 79, owner=MANAGER)
    rsps.post("https://a.bitrix24.test/rest/crm.lead.get.json", status=400,
              json={"error": "NOT_FOUND", "error_description": "gone"})
    token = session_token(app, a, user_id=MANAGER, admin=False)
    response = client.post("/app/lead/79/convert", data={"s": token})
    assert response.status_code == 303  # went ahead (the portal's answer is shown)


def admin_session(app, tenant, auth_id: str) -> str:
    """An admin's page open: the session carries his AUTH_ID, encrypted."""
    return page_session(app, Viewer(
        portal_id=tenant.portal_id, member_id=tenant.member_id, user_id=ADMIN, is_admin=True,
        lang="ru", name="Админ", domain=tenant.domain, grant=crypto.ring().encrypt(auth_id)))


def portal_says_admin(rsps, admins: set[str]) -> None:
    def answer(request):
        auth = json.loads(request.body or b"{}").get("auth")
        return 200, {}, json.dumps({"result": auth in admins, "time": {}})
    rsps.add_callback("POST", USER_ADMIN, callback=answer)


def test_demoted_admin_cannot_rotate_the_pbx_secret(client, app, tenants, rsps, probe,
                                                    frozen_now) -> None:
    """Admin at page open, demoted in the portal since: refused once the minute is over."""
    a, _ = tenants
    portal_says_admin(rsps, set())
    token = admin_session(app, a, "demoted-admin-auth")
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=61), tick=False):
        probe.start()
        response = client.post("/app/calls/secret", data={"s": token})
        probe.check(response)
        assert response.status_code == 403
        assert any(USER_ADMIN in c.request.url for c in rsps.calls)


def test_admin_still_admin_rotates_the_secret(client, app, tenants, rsps) -> None:
    a, _ = tenants
    portal_says_admin(rsps, {"real-admin-auth"})
    token = admin_session(app, a, "real-admin-auth")
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=61), tick=False):
        assert client.post("/app/calls/secret", data={"s": token}).status_code == 200
        asked = sum(USER_ADMIN in c.request.url for c in rsps.calls)
        assert client.post("/app/calls/secret", data={"s": token}).status_code == 200
        assert sum(USER_ADMIN in c.request.url for c in rsps.calls) == asked == 1  # cached


def test_session_without_the_viewers_token_is_no_admin(client, app, tenants, rsps,
                                                       probe) -> None:
    """A session that cannot be re-checked fails closed once the cache is gone."""
    a, _ = tenants
    token = session_token(app, a)  # admin flag, no grant
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=61), tick=False):
        probe.start()
        response = client.post("/app/calls/secret", data={"s": token})
        probe.check(response)
        assert response.status_code == 403


def calls(sessions, tenant) -> None:
    now = datetime.now(UTC)
    with sessions() as s:
        for n, user in enumerate((MANAGER, MANAGER, OTHER)):
            upsert_call(s, tenant.portal_id, {
                "call_id": f"c{n}", "source": "b24", "call_type": 2, "phone_raw": "+79160000000",
                "phone": "+79160000000", "line": "+74950000001", "user_id": user,
                "start_at": now - timedelta(minutes=10 + n), "duration": 60,
                "answer_seconds": 3, "failed_code": "200", "answered": True,
                "record_url": f"https://a.bitrix24.test/rec/{n}.mp3"})
        s.commit()


def test_manager_sees_only_his_own_call_figures(client, app, tenants, sessions) -> None:
    a, _ = tenants
    calls(sessions, a)
    mine = client.get("/app/calls", query_string={
        "s": session_token(app, a, user_id=MANAGER, admin=False)}).get_data(as_text=True)
    assert f'data-operator="{MANAGER}"' in mine and f'data-operator="{OTHER}"' not in mine
    assert "rec/2.mp3" not in mine and "rec/0.mp3" in mine  # nor another's recordings
    everyone = client.get("/app/calls", query_string={"s": session_token(app, a)}) \
        .get_data(as_text=True)
    assert f'data-operator="{OTHER}"' in everyone
    report = client.get("/app/report", query_string={
        "s": session_token(app, a, user_id=MANAGER, admin=False)})
    assert report.status_code == 403  # per-person figures of others: head and admins only


def test_page_session_idles_out_and_ends_with_the_auth_id(client, app, tenants) -> None:
    a, _ = tenants
    token = session_token(app, a, user_id=MANAGER, admin=False)
    start = datetime.now(UTC)
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        assert client.get("/app/board", query_string={"s": token}).status_code == 401
    for minutes in (10, 20, 30, 40, 50):  # kept alive by use, with the renewed token
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            response = client.get("/app/board", query_string={"s": token})
            assert response.status_code == 200, minutes
            token = response.headers["X-App-Session"]
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        assert client.get("/app/board", query_string={"s": token}).status_code == 401


def test_manager_calls_back_only_his_own_calls(client, app, tenants, sessions, probe) -> None:
    """"Перезвонить" creates a to-do in the portal: not for another operator's call."""
    a, _ = tenants
    calls(sessions, a)
    token = session_token(app, a, user_id=MANAGER, admin=False)
    for call_id in ("c2", "no-such-call"):
        probe.start()
        response = client.post("/app/calls/callback", data={"s": token, "call_id": call_id})
        probe.check(response)
        assert response.status_code == 403
