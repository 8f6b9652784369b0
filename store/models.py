"""Tables: installed portals, the durable event inbox, sync cursors and the local CRM mirror."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.crypto import EncryptedText
from store.db import Base
from store.types import BigId, UTCDateTime, portal_fk


class Portal(Base):
    """One installation, keyed by member_id (the domain may change, §0)."""

    __tablename__ = "portals"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[str] = mapped_column(String(64), unique=True)
    domain: Mapped[str] = mapped_column(String(255))
    client_endpoint: Mapped[str] = mapped_column(String(512))
    server_endpoint: Mapped[str | None] = mapped_column(String(512))
    # Encrypted at rest (store/crypto.py); application_token only as a keyed hash.
    access_token: Mapped[str | None] = mapped_column(EncryptedText)
    refresh_token: Mapped[str | None] = mapped_column(EncryptedText)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tokens_refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    application_token_hash: Mapped[str | None] = mapped_column(String(96))
    scope: Mapped[str] = mapped_column(String(512), default="")
    status: Mapped[str] = mapped_column(String(16), default="active")  # active|uninstalled|gone
    # Set by a confirmed ONAPPUNINSTALL: the data is purged after the retention period if the
    # portal asked for it (CLEAN=1) and is still uninstalled then (jobs/uninstalled.py).
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    purge_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    installer_user_id: Mapped[int | None] = mapped_column(Integer)
    lang: Mapped[str] = mapped_column(String(8), default="ru")
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class InboxEvent(Base):
    """An acknowledged event waiting for (or done with) processing.

    `coalesce_key` is set only while the row is pending: a second identical delivery (same code
    and data) merges into it, while a later change after processing gets its own row, because
    handlers re-read the entity anyway.
    """

    __tablename__ = "inbox_events"
    __table_args__ = (
        UniqueConstraint("portal_id", "coalesce_key"),
        Index("ix_inbox_events_due", "status", "next_attempt_at"),
        Index("ix_inbox_events_portal_status", "portal_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    code: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    event_ts: Mapped[str | None] = mapped_column(String(32))
    coalesce_key: Mapped[str | None] = mapped_column(String(64))
    # pending | processing | done | dead
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SyncCursor(Base):
    """Per-portal watermark of the incremental sync: what changed since we last looked."""

    __tablename__ = "sync_cursors"
    __table_args__ = (UniqueConstraint("portal_id", "entity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    entity: Mapped[str] = mapped_column(String(32))
    watermark: Mapped[str | None] = mapped_column(String(40))  # DATE_MODIFY as the portal wrote it
    last_id: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class User(Base):
    __tablename__ = "b24_users"
    __table_args__ = (UniqueConstraint("portal_id", "b24_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    b24_user_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255), default="")
    last_name: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str | None] = mapped_column(String(255))
    work_position: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    department_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    phone_inner: Mapped[str | None] = mapped_column(String(32))

    @property
    def full_name(self) -> str:
        return f"{self.name} {self.last_name}".strip() or f"#{self.b24_user_id}"


class Department(Base):
    __tablename__ = "b24_departments"
    __table_args__ = (UniqueConstraint("portal_id", "b24_department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    b24_department_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255), default="")
    parent_id: Mapped[int | None] = mapped_column(Integer)
    head_id: Mapped[int | None] = mapped_column(Integer)
    sort: Mapped[int] = mapped_column(Integer, default=500)


class Stage(Base):
    """Lead statuses and deal stages with their semantics (crm.status.list, §8.3)."""

    __tablename__ = "stages"
    __table_args__ = (UniqueConstraint("portal_id", "entity_id", "status_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    entity_id: Mapped[str] = mapped_column(String(64))  # STATUS, DEAL_STAGE, DEAL_STAGE_1, SOURCE
    status_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255), default="")
    sort: Mapped[int] = mapped_column(Integer, default=0)
    semantics: Mapped[str] = mapped_column(String(1), default="P")  # P in progress | S | F
    category_id: Mapped[int | None] = mapped_column(Integer)


class Category(Base):
    """Deal pipelines by name (crm.category.list, entityTypeId 2); 0 is the default one."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("portal_id", "b24_category_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    b24_category_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255), default="")
    sort: Mapped[int] = mapped_column(Integer, default=0)


class Deal(Base):
    __tablename__ = "deals"
    __table_args__ = (
        UniqueConstraint("portal_id", "b24_deal_id"),
        Index("ix_deals_open_by_manager", "portal_id", "stage_semantic", "assigned_by_id"),
        # The report's hygiene checks read open deals from these two alone (index-only): the
        # contact's open deals with their managers, and every open deal's dates and manager.
        Index("ix_deals_contact", "portal_id", "contact_id", "stage_semantic", "deleted",
              "assigned_by_id", "b24_deal_id"),
        Index("ix_deals_open", "portal_id", "stage_semantic", "deleted", "b24_deal_id",
              "assigned_by_id", "moved_time", "date_create"),
        # The report's per-deal lookups (manager, amount) from the index alone.
        Index("ix_deals_owner", "portal_id", "b24_deal_id", "assigned_by_id", "opportunity"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    b24_deal_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(512), default="")
    category_id: Mapped[int] = mapped_column(Integer, default=0)
    stage_id: Mapped[str] = mapped_column(String(64), default="")
    stage_semantic: Mapped[str] = mapped_column(String(1), default="P")
    assigned_by_id: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    contact_id: Mapped[int | None] = mapped_column(Integer)
    company_id: Mapped[int | None] = mapped_column(Integer)
    lead_id: Mapped[int | None] = mapped_column(Integer)
    source_id: Mapped[str | None] = mapped_column(String(64))
    opportunity: Mapped[Decimal] = mapped_column(Numeric(18, 2), default=Decimal(0))
    currency_id: Mapped[str | None] = mapped_column(String(8))
    date_create: Mapped[datetime | None] = mapped_column(UTCDateTime)
    date_modify: Mapped[datetime | None] = mapped_column(UTCDateTime)
    moved_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # UF_* and the rest


class DealStageHistory(Base):
    """Stage transitions from crm.stagehistory.list (§8.9): the funnel is built from these."""

    __tablename__ = "deal_stage_history"
    __table_args__ = (
        UniqueConstraint("portal_id", "b24_history_id"),
        # Both indexes carry every column the report reads, so its scans over a month of
        # transitions never visit the table (index-only on SQLite and PostgreSQL).
        Index("ix_deal_stage_history_time", "portal_id", "created_at", "stage_semantic",
              "b24_deal_id", "stage_id", "category_id"),
        Index("ix_deal_stage_history_deal", "portal_id", "b24_deal_id", "type_id",
              "category_id", "created_at", "stage_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    b24_history_id: Mapped[int] = mapped_column(Integer)
    b24_deal_id: Mapped[int] = mapped_column(Integer, index=True)
    type_id: Mapped[int] = mapped_column(Integer)  # 1 created, 2 intermediate, 3 final, 5 funnel
    category_id: Mapped[int] = mapped_column(Integer, default=0)
    stage_id: Mapped[str] = mapped_column(String(64))
    stage_semantic: Mapped[str] = mapped_column(String(1), default="P")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Lead(Base):
    __tablename__ = "leads"
    __table_args__ = (UniqueConstraint("portal_id", "b24_lead_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    b24_lead_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(512), default="")
    status_id: Mapped[str] = mapped_column(String(64), default="")
    status_semantic: Mapped[str] = mapped_column(String(1), default="P")
    assigned_by_id: Mapped[int | None] = mapped_column(Integer)
    source_id: Mapped[str | None] = mapped_column(String(64))
    contact_id: Mapped[int | None] = mapped_column(Integer)
    company_id: Mapped[int | None] = mapped_column(Integer)
    phones: Mapped[list[str]] = mapped_column(JSON, default=list)
    date_create: Mapped[datetime | None] = mapped_column(UTCDateTime)
    date_modify: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class Call(Base):
    """One telephony call, from Bitrix24's own telephony or an external PBX, stored once."""

    __tablename__ = "calls"
    __table_args__ = (
        UniqueConstraint("portal_id", "call_id"),
        Index("ix_calls_portal_start", "portal_id", "start_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    call_id: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(16), default="b24")  # b24 | pbx
    # 1 out, 2 in, 3 in-redirect, 4 callback, 5 info (§9.3)
    call_type: Mapped[int] = mapped_column(Integer)
    phone: Mapped[str] = mapped_column(String(32), default="")  # E.164 when parseable
    phone_raw: Mapped[str] = mapped_column(String(64), default="")
    line: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(Integer)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answer_seconds: Mapped[int | None] = mapped_column(Integer)
    duration: Mapped[int] = mapped_column(Integer, default=0)
    failed_code: Mapped[str | None] = mapped_column(String(16))
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    record_url: Mapped[str | None] = mapped_column(String(1024))
    # The recording as a portal disk file (RECORD_FILE_ID, or attachRecord's FILE_ID): played
    # through the app (disk.file.get -> DOWNLOAD_URL), never linked to the browser.
    record_file_id: Mapped[int | None] = mapped_column(Integer)
    crm_entity_type: Mapped[str | None] = mapped_column(String(16))
    crm_entity_id: Mapped[int | None] = mapped_column(Integer)
    crm_activity_id: Mapped[int | None] = mapped_column(Integer)
    # The client's rating of the call, 1-5 (CALL_VOTE of voximplant.statistic.get); None: none.
    vote: Mapped[int | None] = mapped_column(Integer)


class Contact(Base):
    """Contacts and companies by phone/e-mail: who the client is, whose client it is."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("portal_id", "entity_type", "b24_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    entity_type: Mapped[str] = mapped_column(String(8))  # CONTACT | COMPANY
    b24_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(512), default="")
    assigned_by_id: Mapped[int | None] = mapped_column(Integer)
    phones: Mapped[list[str]] = mapped_column(JSON, default=list)  # normalised (E.164)
    emails: Mapped[list[str]] = mapped_column(JSON, default=list)
    date_modify: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PortalSettings(Base):
    """The settings the admin edits in the app tab: one JSON document per portal, per section."""

    __tablename__ = "portal_settings"
    __table_args__ = (UniqueConstraint("portal_id", "section"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    section: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[int | None] = mapped_column(Integer)


class ExchangeEvent(Base):
    """The exchange's journal: landed, claimed, reverted, returned, stale, swept, restored."""

    __tablename__ = "exchange_events"
    __table_args__ = (
        UniqueConstraint("portal_id", "dedupe_key"),
        Index("ix_exchange_events_kind_time", "portal_id", "kind", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    b24_deal_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(Integer)  # the manager it concerns
    reason: Mapped[str | None] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    dedupe_key: Mapped[str] = mapped_column(String(128))  # a retried event records nothing new


class Sweep(Base):
    """A "keep" sweep: every open deal of the chosen managers not marked keep goes back."""

    __tablename__ = "keep_sweeps"

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    manager_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # planned | sending (some deals not confirmed by the portal yet) | done | undone | cancelled
    status: Mapped[str] = mapped_column(String(12), default="planned")
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SweepItem(Base):
    __tablename__ = "keep_sweep_items"
    __table_args__ = (UniqueConstraint("sweep_id", "b24_deal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sweep_id: Mapped[int] = mapped_column(ForeignKey("keep_sweeps.id", ondelete="CASCADE"),
                                          index=True)
    b24_deal_id: Mapped[int] = mapped_column(Integer)
    previous_assigned_id: Mapped[int] = mapped_column(Integer)
    # sending (the update is not confirmed) | done (the portal has it) | skipped (moved by
    # someone else meanwhile); rows from before states existed were all done
    status: Mapped[str] = mapped_column(String(12), server_default="done")


class EchoMark(Base):
    """We just wrote this entity: its next update event by our own user is our echo (§14.3)."""

    __tablename__ = "echo_marks"
    __table_args__ = (UniqueConstraint("portal_id", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    portal_id: Mapped[int] = mapped_column(portal_fk(), index=True)
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int] = mapped_column(Integer)
    until: Mapped[datetime] = mapped_column(UTCDateTime)


# Each area's tables live in its own module; importing them here registers them on Base.
from store import (  # noqa: E402, F401
    audits_models,
    comm_models,
    leads_models,
    myday_models,
    report_models,
    routing_models,
    telephony_models,
)
