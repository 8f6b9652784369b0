"""What a handler gets: its portal, our database, prefetched reads, and a queue for writes."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from b24.client import B24Client
from b24.oauth import OAuthClient
from b24.ratelimit import bucket_for
from config import Settings
from handlers import origins
from handlers.tokens import PortalTokens
from store.models import Portal


@dataclass(frozen=True)
class Write:
    method: str
    params: dict[str, Any]
    key: str


class ReadMissing(LookupError):
    """A handler asked for a read it did not declare: a bug, so it fails loudly."""


@dataclass
class HandlerContext:
    portal: Portal
    session: Session
    settings: Settings
    now: datetime
    b24: B24Client
    reads: Mapping[str, Any] = field(default_factory=dict)
    read_errors: Mapping[str, Exception] = field(default_factory=dict)
    writes: list[Write] = field(default_factory=list)
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("handlers"))

    def read(self, key: str) -> Any:
        """The prefetched result, or the error that one batch command got."""
        if key in self.read_errors:
            raise self.read_errors[key]
        if key not in self.reads:
            raise ReadMissing(key)
        return self.reads[key]

    def write(self, method: str, params: dict[str, Any], *, key: str | None = None) -> None:
        """Queue a REST write; the chunk sends all writes in one batch. Same key: last wins."""
        # Without a key a write is never merged with another event's (uuid: unique per write).
        key = key or f"{method}:{uuid.uuid4().hex}"
        self.writes.append(Write(method, origins.with_tag(method, params, key), key))


def oauth_client(settings: Settings) -> OAuthClient:
    return OAuthClient(settings.b24_oauth_url, settings.b24_client_id,
                       settings.b24_client_secret.value)


def client_for(portal: Portal, sessions: sessionmaker[Session], settings: Settings, *,
               max_attempts: int | None = None, background: bool = False) -> B24Client:
    """A REST client for one portal, sharing that portal's rate bucket across the process.

    `max_attempts=1` is for loops serving many portals (the inbox worker): a backoff sleep
    inside the client would hold every other portal waiting, so the loop retries later instead.
    `background=True` (sync, sweeps, reminders) sends through the bucket's background lane,
    which leaves the rest of the portal's budget to event chunks (b24/ratelimit.py).
    """
    tokens = PortalTokens(portal, sessions, oauth_client(settings))
    bucket = bucket_for(portal.member_id)
    return B24Client(tokens, limiter=bucket.background if background else bucket,
                     on_endpoint_changed=tokens.endpoint_changed,
                     max_attempts=max_attempts or settings.rest_max_attempts,
                     backoff=settings.rest_backoff)
