"""How the lead rules react to a lead change seen in an event (after the mirror upsert).

Called explicitly by handlers.leads.on_lead_change, in a fixed order: the card data first (the
evidence lookup needs the phones), then the junk check for a lead that has just moved to a
failure status (which may put the status back), then the SLA clock, then repeat requests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from handlers.context import HandlerContext
from handlers.lead_rules import config, junk, repeat, tracks
from handlers.lead_rules.statuses import Statuses
from handlers.lead_rules.workclock import WorkClock
from handlers.router import Read
from store import lead_rules as store
from store.models import Lead

ACTIVITY_SELECT = ["ID", "TYPE_ID", "DIRECTION", "COMPLETED", "START_TIME", "END_TIME",
                   "ORIGIN_ID", "SETTINGS"]


def lead_reads(code: str, lead_id: int) -> Iterable[Read]:
    """The lead's activities ride in the same batch as crm.lead.get: the junk check needs
    them only sometimes, but a second request later would cost more than a batch slot. A lead
    just added has no activities yet, so ONCRMLEADADD skips the read (new-lead bursts stay at
    one command per event)."""
    if code.upper() != "ONCRMLEADUPDATE":
        return
    yield Read(junk.activities_key(lead_id), "crm.activity.list", {
        "filter": {"OWNER_TYPE_ID": 1, "OWNER_ID": lead_id}, "select": ACTIVITY_SELECT,
        "order": {"ID": "DESC"}})


def on_lead_changed(ctx: HandlerContext, lead: Lead, previous: tuple[str, str] | None,
                    fields: Mapping[str, Any]) -> None:
    """`previous` is the mirror's (status, semantic) before this event; None if new to us."""
    cfg = config.load(ctx.session, ctx.portal.id)
    statuses = Statuses.load(ctx.session, ctx.portal.id)
    track = store.upsert_track(ctx.session, ctx.portal.id, lead.b24_lead_id, ctx.now)
    tracks.update_card(track, fields)
    if lead.deleted:
        return
    if lead.status_semantic == "F" and (previous is None or previous[1] != "F"):
        junk.check(ctx, cfg, statuses, lead, track, previous, fields)
    tracks.update_status(track, lead, fields, now=ctx.now, cfg=cfg, clock=WorkClock.of(cfg),
                         statuses=statuses)
    if cfg.link_repeats:
        repeat.link(ctx, lead, track, fields)
    ctx.session.flush()
