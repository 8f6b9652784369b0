"""Each handed-in «Мой день» is also fixed in the CRM, as a timeline comment.

Why a timeline comment, and on which card: crm.timeline.comment.add
(EN:api-reference/crm/timeline/comments/crm-timeline-comment-add.md) binds a comment to a CRM
element of a type that has a timeline — lead, deal, contact, company, order, dynamic_N; an
employee is not a CRM element, so the report cannot be put "on the user". A to-do
(crm.activity.todo.add, .../timeline/activities/todo/crm-activity-todo-add.md) also needs an
owner element and, besides, a deadline: it is work to do, and a report is a record of work
done. So each report is a comment on the portal's own company card ("my company", a company
with IS_MY_COMPANY = Y, EN:api-reference/crm/companies/crm-company-add.md; those cards are
kept apart from clients in Bitrix24): one card whose timeline is the daily journal of the
whole team. The card is found with crm.company.list, made once if the portal has none, and
its id is remembered. An edited report or the head's comment rewrites the same comment
(crm.timeline.comment.update).

Durable like the audits' callbacks (store.audits.claim_due): the row is leased and committed
before the portal is called; a refusal backs off (10 min ... a day) and is retried, never
dropped; a worker that died after the portal's answer leaves a lease that expires, and the
retry first looks for the comment by its number before adding one, so none appears twice.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from b24.errors import B24ApiError, B24Error
from b24.values import to_int
from handlers import formats
from handlers.exchange.actions import ActionContext
from handlers.myday import texts
from handlers.myday.prefill import COUNTERS, SENIOR
from store import audits
from store.db import write_lock
from store.models import User
from store.myday_models import DayReport
from store.settings import load_section, save_section

logger = logging.getLogger(__name__)
STATE = "myday_state"
NEVER_DROPPED = 10**6  # attempts: the backoff caps at a day, the row stays until it is taken
# crm-timeline-comment-update.md, "Возможные коды ошибок": the comment or its card is gone.
GONE = ("NOT_FOUND", "OWNER_NOT_FOUND")


def write_due(ctx: ActionContext, limit: int = 20) -> int:
    """One round: reports written (or rewritten) in the portal."""
    written = 0
    for row in audits.claim_due(ctx.session, DayReport, ctx.portal.id, ctx.now, limit):
        body, version = comment_text(ctx, row), _version(row)
        ctx.session.commit()  # nothing open while we wait on the portal
        try:
            comment_id = _write(ctx, row, body)
        except B24Error as exc:
            logger.warning("myday.crm.portal_refused", extra={
                "member_id": ctx.portal.member_id, "report": row.id, "error": str(exc)})
            write_lock(ctx.session)
            audits.retry_later(row, f"{type(exc).__name__}: {exc}", ctx.now,
                               max_attempts=NEVER_DROPPED)
            ctx.session.commit()
            continue
        write_lock(ctx.session)
        ctx.session.refresh(row)
        row.b24_comment_id = comment_id
        if _version(row) == version:
            audits.finish(row, ctx.now)
        else:  # edited or commented while we wrote: the newer text goes next round
            row.status, row.due_at, row.locked_until, row.attempts = "scheduled", ctx.now, None, 0
        ctx.session.commit()
        written += 1
        logger.info("myday.crm.written", extra={"member_id": ctx.portal.member_id,
                                                "report": row.id, "comment": comment_id})
    return written


def _version(row: DayReport) -> tuple:
    """What a new hand-in or the head's comment changes: the text written must be the last."""
    return row.submitted_at, row.comment_at


def _write(ctx: ActionContext, row: DayReport, body: str) -> int | None:
    company = my_company(ctx)
    if row.b24_comment_id:
        try:
            ctx.b24.call("crm.timeline.comment.update", {
                "id": row.b24_comment_id, "fields": {"COMMENT": body}})
            return row.b24_comment_id
        except B24ApiError as exc:
            if exc.code not in GONE:
                raise
            logger.info("myday.crm.comment_gone", extra={  # deleted in the portal: anew
                "member_id": ctx.portal.member_id, "report": row.id, "error": exc.code})
    found = _existing(ctx, company, row) if row.attempts > 1 else None
    if found is not None:
        return found
    try:
        return to_int(ctx.b24.call("crm.timeline.comment.add", {"fields": {
            "ENTITY_TYPE": "company", "ENTITY_ID": company, "COMMENT": body}}))
    except B24ApiError as exc:
        if exc.code == "OWNER_NOT_FOUND":  # our company card was deleted: found or made anew
            _forget_company(ctx)
        raise


def _forget_company(ctx: ActionContext) -> None:
    write_lock(ctx.session)
    state = load_section(ctx.session, ctx.portal.id, STATE)
    state.pop("company_id", None)
    save_section(ctx.session, ctx.portal.id, STATE, state, user_id=None, now=ctx.now)
    ctx.session.commit()


def _existing(ctx: ActionContext, company: int, row: DayReport) -> int | None:
    """A previous run may have added it and died before saying so: found by its title."""
    title = _title(ctx, row)
    found = ctx.b24.call("crm.timeline.comment.list", {
        "filter": {"ENTITY_ID": company, "ENTITY_TYPE": "company"},
        "select": ["ID", "COMMENT"], "order": {"ID": "DESC"}}) or []
    for item in found:
        if str(item.get("COMMENT") or "").startswith(title):
            return to_int(item.get("ID"))
    return None


def my_company(ctx: ActionContext) -> int:
    """The portal's own company card (remembered; found or made once)."""
    state = load_section(ctx.session, ctx.portal.id, STATE)
    if state.get("company_id"):
        return int(state["company_id"])
    found = ctx.b24.call("crm.company.list", {
        "filter": {"IS_MY_COMPANY": "Y"}, "select": ["ID"], "order": {"ID": "ASC"}}) or []
    company = to_int(found[0]["ID"]) if found else None
    if company is None:
        lang = "en" if ctx.portal.lang == "en" else "ru"
        company = to_int(ctx.b24.call("crm.company.add", {"fields": {
            "TITLE": texts.text("company", lang), "IS_MY_COMPANY": "Y"}}))
    if company is None:
        raise B24Error("crm.company.add returned no id")
    write_lock(ctx.session)
    save_section(ctx.session, ctx.portal.id, STATE, {**state, "company_id": company},
                 user_id=None, now=ctx.now)
    ctx.session.commit()
    return company


def _name(ctx: ActionContext, user_id: int | None) -> str:
    user = ctx.session.scalar(select(User).where(User.portal_id == ctx.portal.id,
                                                 User.b24_user_id == user_id))
    return user.full_name if user else f"#{user_id}"


def _title(ctx: ActionContext, row: DayReport) -> str:
    lang = "en" if ctx.portal.lang == "en" else "ru"
    return texts.text("title", lang, id=row.id, name=_name(ctx, row.user_id),
                      day=formats.day(row.day, lang))


def comment_text(ctx: ActionContext, row: DayReport) -> str:
    lang = "en" if ctx.portal.lang == "en" else "ru"
    lines = [_title(ctx, row)]
    lines += [f"{texts.text(key, lang)}: {row.counters[key]}" for key in (*COUNTERS, *SENIOR)
              if key in row.counters]
    if row.ratings:
        lines.append(texts.text("ratings", lang, values=", ".join(
            str(v) for _, v in sorted(row.ratings.items(), key=lambda kv: int(kv[0])))))
    lines += ["", texts.text("decided", lang), row.text]
    if row.comment:
        lines += ["", texts.text("head", lang, name=_name(ctx, row.comment_by),
                                 text=row.comment)]
    return "\n".join(lines)
