"""Per-portal settings sections, stored as JSON documents the app tab edits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import PortalSettings


def load_section(session: Session, portal_id: int, section: str) -> dict[str, Any]:
    row = session.scalar(select(PortalSettings).where(PortalSettings.portal_id == portal_id,
                                                      PortalSettings.section == section))
    return dict(row.data) if row else {}


def save_section(session: Session, portal_id: int, section: str, data: dict[str, Any], *,
                 user_id: int | None, now: datetime) -> None:
    row = session.scalar(select(PortalSettings).where(PortalSettings.portal_id == portal_id,
                                                      PortalSettings.section == section))
    if row is None:
        row = PortalSettings(portal_id=portal_id, section=section)
        session.add(row)
    row.data, row.updated_at, row.updated_by = dict(data), now, user_id
    session.flush()
