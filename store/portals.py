"""Installed portals and their OAuth tokens."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from store import crypto
from store.inbox import DIRECTORY_CURSOR
from store.models import Portal, SyncCursor


@dataclass(frozen=True)
class Installation:
    """What an install callback or app page told us, after the tokens were confirmed genuine."""

    member_id: str
    domain: str
    client_endpoint: str
    server_endpoint: str | None
    access_token: str
    refresh_token: str
    token_expires_at: datetime | None
    application_token: str
    scope: str
    installer_user_id: int | None
    lang: str = "ru"


def application_token_matches(portal: Portal, token: str | None) -> bool:
    """Constant time (an HMAC compared with compare_digest); a portal without a stored token
    matches nothing. A match under an older key is re-hashed under the newest one, so that
    the old key can leave TOKEN_KEYS (the caller's commit keeps it)."""
    keys = crypto.ring()
    if not keys.matches(portal.application_token_hash, token):
        return False
    if not portal.application_token_hash.startswith(keys.primary + ":"):
        set_application_token(portal, token)
    return True


def set_application_token(portal: Portal, token: str | None) -> None:
    portal.application_token_hash = crypto.ring().digest(token) if token else None


class PortalKey(NamedTuple):
    """What the webhook ack reads of a portal: who it is and whether the event may pass."""

    id: int
    member_id: str
    status: str
    application_token_hash: str | None


def identify(session: Session, member_id: str) -> PortalKey | None:
    """The portal's key columns, from one prebuilt Core SELECT on the session's connection.

    Every acknowledged webhook runs it: the ORM query it replaces (an entity, its tokens
    deferred so that they are not decrypted) cost a third of the ack's CPU in building and
    loading (bench/ack.py, cProfile over 1 000 posts)."""
    row = session.connection().execute(_identify_statement(), {"member_id": member_id}).first()
    return None if row is None else PortalKey(*row)


@cache
def _identify_statement() -> Any:
    return select(Portal.id, Portal.member_id, Portal.status, Portal.application_token_hash) \
        .where(Portal.member_id == bindparam("member_id"))


def key_matches(session: Session, key: PortalKey, token: str | None) -> bool:
    """application_token_matches for a PortalKey: the rare re-hash under the newest key loads
    the row (the caller's commit keeps it)."""
    keys = crypto.ring()
    if not keys.matches(key.application_token_hash, token):
        return False
    if not key.application_token_hash.startswith(keys.primary + ":"):
        set_application_token(get(session, key.id), token)
    return True


def find(session: Session, member_id: str) -> Portal | None:
    return session.scalar(select(Portal).where(Portal.member_id == member_id))


def get(session: Session, portal_id: int) -> Portal:
    return session.get_one(Portal, portal_id)


def lock(session: Session, portal_id: int) -> Portal:
    """Re-read the row under a write lock so two workers never refresh with the same token."""
    stmt = select(Portal).where(Portal.id == portal_id).with_for_update()
    portal = session.scalar(stmt.execution_options(populate_existing=True))
    if portal is None:
        raise LookupError(portal_id)
    return portal


def upsert_installed(session: Session, inst: Installation, now: datetime) -> Portal:
    """Reinstall replaces tokens and application_token; the row (and its data) is kept."""
    portal = find(session, inst.member_id)
    if portal is None:
        portal = Portal(member_id=inst.member_id, installed_at=now)
        session.add(portal)
    portal.domain = inst.domain
    portal.client_endpoint = inst.client_endpoint
    portal.server_endpoint = inst.server_endpoint
    portal.access_token = inst.access_token
    portal.refresh_token = inst.refresh_token
    portal.token_expires_at = inst.token_expires_at
    portal.tokens_refreshed_at = now
    set_application_token(portal, inst.application_token)
    portal.scope = inst.scope
    portal.installer_user_id = inst.installer_user_id
    portal.lang = inst.lang or portal.lang or "ru"
    portal.status = "active"
    portal.uninstalled_at, portal.purge_requested = None, False  # a reinstall stops a purge
    portal.last_error = None
    portal.updated_at = now
    session.flush()
    return portal


def save_tokens(session: Session, portal: Portal, *, access_token: str, refresh_token: str,
                expires_at: datetime | None, now: datetime) -> None:
    portal.access_token = access_token
    portal.refresh_token = refresh_token
    portal.token_expires_at = expires_at
    portal.tokens_refreshed_at = now
    portal.updated_at = now


def touch_endpoint(session: Session, portal: Portal, *, domain: str | None,
                   client_endpoint: str | None, now: datetime) -> None:
    """The portal moved to a new domain (§0): keep following it, keyed by member_id."""
    changed = False
    if domain and domain != portal.domain:
        portal.domain, changed = domain, True
    if client_endpoint and client_endpoint != portal.client_endpoint:
        portal.client_endpoint, changed = client_endpoint, True
    if changed:
        portal.updated_at = now


def mark_uninstalled(session: Session, portal: Portal, now: datetime, *,
                     purge: bool = False) -> None:
    """Tokens are wiped; the row stays so a late event is recognised and ignored. The data
    stays too: with `purge` it is deleted after the retention period (jobs/uninstalled.py)."""
    portal.status = "uninstalled"
    portal.uninstalled_at, portal.purge_requested = now, purge
    portal.access_token = None
    portal.refresh_token = None
    portal.token_expires_at = None
    portal.updated_at = now


def mark_gone(session: Session, portal: Portal, reason: str, now: datetime) -> None:
    """The portal refused us for good (unpaid, deleted): stop calling it until reinstalled."""
    portal.status = "gone"
    portal.last_error = reason[:2000]
    portal.updated_at = now


def due_for_purge(session: Session, before: datetime) -> list[Portal]:
    """Still uninstalled, asked to clean, and uninstalled before `before`."""
    return list(session.scalars(select(Portal).where(
        Portal.status == "uninstalled", Portal.purge_requested.is_(True),
        Portal.uninstalled_at < before).order_by(Portal.id)))


def active(session: Session) -> Iterator[Portal]:
    yield from session.scalars(select(Portal).where(Portal.status == "active").order_by(Portal.id))


def never_synced(session: Session) -> Iterator[Portal]:
    """Active portals the sync has not read yet: no deal cursor, or the directory still owed."""
    synced = select(SyncCursor.portal_id).where(SyncCursor.entity == "deal")
    owed = select(SyncCursor.portal_id).where(SyncCursor.entity == DIRECTORY_CURSOR,
                                              SyncCursor.watermark.is_(None))
    yield from session.scalars(select(Portal).where(
        Portal.status == "active", or_(Portal.id.not_in(synced), Portal.id.in_(owed)))
        .order_by(Portal.id))
