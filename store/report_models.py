"""What the report needs beyond the core mirror: open activities, deal touches, client keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.db import Base
from store.types import BigId, UTCDateTime, portal_fk


class OpenActivity(Base):
    """Planned, not completed activities (calls, meetings, to-dos): a deal's next step."""

    __tablename__ = "open_activities"
    __table_args__ = (UniqueConstraint("portal_id", "b24_activity_id"),
                      Index("ix_open_activities_owner", "portal_id", "owner_type_id", "owner_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    b24_activity_id: Mapped[int] = mapped_column(Integer)
    owner_type_id: Mapped[int] = mapped_column(Integer)  # 2 = deal (§8.1)
    owner_id: Mapped[int] = mapped_column(Integer)
    responsible_id: Mapped[int | None] = mapped_column(Integer)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)


class DealTouch(Base):
    """An activity or comment seen recorded on a deal (from its event): the card was worked on.

    `own` marks what the app itself wrote (exchange and call comments, call-back to-dos: the
    author is the user the app acts as): that is not somebody working the card."""

    __tablename__ = "deal_touches"
    __table_args__ = (UniqueConstraint("portal_id", "kind", "b24_id", "b24_deal_id"),
                      Index("ix_deal_touches_deal", "portal_id", "b24_deal_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # activity | comment | portal (LAST_ACTIVITY)
    b24_id: Mapped[int] = mapped_column(Integer)
    b24_deal_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    own: Mapped[bool] = mapped_column(Boolean, default=False)


class ContactKey(Base):
    """One row per phone or e-mail of a contact/company: duplicates found with a GROUP BY."""

    __tablename__ = "contact_keys"
    __table_args__ = (UniqueConstraint("portal_id", "entity_type", "b24_id", "key"),
                      Index("ix_contact_keys_key", "portal_id", "key"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    entity_type: Mapped[str] = mapped_column(String(8))
    b24_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(255))


class FirstCall(Base):
    """Each number's first call ever (by anyone): "new call" vs "repeat call" in the report.

    Kept by store.calls.upsert_call as calls arrive, so the report counts the period's new
    calls from this small table instead of ranking every call of every number it touched
    (1.3-2 s for a month of 250 000 calls).
    """

    __tablename__ = "first_calls"
    __table_args__ = (UniqueConstraint("portal_id", "phone"),
                      Index("ix_first_calls_time", "portal_id", "start_at", "user_id",
                            "call_type"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    phone: Mapped[str] = mapped_column(String(32))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    call_row_id: Mapped[int] = mapped_column(BigId)  # calls.id of that first call
    # Copied from that call, so the report counts new calls per manager from this table alone.
    user_id: Mapped[int | None] = mapped_column(Integer)
    call_type: Mapped[int] = mapped_column(Integer)
