"""Deal touches: the activities and comments recorded on deals, as their events told us."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from store.db import upsert_insert
from store.report_models import DealTouch


def record(session: Session, portal_id: int, *, kind: str, b24_id: int,
           deal_ids: Iterable[int], at: datetime | None, own: bool) -> None:
    """One row per (item, deal); a repeated event adds nothing."""
    for deal_id in sorted(set(deal_ids)):
        session.execute(upsert_insert(session)(DealTouch).values(
            portal_id=portal_id, kind=kind, b24_id=b24_id, b24_deal_id=deal_id, at=at,
            own=own).on_conflict_do_nothing())
    session.flush()


SLACK = timedelta(minutes=1)  # a LAST_ACTIVITY_TIME this close to DATE_CREATE is the creation


def from_portal_stamp(session: Session, portal_id: int, deal_id: int, *,
                      created: datetime | None, last_activity: datetime | None) -> None:
    """The portal's own record of work we saw no event for (before the install, say).

    A real portal sets LAST_ACTIVITY_TIME at creation (crm-deal-get.md example), so only a
    value later than DATE_CREATE says an activity happened; an equal one says nothing."""
    if created is None or last_activity is None or last_activity <= created + SLACK:
        return
    record(session, portal_id, kind="portal", b24_id=deal_id, deal_ids=[deal_id],
           at=last_activity, own=False)
