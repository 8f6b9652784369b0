"""Tables of the routing area (imported by store.models so Alembic and create_all see them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.db import Base
from store.types import BigId, UTCDateTime, portal_fk


class PbxSecret(Base):
    """The shared secret a portal's PBX sends in `X-PBX-Secret` (routing and call intake).

    Only a SHA-256 of the secret is kept: the admin sees it once, when it is issued, and pastes
    it into the PBX. The secret is 256 random bits, so a fast hash is enough (nothing to
    brute-force), and a stolen database does not let anyone call the PBX endpoints.
    """

    __tablename__ = "pbx_secrets"
    __table_args__ = (UniqueConstraint("portal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk())
    secret_hash: Mapped[str] = mapped_column(String(64))
    hint: Mapped[str] = mapped_column(String(8), default="")  # last characters, to recognise it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(Integer)


class RoutingCall(Base):
    """One incoming call the PBX asked us to route: the plan we gave, what happened, the card.

    `steps` is the plan as given ([{"step", "kind", "users"}]); the outcome columns are what
    the PBX reported; the `card_*` columns are what we have told Bitrix24 so far, so the card
    job can bring the portal up to date (and retry) without ever registering a call twice.
    """

    __tablename__ = "routing_calls"
    __table_args__ = (
        UniqueConstraint("portal_id", "routing_id"),
        Index("ix_routing_calls_portal_created", "portal_id", "created_at"),
        Index("ix_routing_calls_cards_pending", "cards_pending", "portal_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk())
    routing_id: Mapped[str] = mapped_column(String(32))
    caller: Mapped[str] = mapped_column(String(32), default="")  # E.164 when parseable
    line: Mapped[str | None] = mapped_column(String(64))
    client_type: Mapped[str | None] = mapped_column(String(8))  # CONTACT | COMPANY | LEAD
    client_id: Mapped[int | None] = mapped_column(Integer)
    client_name: Mapped[str] = mapped_column(String(255), default="")
    responsible_id: Mapped[int | None] = mapped_column(Integer)
    deal_id: Mapped[int | None] = mapped_column(Integer)  # the deal the responsible came from
    out_of_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    ring_seconds: Mapped[int] = mapped_column(Integer, default=10)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # routed | ringing | answered | missed
    status: Mapped[str] = mapped_column(String(12), default="routed")
    reached_step: Mapped[int | None] = mapped_column(Integer)
    answered_step: Mapped[int | None] = mapped_column(Integer)
    answered_by: Mapped[int | None] = mapped_column(Integer)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=0)  # +1 per progress report
    cards: Mapped[bool] = mapped_column(Boolean, default=False)  # we are the PBX's connector
    cards_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    card_call_id: Mapped[str | None] = mapped_column(String(128))
    card_user_id: Mapped[int | None] = mapped_column(Integer)  # who the call was registered to
    card_shown: Mapped[list[int]] = mapped_column(JSON, default=list)
    card_hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    card_finished: Mapped[bool] = mapped_column(Boolean, default=False)
    card_attempts: Mapped[int] = mapped_column(Integer, default=0)
    card_next_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    card_error: Mapped[str | None] = mapped_column(Text)
    # Steps the plan left out because everyone new at them was away ([{"step", "kind",
    # "users": [{"user_id", "reason"}]}]): counted in the escalations (issue 18).
    skipped: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class RoutingPresence(Base):
    """Who is away right now, as the presence job last saw them (one row per person tracked).

    `reason` None means present. The routing snapshot reads these rows, never the portal: the
    PBX's request stays local (handlers/routing/presence.py).
    """

    __tablename__ = "routing_presence"
    __table_args__ = (UniqueConstraint("portal_id", "b24_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk())
    b24_user_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(16))
    until: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(8), default="")
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
