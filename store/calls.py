"""Call records, one row per call id whatever the source reported it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Call


def upsert_call(session: Session, portal_id: int, values: Mapping[str, Any]) -> tuple[Call, bool]:
    """Returns (row, created). A repeated report of the same call updates, never duplicates."""
    row = session.scalar(select(Call).where(Call.portal_id == portal_id,
                                            Call.call_id == values["call_id"]))
    created = row is None
    if created:
        row = Call(portal_id=portal_id, call_id=values["call_id"])
        session.add(row)
    for key, value in values.items():
        if key != "call_id" and (value is not None or created):
            setattr(row, key, value)
    session.flush()
    return row, created
