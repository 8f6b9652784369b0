"""Typed errors for everything that can go wrong talking to (or hearing from) a portal.

Codes and HTTP statuses follow EN:_includes/system-errors.md and EN:settings/oauth/error-codes.md
(see ../shared/bitrix24-protocol.md §2.4, §5.6).
"""

from __future__ import annotations


class B24Error(Exception):
    """Base of every error raised by the b24 package."""


class B24TransportError(B24Error):
    """The portal could not be reached or answered something that is not Bitrix JSON.

    `maybe_sent` is False only when the request surely never reached the server (connect
    failure), which is what makes a retry of a non-idempotent `*.add` safe (§14.7).
    """

    def __init__(self, message: str = "", *, status: int | None = None,
                 maybe_sent: bool = True) -> None:
        super().__init__(message)
        self.status = status
        self.maybe_sent = maybe_sent

    @property
    def transient(self) -> bool:
        """Network trouble passes; the inbox retries the event later."""
        return True


class B24ApiError(B24Error):
    """The portal answered {"error": CODE, "error_description": ...}."""

    def __init__(self, code: str, description: str = "", status: int | None = None) -> None:
        self.code = str(code)
        self.description = description or ""
        self.status = status
        super().__init__(f"{self.code}: {self.description}" if self.description else self.code)

    @property
    def transient(self) -> bool:
        """Worth retrying later (the inbox backs off and tries again)."""
        return False


class ExpiredToken(B24ApiError):
    """401 expired_token / invalid_token: refresh once, then retry once."""


class RateLimited(B24ApiError):
    """503 QUERY_LIMIT_EXCEEDED or 429 OPERATION_TIME_LIMIT after our own bounded backoff."""

    @property
    def transient(self) -> bool:
        return True


class ServerError(B24ApiError):
    """5xx other than the rate limit (INTERNAL_SERVER_ERROR ...): transient."""

    @property
    def transient(self) -> bool:
        return True


class PortalGone(B24ApiError):
    """The app lost access for good (uninstalled, unpaid, portal deleted): stop retrying."""


class AccessDenied(B24ApiError):
    """403-class errors: scope or permission missing."""


class MethodNotFound(B24ApiError):
    """ERROR_METHOD_NOT_FOUND: a bug on our side, never retried."""


class InvalidGrant(B24Error):
    """The OAuth server refused a refresh token (used already, or the app was removed)."""


class EventPayloadError(B24Error):
    """An incoming event/install/page form is malformed: answer 400."""


class BadApplicationToken(B24Error):
    """auth[application_token] does not match the one stored at install: answer 401."""


class ManifestError(B24Error):
    """install.json is malformed: fail at start-up, naming every problem."""


GONE_CODES = frozenset({"PORTAL_DELETED", "PAYMENT_REQUIRED", "ERROR_OAUTH", "NO_AUTH_FOUND",
                        "user_access_error", "APPLICATION_NOT_FOUND"})
EXPIRED_CODES = frozenset({"expired_token", "invalid_token"})
RATE_CODES = frozenset({"QUERY_LIMIT_EXCEEDED", "OPERATION_TIME_LIMIT"})
DENIED_CODES = frozenset({"ACCESS_DENIED", "insufficient_scope", "WRONG_AUTH_TYPE",
                          "INVALID_CREDENTIALS", "allowed_only_intranet_user"})


def api_error(code: str, description: str = "", status: int | None = None) -> B24ApiError:
    """Map a Bitrix error code (and HTTP status) to the most specific class."""
    code = str(code)
    if code in EXPIRED_CODES:
        return ExpiredToken(code, description, status)
    if code in RATE_CODES or (status in (429, 503) and code in ("", "OVERLOAD_LIMIT")):
        return RateLimited(code, description, status)
    if code in GONE_CODES:
        return PortalGone(code, description, status)
    if code in DENIED_CODES:
        return AccessDenied(code, description, status)
    if code == "ERROR_METHOD_NOT_FOUND":
        return MethodNotFound(code, description, status)
    if (status is not None and status >= 500) or code in ("INTERNAL_SERVER_ERROR",
                                                        "ERROR_UNEXPECTED_ANSWER"):
        return ServerError(code, description, status)
    return B24ApiError(code, description, status)
