"""Overdue leads: the responsible hears first, the head of sales after a grace period.

Both steps are recorded in the journal (keyed by lead, status and since when, so a job run
twice records nothing new) and stamped on the track, so each step happens once per status.
Deadlines that had already passed before the app was installed are listed, never announced:
a fresh install must not flood the head with last month's leads.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from handlers import formats, notify
from handlers.exchange.actions import ActionContext
from handlers.exchange.caps import head_of_sales
from handlers.exchange.reactions import name_of
from handlers.lead_rules import config, texts, tracks
from handlers.lead_rules.statuses import Statuses
from handlers.lead_rules.workclock import WorkClock
from handlers.phones import normalize
from store import lead_rules as store
from store import mirror
from store.leads_models import LeadTrack
from store.models import Lead

logger = logging.getLogger(__name__)


@dataclass
class DeadlineRun:
    overdue: int = 0
    notified: int = 0
    escalated: int = 0
    commands: dict[str, tuple[str, dict]] | None = None


@dataclass(frozen=True)
class Rules:
    cfg: config.LeadRulesConfig
    clock: WorkClock
    statuses: Statuses
    head: int | None
    exchange_user: int | None


def adopt(session: Session, portal_id: int, leads: Sequence[Mapping[str, Any]],
          now: datetime) -> int:
    """Leads of the first sync (from before the install): mirrored and tracked at once, so their
    tab and the overdue counts work from then on; past deadlines are listed, not announced."""
    cfg = config.load(session, portal_id)
    clock, statuses = WorkClock.of(cfg), Statuses.load(session, portal_id)
    for fields in leads:
        lead = mirror.upsert_lead(session, portal_id, fields)
        track = store.upsert_track(session, portal_id, lead.b24_lead_id, now)
        tracks.adopt(track, lead, fields, now=now, cfg=cfg, clock=clock, statuses=statuses)
    session.flush()
    return len(leads)


def backfill(ctx: ActionContext) -> int:
    """Open leads the mirror got from the first sync, before any event: give them a track."""
    missing = ctx.session.scalars(select(Lead).outerjoin(LeadTrack, and_(
        LeadTrack.portal_id == Lead.portal_id, LeadTrack.b24_lead_id == Lead.b24_lead_id))
        .where(Lead.portal_id == ctx.portal.id, Lead.status_semantic == "P",
               Lead.deleted.is_(False), LeadTrack.id.is_(None)))
    added = 0
    for lead in missing:
        track = store.upsert_track(ctx.session, ctx.portal.id, lead.b24_lead_id, ctx.now)
        track.phones = sorted({normalize(p) for p in lead.phones or []} - {""})
        added += 1
    ctx.session.flush()
    return added


def check(ctx: ActionContext) -> DeadlineRun:
    """Recompute deadlines of open leads and take the next step for those past due."""
    cfg = config.load(ctx.session, ctx.portal.id)
    rules = Rules(cfg, WorkClock.of(cfg), Statuses.load(ctx.session, ctx.portal.id),
                  cfg.head_user_id or head_of_sales(ctx.session, ctx.portal.id, ctx.cfg),
                  ctx.cfg.exchange_user_id)
    backfill(ctx)
    run = DeadlineRun(commands={})
    rows = ctx.session.execute(select(LeadTrack, Lead).join(Lead, and_(
        Lead.portal_id == LeadTrack.portal_id, Lead.b24_lead_id == LeadTrack.b24_lead_id))
        .where(LeadTrack.portal_id == ctx.portal.id, Lead.status_semantic == "P",
               Lead.deleted.is_(False)).order_by(LeadTrack.id)).all()
    for track, lead in rows:
        _follow_mirror(track, lead, ctx.now)
        tracks.refresh_due(track, lead, cfg=cfg, clock=rules.clock, statuses=rules.statuses)
        if track.due_at is not None and track.due_at <= ctx.now:
            run.overdue += 1
            _step(ctx, rules, track, lead, run)
    return run


def refresh_dues(session: Session, portal_id: int) -> int:
    """After a settings change: every open lead's deadline under the new rules at once."""
    cfg = config.load(session, portal_id)
    clock, statuses = WorkClock.of(cfg), Statuses.load(session, portal_id)
    rows = session.execute(select(LeadTrack, Lead).join(Lead, and_(
        Lead.portal_id == LeadTrack.portal_id, Lead.b24_lead_id == LeadTrack.b24_lead_id))
        .where(LeadTrack.portal_id == portal_id, Lead.status_semantic == "P")).all()
    return sum(tracks.refresh_due(t, lead, cfg=cfg, clock=clock, statuses=statuses)
               for t, lead in rows)


def _follow_mirror(track: LeadTrack, lead: Lead, now: datetime) -> None:
    """A status the mirror got without an event (first sync): its clock starts at the last
    change we know of."""
    if track.status_id != lead.status_id or track.status_since is None:
        track.status_id, track.status_semantic = lead.status_id, lead.status_semantic
        track.status_since = lead.date_modify or lead.date_create or now
        track.open_status_id = lead.status_id
        track.notified_at = track.escalated_at = None
        track.updated_at = now


def _step(ctx: ActionContext, rules: Rules, track: LeadTrack, lead: Lead,
          run: DeadlineRun) -> None:
    lid, now = lead.b24_lead_id, ctx.now
    if track.due_at < ctx.portal.installed_at:
        track.notified_at = track.notified_at or now
        track.escalated_at = track.escalated_at or now
        return
    key = f"{lid}:{track.status_id}:{track.status_since.isoformat()}"
    who = lead.assigned_by_id if lead.assigned_by_id not in (None, rules.exchange_user) else None
    params = {"title": lead.title, "status": rules.statuses.name(track.status_id),
              "since": _local(rules, track.status_since, ctx.portal.lang),
              "due": _local(rules, track.due_at, ctx.portal.lang)}
    if track.notified_at is None:
        track.notified_at = now
        store.journal(ctx.session, ctx.portal.id, lead_id=lid, kind="overdue", user_id=who,
                      at=now, key=f"overdue:{key}", detail={"due": track.due_at.isoformat()})
        if who:
            run.commands[f"o{lid}"] = notify.notify(who, texts.text(
                "overdue", ctx.portal.lang, **params), tag=f"lead-overdue-{lid}")
            run.notified += 1
        return
    if track.escalated_at is not None or rules.head is None:
        return
    if now < rules.clock.add(track.notified_at, rules.cfg.grace_hours):
        return
    track.escalated_at = now
    store.journal(ctx.session, ctx.portal.id, lead_id=lid, kind="escalated", user_id=rules.head,
                  at=now, key=f"escalated:{key}",
                  detail={"due": track.due_at.isoformat(), "responsible": who})
    name = name_of(ctx, who) if who else "—"
    run.commands[f"e{lid}"] = notify.notify(rules.head, texts.text(
        "escalated", ctx.portal.lang, name=name,
        notified=_local(rules, track.notified_at, ctx.portal.lang),
        **params), tag=f"lead-escalated-{lid}")
    run.escalated += 1
    logger.info("lead_rules.deadline.escalated", extra={
        "member_id": ctx.portal.member_id, "lead": lid, "head": rules.head})


def _local(rules: Rules, moment: datetime, lang: str | None = None) -> str:
    """«24.11, 14:07» in the working calendar's zone (handlers.formats, no year)."""
    return formats.local_stamp(moment, rules.clock.zone, lang or "ru", year=False)
