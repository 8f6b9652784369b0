"""Tables of the communication area: what managers and clients wrote or said, checked once.

One row per message (an e-mail activity, one open-line message, a call's transcript), keyed by
the portal's ids so a rerun of the sync writes nothing twice; the checks' verdict is stored on
the row, so the tab and the owner's report aggregate without re-reading any text.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.db import Base
from store.types import BigId, UTCDateTime


class CommMessage(Base):
    __tablename__ = "comm_messages"
    __table_args__ = (UniqueConstraint("portal_id", "source_key"),
                      Index("ix_comm_messages_portal_at", "portal_id", "at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id", ondelete="CASCADE"))
    source_key: Mapped[str] = mapped_column(String(64))  # "act:123", "ol:45:678", "call:9"
    b24_activity_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))  # email | openline | call
    thread: Mapped[str] = mapped_column(String(64))
    incoming: Mapped[bool] = mapped_column(Boolean)
    manager_id: Mapped[int | None] = mapped_column(Integer)  # the responsible manager
    contact_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    subject: Mapped[str] = mapped_column(String(255), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    named: Mapped[bool | None] = mapped_column(Boolean)  # None: not judged (incoming, no name)
    misspelled: Mapped[list[str]] = mapped_column(JSON, default=list)
    forbidden: Mapped[list[str]] = mapped_column(JSON, default=list)
    rejection: Mapped[list[str]] = mapped_column(JSON, default=list)
