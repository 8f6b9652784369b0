"""Incoming event posts: parse (§3.2), verify by application_token (§3.3), redact for logs.

What is required is what every genuine post carries: `event`, `auth[member_id]` and
`auth[application_token]`. Access/refresh tokens are optional: ONAPPUNINSTALL has none (§3.6)
and events fired by robots, business processes or agents carry none (§14.12).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from b24.errors import BadApplicationToken, EventPayloadError
from b24.query import split_key
from b24.query import unflatten as _unflatten
from b24.tokens import TokenSet

MAX_FORM_CHARS = 1_000_000
MAX_DEPTH = 8
_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
SECRET_KEYS = frozenset({"access_token", "refresh_token", "application_token", "auth_id",
                         "refresh_id", "client_secret", "code", "password"})
AUTH_SAFE_KEYS = frozenset({"member_id", "domain", "client_endpoint", "server_endpoint",
                            "scope", "status", "expires_in", "expires", "user_id", "client_id"})
MASK = "***"


@dataclass(frozen=True)
class EventAuth:
    """The `auth[...]` block; tokens are optional and kept out of repr."""

    member_id: str
    application_token: str = field(repr=False)
    domain: str | None = None
    client_endpoint: str | None = None
    server_endpoint: str | None = None
    access_token: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_in: int | None = None
    expires: int | None = None
    scope: str | None = None
    status: str | None = None
    user_id: int | None = None

    def token_set(self, now: datetime | None = None) -> TokenSet | None:
        """The tokens as a TokenSet (install events), or None when the post carried none."""
        if not (self.access_token and self.refresh_token and self.client_endpoint):
            return None
        expires_at = None
        if self.expires:
            expires_at = datetime.fromtimestamp(self.expires, UTC)
        elif self.expires_in:
            expires_at = (now or datetime.now(UTC)) + timedelta(seconds=self.expires_in)
        return TokenSet(self.access_token, self.refresh_token, expires_at, self.client_endpoint,
                        self.server_endpoint, self.member_id, self.scope, self.user_id)


@dataclass(frozen=True)
class B24Event:
    """One delivered event; `data` is the nested `data[...]` block ({} when empty)."""

    code: str
    handler_id: int | None
    data: dict[str, Any]
    ts: int | None
    auth: EventAuth

    @property
    def member_id(self) -> str:
        """The portal the event came from (stable across domain changes)."""
        return self.auth.member_id


def unflatten(pairs: Iterable[tuple[str, Any]] | Mapping[str, Any]) -> dict[str, Any]:
    """`data[FIELDS][ID]=7` pairs (or a mapping of them) -> {"data": {"FIELDS": {"ID": "7"}}}."""
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    return _unflatten(items)


def parse_event(form: Mapping[str, Any]) -> B24Event:
    """A form (MultiDict, flat bracket keys or nested dicts) -> B24Event, or EventPayloadError."""
    payload = _payload(form)
    code = payload.get("event")
    if not isinstance(code, str) or not code:
        raise EventPayloadError("missing 'event'")
    if not _CODE.match(code):
        raise EventPayloadError("'event' is not an event code")
    return B24Event(code=code.upper(), handler_id=_int(payload.get("event_handler_id")),
                    data=_data(payload.get("data")), ts=_int(payload.get("ts")),
                    auth=_auth(payload.get("auth")))


def verify_application_token(received: B24Event | str | None, stored: str | None) -> None:
    """Constant-time compare with the token stored at install; a missing one rejects."""
    token = received.auth.application_token if isinstance(received, B24Event) else received
    if not stored or not token:
        raise BadApplicationToken("no application_token to compare")
    if not hmac.compare_digest(str(token).encode(), str(stored).encode()):
        raise BadApplicationToken("application_token does not match the installed one")


def redacted(form: Mapping[str, Any]) -> dict[str, Any]:
    """A copy safe for logs: tokens, secrets, codes and unknown `auth[...]` keys masked."""
    return {key: _mask(split_key(str(key)), value) for key, value in _plain(form).items()}


def _payload(form: Mapping[str, Any]) -> dict[str, Any]:
    pairs = list(_pairs(form))
    if any(_too_deep(value, MAX_DEPTH) for _, value in pairs):
        raise EventPayloadError(f"event form nests deeper than {MAX_DEPTH}")
    if sum(len(str(key)) + _size(value) for key, value in pairs) > MAX_FORM_CHARS:
        raise EventPayloadError(f"event form larger than {MAX_FORM_CHARS} characters")
    try:
        payload = _unflatten(pairs, max_depth=MAX_DEPTH)
    except ValueError as exc:
        raise EventPayloadError(str(exc)) from None
    if _too_deep(payload, MAX_DEPTH):
        raise EventPayloadError(f"event form nests deeper than {MAX_DEPTH}")
    return payload


def _pairs(form: Mapping[str, Any]) -> Iterable[tuple[str, Any]]:
    if hasattr(form, "lists"):  # werkzeug MultiDict: keep repeated keys (`a[]=1&a[]=2`)
        return ((key, value) for key, values in form.lists() for value in values)
    if not isinstance(form, Mapping):
        raise EventPayloadError("event form must be a mapping")
    return form.items()


def _plain(form: Mapping[str, Any]) -> dict[str, Any]:
    if hasattr(form, "lists"):
        return {key: values[0] if len(values) == 1 else list(values)
                for key, values in form.lists()}
    return dict(form)


def _data(value: Any) -> dict[str, Any]:
    if value is None or value == [] or value == "":
        return {}  # PHP sends an empty array for "no data" (ONOFFLINEEVENT, §0)
    if not isinstance(value, dict):
        raise EventPayloadError("'data' must be an object")
    return value


def _auth(value: Any) -> EventAuth:
    if not isinstance(value, dict):
        raise EventPayloadError("missing auth[member_id]")
    for key in ("member_id", "application_token"):
        if not isinstance(value.get(key), str) or not value[key]:
            raise EventPayloadError(f"missing auth[{key}]")
    text = {key: item for key, item in value.items() if isinstance(item, str) and item}
    return EventAuth(
        member_id=text["member_id"], application_token=text["application_token"],
        domain=text.get("domain"), client_endpoint=text.get("client_endpoint"),
        server_endpoint=text.get("server_endpoint"), access_token=text.get("access_token"),
        refresh_token=text.get("refresh_token"), expires_in=_int(value.get("expires_in")),
        expires=_int(value.get("expires")), scope=text.get("scope"), status=text.get("status"),
        user_id=_int(value.get("user_id")))


def _mask(path: list[str], value: Any) -> Any:
    lowered = [part.lower() for part in path]
    if any(part in SECRET_KEYS for part in lowered) or _secret_auth(lowered, value):
        return MASK
    if isinstance(value, Mapping):
        return {key: _mask([*path, str(key)], item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask([*path, str(index)], item) for index, item in enumerate(value)]
    return value


def _secret_auth(path: list[str], value: Any) -> bool:
    """`auth=<token>` is a token; inside `auth[...]` only known harmless keys survive."""
    for index, part in enumerate(path):
        if part != "auth":
            continue
        if index == len(path) - 1:
            return not isinstance(value, Mapping)
        if path[index + 1] not in AUTH_SAFE_KEYS:
            return True
    return False


def _size(value: Any) -> int:
    if isinstance(value, Mapping):
        return sum(len(str(key)) + _size(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return sum(_size(item) for item in value)
    return len(str(value))


def _too_deep(value: Any, budget: int) -> bool:
    if not isinstance(value, dict | list):
        return False
    if budget <= 0:
        return True
    items = value.values() if isinstance(value, dict) else value
    return any(_too_deep(item, budget - 1) for item in items)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
