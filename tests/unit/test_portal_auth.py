"""Opening an app page: a row of checks, each failing closed, and a signed page session after.

The auth server and the portal are `responses` mocks; an unregistered call fails the test, so
"no REST call" is proven by the mock, not assumed.
"""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from itsdangerous.timed import TimestampSigner

from pages.auth import PageAuthError, Viewer, issue, viewer_from
from store import crypto
from tests.conftest import CLIENT_ID
from tests.factories import APP_TOKEN, make_portal, page_session

MEMBER = "m" * 32
DOMAIN = "test.bitrix24.ru"
APP_INFO = "http://oauth.test/rest/app.info"
BATCH = f"https://{DOMAIN}/rest/batch.json"
VIEWER_AUTH = "viewer-access-token-123"


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def portal(sessions):
    with sessions() as s:
        return make_portal(s)


def app_info(rsps, *, client_id=CLIENT_ID, member_id=MEMBER, domain=DOMAIN, installed=True):
    rsps.get(APP_INFO, json={"result": {"client_id": client_id, "user_id": 5, "install": {
        "installed": installed, "domain": domain, "member_id": member_id,
        "client_endpoint": f"https://{domain}/rest/"}}})


def whoami(rsps, *, user_id=5, admin=False):
    rsps.post(BATCH, json={"result": {
        "result": {"user": {"ID": str(user_id), "NAME": "Иван", "LAST_NAME": "Петров"},
                   "admin": admin},
        "result_error": [], "result_total": [], "result_next": [], "result_time": []},
        "time": {}})


def open_page(client, *, token=APP_TOKEN, member_id=MEMBER, lang="ru", path="/app", **extra):
    form = {"AUTH_ID": VIEWER_AUTH, "AUTH_EXPIRES": "3600", "REFRESH_ID": "viewer-refresh-456",
            "SERVER_ENDPOINT": "https://oauth.bitrix.info/rest/", "APPLICATION_TOKEN": token,
            "member_id": member_id, "status": "L", "PLACEMENT": "DEFAULT", **extra}
    return client.post(f"{path}?DOMAIN={DOMAIN}&PROTOCOL=1&LANG={lang}&APP_SID=abc", data=form)


def session_of(response) -> str:
    return parse_qs(urlsplit(response.headers["Location"]).query)["s"][0]


def test_genuine_request_gives_a_viewer_session(client, portal, rsps, app) -> None:
    app_info(rsps)
    whoami(rsps, user_id=7, admin=True)
    resp = open_page(client)
    assert resp.status_code == 303 and resp.headers["Location"].startswith("/app/board?s=")
    viewer = viewer_from(session_of(resp), app.config["SECRET_KEY"])
    assert viewer == Viewer(portal_id=portal.id, member_id=MEMBER, user_id=7, is_admin=True,
                            lang="ru", name="Иван Петров", domain=DOMAIN,
                            grant=viewer.grant, issued=viewer.issued)
    # The session is signed, not secret: the AUTH_ID in it is encrypted (pages/rights.py).
    assert VIEWER_AUTH not in repr(viewer) and crypto.ring().decrypt(viewer.grant) == VIEWER_AUTH
    batch = rsps.calls[1].request
    assert batch.url == BATCH and VIEWER_AUTH in batch.body.decode()  # the stored endpoint


def test_english_portal_gets_english(client, portal, rsps, app) -> None:
    app_info(rsps)
    whoami(rsps)
    viewer = viewer_from(session_of(open_page(client, lang="en")), app.config["SECRET_KEY"])
    assert viewer.lang == "en" and viewer.is_admin is False


def test_forged_application_token_is_401_without_any_rest_call(client, portal, rsps,
                                                               caplog) -> None:
    with caplog.at_level(logging.INFO):
        resp = open_page(client, token="f" * 32)
    assert resp.status_code == 401
    assert len(rsps.calls) == 0
    assert "web.page.bad_token" in caplog.text
    assert "Bitrix24" in resp.text or "Битрикс24" in resp.text


def test_unknown_member_is_401(client, portal, rsps) -> None:
    assert open_page(client, member_id="x" * 32).status_code == 401
    assert len(rsps.calls) == 0


def test_uninstalled_portal_is_401(client, portal, rsps, sessions) -> None:
    with sessions() as s:
        from store import portals
        row = portals.find(s, MEMBER)
        row.status = "uninstalled"
        s.commit()
    assert open_page(client).status_code == 401
    assert len(rsps.calls) == 0


@pytest.mark.parametrize("info", [
    {"client_id": "local.someone.else"},
    {"member_id": "z" * 32},
    {"domain": "evil.bitrix24.ru"},
    {"installed": False},
])
def test_app_info_for_another_app_or_portal_is_401(client, portal, rsps, info) -> None:
    app_info(rsps, **info)
    resp = open_page(client)
    assert resp.status_code == 401
    assert [c.request.url.split("?")[0] for c in rsps.calls] == [APP_INFO]  # no user.current


def test_token_the_auth_server_refuses_is_401(client, portal, rsps) -> None:
    rsps.get(APP_INFO, status=401, json={"error": "expired_token",
                                         "error_description": "The access token expired"})
    assert open_page(client).status_code == 401


def test_auth_server_down_is_503(client, portal, rsps) -> None:
    rsps.get(APP_INFO, status=502, body="bad gateway")
    assert open_page(client).status_code == 503


def test_missing_fields_are_401(client, portal, rsps) -> None:
    assert client.post(f"/app?DOMAIN={DOMAIN}", data={"member_id": MEMBER}).status_code == 401
    assert len(rsps.calls) == 0


def test_viewer_tokens_never_reach_logs_or_the_database(client, portal, rsps, caplog,
                                                        sessions) -> None:
    app_info(rsps)
    whoami(rsps)
    with caplog.at_level(logging.DEBUG):
        open_page(client)
        open_page(client, token="f" * 32)
    assert VIEWER_AUTH not in caplog.text and "viewer-refresh-456" not in caplog.text
    with sessions() as s:
        from store import portals
        row = portals.find(s, MEMBER)
        assert row.access_token == "access-1" and row.refresh_token == "refresh-1"


def viewer(portal_id: int, *, admin=False, user_id=5) -> Viewer:
    return Viewer(portal_id=portal_id, member_id=MEMBER, user_id=user_id, is_admin=admin,
                  lang="ru", name="Иван Петров", domain=DOMAIN)


def test_tampered_session_is_401(client, portal, app) -> None:
    token = issue(viewer(portal.id), app.config["SECRET_KEY"])
    forged = issue(viewer(portal.id, admin=True), "another-key")
    assert client.get(f"/app/board?s={token}").status_code == 200
    assert client.get(f"/app/board?s={token[:-2]}xx").status_code == 401
    assert client.get(f"/app/settings?s={forged}").status_code == 401
    assert client.get("/app/board").status_code == 401


def test_expired_session_is_401(client, portal, app, monkeypatch) -> None:
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 7200)
    token = issue(viewer(portal.id), app.config["SECRET_KEY"])
    monkeypatch.undo()
    resp = client.get(f"/app/board?s={token}")
    assert resp.status_code == 401 and "Откройте приложение заново" in resp.text
    with pytest.raises(PageAuthError) as info:
        viewer_from(token, app.config["SECRET_KEY"])
    assert info.value.key == "session_expired"


def test_manager_on_settings_is_403_admin_is_200(client, portal, app) -> None:
    key = app.config["SECRET_KEY"]
    manager = issue(viewer(portal.id), key)
    admin = page_session(app, viewer(portal.id, admin=True))  # the open's user.admin answer
    resp = client.get(f"/app/settings?s={manager}")
    assert resp.status_code == 403 and "Нет доступа" in resp.text
    assert client.post("/app/settings", data={"s": manager}).status_code == 403
    assert client.get(f"/app/settings?s={admin}").status_code == 200


def test_post_needs_the_session_in_the_form_or_header_not_the_query(client, portal,
                                                                     app) -> None:
    """CSRF: a POST counts only with the token it carries itself (no cookie to ride on)."""
    token = issue(viewer(portal.id), app.config["SECRET_KEY"])
    resp = client.post(f"/app/api/claim?s={token}", json={"deal_id": 1})
    assert resp.status_code == 401 and resp.json["ok"] is False
    ok = client.post("/app/api/claim", json={"deal_id": 1}, headers={"X-App-Session": token})
    assert ok.status_code == 200  # authenticated (the exchange is not set up: a polite no)
    assert ok.json == {"ok": False, "code": "exchange_not_ready", "load": None,
                       "message": "Биржа не настроена — обратитесь к администратору."}


def test_pages_may_be_framed_by_the_portal_only(client, portal, app) -> None:
    token = issue(viewer(portal.id), app.config["SECRET_KEY"])
    resp = client.get(f"/app/board?s={token}")
    assert "X-Frame-Options" not in resp.headers
    csp = resp.headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' https://{DOMAIN}" in csp
    assert resp.headers["Referrer-Policy"] == "same-origin"  # ?s= never leaves the app
    assert resp.headers["Cache-Control"] == "no-store"
    error = client.get("/app/board?s=nonsense")
    assert error.status_code == 401 and "frame-ancestors *" in \
        error.headers["Content-Security-Policy"]


@pytest.mark.parametrize(("options", "where"), [
    ({"page": "report", "date": "2026-11-23", "URI": "/online/"}, "/app/report"),
    ({"page": "taken", "URI": "/online/"}, "/app/taken"),
    ({"page": "../admin", "URI": "/online/"}, "/app/board"),
    ({"URI": "/online/"}, "/app/board"),
])
def test_app_link_opens_the_page_it_names(client, portal, rsps, options, where) -> None:
    """REST_APP_URI: the link's params arrive in PLACEMENT_OPTIONS; only known pages open."""
    app_info(rsps)
    whoami(rsps, admin=True)
    resp = open_page(client, path="/app/placement", PLACEMENT="REST_APP_URI",
                     PLACEMENT_OPTIONS=json.dumps(options))
    location = urlsplit(resp.headers["Location"])
    assert resp.status_code == 303 and location.path == where
    query = parse_qs(location.query)
    assert query.get("date") == (["2026-11-23"] if "date" in options else None)
    assert "URI" not in query and "page" not in query
