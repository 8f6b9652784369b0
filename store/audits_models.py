"""Tables of the audits area (imported by store.models so Alembic and create_all see them).

Rejections waiting for (or done with) the quality controller's audit, the callbacks scheduled
for them, the hand-off of first-time buyers to the senior specialist, and his daily counters.
Work the scheduler must do later (a callback, a hand-off) is a row with a lease, so a restart
loses none and a second worker takes none twice (store.audits.claim_due).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.db import Base
from store.types import BigId, UTCDateTime, portal_fk


class Leased:
    """Durable scheduled work: scheduled -> firing (leased) -> done | failed | skipped."""

    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_by: Mapped[str | None] = mapped_column(String(64))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class Rejection(Base):
    """A deal closed as lost (or a lead closed as junk), with what was done before it.

    `state`: collecting (evidence being read) -> open (waiting for the audit) -> confirmed |
    false_rejection | reengaged."""

    __tablename__ = "rejections"
    __table_args__ = (
        UniqueConstraint("portal_id", "dedupe_key"),
        Index("ix_rejections_queue", "portal_id", "state", "score"),
        Index("ix_rejections_manager_time", "portal_id", "manager_id", "rejected_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    entity_type: Mapped[str] = mapped_column(String(8))  # deal | lead
    b24_entity_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(512), default="")
    category_id: Mapped[int | None] = mapped_column(Integer)
    stage_id: Mapped[str] = mapped_column(String(64))  # the failure stage/status = category
    reason: Mapped[str | None] = mapped_column(Text)  # COMMENTS or the last timeline comment
    manager_id: Mapped[int | None] = mapped_column(Integer)
    contact_id: Mapped[int | None] = mapped_column(Integer)
    company_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the deal's DATE_CREATE
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default="collecting")
    score: Mapped[int] = mapped_column(Integer, default=0)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sampled: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome_by: Mapped[int | None] = mapped_column(Integer)
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    new_deal_id: Mapped[int | None] = mapped_column(Integer)  # "client re-engaged"
    lead_audit_id: Mapped[int | None] = mapped_column(Integer)  # the lead rules' queue row
    dedupe_key: Mapped[str] = mapped_column(String(128))


class AuditCallback(Leased, Base):
    """The quality controller's callback for one rejection, created in the portal when due."""

    __tablename__ = "audit_callbacks"
    __table_args__ = (
        UniqueConstraint("rejection_id"),
        Index("ix_audit_callbacks_due", "portal_id", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    rejection_id: Mapped[int] = mapped_column(ForeignKey("rejections.id", ondelete="CASCADE"))
    responsible_id: Mapped[int | None] = mapped_column(Integer)
    b24_task_id: Mapped[int | None] = mapped_column(Integer)


class ClientHandoff(Leased, Base):
    """A first-time buyer handed to the senior specialist: once per client, ever."""

    __tablename__ = "client_handoffs"
    __table_args__ = (
        UniqueConstraint("portal_id", "entity_type", "b24_client_id"),
        Index("ix_client_handoffs_due", "portal_id", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    entity_type: Mapped[str] = mapped_column(String(8))  # CONTACT | COMPANY
    b24_client_id: Mapped[int] = mapped_column(Integer)
    b24_deal_id: Mapped[int] = mapped_column(Integer)  # the first won deal
    category_id: Mapped[int] = mapped_column(Integer, default=0)
    senior_id: Mapped[int | None] = mapped_column(Integer)
    previous_assigned_id: Mapped[int | None] = mapped_column(Integer)
    won_at: Mapped[datetime] = mapped_column(UTCDateTime)
    b24_todo_id: Mapped[int | None] = mapped_column(Integer)


class SeniorDayCounter(Base):
    """The senior specialist's work with handed-off clients, one row per person and day
    (definitions in handlers.audits.counters)."""

    __tablename__ = "senior_day_counters"
    __table_args__ = (UniqueConstraint("portal_id", "user_id", "day"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    user_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    first_calls: Mapped[int] = mapped_column(Integer, default=0)
    proposals: Mapped[int] = mapped_column(Integer, default=0)
    repeat_calls: Mapped[int] = mapped_column(Integer, default=0)
    invoices: Mapped[int] = mapped_column(Integer, default=0)
    payments: Mapped[int] = mapped_column(Integer, default=0)
    feedback_calls: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
