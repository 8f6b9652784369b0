"""Install into the emulated portal over HTTP: verified, stored, every binding made once."""

from __future__ import annotations

import pytest
import requests

from app import MANIFEST
from b24.manifest import Manifest
from store import portals


def test_install_stores_portal_and_binds_everything(installed, live_app) -> None:
    manifest = Manifest.load(MANIFEST)
    events_url = live_app.url + manifest.handlers["events"]
    bound = {(b.event, b.handler) for b in installed.bindings}
    assert bound == {(code, events_url) for code in manifest.event_codes}
    placed = {(p["placement"], p["handler"]) for p in installed.placements}
    assert placed == {(p.placement, live_app.url + p.handler) for p in manifest.placements}
    with live_app.sessions() as s:
        row = portals.find(s, installed.member_id)
        assert row.status == "active" and row.domain == installed.domain
        assert row.client_endpoint == installed.client_endpoint
        assert portals.application_token_matches(row, installed.application_token)
        assert row.refresh_token and row.access_token


def test_reinstall_rebinds_without_duplicates(installed, sandbox_app, live_app) -> None:
    before = len(installed.bindings)
    installed.install_app(sandbox_app, f"{live_app.url}/b24/install", f"{live_app.url}/app",
                          admin_user_id=min(installed.admins))
    assert len(installed.bindings) == before
    assert len({(b.event, b.handler) for b in installed.bindings}) == before
    with live_app.sessions() as s:  # the new application_token replaced the old one
        assert portals.application_token_matches(portals.find(s, installed.member_id),
                                                 installed.application_token)


def test_install_with_a_token_of_another_app_is_refused(portal, cloud, live_app) -> None:
    other = cloud.register_app("local.other.app", "other-secret", ["crm"])
    response = portal.install_app(other, f"{live_app.url}/b24/install", f"{live_app.url}/app",
                                  admin_user_id=min(portal.admins))
    assert response.status_code == 401
    assert not portal.installed and portal.bindings == []
    with live_app.sessions() as s:
        assert portals.find(s, portal.member_id) is None


def test_install_callback_scenario(portal, sandbox_app, live_app) -> None:
    """API-only apps get ONAPPINSTALL at the install URL instead of the page (§1.3)."""
    response = portal.install_app(sandbox_app, f"{live_app.url}/b24/install", None,
                                  admin_user_id=min(portal.admins), api_only=True)
    assert response.status_code == 200 and response.json() == {"status": "success"}
    with live_app.sessions() as s:
        assert portals.find(s, portal.member_id).status == "active"


def test_forged_install_form_is_refused(portal, live_app) -> None:
    form = {"AUTH_ID": "forged", "REFRESH_ID": "forged", "member_id": portal.member_id,
            "APPLICATION_TOKEN": "x" * 32, "AUTH_EXPIRES": "3600"}
    response = requests.post(f"{live_app.url}/b24/install?DOMAIN={portal.domain}", data=form,
                             timeout=10)
    assert response.status_code == 401
    with live_app.sessions() as s:
        assert portals.find(s, portal.member_id) is None


@pytest.mark.parametrize("oauth_suffix", ["/oauth/token/", "/oauth/token", "/"])
def test_install_and_refresh_with_the_token_url_as_b24_oauth_url(oauth_suffix, installed,
                                                                 live_app) -> None:
    """B24_OAUTH_URL set to the token URL the docs print still installs and refreshes."""
    assert live_app.settings.b24_oauth_url == installed.cloud.url  # normalised
    with live_app.sessions() as s:
        row = portals.find(s, installed.member_id)
        assert row.status == "active" and row.server_endpoint == installed.cloud.url + "/rest/"
        old_refresh = row.refresh_token
    installed.expire_access_tokens()
    user = min(installed.admins)
    installed.invoke("crm.deal.add", {"fields": {"TITLE": "После обновления токена"}},
                     user_id=user)
    live_app.drain(installed)
    with live_app.sessions() as s:
        assert portals.find(s, installed.member_id).refresh_token != old_refresh


def test_uninstall_in_the_portal_is_believed_and_forged_one_is_not(installed, live_app,
                                                                   cloud) -> None:
    """The portal revokes access before it sends ONAPPUNINSTALL (on-app-uninstall.md); the app
    checks exactly that with the auth server, so the same event posted while the app is still
    installed (a user with the page's APPLICATION_TOKEN) changes nothing."""
    forged = {"event": "ONAPPUNINSTALL", "data[CLEAN]": "1", "ts": "1766047124",
              "auth[member_id]": installed.member_id,
              "auth[application_token]": installed.application_token}
    response = requests.post(f"{live_app.url}/b24/events", data=forged, timeout=10)
    assert response.status_code == 401
    with live_app.sessions() as s:
        assert portals.find(s, installed.member_id).status == "active"
    installed.uninstall_app(clean=True)
    cloud.delivery.wait(portal=installed)
    with live_app.sessions() as s:
        row = portals.find(s, installed.member_id)
        assert row.status == "uninstalled" and row.purge_requested and row.access_token is None
