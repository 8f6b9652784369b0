"""OAuthClient: refresh (§2.2), app.info on the auth server (§1.6), errors, no secret leaks."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
import requests
from responses import matchers

from b24.errors import B24ApiError, B24TransportError, ExpiredToken, InvalidGrant, PortalGone
from b24.oauth import OAuthClient
from tests.unit.b24.conftest import Sleeps

OAUTH = "https://oauth.example.test"
SECRET = "client-secret-XYZ"
TOKEN_URL = f"{OAUTH}/oauth/token/"
FIXED_NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def client(sleeps: Sleeps) -> OAuthClient:
    return OAuthClient(OAUTH + "/", "local.app.1", SECRET, sleep=sleeps, now=lambda: FIXED_NOW)


def refresh_query(token: str = "refresh-1") -> list:
    return [matchers.query_param_matcher({"grant_type": "refresh_token", "client_id": "local.app.1",
                                          "client_secret": SECRET, "refresh_token": token})]


ANSWER = {"access_token": "new-access", "refresh_token": "new-refresh", "expires": 1780319382,
          "expires_in": 3600, "client_endpoint": "https://p.example.test/rest/",
          "server_endpoint": "https://oauth.bitrix.info/rest/", "member_id": "m1",
          "scope": "crm,user", "user_id": 67, "domain": "oauth.bitrix.info", "status": "L"}


def test_refresh_returns_a_token_set(rsps, client) -> None:
    rsps.get(TOKEN_URL, json=ANSWER, match=refresh_query())
    tokens = client.refresh("refresh-1")
    assert (tokens.access_token, tokens.refresh_token) == ("new-access", "new-refresh")
    assert tokens.expires_at == datetime.fromtimestamp(1780319382, UTC)
    assert tokens.client_endpoint == "https://p.example.test/rest/"
    assert (tokens.member_id, tokens.user_id, tokens.scope) == ("m1", 67, "crm,user")


def test_expiry_from_expires_in_when_expires_is_absent(rsps, client) -> None:
    rsps.get(TOKEN_URL, json={**ANSWER, "expires": None})
    tokens = client.refresh("refresh-1")
    assert (tokens.expires_at - FIXED_NOW).total_seconds() == 3600


def test_invalid_grant(rsps, client) -> None:
    rsps.get(TOKEN_URL, status=400, json={"error": "invalid_grant",
                                          "error_description": "Invalid refresh token"})
    with pytest.raises(InvalidGrant):
        client.refresh("spent")
    assert len(rsps.calls) == 1


@pytest.mark.parametrize("code", ["PAYMENT_REQUIRED", "invalid_client", "NOT_INSTALLED"])
def test_gone_codes(rsps, client, code) -> None:
    rsps.get(TOKEN_URL, status=400, json={"error": code})
    with pytest.raises(PortalGone):
        client.refresh("refresh-1")
    assert len(rsps.calls) == 1


def test_transient_failures_are_retried(rsps, client, sleeps) -> None:
    rsps.get(TOKEN_URL, status=502, body="<html>bad gateway</html>", content_type="text/html")
    rsps.get(TOKEN_URL, body=requests.ConnectionError("reset"))
    rsps.get(TOKEN_URL, json=ANSWER)
    assert client.refresh("refresh-1").access_token == "new-access"
    assert len(sleeps) == 2


def test_transient_failures_give_up(rsps, client) -> None:
    rsps.get(TOKEN_URL, status=503, body="down", content_type="text/plain")
    with pytest.raises(B24ApiError) as caught:
        client.refresh("refresh-1")
    assert caught.value.status == 503 and caught.value.transient
    assert len(rsps.calls) == 3


def test_answer_without_tokens_is_a_transport_error(rsps, client) -> None:
    rsps.get(TOKEN_URL, json={"access_token": "only"})
    with pytest.raises(B24TransportError):
        client.refresh("refresh-1")


def test_secrets_never_reach_errors_or_logs(rsps, client, caplog) -> None:
    leak = f"GET {TOKEN_URL}?client_secret={SECRET}&refresh_token=refresh-1"
    rsps.get(TOKEN_URL, body=requests.ConnectionError(leak))
    with caplog.at_level(logging.DEBUG), pytest.raises(B24TransportError) as caught:
        client.refresh("refresh-1")
    error = caught.value
    chain = [error, error.__cause__, error.__context__]
    assert all(SECRET not in str(e) and "refresh-1" not in str(e) for e in chain if e)
    dump = " ".join(str(r.__dict__) for r in caplog.records)
    assert SECRET not in dump and "refresh-1" not in dump
    assert SECRET not in repr(client)


def test_app_info_asks_the_configured_auth_server(rsps, client) -> None:
    info = {"client_id": "local.app.1", "install": {"member_id": "m1", "installed": True}}
    rsps.get(f"{OAUTH}/rest/app.info", json={"result": info},
             match=[matchers.query_param_matcher({"auth": "tok"})])
    assert client.app_info("tok") == info


def test_app_info_accepts_a_known_auth_host(rsps, client) -> None:
    rsps.get("https://oauth.bitrix24.tech/rest/app.info", json={"result": {"client_id": "x"}})
    assert client.app_info("tok", "https://oauth.bitrix24.tech/rest/") == {"client_id": "x"}


def test_app_info_ignores_an_untrusted_server_endpoint(rsps, client, caplog) -> None:
    rsps.get(f"{OAUTH}/rest/app.info", json={"result": {"client_id": "x"}})
    with caplog.at_level(logging.WARNING):
        client.app_info("tok", "https://evil.example.test/rest/")
    assert "b24.oauth.untrusted_server_endpoint" in caplog.messages


def test_app_info_with_a_bad_token(rsps, client) -> None:
    rsps.get(f"{OAUTH}/rest/app.info", status=401, json={"error": "expired_token"})
    with pytest.raises(ExpiredToken):
        client.app_info("old")
