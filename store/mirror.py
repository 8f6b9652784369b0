"""The local copy of what reports need, written from portal data (events and the sync job).

Every upsert takes the entity exactly as the REST method returned it (wire shape), so events and
the sync job share one code path and one idempotent result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from b24.values import to_datetime, to_decimal, to_int, yes
from store import touches
from store.models import (
    Category,
    Contact,
    Deal,
    DealStageHistory,
    Department,
    Lead,
    Stage,
    User,
)
from store.report_models import ContactKey, OpenActivity

DEAL_COLUMNS = {"ID", "TITLE", "CATEGORY_ID", "STAGE_ID", "STAGE_SEMANTIC_ID", "ASSIGNED_BY_ID",
                "CREATED_BY_ID", "CONTACT_ID", "COMPANY_ID", "LEAD_ID", "SOURCE_ID", "OPPORTUNITY",
                "CURRENCY_ID", "DATE_CREATE", "DATE_MODIFY", "MOVED_TIME", "CLOSED",
                "LAST_ACTIVITY_TIME"}


def _one(session: Session, model: type, **keys: Any) -> Any:
    return session.scalar(select(model).filter_by(**keys))


def upsert_deal(session: Session, portal_id: int,
                fields: Mapping[str, Any]) -> tuple[Deal, dict | None]:
    """Returns the row and the previous values of what changed (None for a deal new to us)."""
    deal_id = to_int(fields["ID"])
    row = _one(session, Deal, portal_id=portal_id, b24_deal_id=deal_id)
    before: dict[str, Any] = {}
    if row is None:
        row = Deal(portal_id=portal_id, b24_deal_id=deal_id)
        session.add(row)
    else:
        before = {"stage_id": row.stage_id, "assigned_by_id": row.assigned_by_id,
                  "category_id": row.category_id}
    row.title = str(fields.get("TITLE") or "")[:512]
    row.category_id = to_int(fields.get("CATEGORY_ID")) or 0
    row.stage_id = str(fields.get("STAGE_ID") or "")
    row.stage_semantic = str(fields.get("STAGE_SEMANTIC_ID") or "P")[:1]
    row.assigned_by_id = to_int(fields.get("ASSIGNED_BY_ID"))
    row.created_by_id = to_int(fields.get("CREATED_BY_ID"))
    row.contact_id = to_int(fields.get("CONTACT_ID"))
    row.company_id = to_int(fields.get("COMPANY_ID"))
    row.lead_id = to_int(fields.get("LEAD_ID"))
    row.source_id = fields.get("SOURCE_ID") or None
    row.opportunity = to_decimal(fields.get("OPPORTUNITY"))
    row.currency_id = fields.get("CURRENCY_ID") or None
    row.date_create = to_datetime(fields.get("DATE_CREATE"))
    row.date_modify = to_datetime(fields.get("DATE_MODIFY"))
    row.moved_time = to_datetime(fields.get("MOVED_TIME"))
    row.last_activity_at = to_datetime(fields.get("LAST_ACTIVITY_TIME"))
    row.closed = yes(fields.get("CLOSED", "N"))
    row.deleted = False
    row.fields = {k: v for k, v in fields.items() if k not in DEAL_COLUMNS}
    touches.from_portal_stamp(session, portal_id, deal_id, created=row.date_create,
                              last_activity=row.last_activity_at)
    changed = {k: v for k, v in before.items() if getattr(row, k) != v}
    session.flush()
    return row, (changed if before else None)


def mark_deal_deleted(session: Session, portal_id: int, deal_id: int) -> None:
    row = _one(session, Deal, portal_id=portal_id, b24_deal_id=deal_id)
    if row is not None:
        row.deleted = True


def upsert_lead(session: Session, portal_id: int, fields: Mapping[str, Any]) -> Lead:
    lead_id = to_int(fields["ID"])
    row = _one(session, Lead, portal_id=portal_id, b24_lead_id=lead_id)
    if row is None:
        row = Lead(portal_id=portal_id, b24_lead_id=lead_id)
        session.add(row)
    row.title = str(fields.get("TITLE") or "")[:512]
    row.status_id = str(fields.get("STATUS_ID") or "")
    row.status_semantic = str(fields.get("STATUS_SEMANTIC_ID") or "P")[:1]
    row.assigned_by_id = to_int(fields.get("ASSIGNED_BY_ID"))
    row.source_id = fields.get("SOURCE_ID") or None
    row.contact_id = to_int(fields.get("CONTACT_ID"))
    row.company_id = to_int(fields.get("COMPANY_ID"))
    row.phones = [str(p.get("VALUE")) for p in fields.get("PHONE") or [] if isinstance(p, dict)]
    row.date_create = to_datetime(fields.get("DATE_CREATE"))
    row.date_modify = to_datetime(fields.get("DATE_MODIFY"))
    row.deleted = False
    session.flush()
    return row


def mark_lead_deleted(session: Session, portal_id: int, lead_id: int) -> None:
    row = _one(session, Lead, portal_id=portal_id, b24_lead_id=lead_id)
    if row is not None:
        row.deleted = True


def upsert_user(session: Session, portal_id: int, fields: Mapping[str, Any]) -> User:
    user_id = to_int(fields["ID"])
    row = _one(session, User, portal_id=portal_id, b24_user_id=user_id)
    if row is None:
        row = User(portal_id=portal_id, b24_user_id=user_id)
        session.add(row)
    row.name = str(fields.get("NAME") or "")
    row.last_name = str(fields.get("LAST_NAME") or "")
    row.email = fields.get("EMAIL") or None
    row.work_position = fields.get("WORK_POSITION") or None
    row.active = yes(fields.get("ACTIVE", True))
    row.department_ids = [d for d in (to_int(x) for x in fields.get("UF_DEPARTMENT") or [])
                          if d is not None]
    row.phone_inner = str(fields["UF_PHONE_INNER"]) if fields.get("UF_PHONE_INNER") else None
    return row


def upsert_department(session: Session, portal_id: int, fields: Mapping[str, Any]) -> Department:
    dep_id = to_int(fields["ID"])
    row = _one(session, Department, portal_id=portal_id, b24_department_id=dep_id)
    if row is None:
        row = Department(portal_id=portal_id, b24_department_id=dep_id)
        session.add(row)
    row.name = str(fields.get("NAME") or "")
    row.parent_id = to_int(fields.get("PARENT"))
    row.head_id = to_int(fields.get("UF_HEAD"))
    row.sort = to_int(fields.get("SORT")) or 500
    return row


def upsert_stage(session: Session, portal_id: int, fields: Mapping[str, Any]) -> Stage:
    keys = {"portal_id": portal_id, "entity_id": str(fields["ENTITY_ID"]),
            "status_id": str(fields["STATUS_ID"])}
    row = _one(session, Stage, **keys)
    if row is None:
        row = Stage(**keys)
        session.add(row)
    row.name = str(fields.get("NAME") or "")
    row.sort = to_int(fields.get("SORT")) or 0
    row.semantics = str(fields.get("SEMANTICS") or "P")[:1]
    row.category_id = to_int(fields.get("CATEGORY_ID"))
    return row


def upsert_category(session: Session, portal_id: int, fields: Mapping[str, Any]) -> Category:
    """A crm.category.list row: camelCase keys (id, name, sort), unlike crm.status.list."""
    category_id = to_int(fields["id"]) or 0
    row = _one(session, Category, portal_id=portal_id, b24_category_id=category_id)
    if row is None:
        row = Category(portal_id=portal_id, b24_category_id=category_id)
        session.add(row)
    row.name = str(fields.get("name") or "")[:255]
    row.sort = to_int(fields.get("sort")) or 0
    return row


def add_stage_history(session: Session, portal_id: int,
                      items: Iterable[Mapping[str, Any]]) -> int:
    """Insert unseen crm.stagehistory.list rows; returns how many were new."""
    added = 0
    for item in items:
        hist_id = to_int(item["ID"])
        if _one(session, DealStageHistory, portal_id=portal_id, b24_history_id=hist_id):
            continue
        session.add(DealStageHistory(
            portal_id=portal_id, b24_history_id=hist_id, b24_deal_id=to_int(item["OWNER_ID"]),
            type_id=to_int(item.get("TYPE_ID")) or 2,
            category_id=to_int(item.get("CATEGORY_ID")) or 0,
            stage_id=str(item.get("STAGE_ID") or ""),
            stage_semantic=str(item.get("STAGE_SEMANTIC_ID") or "P")[:1],
            created_at=to_datetime(item.get("CREATED_TIME"))))
        added += 1
    session.flush()
    return added


def upsert_contact(session: Session, portal_id: int, fields: Mapping[str, Any], *,
                   entity_type: str = "CONTACT",
                   normalize: Callable[[str], str] = str) -> Contact:
    """Phones are stored normalised so a lookup by any spelling of the number finds them."""
    b24_id = to_int(fields["ID"])
    row = _one(session, Contact, portal_id=portal_id, entity_type=entity_type, b24_id=b24_id)
    if row is None:
        row = Contact(portal_id=portal_id, entity_type=entity_type, b24_id=b24_id)
        session.add(row)
    if entity_type == "COMPANY":
        row.name = str(fields.get("TITLE") or "")
    else:
        row.name = " ".join(str(fields.get(k) or "") for k in ("LAST_NAME", "NAME",
                                                                "SECOND_NAME")).strip()
    row.assigned_by_id = to_int(fields.get("ASSIGNED_BY_ID"))
    row.phones = [normalize(str(p["VALUE"])) for p in fields.get("PHONE") or []
                  if isinstance(p, dict) and p.get("VALUE")]
    row.emails = [str(e["VALUE"]).strip().lower() for e in fields.get("EMAIL") or []
                  if isinstance(e, dict) and e.get("VALUE")]
    row.date_modify = to_datetime(fields.get("DATE_MODIFY"))
    _replace_keys(session, portal_id, entity_type, b24_id, {*row.phones, *row.emails})
    session.flush()
    return row


def _replace_keys(session: Session, portal_id: int, entity_type: str, b24_id: int,
                  keys: set[str]) -> None:
    session.execute(delete(ContactKey).where(
        ContactKey.portal_id == portal_id, ContactKey.entity_type == entity_type,
        ContactKey.b24_id == b24_id))
    session.add_all(ContactKey(portal_id=portal_id, entity_type=entity_type, b24_id=b24_id,
                               key=key[:255]) for key in sorted(keys) if key)


def replace_open_activities(session: Session, portal_id: int,
                            items: Iterable[Mapping[str, Any]]) -> int:
    """The sync reads every open activity; what is not open any more simply disappears."""
    session.execute(delete(OpenActivity).where(OpenActivity.portal_id == portal_id))
    rows = [OpenActivity(portal_id=portal_id, b24_activity_id=to_int(a["ID"]),
                         owner_type_id=to_int(a.get("OWNER_TYPE_ID")) or 0,
                         owner_id=to_int(a.get("OWNER_ID")) or 0,
                         responsible_id=to_int(a.get("RESPONSIBLE_ID")),
                         deadline=to_datetime(a.get("DEADLINE")), completed=False)
            for a in items]
    session.add_all(rows)
    session.flush()
    return len(rows)
