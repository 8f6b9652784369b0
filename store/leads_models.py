"""Tables of the leads area (imported by store.models so Alembic and create_all see them).

The lead mirror itself is `store.models.Lead`; these tables hold what the lead rules add to it:
the SLA track of every lead, the rules' journal, the junk audit queue and conversions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.db import Base
from store.types import BigId, UTCDateTime, portal_fk


class LeadTrack(Base):
    """A lead as the rules see it: the status it is in since when, its deadline, the card data
    the conversion check needs (the mirror keeps only what reports read)."""

    __tablename__ = "lead_tracks"
    __table_args__ = (
        UniqueConstraint("portal_id", "b24_lead_id"),
        Index("ix_lead_tracks_due", "portal_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    b24_lead_id: Mapped[int] = mapped_column(Integer)
    status_id: Mapped[str] = mapped_column(String(64), default="")
    status_semantic: Mapped[str] = mapped_column(String(1), default="P")
    open_status_id: Mapped[str | None] = mapped_column(String(64))  # the last in-progress one
    status_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None once final
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_name: Mapped[str] = mapped_column(String(255), default="")
    name: Mapped[str] = mapped_column(String(255), default="")
    second_name: Mapped[str] = mapped_column(String(255), default="")
    company_title: Mapped[str] = mapped_column(String(255), default="")
    phones: Mapped[list[str]] = mapped_column(JSON, default=list)  # normalised (E.164)
    emails: Mapped[list[str]] = mapped_column(JSON, default=list)
    junk_reason: Mapped[str | None] = mapped_column(String(255))  # the reason field's text
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LeadRuleEvent(Base):
    """The rules' journal: overdue, escalated, junk_ok, flagged, blocked, converted, repeat."""

    __tablename__ = "lead_rule_events"
    __table_args__ = (
        UniqueConstraint("portal_id", "dedupe_key"),
        Index("ix_lead_rule_events_kind_time", "portal_id", "kind", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    b24_lead_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(Integer)  # whom it concerns (manager, head)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    dedupe_key: Mapped[str] = mapped_column(String(128))  # a retried event records nothing new


class LeadJunkAudit(Base):
    """A lead closed as junk without a reason or without proof of a contact attempt.

    The audit queue of issue 06: `state` open -> taken -> confirmed | false_rejection."""

    __tablename__ = "lead_junk_audits"
    __table_args__ = (
        UniqueConstraint("portal_id", "dedupe_key"),
        Index("ix_lead_junk_audits_state", "portal_id", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    b24_lead_id: Mapped[int] = mapped_column(Integer)
    status_id: Mapped[str] = mapped_column(String(64))  # the failure status = reason category
    reason: Mapped[str | None] = mapped_column(String(255))
    manager_id: Mapped[int | None] = mapped_column(Integer)  # responsible when junked
    junked_by: Mapped[int | None] = mapped_column(Integer)
    missing: Mapped[list[str]] = mapped_column(JSON, default=list)  # reason, call, email, ...
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # what was found
    mode: Mapped[str] = mapped_column(String(8))  # flag | block
    state: Mapped[str] = mapped_column(String(16), default="open")
    junked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    dedupe_key: Mapped[str] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)


class LeadConversion(Base):
    """One conversion per lead: what was found or created, so a retry creates nothing twice."""

    __tablename__ = "lead_conversions"
    __table_args__ = (UniqueConstraint("portal_id", "b24_lead_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    b24_lead_id: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12), default="running")  # running|done|failed
    user_id: Mapped[int | None] = mapped_column(Integer)
    contact_id: Mapped[int | None] = mapped_column(Integer)
    contact_found: Mapped[bool | None] = mapped_column(Boolean)
    company_id: Mapped[int | None] = mapped_column(Integer)
    deal_id: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
