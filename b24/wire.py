"""One REST request on the wire: JSON encoding, transport errors, redirects, Bitrix answers.

Kept apart from B24Client so the policy there (tokens, retries, rate) reads on its own.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from b24.errors import B24TransportError, RateLimited, api_error

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 307, 308})
HEADERS = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json",
           "User-Agent": "b24-sales-guard"}


def encode_json(payload: dict[str, Any]) -> bytes:
    """JSON body; dates as ISO strings (the portal's datetime format, §0)."""
    return json.dumps(payload, default=_json_default, ensure_ascii=False).encode("utf-8")


def post(session: requests.Session, url: str, data: bytes, timeout: float) -> requests.Response:
    """POST without following redirects (requests would turn a 302'd POST into a GET)."""
    try:
        return session.post(url, data=data, headers=HEADERS, timeout=timeout,
                            allow_redirects=False)
    except requests.RequestException as exc:
        raise B24TransportError(f"{urlsplit(url).netloc}: {type(exc).__name__}: {exc}",
                                maybe_sent=not _surely_not_sent(exc)) from exc


def decode(response: requests.Response, method: str) -> dict[str, Any]:
    """Bitrix JSON -> body dict; `{"error": ...}` -> typed error; HTML pages never crash."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        kind = response.headers.get("Content-Type", "?").split(";")[0]
        text = f"{method}: HTTP {status}, non-JSON answer ({kind})"
        if status >= 500 or status == 429:
            raise _logged(api_error("", text, status), method)
        raise B24TransportError(text, status=status)
    if "error" in body:
        error = api_error(str(body["error"]), str(body.get("error_description") or ""), status)
        raise _logged(error, method)
    if status >= 400:
        raise api_error("", f"{method}: HTTP {status} without an error code", status)
    return body


def redirect_target(response: requests.Response, url: str) -> str | None:
    """Where a moved portal sends us (§14.15); refuses https -> http (the body has the token)."""
    location = response.headers.get("Location")
    if response.status_code not in REDIRECT_STATUSES or not location:
        return None
    target = urljoin(url, location)
    if urlsplit(url).scheme == "https" and urlsplit(target).scheme != "https":
        raise B24TransportError(f"refusing a redirect from https to {urlsplit(target).scheme}",
                                status=response.status_code)
    return target


def endpoint_of(url: str, method: str, old_endpoint: str) -> str:
    """The REST base of a redirect target: strip `{method}.json`, else keep the old path."""
    parts = urlsplit(url)
    suffix = f"{method}.json"
    if parts.path.endswith("/" + suffix):
        path = parts.path[: -len(suffix)]
    else:
        path = urlsplit(old_endpoint).path or "/rest/"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _logged(error: Exception, method: str) -> Exception:
    if isinstance(error, RateLimited):
        logger.warning("b24.client.rate_limited",
                       extra={"method": method, "code": error.code, "status": error.status})
    return error


def _surely_not_sent(exc: requests.RequestException) -> bool:
    """Only a failed connect proves the portal never saw the request (§14.7)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(exc, requests.ConnectionError) and isinstance(reason, NewConnectionError)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot send {type(value).__name__} to Bitrix24")
