"""Targeted abuse: forged, missing, replayed and foreign tokens; CSRF; roles; sizes; methods.

Each test states one attack and proves two things: the answer (401/403/404/405/413) and that
nothing changed (conftest.Probe: every table and the mocked portal's received calls).
"""

from __future__ import annotations

import io
import json
import logging
import time
from datetime import UTC, datetime

from itsdangerous.timed import TimestampSigner

from pages.auth import Viewer, issue
from store import portals
from tests.abuse.conftest import ADMIN, GENUINE_VIEWER, MANAGER, session_token
from tests.conftest import frozen_moment

TS = str(int(frozen_moment().timestamp()))  # the tests run at TEST_NOW; older is a replay

EVENT = {"event": "ONCRMDEALUPDATE", "event_handler_id": "185", "data[FIELDS][ID]": "7",
         "ts": TS, "auth[domain]": "a.bitrix24.test",
         "auth[client_endpoint]": "https://a.bitrix24.test/rest/"}


def event(tenant, *, member_id=None, token=None, **extra: str) -> dict[str, str]:
    return {**EVENT, "auth[member_id]": member_id or tenant.member_id,
            "auth[application_token]": token or tenant.application_token, **extra}


# --- events: application_token -------------------------------------------------------------

def test_event_with_forged_missing_or_foreign_token_is_refused(client, tenants, probe) -> None:
    a, b = tenants
    attacks = [event(a, token="f" * 32), event(a, token=b.application_token),
               event(b, token=a.application_token), event(a, member_id="c" * 32),
               {k: v for k, v in event(a).items() if k != "auth[application_token]"},
               event(a, token=a.application_token.lower()),
               event(a, token=a.application_token + " ")]
    for form in attacks:
        probe.start()
        response = client.post("/b24/events", data=form)
        probe.check(response)
        assert response.status_code in (400, 401), form


def test_replayed_event_is_recorded_once(client, tenants, probe) -> None:
    a, _ = tenants
    assert client.post("/b24/events", data=event(a)).json["duplicate"] is False
    probe.start()
    again = client.post("/b24/events", data=event(a))
    assert probe.check(again) == probe.before
    assert again.status_code == 200 and again.json["duplicate"] is True


def test_old_application_token_is_dead_after_reinstall(client, tenants, sessions,
                                                       probe) -> None:
    """A captured token replayed after the portal reinstalled (new token) is refused."""
    a, _ = tenants
    with sessions() as s:
        portals.set_application_token(portals.find(s, a.member_id), "R" * 32)
        s.commit()
    probe.start()
    response = client.post("/b24/events", data=event(a))
    probe.check(response)
    assert response.status_code == 401


def test_uninstall_with_a_foreign_token_changes_nothing(client, tenants, probe) -> None:
    a, b = tenants
    probe.start()
    response = client.post("/b24/events", data=event(
        a, token=b.application_token, event="ONAPPUNINSTALL", **{"data[CLEAN]": "1"}))
    probe.check(response)
    assert response.status_code == 401


def test_event_cannot_move_the_portal_rest_endpoint(client, tenants, sessions) -> None:
    """APPLICATION_TOKEN reaches every viewer's browser with each page open (§1.2), so a
    portal user can forge an event with it. Were `auth[client_endpoint]` trusted, our next
    REST call would carry the portal's access token to the attacker's host."""
    a, _ = tenants
    forged = event(a, **{"auth[client_endpoint]": "https://evil.example/rest/",
                         "auth[domain]": "evil.example"})
    assert client.post("/b24/events", data=forged).status_code == 200  # genuine token
    with sessions() as s:
        row = portals.find(s, a.member_id)
        assert row.client_endpoint == a.endpoint and row.domain == a.domain


# --- pages: AUTH_ID, APPLICATION_TOKEN and the signed session ------------------------------

def entry(tenant, *, auth_id=GENUINE_VIEWER, token=None, member_id=None):
    return {"AUTH_ID": auth_id, "AUTH_EXPIRES": "3600", "REFRESH_ID": "viewer-refresh",
            "member_id": member_id or tenant.member_id, "PLACEMENT": "DEFAULT",
            "APPLICATION_TOKEN": token or tenant.application_token}


def test_page_entry_with_foreign_or_forged_credentials_is_401(client, tenants, probe) -> None:
    a, b = tenants
    attacks = [
        entry(a, auth_id="forged-auth-id"),                      # the auth server refuses it
        entry(b),                                                # A's AUTH_ID, B's pair
        entry(a, token=b.application_token),                     # A with B's app token
        entry(b, token=a.application_token),                     # B's member, A's app token
        {k: v for k, v in entry(a).items() if k != "AUTH_ID"},   # missing
    ]
    for form in attacks:
        probe.start()
        response = client.post("/app?DOMAIN=a.bitrix24.test&LANG=ru", data=form)
        probe.check(response)
        assert response.status_code == 401, form


def test_session_tampered_expired_foreign_key_or_portal_is_401(client, app, tenants, probe,
                                                               monkeypatch) -> None:
    a, b = tenants
    key = app.config["SECRET_KEY"]
    good = session_token(app, a)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 7200)
    expired = session_token(app, a)
    monkeypatch.undo()
    forged = issue(Viewer(a.portal_id, a.member_id, ADMIN, True, "ru", "x"), "guessed-key")
    # Even a validly signed session only works for the portal it names: ids must agree.
    mixed = issue(Viewer(b.portal_id, a.member_id, ADMIN, True, "ru", "x"), key)
    payload, _, sig = good.partition(".")
    tampered = [good[:-3] + "abc", f"{payload}x.{sig}", good.replace(".", "", 1), "", "null"]
    for token in [expired, forged, mixed, *tampered]:
        for method, path in (("GET", "/app/board"), ("GET", "/app/settings"),
                             ("POST", "/app/settings")):
            probe.start()
            response = client.open(path, method=method, query_string={"s": token},
                                   data={"s": token, "default_cap": "1"})
            probe.check(response)
            assert response.status_code == 401, (token, path)


def test_session_dies_with_the_portal_install(client, app, tenants, sessions) -> None:
    a, _ = tenants
    token = session_token(app, a)
    with sessions() as s:
        portals.mark_uninstalled(s, portals.find(s, a.member_id), datetime.now(UTC))
        s.commit()
    assert client.get(f"/app/board?s={token}").status_code == 401


# --- PBX secrets ------------------------------------------------------------------------------

CALL = {"call_id": "pbx-1", "direction": "in", "phone": "+79161234567", "line": "+74950000000",
        "started_at": "2026-03-11T10:00:00+03:00", "ended_at": "2026-03-11T10:03:00+03:00",
        "user_id": 11}


def test_pbx_secret_of_another_portal_or_none_is_401(client, tenants, probe) -> None:
    a, b = tenants
    body = {**CALL, "caller": "+79161234567", "step": 1}
    for path in ("calls", "route", "route/abc/progress"):
        for member, secret in ((a.member_id, b.pbx_secret), (b.member_id, a.pbx_secret),
                               (a.member_id, None), (a.member_id, ""),
                               ("c" * 32, a.pbx_secret), (a.member_id, a.pbx_secret[:-1])):
            headers = {} if secret is None else {"X-PBX-Secret": secret}
            probe.start()
            response = client.post(f"/pbx/{member}/{path}", json=body, headers=headers)
            probe.check(response)
            assert response.status_code == 401, (path, member, secret)


def test_routing_id_of_another_portal_is_404(client, tenants, probe) -> None:
    """B's own secret does not reach A's calls: a routing_id is looked up within the portal."""
    a, b = tenants
    routed = client.post(f"/pbx/{a.member_id}/route", json={"caller": "+79161234567"},
                         headers={"X-PBX-Secret": a.pbx_secret}).json["routing_id"]
    probe.start()
    response = client.post(f"/pbx/{b.member_id}/route/{routed}/progress",
                           json={"step": 1, "answered_by": 11, "finished": True},
                           headers={"X-PBX-Secret": b.pbx_secret})
    probe.check(response)
    assert response.status_code == 404


# --- CSRF and roles on the settings forms ----------------------------------------------------

ADMIN_POSTS = {"/app/settings": {"default_cap": "3", "cap_min": "1", "cap_max": "50",
                                 "stale_days": "5", "alert_waiting_over": "1",
                                 "alert_wait_hours": "1", "exchange_user_id": "50"},
               "/app/settings/sweep/preview": {"managers": "11"},
               "/app/settings/sweep/confirm": {"managers": "11", "when": "now"},
               "/app/settings/sweep/undo": {"sweep_id": "1"},
               "/app/routing": {"ring_seconds": "20", "work_start": "09:00",
                                "work_end": "18:00", "time_zone": "Europe/Moscow"},
               "/app/routing/secret": {}, "/app/calls/secret": {},
               "/app/calls/settings": {"region": "RU", "timezone": "Europe/Moscow",
                                       "callback_minutes": "15", "ring_seconds": "6",
                                       "long_call_seconds": "180", "workday_hours": "8"},
               "/app/leads/settings": {"sla_hours": "2", "stage_default_hours": "24",
                                       "grace_hours": "1", "min_call_seconds": "20"},
               "/app/audits/settings": {"suspicious_score": "50"},
               "/app/calls/targets": {"months": "6", "calls": "30", "minutes": "3"}}
ADMIN_GETS = ("/app/settings", "/app/calls/settings", "/app/audits/settings", "/app/report",
              "/app/report.csv", "/app/calls/targets")


def test_settings_post_without_a_session_in_the_body_changes_nothing(client, app, tenants,
                                                                     probe) -> None:
    """CSRF: a cross-site form has no session; the query string or a stale/foreign-key one
    does not count either."""
    a, _ = tenants
    token = session_token(app, a)
    foreign_key = issue(Viewer(a.portal_id, a.member_id, ADMIN, True, "ru", "x"), "other-key")
    for path, form in ADMIN_POSTS.items():
        for kwargs in ({"data": form}, {"data": form, "query_string": {"s": token}},
                       {"data": {**form, "s": token + "x"}},
                       {"data": {**form, "s": foreign_key}}):
            probe.start()
            response = client.post(path, **kwargs)
            probe.check(response)
            assert response.status_code == 401, (path, kwargs)


def test_manager_posting_admin_settings_is_403(client, app, tenants, probe) -> None:
    a, _ = tenants
    token = session_token(app, a, user_id=MANAGER, admin=False)
    for path, form in ADMIN_POSTS.items():
        probe.start()
        response = client.post(path, data={**form, "s": token})
        probe.check(response)
        assert response.status_code == 403, path


def test_manager_opening_admin_pages_is_403(client, app, tenants, probe) -> None:
    """The GET of the telephony settings issues the PBX secret: a manager must not get there."""
    a, _ = tenants
    token = session_token(app, a, user_id=MANAGER, admin=False)
    for path in ADMIN_GETS:
        probe.start()
        response = client.get(path, query_string={"s": token})
        probe.check(response)
        assert response.status_code == 403, path


def test_admin_of_portal_b_cannot_touch_portal_a(client, app, tenants, world) -> None:
    """A session names its portal; whatever the form says, B's admin only writes to B."""
    a, b = tenants
    before = world()
    response = client.post("/app/routing/secret", data={
        "s": session_token(app, b), "member_id": a.member_id, "portal_id": str(a.portal_id)})
    assert response.status_code == 200
    after = world()
    changed = {n for n in after.tables if after.tables[n] != before.tables[n]}
    assert changed == {"pbx_secrets"}
    assert client.post(f"/pbx/{a.member_id}/route", json={"caller": "+79161234567"},
                       headers={"X-PBX-Secret": a.pbx_secret}).status_code == 200


# --- sizes, encodings, methods ---------------------------------------------------------------

POSTS = ["/b24/events", "/b24/install", "/app", "/app/placement", "/app/settings",
         "/app/routing", "/app/calls/settings", "/app/leads/settings", "/app/audits/settings",
         "/app/api/claim", "/app/api/return", "/app/calls/callback",
         "/pbx/{a}/calls", "/pbx/{a}/route", "/pbx/{a}/route/abc/progress"]


def test_oversized_bodies_are_413_and_store_nothing(client, app, tenants, probe) -> None:
    a, _ = tenants
    headers = {"X-PBX-Secret": a.pbx_secret, "X-App-Session": session_token(app, a)}
    form = {**event(a), "s": session_token(app, a), "pad": "y" * 2_000_000}
    body = json.dumps({**CALL, "pad": "y" * 2_000_000})
    for path in POSTS:
        url = path.format(a=a.member_id)
        for kwargs in ({"data": form}, {"data": body, "content_type": "application/json"}):
            probe.start()
            response = client.post(url, headers=headers, **kwargs)
            probe.check(response)
            assert response.status_code == 413, (url, response.data[:200])


def test_pbx_call_over_its_own_limit_is_413(client, tenants, probe) -> None:
    """The PBX API allows 64 KiB, less than the app's 1 MiB: too large is 413 there too."""
    a, _ = tenants
    probe.start()
    response = client.post(f"/pbx/{a.member_id}/calls", json={**CALL, "pad": "y" * 70_000},
                           headers={"X-PBX-Secret": a.pbx_secret})
    probe.check(response)
    assert response.status_code == 413 and response.json["ok"] is False


MALFORMED = [
    ("/pbx/{a}/calls", "application/json", b"{not json"),
    ("/pbx/{a}/calls", "application/json; charset=utf-8", b'{"call_id": "\xff\xfe"}'),
    ("/pbx/{a}/calls", "application/json", "{\"call_id\": \"ü\"}".encode("utf-16")),
    ("/pbx/{a}/route", "application/json", b"\xff\xfe\x00"),
    ("/pbx/{a}/route", "text/plain", b'{"caller": "+79161234567"}'),
    ("/pbx/{a}/route/abc/progress", "application/json", b"[[[[["),
    ("/b24/events", "application/x-www-form-urlencoded; charset=latin-1", b"event=%FF%FE&a"),
    ("/b24/events", "application/x-www-form-urlencoded", b"auth[member_id]=\xff\xfe&event=X"),
    ("/b24/events", "multipart/form-data; boundary=x", b"--x\r\nbroken"),
    ("/b24/install", "application/json", b'{"event": "ONAPPINSTALL"}'),
]


def test_malformed_bodies_and_charsets_are_4xx(client, tenants, probe) -> None:
    a, _ = tenants
    for path, content_type, body in MALFORMED:
        probe.start()
        response = client.post(path.format(a=a.member_id), data=body,
                               content_type=content_type,
                               headers={"X-PBX-Secret": a.pbx_secret})
        probe.check(response)
        assert 400 <= response.status_code < 500, (path, content_type, body)


def test_wrong_method_is_405(client, tenants, probe) -> None:
    a, _ = tenants
    for method, path in (
            ("GET", "/b24/events"), ("PUT", "/b24/events"), ("DELETE", "/b24/install"),
            ("GET", "/pbx/{a}/calls"), ("PATCH", "/pbx/{a}/route"),
            ("GET", "/pbx/{a}/route/x/progress"), ("PUT", "/app"),
            ("DELETE", "/app/settings"), ("GET", "/app/api/claim"),
            ("GET", "/app/routing/secret"), ("GET", "/app/calls/secret"),
            ("POST", "/app/board"), ("POST", "/app/report.csv"), ("POST", "/healthz"),
            ("GET", "/app/lead/1/convert")):
        probe.start()
        response = client.open(path.format(a=a.member_id), method=method)
        probe.check(response)
        assert response.status_code == 405, (method, path)


def test_oversized_body_without_content_length_is_413(client, app, tenants, probe) -> None:
    """Chunked transfer has no Content-Length to check up front: reading stops at the limit."""
    a, _ = tenants
    form = ("event=ONCRMDEALUPDATE&auth[member_id]=" + a.member_id + "&auth[application_token]="
            + a.application_token + "&pad=" + "y" * 2_000_000).encode()
    cases = [("/b24/events", "application/x-www-form-urlencoded", form),
             ("/app/settings", "application/x-www-form-urlencoded",
              form + b"&s=" + session_token(app, a).encode()),
             (f"/pbx/{a.member_id}/calls", "application/json",
              json.dumps({**CALL, "pad": "y" * 2_000_000}).encode()),
             (f"/pbx/{a.member_id}/route", "application/json",
              json.dumps({"caller": "+7916", "pad": "y" * 2_000_000}).encode())]
    for path, content_type, body in cases:
        probe.start()
        response = client.post(path, input_stream=io.BytesIO(body), content_type=content_type,
                               headers={"X-PBX-Secret": a.pbx_secret},
                               environ_overrides={"wsgi.input_terminated": True})
        probe.check(response)
        assert response.status_code == 413, (path, response.status_code, response.data[:200])


def test_request_values_cannot_forge_log_lines(client, tenants) -> None:
    """member_id and path reach log `extra` fields; a newline there must stay escaped."""
    from app import ExtraFormatter
    from tests.abuse.conftest import Records

    a, _ = tenants
    records = Records()
    logging.getLogger().addHandler(records)
    try:
        forged = "x\n2026-01-01 00:00:00,000 INFO web b24.install.done member_id=" + a.member_id
        client.post("/app?DOMAIN=a.bitrix24.test", data={
            "member_id": forged, "AUTH_ID": "x", "APPLICATION_TOKEN": "y"})
        client.post("/b24/events", data=event(a, member_id=forged))
    finally:
        logging.getLogger().removeHandler(records)
    lines = [ExtraFormatter("%(levelname)s %(name)s %(message)s").format(r)
             for r in records.records]
    assert len(lines) >= 2 and all("\n" not in line for line in lines), lines


XSS = '"><script>alert(1)</script>'


def test_reflected_input_is_escaped(client, app, tenants) -> None:
    """Pages echo parameters and (on 422) what the admin typed: always escaped."""
    a, _ = tenants
    token = session_token(app, a)
    pages = [f"/app/routing?phone={XSS}", f"/app/calls?notice=callback_set&name={XSS}",
             f"/app/audits?notice=audit_confirmed&name={XSS}&deal={XSS}",
             f"/app/lead/7?missing={XSS}&notice={XSS}", f"/app/board?sort={XSS}",
             f"/app/report?period={XSS}", f"/app/settings?notice={XSS}"]
    answers = [client.get(f"{page}&s={token}") for page in pages]
    for path, field in (("/app/settings", "default_cap"), ("/app/routing", "work_start"),
                        ("/app/calls/settings", "timezone"), ("/app/leads/settings", "holidays"),
                        ("/app/audits/settings", "proposal_stages"),
                        ("/app/settings/sweep/preview", "at")):
        answers.append(client.post(path, data={"s": token, field: XSS, "managers": "11",
                                               "when": "later"}))
    answers.append(client.post(f"/app?LANG={XSS}", data={"member_id": XSS}))
    for answer in answers:
        assert answer.status_code in (200, 401, 422), answer.request.path
        assert "<script>alert" not in answer.text, answer.request.path
