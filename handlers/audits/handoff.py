"""Hand first-time buyers to the senior specialist: responsible person and a follow-up to-do.

A hand-off row exists once per client (store.audits.record_handoff). The job leases it, asks
the portal whether the client won a deal before this one (our mirror may predate nothing, the
portal knows everything), then sets the contact's (company's) ASSIGNED_BY_ID and adds
crm.activity.todo.add with the first follow-up call due in N days. The to-do's id is kept; a
retried run looks it up by title before adding, so the senior never gets two.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from b24.errors import B24Error
from b24.values import iso, to_int
from handlers.audits import config, texts
from handlers.exchange.actions import ActionContext
from store import audits
from store.audits_models import ClientHandoff
from store.db import write_lock
from store.models import Contact

logger = logging.getLogger(__name__)
OWNER_TYPE = {"CONTACT": 3, "COMPANY": 4}
METHOD = {"CONTACT": "crm.contact", "COMPANY": "crm.company"}


def hand_off_due(ctx: ActionContext, limit: int = 20) -> int:
    """One round: returns how many clients were handed over."""
    cfg = config.load(ctx.session, ctx.portal.id)
    done = 0
    for row in audits.claim_due(ctx.session, ClientHandoff, ctx.portal.id, ctx.now, limit):
        if row.senior_id is None:
            row.senior_id = config.senior(ctx.session, ctx.portal.id, cfg, row.category_id)
        client = _client(ctx, row)
        name, assigned = (client.name, client.assigned_by_id) if client else ("", None)
        todo = _wants_todo(ctx, row)
        ctx.session.commit()  # nothing open while we wait on the portal
        try:
            status = _hand_off(ctx, cfg, row, name, assigned, todo=todo)
        except B24Error as exc:
            logger.warning("audits.handoff.portal_refused", extra={
                "member_id": ctx.portal.member_id, "handoff": row.id, "error": str(exc)})
            write_lock(ctx.session)
            audits.retry_later(row, f"{type(exc).__name__}: {exc}", ctx.now)
            ctx.session.commit()
            continue
        write_lock(ctx.session)
        audits.finish(row, ctx.now, status=status)
        client = _client(ctx, row)
        if status == "done" and client is not None:
            client.assigned_by_id = row.senior_id  # optimistic: the echo changes nothing
        ctx.session.commit()
        done += status == "done"
        logger.info("audits.handoff.finished", extra={
            "member_id": ctx.portal.member_id, "handoff": row.id, "status": status,
            "senior": row.senior_id, "todo": row.b24_todo_id})
    return done


def _client(ctx: ActionContext, row: ClientHandoff) -> Contact | None:
    return ctx.session.scalar(select(Contact).where(
        Contact.portal_id == ctx.portal.id, Contact.entity_type == row.entity_type,
        Contact.b24_id == row.b24_client_id))


def _wants_todo(ctx: ActionContext, row: ClientHandoff) -> bool:
    """One follow-up per purchase: the contact's, or the company's when no contact was new."""
    if row.entity_type != "COMPANY":
        return True
    return ctx.session.scalar(select(ClientHandoff.id).where(
        ClientHandoff.portal_id == ctx.portal.id, ClientHandoff.entity_type == "CONTACT",
        ClientHandoff.b24_deal_id == row.b24_deal_id)) is None


def _hand_off(ctx: ActionContext, cfg: config.AuditConfig, row: ClientHandoff, name: str,
              assigned: int | None, *, todo: bool) -> str:
    if row.senior_id is None:
        raise NoSenior("no senior specialist chosen or guessed")
    if _won_before(ctx, row):
        return "skipped"
    title = texts.text("followup_title", ctx.portal.lang, client=name or f"#{row.b24_client_id}")
    if todo and row.b24_todo_id is None and row.attempts > 1:
        row.b24_todo_id = _existing_todo(ctx, row, title)
    cmds: dict[str, tuple[str, dict]] = {}
    if assigned != row.senior_id:
        cmds["assign"] = (f"{METHOD[row.entity_type]}.update", {
            "id": row.b24_client_id, "fields": {"ASSIGNED_BY_ID": row.senior_id}})
    if todo and row.b24_todo_id is None:
        cmds["todo"] = ("crm.activity.todo.add", {
            "ownerTypeId": OWNER_TYPE[row.entity_type], "ownerId": row.b24_client_id,
            "deadline": iso(ctx.now + timedelta(days=cfg.followup(row.category_id))),
            "title": title,
            "description": texts.text("followup_text", ctx.portal.lang, deal=row.b24_deal_id),
            "responsibleId": row.senior_id})
    if not cmds:
        return "done"
    batch = ctx.b24.batch(cmds)
    if "todo" in batch.results:
        row.b24_todo_id = to_int((batch.results["todo"] or {}).get("id"))
    if batch.errors:
        raise next(iter(batch.errors.values()))
    return "done"


class NoSenior(B24Error):
    """Nobody to hand the client to yet: retried later, the admin may choose one meanwhile."""


def _won_before(ctx: ActionContext, row: ClientHandoff) -> bool:
    key = "CONTACT_ID" if row.entity_type == "CONTACT" else "COMPANY_ID"
    found = ctx.b24.call("crm.deal.list", {"filter": {
        key: row.b24_client_id, "STAGE_SEMANTIC_ID": "S", "!ID": row.b24_deal_id,
        "<=MOVED_TIME": iso(row.won_at)}, "select": ["ID"]})
    return bool(found)


def _existing_todo(ctx: ActionContext, row: ClientHandoff, title: str) -> int | None:
    found = ctx.b24.call("crm.activity.list", {"filter": {
        "OWNER_TYPE_ID": OWNER_TYPE[row.entity_type], "OWNER_ID": row.b24_client_id,
        "SUBJECT": title}, "select": ["ID"]})
    return to_int(found[0]["ID"]) if found else None
