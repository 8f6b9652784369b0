"""The quality controller's verdict on a rejection, from the audit page.

- "отказ подтверждён" (confirm): the verdict is recorded, nothing else changes;
- "ложный отказ" (false rejection): the deal goes back to the exchange at the first open stage
  of its pipeline, the exchange user responsible, a timeline comment says why, and the
  manager's false-rejection count grows (handlers.audits.stats.false_rejections);
- "клиент вернулся" (re-engaged): a new deal for the same client, on the exchange or with the
  controller (setting), linked from the old one by a comment.

A deal back in work (false rejection, re-engaged) needs no quality callback about its
rejection: one still scheduled is cancelled. As with the exchange's buttons: compare-and-set on
our rows first (two controllers clicking at once: one decides), commit, then tell the portal; if
the portal refuses, the rows are put back. The mirror is updated at once, so the portal's echo
events find nothing changed.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from b24.errors import B24Error
from b24.values import to_int
from handlers import notify, origins
from handlers.audits import config, lead_outcomes, leads, texts, verdict
from handlers.exchange.actions import ActionContext, ActionResult
from store import audits, mirror
from store import exchange as journal
from store.audits_models import Rejection
from store.models import Deal, Stage

logger = logging.getLogger(__name__)
OUTCOMES = ("confirmed", "false_rejection", "reengaged")


def decide(ctx: ActionContext, user_id: int, rejection_id: int, outcome: str) -> ActionResult:
    if outcome not in OUTCOMES:
        return ActionResult(False, "audit_bad_outcome")
    row = audits.get_rejection(ctx.session, ctx.portal.id, rejection_id)
    if row is None or row.state != "open":
        return ActionResult(False, "audit_already_decided")
    if outcome == "confirmed":
        return _confirm(ctx, user_id, row)
    if row.entity_type == "lead":
        if outcome == "false_rejection":
            return lead_outcomes.false_rejection(ctx, user_id, row)
        return ActionResult(False, "audit_deal_only")
    if outcome == "false_rejection":
        return _false_rejection(ctx, user_id, row)
    return _reengaged(ctx, user_id, row)


def _confirm(ctx: ActionContext, user_id: int, row: Rejection) -> ActionResult:
    if not audits.set_outcome(ctx.session, ctx.portal.id, row.id, state="confirmed",
                              user_id=user_id, now=ctx.now):
        ctx.session.rollback()
        return ActionResult(False, "audit_already_decided")
    leads.settle(ctx, row, "confirmed")
    ctx.session.commit()
    return ActionResult(True, "audit_confirmed")


def first_open_stage(ctx: ActionContext, category_id: int) -> str | None:
    entity = "DEAL_STAGE" if not category_id else f"DEAL_STAGE_{category_id}"
    return ctx.session.scalar(select(Stage.status_id).where(
        Stage.portal_id == ctx.portal.id, Stage.entity_id == entity, Stage.semantics == "P")
        .order_by(Stage.sort, Stage.id).limit(1))


def _false_rejection(ctx: ActionContext, user_id: int, row: Rejection) -> ActionResult:
    ex = ctx.cfg.exchange_user_id
    deal = ctx.session.scalar(select(Deal).where(Deal.portal_id == ctx.portal.id,
                                                 Deal.b24_deal_id == row.b24_entity_id))
    stage = first_open_stage(ctx, deal.category_id) if deal else None
    if ex is None:
        return ActionResult(False, "exchange_not_ready")
    if deal is None or deal.deleted or deal.stage_semantic != "F" or stage is None:
        return ActionResult(False, "audit_deal_moved")
    if not audits.set_outcome(ctx.session, ctx.portal.id, row.id, state="false_rejection",
                              user_id=user_id, now=ctx.now):
        ctx.session.rollback()
        return ActionResult(False, "audit_already_decided")
    audits.hold_callback(ctx.session, row.id)
    before = (deal.stage_id, deal.stage_semantic, deal.assigned_by_id, deal.closed)
    deal.stage_id, deal.stage_semantic, deal.assigned_by_id, deal.closed = stage, "P", ex, False
    key = f"landed:{deal.b24_deal_id}:audit:{row.id}"
    journal.journal(ctx.session, ctx.portal.id, deal_id=deal.b24_deal_id, kind="landed",
                    user_id=None, at=ctx.now, reason="false_rejection", key=key)
    ctx.session.commit()
    comment = texts.text("false_comment", ctx.portal.lang, name=verdict.name(ctx, user_id),
                         manager=verdict.name(ctx, row.manager_id))
    cmds = {"move": ("crm.deal.update", {"id": deal.b24_deal_id, "fields": {
        "STAGE_ID": stage, "ASSIGNED_BY_ID": ex}}),
        "comment": notify.deal_comment(deal.b24_deal_id, comment)}
    if verdict.tell_portal(ctx, cmds, "move") is None:
        deal.stage_id, deal.stage_semantic, deal.assigned_by_id, deal.closed = before
        journal.forget(ctx.session, ctx.portal.id, key)
        verdict.undo(ctx, row, "false_rejection")
        return ActionResult(False, "portal_error")
    logger.info("audits.outcome.false_rejection", extra={
        "member_id": ctx.portal.member_id, "deal": deal.b24_deal_id, "manager": row.manager_id})
    return ActionResult(True, "audit_false_rejection", {"name": verdict.name(ctx, row.manager_id)})


def _reengaged(ctx: ActionContext, user_id: int, row: Rejection) -> ActionResult:
    cfg = config.load(ctx.session, ctx.portal.id)
    ex = ctx.cfg.exchange_user_id
    owner = ex if cfg.reengage_to == "exchange" and ex else \
        config.controller(ctx.session, ctx.portal.id, cfg) or user_id
    stage = first_open_stage(ctx, row.category_id or 0)
    if not audits.set_outcome(ctx.session, ctx.portal.id, row.id, state="reengaged",
                              user_id=user_id, now=ctx.now):
        ctx.session.rollback()
        return ActionResult(False, "audit_already_decided")
    audits.hold_callback(ctx.session, row.id)
    ctx.session.commit()
    fields: dict[str, Any] = {
        "TITLE": row.title, "CATEGORY_ID": row.category_id or 0, "ASSIGNED_BY_ID": owner,
        "COMMENTS": texts.text("reengaged_new", ctx.portal.lang, deal=row.b24_entity_id)}
    if stage:
        fields["STAGE_ID"] = stage
    if row.contact_id:
        fields["CONTACT_ID"] = row.contact_id
    if row.company_id:
        fields["COMPANY_ID"] = row.company_id
    new_id, fresh = _add_once(ctx, {**fields, **origins.origin("reengaged", row.id)})
    if new_id is None:
        verdict.undo(ctx, row, "reengaged")
        return ActionResult(False, "portal_error")
    _mirror_new_deal(ctx, row, new_id, fresh, owner == ex)
    ctx.b24.batch({"comment": notify.deal_comment(row.b24_entity_id, texts.text(
        "reengaged_comment", ctx.portal.lang, name=verdict.name(ctx, user_id), deal=new_id))})
    return ActionResult(True, "audit_reengaged", {"deal": new_id})


def _add_once(ctx: ActionContext, fields: dict[str, Any]) -> tuple[int | None, Any]:
    """The new deal's id and fields, added at most once per rejection: its ORIGIN_ID is looked
    up first (an earlier click whose answer was lost) and again after a lost answer."""
    found = _by_origin(ctx, fields)
    if found is False:  # we cannot tell whether it exists: sending could double it
        return None, None
    if found is None:
        added = verdict.tell_portal(ctx, {"add": ("crm.deal.add", {"fields": fields}),
                                          "get": ("crm.deal.get", {"id": "$result[add]"})},
                                    "add")
        if added is not None:
            return to_int(added.results.get("add")), added.results.get("get")
        found = _by_origin(ctx, fields)  # the add may have run with its answer lost
        if not found:
            return None, None
    logger.info("audits.outcome.deal_found", extra={"member_id": ctx.portal.member_id,
                                                    "deal": found})
    try:
        return found, ctx.b24.call("crm.deal.get", {"id": found})
    except B24Error:
        return found, None  # the mirror learns it from ONCRMDEALADD / the sync


def _by_origin(ctx: ActionContext, fields: dict[str, Any]) -> int | bool | None:
    """The deal with these origin fields, None if there is none, False if we cannot tell."""
    try:
        return origins.found_id(ctx.b24.call(*origins.by_origin_cmd("deal", fields)))
    except B24Error as exc:
        logger.warning("audits.outcome.lookup_failed", extra={
            "member_id": ctx.portal.member_id, "error": str(exc)})
        return False


def _mirror_new_deal(ctx: ActionContext, row: Rejection, new_id: int, fields: Any,
                     on_exchange: bool) -> None:
    """Our deal is in the mirror before its ONCRMDEALADD arrives: the exchange sees no news."""
    row.new_deal_id = new_id
    if isinstance(fields, dict) and fields.get("ID"):
        mirror.upsert_deal(ctx.session, ctx.portal.id, fields)
    if on_exchange:
        journal.journal(ctx.session, ctx.portal.id, deal_id=new_id, kind="landed", user_id=None,
                        at=ctx.now, reason="reengaged", key=f"landed:{new_id}")
    ctx.session.commit()
