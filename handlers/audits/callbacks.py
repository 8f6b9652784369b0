"""Fire due quality-control callbacks: a task (or a to-do on the deal) for the controller.

Exactly once: a callback is leased with a conditional UPDATE (store.audits.claim_due) and
committed before the portal is called, so two workers never both fire it; it is marked done
with the task id right after. If a worker dies between the portal's answer and that mark, the
lease expires and the next run first looks for the task by its title (which carries the
callback's number) before creating one, so even then no duplicate appears.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from b24.errors import B24Error
from b24.values import iso, to_int
from handlers.audits import config, texts
from handlers.exchange.actions import ActionContext
from store import audits
from store.audits_models import AuditCallback, Rejection
from store.db import write_lock
from store.models import Stage, User

logger = logging.getLogger(__name__)
DEADLINE = timedelta(days=1)  # a day to make the call once the task appears


def fire_due(ctx: ActionContext, limit: int = 20) -> int:
    """One round: returns how many callbacks were created in the portal."""
    fired = 0
    for callback in audits.claim_due(ctx.session, AuditCallback, ctx.portal.id, ctx.now, limit):
        rejection = ctx.session.get(Rejection, callback.rejection_id)
        ctx.session.commit()  # nothing open while we wait on the portal
        try:
            task_id = _existing(ctx, callback, rejection) if callback.attempts > 1 else None
            if task_id is None:
                task_id = _create(ctx, callback, rejection)
        except B24Error as exc:
            logger.warning("audits.callback.portal_refused", extra={
                "member_id": ctx.portal.member_id, "callback": callback.id, "error": str(exc)})
            write_lock(ctx.session)
            audits.retry_later(callback, f"{type(exc).__name__}: {exc}", ctx.now)
            ctx.session.commit()
            continue
        write_lock(ctx.session)
        callback.b24_task_id = task_id
        audits.finish(callback, ctx.now)
        ctx.session.commit()
        fired += 1
        logger.info("audits.callback.fired", extra={
            "member_id": ctx.portal.member_id, "callback": callback.id, "task": task_id})
    return fired


def title(ctx: ActionContext, callback: AuditCallback, rejection: Rejection) -> str:
    return texts.text("callback_title", ctx.portal.lang, title=rejection.title or
                      f"#{rejection.b24_entity_id}", number=callback.id)


def _existing(ctx: ActionContext, callback: AuditCallback, rejection: Rejection) -> int | None:
    """A previous run may have created it and died before saying so."""
    name = title(ctx, callback, rejection)
    if callback_kind(ctx) == "todo":
        found = ctx.b24.call("crm.activity.list", {"filter": {
            "OWNER_TYPE_ID": 2, "OWNER_ID": rejection.b24_entity_id, "SUBJECT": name},
            "select": ["ID"]})
        return to_int(found[0]["ID"]) if found else None
    found = ctx.b24.call("tasks.task.list", {"filter": {
        "TITLE": name, "RESPONSIBLE_ID": callback.responsible_id}, "select": ["ID"]})
    tasks = (found or {}).get("tasks") or []
    return to_int(tasks[0].get("id")) if tasks else None


def callback_kind(ctx: ActionContext) -> str:
    return config.load(ctx.session, ctx.portal.id).callback_kind


def _create(ctx: ActionContext, callback: AuditCallback, rejection: Rejection) -> int | None:
    name, text = title(ctx, callback, rejection), description(ctx, rejection)
    deadline = iso(ctx.now + DEADLINE)
    responsible = callback.responsible_id or ctx.portal.installer_user_id
    if callback_kind(ctx) == "todo" and rejection.entity_type == "deal":
        result = ctx.b24.call("crm.activity.todo.add", {
            "ownerTypeId": 2, "ownerId": rejection.b24_entity_id, "deadline": deadline,
            "title": name, "description": text, "responsibleId": responsible})
        return to_int((result or {}).get("id"))
    binding = ("D_" if rejection.entity_type == "deal" else "L_") + str(rejection.b24_entity_id)
    clients = [f"C_{rejection.contact_id}"] if rejection.contact_id else []
    result = ctx.b24.call("tasks.task.add", {"fields": {
        "TITLE": name, "DESCRIPTION": text, "RESPONSIBLE_ID": responsible, "DEADLINE": deadline,
        "PRIORITY": 2 if rejection.score >= 50 else 1, "UF_CRM_TASK": [binding, *clients]}})
    return to_int(((result or {}).get("task") or {}).get("id"))


def description(ctx: ActionContext, rejection: Rejection) -> str:
    """The evidence, as the controller needs it on the phone."""
    lang, ev = ctx.portal.lang, rejection.evidence or {}
    session, pid = ctx.session, ctx.portal.id
    manager = session.scalar(select(User).where(User.portal_id == pid,
                                                User.b24_user_id == rejection.manager_id))
    stage = session.scalar(select(Stage.name).where(Stage.portal_id == pid,
                                                    Stage.status_id == rejection.stage_id))
    minutes = ev.get("minutes_since_claim")
    return texts.text(
        "callback_text", lang, link=entity_link(ctx, rejection),
        manager=manager.full_name if manager else f"#{rejection.manager_id}",
        stage=stage or rejection.stage_id, reason=rejection.reason or "",
        score=rejection.score, reasons=texts.reason_names(rejection.reasons or [], lang),
        calls="\n".join(call_lines(ev.get("calls") or [], lang)) or texts.text("no_calls", lang),
        activities=", ".join(f"{k}: {v}" for k, v in (ev.get("activities") or {}).items())
        or texts.text("none", lang),
        claim=texts.text("minutes", lang, n=minutes) if minutes is not None
        else texts.text("unknown", lang))


def call_lines(calls: list[dict[str, Any]], lang: str) -> list[str]:
    return [texts.text(
        "call_line", lang, at=str(c.get("at", ""))[:16].replace("T", " "),
        direction=texts.text("out" if c.get("outgoing") else "in", lang),
        seconds=c.get("seconds", 0),
        answered="" if c.get("answered") else texts.text("unanswered", lang),
        record=texts.text("record", lang, url=c["record_url"]) if c.get("record_url")
        else texts.text("record_app", lang) if c.get("record_call") else "")
        for c in calls]


def entity_link(ctx: ActionContext, rejection: Rejection) -> str:
    kind = "deal" if rejection.entity_type == "deal" else "lead"
    return f"https://{ctx.portal.domain}/crm/{kind}/details/{rejection.b24_entity_id}/"
