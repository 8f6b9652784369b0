"""Tables of «Мой день»: each employee's end-of-day report and the reminders sent for it.

One report per person and working day (the unique key makes a second submit an edit, never a
twin). The report's copy in the portal (a timeline comment, handlers/myday/crm.py) is durable
work on the same row: the Leased columns carry its status, so a refused or lost write is
retried by the job and never dropped. One reminder row per person and day is written before
the notice is sent, so a rerun of the job (or a second worker) never reminds twice.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.audits_models import Leased
from store.db import Base
from store.types import BigId, UTCDateTime


class DayReport(Leased, Base):
    """«Мой день» of one employee for one day; status/due_at/... = its write to the portal."""

    __tablename__ = "day_reports"
    __table_args__ = (UniqueConstraint("portal_id", "user_id", "day"),
                      Index("ix_day_reports_due", "portal_id", "status", "due_at"),
                      Index("ix_day_reports_day", "portal_id", "day"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    counters: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # as handed in
    prefill: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # what the app counted
    ratings: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # call id -> 1..5
    text: Mapped[str] = mapped_column(Text, default="")  # «Что решил сегодня и что это даст»
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    comment: Mapped[str | None] = mapped_column(Text)  # the head's
    comment_by: Mapped[int | None] = mapped_column(Integer)
    comment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    b24_comment_id: Mapped[int | None] = mapped_column(Integer)  # its copy in the portal


class DayReminder(Base):
    """The reminder sent to one person for one day (written first: at most one per day)."""

    __tablename__ = "day_reminders"
    __table_args__ = (UniqueConstraint("portal_id", "user_id", "day"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
