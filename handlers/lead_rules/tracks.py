"""A lead's track: its card data and its SLA deadline, kept current from lead events.

The deadline is recomputed from stored facts (status, since when, created when) rather than
kept as a once-computed value, so a change of the working hours applies to every open lead.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from b24.values import to_datetime
from handlers.lead_rules.config import REASON_FIELD, LeadRulesConfig
from handlers.lead_rules.statuses import Statuses
from handlers.lead_rules.workclock import WorkClock
from handlers.phones import normalize
from store.leads_models import LeadTrack
from store.models import Lead


def multi(fields: Mapping[str, Any], key: str) -> list[str]:
    return [str(e["VALUE"]).strip() for e in fields.get(key) or []
            if isinstance(e, Mapping) and str(e.get("VALUE") or "").strip()]


def update_card(track: LeadTrack, fields: Mapping[str, Any]) -> None:
    """What the conversion check and the evidence lookup need from the card."""
    track.last_name = str(fields.get("LAST_NAME") or "").strip()[:255]
    track.name = str(fields.get("NAME") or "").strip()[:255]
    track.second_name = str(fields.get("SECOND_NAME") or "").strip()[:255]
    track.company_title = str(fields.get("COMPANY_TITLE") or "").strip()[:255]
    track.phones = sorted({normalize(p) for p in multi(fields, "PHONE")} - {""})
    track.emails = sorted({e.lower() for e in multi(fields, "EMAIL")})
    reason = str(fields.get(REASON_FIELD) or "").strip()
    track.junk_reason = reason[:255] or None


def due_for(cfg: LeadRulesConfig, clock: WorkClock, statuses: Statuses, *, status_id: str,
            semantic: str, created: datetime | None,
            since: datetime | None) -> datetime | None:
    """New leads must be final within the SLA from creation; later in-progress statuses get
    their own limit from the moment the lead entered them; final leads have no deadline."""
    if semantic != "P":
        return None
    start = created or since
    if status_id == statuses.first_open or not status_id:
        return clock.add(start, cfg.sla_hours) if start else None
    start = since or created
    return clock.add(start, cfg.limit_for(status_id)) if start else None


def update_status(track: LeadTrack, lead: Lead, fields: Mapping[str, Any], *, now: datetime,
                  cfg: LeadRulesConfig, clock: WorkClock, statuses: Statuses) -> None:
    """A new status restarts its clock and its notices; the same status keeps both."""
    if track.status_id != lead.status_id or track.status_since is None:
        moved = to_datetime(fields.get("MOVED_TIME")) or now
        track.status_since = min(moved, now)
        track.notified_at = track.escalated_at = None
        track.status_id = lead.status_id
    track.status_semantic = lead.status_semantic
    if lead.status_semantic == "P":
        track.open_status_id = lead.status_id
    refresh_due(track, lead, cfg=cfg, clock=clock, statuses=statuses)
    track.updated_at = now


def adopt(track: LeadTrack, lead: Lead, fields: Mapping[str, Any], *, now: datetime,
          cfg: LeadRulesConfig, clock: WorkClock, statuses: Statuses) -> None:
    """A lead the first sync found: it existed before the install, so its status clock starts
    at the portal's last move (MOVED_TIME, else DATE_MODIFY), not when we first saw it."""
    update_card(track, fields)
    moved = fields.get("MOVED_TIME") or fields.get("DATE_MODIFY") or fields.get("DATE_CREATE")
    update_status(track, lead, {**fields, "MOVED_TIME": moved}, now=now, cfg=cfg, clock=clock,
                  statuses=statuses)


def refresh_due(track: LeadTrack, lead: Lead, *, cfg: LeadRulesConfig, clock: WorkClock,
                statuses: Statuses) -> bool:
    """Recompute the deadline; True when it changed."""
    due = due_for(cfg, clock, statuses, status_id=track.status_id,
                  semantic=track.status_semantic, created=lead.date_create,
                  since=track.status_since)
    changed = due != track.due_at
    track.due_at = due
    return changed
