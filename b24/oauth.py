"""The Bitrix24 authorization server: refresh tokens (§2.2) and the trusted app.info (§1.6).

Both requests are GETs with secrets in the query string, so no URL, no requests exception
text and no exception chain from them ever reaches a log or a raised error.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
import tenacity

from b24.errors import (
    B24ApiError,
    B24Error,
    B24TransportError,
    InvalidGrant,
    PortalGone,
    api_error,
)
from b24.tokens import TokenSet

logger = logging.getLogger(__name__)

# Codes meaning the install is gone for good (§2.4; NOT_INSTALLED/WRONG_CLIENT observed in PY).
OAUTH_GONE_CODES = frozenset({"PAYMENT_REQUIRED", "invalid_client", "NOT_INSTALLED",
                              "WRONG_CLIENT", "APPLICATION_NOT_FOUND"})
# Auth-server hosts we accept from a portal's `server_endpoint` besides the configured one.
KNOWN_AUTH_HOSTS = frozenset({"oauth.bitrix.info", "oauth.bitrix24.tech"})


def _utcnow() -> datetime:
    return datetime.now(UTC)


class OAuthClient:
    """Talks to the authorization server for one app (client_id/secret from Settings)."""

    def __init__(self, oauth_url: str, client_id: str, client_secret: str, *,
                 session: requests.Session | None = None, timeout: float = 15,
                 max_attempts: int = 3, sleep: Callable[[float], None] = time.sleep,
                 now: Callable[[], datetime] = _utcnow) -> None:
        self.oauth_url = oauth_url.rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self._session = session or requests.Session()
        self._timeout = timeout
        self._max_attempts = max_attempts
        self._sleep = sleep
        self._now = now

    def __repr__(self) -> str:
        return f"OAuthClient({self.oauth_url!r}, {self.client_id!r}, '***')"

    def refresh(self, refresh_token: str) -> TokenSet:
        """Trade a refresh token for a new pair; the old refresh token is spent (§2.3)."""
        params = {"grant_type": "refresh_token", "client_id": self.client_id,
                  "client_secret": str(self._secret), "refresh_token": refresh_token}
        body = self._get(f"{self.oauth_url}/oauth/token/", params)
        tokens = self._token_set(body)
        logger.info("b24.oauth.refreshed", extra={"member_id": tokens.member_id})
        return tokens

    def app_info(self, access_token: str, server_endpoint: str | None = None) -> dict:
        """Ask the auth server (never the portal) whom this access token belongs to (§1.6)."""
        body = self._get(f"{self._rest_base(server_endpoint)}app.info", {"auth": access_token})
        result = body.get("result")
        if not isinstance(result, dict):
            raise B24TransportError("app.info: answer without a result object")
        return result

    def _rest_base(self, server_endpoint: str | None) -> str:
        """A portal-sent server_endpoint is untrusted input: only known auth hosts are used."""
        default = f"{self.oauth_url}/rest/"
        if not server_endpoint:
            return default
        parts, ours = urlsplit(server_endpoint), urlsplit(self.oauth_url)
        if (parts.scheme, parts.netloc) == (ours.scheme, ours.netloc) or (
                parts.scheme == "https" and parts.hostname in KNOWN_AUTH_HOSTS):
            return server_endpoint.rstrip("/") + "/"
        logger.warning("b24.oauth.untrusted_server_endpoint", extra={"host": parts.hostname})
        return default

    def _get(self, url: str, params: Mapping[str, str]) -> dict[str, Any]:
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self._max_attempts),
            wait=tenacity.wait_exponential_jitter(initial=0.5, max=5, jitter=0.5),
            retry=tenacity.retry_if_exception(_transient), sleep=self._sleep, reraise=True)
        return retrying(self._get_once, url, params)

    def _get_once(self, url: str, params: Mapping[str, str]) -> dict[str, Any]:
        host = urlsplit(url).netloc
        failure: B24Error | None = None
        try:
            response = self._session.get(url, params=params, timeout=self._timeout,
                                         allow_redirects=False)
        except requests.RequestException as exc:
            # str(exc) would contain the URL with client_secret/refresh_token: keep only the type.
            failure = B24TransportError(f"OAuth server {host}: {type(exc).__name__}",
                                        maybe_sent=not isinstance(exc, requests.ConnectTimeout))
        if failure is not None:
            raise failure  # raised outside `except` so the secret-bearing cause is not chained
        return _decode(response, host)

    def _token_set(self, body: Mapping[str, Any]) -> TokenSet:
        if not body.get("access_token") or not body.get("refresh_token"):
            raise B24TransportError("OAuth answer without access_token/refresh_token")
        return TokenSet(
            access_token=str(body["access_token"]), refresh_token=str(body["refresh_token"]),
            expires_at=self._expires_at(body),
            client_endpoint=str(body.get("client_endpoint") or ""),
            server_endpoint=body.get("server_endpoint"), member_id=body.get("member_id"),
            scope=body.get("scope"), user_id=_int_or_none(body.get("user_id")))

    def _expires_at(self, body: Mapping[str, Any]) -> datetime | None:
        expires = _int_or_none(body.get("expires"))
        expires_in = _int_or_none(body.get("expires_in"))
        if expires:
            return datetime.fromtimestamp(expires, UTC)
        if expires_in:
            return self._now() + timedelta(seconds=expires_in)
        return None


def _decode(response: requests.Response, host: str) -> dict[str, Any]:
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        if status >= 500:
            raise api_error("", f"OAuth server {host}: non-JSON answer", status)
        raise B24TransportError(f"OAuth server {host}: non-JSON answer", status=status)
    if body.get("error"):
        raise _oauth_error(str(body["error"]), str(body.get("error_description") or ""), status)
    if status >= 400:
        raise api_error("", f"OAuth server {host}: HTTP {status}", status)
    return body


def _oauth_error(code: str, description: str, status: int) -> B24Error:
    logger.warning("b24.oauth.refused", extra={"code": code, "status": status})
    if code == "invalid_grant":
        return InvalidGrant(f"{code}: {description}" if description else code)
    if code in OAUTH_GONE_CODES:
        return PortalGone(code, description, status)
    return api_error(code, description, status)


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, B24TransportError):
        return exc.status is None or exc.status >= 500  # a 4xx page will not change
    return isinstance(exc, B24ApiError) and exc.transient


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
