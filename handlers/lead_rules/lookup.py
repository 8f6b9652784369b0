"""Who the lead's client already is: the portal's duplicate search first, our mirror second.

crm.duplicate.findbycomm answers `[]` when nothing matches and a dict of id lists otherwise
(§8.6); our contact mirror stores phones normalised, so it also catches a number written
differently from the one the portal indexed. Companies are not mirrored: crm.company.list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from b24.values import to_int
from handlers.exchange.actions import ActionContext
from handlers.lead_rules.tracks import multi
from handlers.phones import normalize
from store import lead_rules as store

MAX_VALUES = 20  # crm.duplicate.findbycomm takes at most 20 values


def find_contact(ctx: ActionContext, fields: Mapping[str, Any]) -> tuple[int | None, bool]:
    """(contact id, True) for a known client, (None, False) for a new one."""
    linked = to_int(fields.get("CONTACT_ID"))
    if linked:
        return linked, True
    phones, emails = multi(fields, "PHONE"), multi(fields, "EMAIL")
    for kind, values in (("PHONE", phones), ("EMAIL", emails)):
        if not values:
            continue
        found = ctx.b24.call("crm.duplicate.findbycomm", {
            "type": kind, "values": values[:MAX_VALUES], "entity_type": "CONTACT"})
        ids = found.get("CONTACT") if isinstance(found, Mapping) else None
        if ids:
            return min(int(i) for i in ids), True
    ctx.session.rollback()  # a fresh read, and no transaction left open after it
    mirrored = store.contacts_by(ctx.session, ctx.portal.id,
                                 phones=[normalize(p) for p in phones], emails=emails)
    ctx.session.commit()
    return (mirrored[0].b24_id, True) if mirrored else (None, False)


def find_company(ctx: ActionContext, title: str) -> int | None:
    """A company of exactly this name (companies are not mirrored: the portal answers)."""
    rows = ctx.b24.call("crm.company.list", {"filter": {"TITLE": title.strip()},
                                             "select": ["ID", "TITLE"],
                                             "order": {"ID": "ASC"}}) or []
    wanted = title.strip().casefold()
    return next((int(r["ID"]) for r in rows
                 if str(r.get("TITLE") or "").strip().casefold() == wanted), None)


def existing_deal(ctx: ActionContext, lead_id: int) -> int | None:
    """A deal made from this lead already (LEAD_ID is read-only and set by leadId, §8.4)."""
    rows = ctx.b24.call("crm.deal.list", {"filter": {"LEAD_ID": lead_id}, "select": ["ID"],
                                          "order": {"ID": "ASC"}}) or []
    return int(rows[0]["ID"]) if rows else None
