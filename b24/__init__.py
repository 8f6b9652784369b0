"""Outbound REST and inbound protocol of one Bitrix24 portal; knows nothing of Flask or the DB."""

from __future__ import annotations

from b24.batching import BatchResult, is_idempotent
from b24.client import B24Client
from b24.errors import (
    AccessDenied,
    B24ApiError,
    B24Error,
    B24TransportError,
    BadApplicationToken,
    EventPayloadError,
    ExpiredToken,
    InvalidGrant,
    ManifestError,
    MethodNotFound,
    PortalGone,
    RateLimited,
    ServerError,
    api_error,
)
from b24.events import (
    B24Event,
    EventAuth,
    parse_event,
    redacted,
    unflatten,
    verify_application_token,
)
from b24.manifest import Manifest, Placement, bind_events, bind_placements
from b24.oauth import OAuthClient
from b24.query import http_build_query, parse_query
from b24.ratelimit import LeakyBucket, bucket_for
from b24.tokens import MemoryTokens, TokenProvider, TokenSet

__all__ = [
    "AccessDenied", "B24ApiError", "B24Client", "B24Error", "B24Event", "B24TransportError",
    "BadApplicationToken", "BatchResult", "EventAuth", "EventPayloadError", "ExpiredToken",
    "InvalidGrant", "LeakyBucket", "Manifest", "ManifestError", "MemoryTokens", "MethodNotFound",
    "OAuthClient", "Placement", "PortalGone", "RateLimited", "ServerError", "TokenProvider",
    "TokenSet", "api_error", "bind_events", "bind_placements", "bucket_for", "http_build_query",
    "is_idempotent", "parse_event", "parse_query", "redacted", "unflatten",
    "verify_application_token",
]
