"""Routed calls and the PBX secret: rows the routing API writes and the card job brings up to date.

The API only ever writes the call's outcome columns and bumps `version`; the card job only writes
`card_*` columns, and clears `cards_pending` only if no report arrived meanwhile (compare-and-set
on `version`), so neither can undo the other's work.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from store.routing_models import PbxSecret, RoutingCall

SECRET_BYTES = 32


def hash_secret(secret: str) -> str:
    """SHA-256 hex: what is stored and compared, never the secret itself."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(presented: str | None, stored_hash: str | None) -> bool:
    """Constant time; a portal without a secret refuses everyone (fail closed)."""
    if not presented or not stored_hash:
        return False
    return hmac.compare_digest(hash_secret(presented), stored_hash)


def find_pbx_secret(session: Session, portal_id: int) -> PbxSecret | None:
    """The portal's secret record (hash, hint, when and by whom), or None if never issued."""
    return session.scalar(select(PbxSecret).where(PbxSecret.portal_id == portal_id))


def issue_pbx_secret(session: Session, portal_id: int, *, user_id: int | None,
                     now: datetime) -> str:
    """A new secret replaces the old one at once; the plain text is returned only here."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    row = find_pbx_secret(session, portal_id)
    if row is None:
        row = PbxSecret(portal_id=portal_id)
        session.add(row)
    row.secret_hash, row.hint = hash_secret(secret), secret[-4:]
    row.created_at, row.created_by = now, user_id
    session.flush()
    return secret


def check_pbx_secret(session: Session, portal_id: int, presented: str | None) -> bool:
    """For any PBX endpoint (routing, call intake): does the header carry this portal's secret?"""
    row = find_pbx_secret(session, portal_id)
    return secret_matches(presented, row.secret_hash if row else None)


def add_call(session: Session, **values: Any) -> RoutingCall:
    """A routed call, as the plan was given; the caller commits."""
    row = RoutingCall(**values)
    session.add(row)
    session.flush()
    return row


def record_routed(session: Session, **values: Any) -> None:
    """The routed call as one autocommitted INSERT, first thing in the session: the PBX waits
    on this request, and BEGIN and COMMIT were half its round trips to PostgreSQL (a single
    INSERT is atomic anyway). Nothing else may run in this session's transaction."""
    connection = session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    connection.execute(insert(RoutingCall).values(**values))


def find_call(session: Session, portal_id: int, routing_id: str, *,
              for_update: bool = False) -> RoutingCall | None:
    """By the routing id the PBX got; `for_update` locks the row (PostgreSQL)."""
    stmt = select(RoutingCall).where(RoutingCall.portal_id == portal_id,
                                     RoutingCall.routing_id == routing_id)
    return session.scalar(stmt.with_for_update() if for_update else stmt)


def pending_cards(session: Session, portal_id: int, now: datetime,
                  limit: int = 20) -> list[RoutingCall]:
    """Calls whose card in Bitrix24 lags behind what the PBX reported, oldest first."""
    return list(session.scalars(select(RoutingCall).where(
        RoutingCall.cards_pending.is_(True), RoutingCall.portal_id == portal_id,
        (RoutingCall.card_next_at.is_(None)) | (RoutingCall.card_next_at <= now))
        .order_by(RoutingCall.id).limit(limit)))


def portals_with_pending_cards(session: Session) -> list[int]:
    """Portals with any call whose card lags (the card job's idle check)."""
    return list(session.scalars(select(RoutingCall.portal_id).where(
        RoutingCall.cards_pending.is_(True)).distinct()))


def save_card(session: Session, call_id: int, **values: Any) -> None:
    """Write card_* columns only (never the outcome the API may be changing right now)."""
    if not all(k.startswith("card_") for k in values):
        raise ValueError(f"not a card column: {sorted(values)}")
    session.execute(update(RoutingCall).where(RoutingCall.id == call_id).values(**values)
                    .execution_options(synchronize_session=False))


def settle_card(session: Session, call_id: int, version: int) -> bool:
    """Nothing left to tell the portal, unless a newer report arrived while we were telling it."""
    result = session.execute(update(RoutingCall).where(
        RoutingCall.id == call_id, RoutingCall.version == version)
        .values(cards_pending=False).execution_options(synchronize_session=False))
    return result.rowcount == 1


def give_up_card(session: Session, call_id: int, error: str, attempts: int) -> None:
    """Stop retrying a card the portal keeps refusing; the error stays for the logs and page."""
    session.execute(update(RoutingCall).where(RoutingCall.id == call_id).values(
        cards_pending=False, card_error=error[:2000], card_attempts=attempts)
        .execution_options(synchronize_session=False))
