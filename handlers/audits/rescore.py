"""A transcript read after the rejection was scored: weigh that rejection again.

The communication sync reads call transcripts on its own schedule, so a rejection can be
scored before its call's transcript arrives. Without a second look, "клиент не берёт трубку"
over a transcribed conversation would stay low and escape the callback.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select

from handlers.audits import collect, config, score
from handlers.comm.talks import transcript_talks
from handlers.exchange.actions import ActionContext
from store.audits_models import Rejection

logger = logging.getLogger(__name__)


def evidence_of(stored: dict) -> score.Evidence:
    """The stored evidence JSON back as the scorer's input."""
    keep = set(score.CallFact.__dataclass_fields__)
    return score.Evidence(
        calls=[score.CallFact(**{k: v for k, v in c.items() if k in keep})
               for c in stored.get("calls") or []],
        activities=dict(stored.get("activities") or {}),
        activity_list=list(stored.get("activity_list") or []),
        comments=int(stored.get("comments") or 0),
        minutes_since_claim=stored.get("minutes_since_claim"),
        manager_lost=int(stored.get("manager_lost") or 0),
        manager_closed=int(stored.get("manager_closed") or 0),
        team_rate=stored.get("team_rate"), missing=list(stored.get("missing") or []),
        talks=int(stored.get("talks") or 0))


def after_transcripts(ctx: ActionContext, activity_ids: Iterable[int],
                      earliest: datetime) -> int:
    """Open rejections whose calls include these activities, scored again; how many changed.

    Only rejections still waiting for the audit (state "open") move: a verdict already given
    is the controller's and stays."""
    ids = set(activity_ids)
    if not ids:
        return 0
    cfg = config.load(ctx.session, ctx.portal.id)
    controller = None
    changed = 0
    rows = ctx.session.scalars(select(Rejection).where(
        Rejection.portal_id == ctx.portal.id, Rejection.state == "open",
        Rejection.rejected_at >= earliest - timedelta(hours=1)))
    for row in rows:
        ev = evidence_of(row.evidence or {})
        mine = [c.activity_id for c in ev.calls if c.activity_id]
        if not ids.intersection(mine):
            continue
        talks = transcript_talks(ctx.session, ctx.portal.id, None, mine)
        if talks <= ev.talks:
            continue
        ev.talks = talks
        found = score.reasons(ev, row.reason, cfg)
        row.reasons, row.score, row.evidence = found, score.score(found, cfg), ev.as_json()
        if controller is None:
            controller = config.controller(ctx.session, ctx.portal.id, cfg)
        collect.call_back_if_due(ctx, cfg, row, controller)
        changed += 1
        logger.info("audits.rejection.rescored", extra={
            "member_id": ctx.portal.member_id, "rejection": row.id, "score": row.score,
            "reasons": found, "talks": talks})
    return changed
