"""The auth server: refresh rotation, expiry, revocation, app.info (§2.2-2.4, §1.6)."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from sandbox.server import make_wsgi_app
from sandbox.state import Cloud, PortalState
from sandbox.testing import installed_portal


@pytest.fixture
def portal(cloud: Cloud) -> PortalState:
    return installed_portal(cloud, "acme", scopes=("crm", "user"), client_id="local.a",
                            client_secret="s3")


@pytest.fixture
def http(cloud: Cloud) -> Client:
    return Client(make_wsgi_app(cloud))


def refresh(http: Client, refresh_token: str, secret: str = "s3", client_id: str = "local.a"):
    return http.get("/oauth/token/", query_string={
        "grant_type": "refresh_token", "client_id": client_id, "client_secret": secret,
        "refresh_token": refresh_token})


def rest_status(http: Client, token: str) -> tuple[int, str | None]:
    resp = http.post("/p/acme/rest/app.info", data={"auth": token})
    return resp.status_code, resp.get_json().get("error")


def test_refresh_returns_the_documented_shape(http: Client, portal: PortalState) -> None:
    pair = portal.issue_tokens(5)
    resp = refresh(http, pair["refresh_token"])
    assert resp.status_code == 200
    body = resp.get_json()
    assert set(body) == {"access_token", "client_endpoint", "domain", "expires", "expires_in",
                         "member_id", "refresh_token", "scope", "server_endpoint", "status",
                         "user_id"}
    assert body["user_id"] == 5 and body["expires_in"] == 3600
    assert body["client_endpoint"] == portal.client_endpoint
    assert body["scope"] == "crm,user" and body["member_id"] == portal.member_id


def test_refresh_rotates_and_retires_the_old_pair(http: Client, portal: PortalState) -> None:
    old = portal.issue_tokens(1)
    new = refresh(http, old["refresh_token"]).get_json()
    assert rest_status(http, new["access_token"]) == (200, None)
    assert rest_status(http, old["access_token"]) == (401, "invalid_token")
    again = refresh(http, old["refresh_token"])
    assert (again.status_code, again.get_json()["error"]) == (400, "invalid_grant")
    assert refresh(http, new["refresh_token"]).status_code == 200


def test_post_works_like_get(http: Client, portal: PortalState) -> None:
    pair = portal.issue_tokens(1)
    resp = http.post("/oauth/token/", data={
        "grant_type": "refresh_token", "client_id": "local.a", "client_secret": "s3",
        "refresh_token": pair["refresh_token"]})
    assert resp.status_code == 200


def test_access_token_expires_after_an_hour(http: Client, portal: PortalState) -> None:
    pair = portal.issue_tokens(1)
    portal.clock.advance(3599)
    assert rest_status(http, pair["access_token"]) == (200, None)
    portal.clock.advance(2)
    assert rest_status(http, pair["access_token"]) == (401, "expired_token")
    fresh = refresh(http, pair["refresh_token"]).get_json()
    assert rest_status(http, fresh["access_token"]) == (200, None)


def test_expire_access_tokens_is_immediate(http: Client, portal: PortalState) -> None:
    pair = portal.issue_tokens(1)
    assert portal.expire_access_tokens() >= 1
    assert rest_status(http, pair["access_token"]) == (401, "expired_token")


def test_refresh_token_dies_after_180_days(http: Client, portal: PortalState) -> None:
    pair = portal.issue_tokens(1)
    portal.clock.advance(181 * 24 * 3600)
    assert refresh(http, pair["refresh_token"]).get_json()["error"] == "invalid_grant"


def test_bad_client_and_bad_request(http: Client, portal: PortalState) -> None:
    pair = portal.issue_tokens(1)
    resp = refresh(http, pair["refresh_token"], secret="wrong")
    assert (resp.status_code, resp.get_json()["error"]) == (400, "invalid_client")
    resp = refresh(http, pair["refresh_token"], client_id="local.other")
    assert resp.get_json()["error"] == "invalid_client"
    resp = http.get("/oauth/token/", query_string={"grant_type": "refresh_token"})
    assert (resp.status_code, resp.get_json()["error"]) == (400, "invalid_request")
    assert refresh(http, "unknown").get_json()["error"] == "invalid_grant"


def test_revoke_means_payment_required(http: Client, portal: PortalState) -> None:
    pair = portal.issue_tokens(1)
    portal.revoke()
    assert rest_status(http, pair["access_token"]) == (401, "PAYMENT_REQUIRED")
    resp = refresh(http, pair["refresh_token"])
    assert (resp.status_code, resp.get_json()["error"]) == (402, "PAYMENT_REQUIRED")


def test_uninstall_kills_tokens(http: Client, portal: PortalState) -> None:
    pair = portal.issue_tokens(1)
    portal.uninstall_app()
    assert rest_status(http, pair["access_token"]) == (401, "NO_AUTH_FOUND")
    assert refresh(http, pair["refresh_token"]).get_json()["error"] == "PAYMENT_REQUIRED"


def test_auth_server_app_info(http: Client, portal: PortalState) -> None:
    pair = portal.issue_tokens(3)
    resp = http.get("/rest/app.info", query_string={"auth": pair["access_token"]})
    result = resp.get_json()["result"]
    assert result["client_id"] == "local.a" and result["user_id"] == 3
    assert result["install"] == {
        "installed": True, "version": 1, "status": "L", "scope": "crm,user",
        "domain": portal.domain, "uri": "http://app.invalid/app",
        "client_endpoint": portal.client_endpoint, "member_id": portal.member_id,
        "member_type": "PORTAL"}
    assert result["expires"].endswith("+03:00")
    assert http.get("/rest/app.info.json", query_string={"auth": "x"}).status_code == 401
    assert http.get("/rest/crm.deal.get").status_code == 404


def test_portal_app_info(http: Client, portal: PortalState) -> None:
    token = portal.issue_tokens(1)["access_token"]
    result = http.post("/p/acme/rest/app.info", data={"auth": token}).get_json()["result"]
    assert result["INSTALLED"] is True and result["STATUS"] == "L"
    assert result["CODE"] == "local.a" and result["PAYMENT_EXPIRED"] == "N"
    hook = portal.add_webhook(1, ["crm"]).split("/p/acme/rest/")[1]
    resp = http.post(f"/p/acme/rest/{hook}app.info")
    assert (resp.status_code, resp.get_json()["error"]) == (400, "ACCESS_DENIED")
