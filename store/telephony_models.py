"""Tables of the telephony area (imported by store.models so Alembic and create_all see them).

- `call_deals`: phone -> the deal a call opened (pending until the portal gave it an id), so a
  second call from the same number goes to that deal's timeline instead of a new deal.
- `call_work`: the portal work calls cause (register/finish a PBX call, create a deal, comment,
  call-back to-do), queued under unique keys and run by a job that can wait for the answers.
- `pbx_calls`: what an external PBX told us beyond the call row, and the portal's CALL_ID.
- `callback_todos`: the call-back to-dos we created, so a deal never gets two open ones.
- `missed_calls`: every missed incoming call with its first call-back, so lost-call KPIs are an
  aggregate over a small table instead of a correlated search over all calls.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.db import Base
from store.models import Call
from store.types import BigId, UTCDateTime, portal_fk

# Finds "the first answered call with this number after t" by one index seek (lost calls), and
# every call of a number (the page's call history).
Index("ix_calls_phone_answered", Call.portal_id, Call.phone, Call.answered, Call.start_at)
# Covers every column the KPI aggregates read, so a year of calls is scanned from the index
# alone (SQLite: 3x faster than visiting the table rows; PostgreSQL: index-only scans).
Index("ix_calls_kpis", Call.portal_id, Call.start_at, Call.call_type, Call.answered,
      Call.duration, Call.answer_seconds, Call.user_id, Call.line)


class CallDeal(Base):
    __tablename__ = "call_deals"
    __table_args__ = (
        UniqueConstraint("portal_id", "origin_call_id"),
        Index("ix_call_deals_phone", "portal_id", "phone", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    phone: Mapped[str] = mapped_column(String(32))
    line: Mapped[str | None] = mapped_column(String(64))
    origin_call_id: Mapped[str] = mapped_column(String(128))
    b24_deal_id: Mapped[int | None] = mapped_column(Integer)
    contact_id: Mapped[int | None] = mapped_column(Integer)
    company_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|open|closed|failed
    call_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the call that opened it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CallWork(Base):
    __tablename__ = "call_work"
    __table_args__ = (
        UniqueConstraint("portal_id", "key"),
        Index("ix_call_work_due", "portal_id", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    key: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(16))  # pbx | deal | comment | todo
    call_id: Mapped[str | None] = mapped_column(String(128))
    call_deal_id: Mapped[int | None] = mapped_column(
        ForeignKey("call_deals.id", ondelete="CASCADE"))
    b24_deal_id: Mapped[int | None] = mapped_column(Integer)
    responsible_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # pending | done | skipped | failed
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PbxCall(Base):
    __tablename__ = "pbx_calls"
    __table_args__ = (
        UniqueConstraint("portal_id", "call_id"),
        Index("ix_pbx_calls_b24", "portal_id", "b24_call_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    call_id: Mapped[str] = mapped_column(String(128))
    b24_call_id: Mapped[str | None] = mapped_column(String(128))
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    user_id: Mapped[int | None] = mapped_column(Integer)
    extension: Mapped[str | None] = mapped_column(String(32))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CallbackTodo(Base):
    __tablename__ = "callback_todos"
    __table_args__ = (Index("ix_callback_todos_deal", "portal_id", "b24_deal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    b24_deal_id: Mapped[int] = mapped_column(Integer)
    activity_id: Mapped[int] = mapped_column(Integer)
    responsible_id: Mapped[int] = mapped_column(Integer)
    call_id: Mapped[str | None] = mapped_column(String(128))
    origin: Mapped[str] = mapped_column(String(8))  # missed | manual
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MissedCall(Base):
    __tablename__ = "missed_calls"
    __table_args__ = (  # the time index covers what the lost-call KPIs read
        Index("ix_missed_calls_time", "portal_id", "start_at", "callback_seconds", "user_id",
              "line"),
        Index("ix_missed_calls_phone", "portal_id", "phone", "start_at"),
    )

    call_pk: Mapped[int] = mapped_column(BigId, ForeignKey("calls.id", ondelete="CASCADE"),
                                         primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk())
    phone: Mapped[str] = mapped_column(String(32))
    line: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(Integer)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    callback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first answered call after
    callback_seconds: Mapped[int | None] = mapped_column(Integer)  # callback_at - start_at


class CallHour(Base):
    """Calls of one UTC hour, summed per grain: "all", per "user" or per "line".

    A rollup of `calls` for the KPI breakdowns (handlers/telephony/kpis.py): a year of a busy
    department is ~1 000 000 calls but ~100 000 rows here. Kept exact by store.call_hours,
    which recomputes a changed hour from its calls (never adds deltas, so a replayed event
    leaves it as it was). `start_at` is the hour and `user_id`/`line` carry the call's own
    values (NULL where the grain does not split by them), so the KPI dimensions read it as
    they read `calls`.
    """

    __tablename__ = "call_hours"
    __table_args__ = (Index("ix_call_hours_grain", "portal_id", "grain", "start_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk())
    grain: Mapped[str] = mapped_column(String(4))  # all | user | line
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the hour, UTC
    user_id: Mapped[int | None] = mapped_column(Integer)
    line: Mapped[str | None] = mapped_column(String(64))
    incoming: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    answer_timed: Mapped[int] = mapped_column(Integer, default=0)
    answer_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    within_rings: Mapped[int] = mapped_column(Integer, default=0)
    talked: Mapped[int] = mapped_column(Integer, default=0)
    talk_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    outgoing: Mapped[int] = mapped_column(Integer, default=0)
    outgoing_answered: Mapped[int] = mapped_column(Integer, default=0)
    long_outgoing: Mapped[int] = mapped_column(Integer, default=0)
    conversations: Mapped[int] = mapped_column(Integer, default=0)  # CALL_TYPE 1-3
    duration_seconds: Mapped[int] = mapped_column(BigInteger, default=0)  # every call's


class CallHourRules(Base):
    """A portal's `call_hours` are complete, and counted with these two thresholds.

    No row: the rollup is not built yet (the KPIs read `calls`). Thresholds other than the
    telephony settings' (changed since): the KPIs read `calls` until the rollup is rebuilt."""

    __tablename__ = "call_hour_rules"

    portal_id: Mapped[int] = mapped_column(portal_fk(), primary_key=True)
    ring_seconds: Mapped[int] = mapped_column(Integer)
    long_call_seconds: Mapped[int] = mapped_column(Integer)
