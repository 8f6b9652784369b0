"""The portal's directory: users, departments, pipelines and stages, mirrored whole.

Small (a few pages each), so the install reads it at once and every sync reads it again. Until it
is mirrored the portal's events wait in the inbox (store.inbox.due_portals): the exchange, the
lead rules and the pages all decide by these names and people.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from b24.client import B24Client
from b24.values import to_int
from store import mirror
from store.db import write_lock
from store.inbox import DIRECTORY_CURSOR
from store.models import Category, SyncCursor

CURSOR = DIRECTORY_CURSOR  # watermark None: the first sync is still owed; "done": mirrored
DEAL_PIPELINES = 2  # crm.category.list entityTypeId of deals


@dataclass(frozen=True)
class Directory:
    users: list[dict]
    departments: list[dict]
    stages: list[dict]
    categories: list[dict]

    def counts(self) -> dict[str, int]:
        return {"users": len(self.users), "departments": len(self.departments),
                "stages": len(self.stages), "categories": len(self.categories)}


def pages(b24: B24Client, method: str, params: dict[str, Any],
          key: str = "items") -> Iterator[dict]:
    """Plain start/next paging for the few methods without an ID cursor (user.get, ...)."""
    start: int | None = 0
    while start is not None:
        body = b24.call_raw(method, {**params, "start": start})
        result = body.get("result") or []
        yield from (result if isinstance(result, list) else result.get(key, []))
        start = to_int(body.get("next"))


def read(b24: B24Client) -> Directory:
    """Five or so requests on a small portal (crm.category.list: EN api-reference/crm/universal/
    category/crm-category-list.md, answer {"categories": [...]}, 50 a page)."""
    return Directory(
        users=list(pages(b24, "user.get", {"FILTER": {"USER_TYPE": "employee"}})),
        departments=list(pages(b24, "department.get", {})),
        stages=list(pages(b24, "crm.status.list", {})),
        categories=list(pages(b24, "crm.category.list", {"entityTypeId": DEAL_PIPELINES},
                              key="categories")))


def save(session: Session, portal_id: int, directory: Directory, now: datetime) -> None:
    """Write it all and mark the first sync done (the caller commits)."""
    write_lock(session)
    for u in directory.users:
        mirror.upsert_user(session, portal_id, u)
    for d in directory.departments:
        mirror.upsert_department(session, portal_id, d)
    for s in directory.stages:
        mirror.upsert_stage(session, portal_id, s)
    for c in directory.categories:
        mirror.upsert_category(session, portal_id, c)
    _cursor(session, portal_id, now).watermark = "done"


def pipeline_names(session: Session, portal_id: int) -> dict[int, str]:
    rows = session.execute(select(Category.b24_category_id, Category.name).where(
        Category.portal_id == portal_id))
    return {category_id: name for category_id, name in rows}


def mark_owed(session: Session, portal_id: int, now: datetime) -> None:
    """Install: events of this portal wait until the directory is mirrored."""
    _cursor(session, portal_id, now).watermark = None


def owed(session: Session, portal_id: int) -> bool:
    return session.scalar(select(SyncCursor.id).where(
        SyncCursor.portal_id == portal_id, SyncCursor.entity == CURSOR,
        SyncCursor.watermark.is_(None))) is not None


def _cursor(session: Session, portal_id: int, now: datetime) -> SyncCursor:
    row = session.scalar(select(SyncCursor).where(SyncCursor.portal_id == portal_id,
                                                  SyncCursor.entity == CURSOR))
    if row is None:
        row = SyncCursor(portal_id=portal_id, entity=CURSOR, last_id=0)
        session.add(row)
    row.updated_at = now
    return row
