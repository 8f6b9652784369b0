"""Finding 2: a reinstall over an active install cannot take the install over.

A manager has a genuine AUTH_ID/REFRESH_ID of his own (every page open gives him one), which
app.info confirms as our app's token for his portal. Posted to /b24/install it used to replace
the stored install (installer, token pair, application_token) before binding even started.
Now: only an admin (user.admin with the NEW token), only while the auth server says the install
is pending or the stored tokens are dead, application_token only from ONAPPINSTALL or equal to
the stored one, and nothing is written before the bindings succeeded.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import responses

from tests.abuse.conftest import ADMIN, MANAGER
from tests.conftest import CLIENT_ID

APP_INFO = "http://oauth.test/rest/app.info"
TOKEN_URL = "http://oauth.test/oauth/token/"
ADMIN_AUTH, MANAGER_AUTH = "admin-new-auth-id", "manager-own-auth-id"


def auth_server(rsps, *, pending: bool, stored_alive: bool) -> None:
    """app.info for the two new tokens, and for the stored one (alive or revoked)."""
    def info(request):
        auth = parse_qs(urlsplit(request.url).query).get("auth", [""])[0]
        users = {ADMIN_AUTH: ADMIN, MANAGER_AUTH: MANAGER}
        if auth in users or (stored_alive and auth.startswith("access-a-")):
            return 200, {}, json.dumps({"result": {
                "client_id": CLIENT_ID, "user_id": users.get(auth, ADMIN), "install": {
                    "installed": not pending or auth not in users, "member_id": "a" * 32,
                    "domain": "a.bitrix24.test",
                    "client_endpoint": "https://a.bitrix24.test/rest/"}}})
        return 401, {}, json.dumps({"error": "invalid_token", "error_description": "x"})
    rsps.remove(responses.GET, APP_INFO)
    rsps.add_callback(responses.GET, APP_INFO, callback=info)
    rsps.get(TOKEN_URL, status=400, json={"error": "invalid_grant", "error_description": "x"})

    def admin(request):
        auth = json.loads(request.body or b"{}").get("auth")
        return 200, {}, json.dumps({"result": auth == ADMIN_AUTH, "time": {}})
    rsps.add_callback(responses.POST, "https://a.bitrix24.test/rest/user.admin.json",
                      callback=admin)


def install_form(tenant, auth_id: str, token: str) -> dict[str, str]:
    return {"AUTH_ID": auth_id, "REFRESH_ID": auth_id + "-refresh", "AUTH_EXPIRES": "3600",
            "member_id": tenant.member_id, "APPLICATION_TOKEN": token}


def post(client, tenant, form):
    return client.post(f"/b24/install?DOMAIN={tenant.domain}&LANG=ru", data=form)


def test_manager_cannot_reinstall_with_his_own_tokens(client, tenants, rsps, probe) -> None:
    """The issue's attack, even while an install is pending: he is no admin."""
    a, _ = tenants
    for pending in (False, True):
        auth_server(rsps, pending=pending, stored_alive=True)
        probe.start()
        response = post(client, a, install_form(a, MANAGER_AUTH, "c" * 32))
        probe.check(response)
        assert response.status_code == 401


def test_admin_cannot_replace_an_active_install(client, tenants, rsps, probe) -> None:
    """Installed and the stored tokens alive: nothing to reinstall over."""
    a, _ = tenants
    auth_server(rsps, pending=False, stored_alive=True)
    probe.start()
    response = post(client, a, install_form(a, ADMIN_AUTH, a.application_token))
    probe.check(response)
    assert response.status_code == 401


def test_page_cannot_choose_the_application_token(client, tenants, rsps, probe) -> None:
    """Stored tokens dead but the install not pending: the page's token must equal ours."""
    a, _ = tenants
    auth_server(rsps, pending=False, stored_alive=False)
    probe.start()
    response = post(client, a, install_form(a, ADMIN_AUTH, "c" * 32))
    probe.check(response)
    assert response.status_code == 401


def test_nothing_is_written_when_binding_fails(client, tenants, rsps, world) -> None:
    """A genuine admin reinstall whose bindings the portal refuses leaves the old install."""
    a, _ = tenants
    auth_server(rsps, pending=True, stored_alive=True)
    rsps.post("https://a.bitrix24.test/rest/event.get.json", status=500,
              json={"error": "INTERNAL_SERVER_ERROR", "error_description": "x"})
    before = world().tables
    response = post(client, a, install_form(a, ADMIN_AUTH, "c" * 32))
    assert response.status_code == 503
    assert world().tables == before  # event.get was read, nothing was stored
