"""Reading the conversations incrementally: e-mails, open-line sessions, call transcripts.

Like the sync: a watermark (the last activity id done, in sync_cursors); a page of 50
conversation activities, then one batch for the sessions' histories and the calls' transcripts
and one list for the contacts' names — three requests a page, four pages a run at most, within
the portal's budget, and two more for transcripts that came late. A sub-call that fails stops
the watermark before its activity, so the next run asks again (never dropped).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from b24.values import iso
from handlers.audits import rescore
from handlers.comm import config, read
from handlers.exchange.actions import ActionContext
from quality.text import check
from store.comm_models import CommMessage
from store.models import SyncCursor, User

logger = logging.getLogger(__name__)
CURSOR = "comm.activity"
PAGE, PAGES = 50, 4  # a run reads at most 4 pages: at most 12 requests of the portal's budget
# Speech recognition finishes after the call's activity appears, so the watermark can pass a
# call before its transcript exists: calls this recent without a stored transcript are asked
# again each run (two requests more).
LATE_TRANSCRIPTS = timedelta(hours=6)


def sync_conversations(ctx: ActionContext, *, pages: int = PAGES) -> int:
    """New conversation activities since the watermark, stored with their checks; the count."""
    total = 0
    for _ in range(pages):
        count, full = _one_page(ctx)
        total += count
        if not full:
            break
    return total + _late_transcripts(ctx)


def _late_transcripts(ctx: ActionContext) -> int:
    """Transcripts that appeared after the watermark passed their call."""
    cursor = _cursor(ctx)
    if not cursor.last_id:
        return 0
    rows = ctx.b24.call("crm.activity.list", {
        "filter": {"<=ID": cursor.last_id, "@PROVIDER_ID": list(read.CALL_PROVIDERS),
                   ">=CREATED": iso(ctx.now - LATE_TRANSCRIPTS)},
        "order": {"ID": "DESC"}, "select": read.SELECT})
    rows = list(rows or [])[:PAGE]
    have = set(ctx.session.scalars(select(CommMessage.source_key).where(
        CommMessage.portal_id == ctx.portal.id,
        CommMessage.source_key.in_([f"call:{r['ID']}" for r in rows]))))
    wanted = [r for r in rows if f"call:{r['ID']}" not in have]
    if not wanted:
        return 0
    extra = ctx.b24.batch({f"a{r['ID']}": _sub_call(r) for r in wanted})
    said = [m for r in wanted for m in (_said(r, extra) or [])]
    _store(ctx, said)
    ctx.session.commit()
    return len(said)


def _one_page(ctx: ActionContext) -> tuple[int, bool]:
    cursor = _cursor(ctx)
    rows = ctx.b24.call("crm.activity.list", {
        "filter": {">ID": cursor.last_id, "@PROVIDER_ID": list(read.PROVIDERS)},
        "order": {"ID": "ASC"}, "select": read.SELECT})
    rows = list(rows or [])[:PAGE]
    wanted = [r for r in rows if read.kind(r) in ("openline", "call")]
    extra = ctx.b24.batch({f"a{r['ID']}": _sub_call(r) for r in wanted}) if wanted else None
    said, done = [], cursor.last_id
    for row in rows:
        found = _said(row, extra)
        if found is None:  # its sub-call failed: read it again next run
            break
        said += found
        done = int(row["ID"])
    _store(ctx, said)
    cursor.last_id, cursor.updated_at = done, ctx.now
    ctx.session.commit()
    logger.info("job.comm.synced", extra={"member_id": ctx.portal.member_id,
                                          "activities": len(rows), "messages": len(said)})
    return len(said), len(rows) == PAGE and done == int(rows[-1]["ID"])


def _sub_call(row: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if read.kind(row) == "openline":
        return "imopenlines.session.history.get", {"SESSION_ID": row["ASSOCIATED_ENTITY_ID"]}
    return "crm.activity.call.getTranscript", {"activityId": row["ID"]}


def _said(row: dict[str, Any], extra: Any) -> list[read.Said] | None:
    kind = read.kind(row)
    if kind == "email":
        return [read.email(row)]
    if kind is None:
        return []
    key = f"a{row['ID']}"
    if key in extra.errors:
        logger.warning("job.comm.sub_call_failed", extra={"activity": row["ID"],
                                                          "error": str(extra.errors[key])})
        return None
    result = extra.results.get(key)
    if kind == "openline":
        return read.session_lines(row, result or {})
    one = read.transcript(row, result)
    return [one] if one else []


def _store(ctx: ActionContext, said: list[read.Said]) -> None:
    if not said:
        return
    cfg = config.load(ctx.session, ctx.portal.id)
    rules = cfg.rules(tuple(_staff_names(ctx)))
    names = _contact_names(ctx, {s.contact_id for s in said if s.contact_id})
    known = set(ctx.session.scalars(select(CommMessage.source_key).where(
        CommMessage.portal_id == ctx.portal.id,
        CommMessage.source_key.in_([s.source_key for s in said]))))
    for s in said:
        if s.source_key in known:
            continue
        first, patr = names.get(s.contact_id or 0, ("", ""))
        verdict = None if s.incoming else check(s.text, rules, first_name=first, patronymic=patr)
        ctx.session.add(CommMessage(
            portal_id=ctx.portal.id, source_key=s.source_key, b24_activity_id=s.activity_id,
            channel=s.channel, thread=s.thread, incoming=s.incoming, manager_id=s.manager_id,
            contact_id=s.contact_id, at=s.at, subject=s.subject, text=s.text,
            named=None if verdict is None or not first else verdict.named is not None,
            misspelled=[] if verdict is None or s.channel == "call" else verdict.misspelled,
            forbidden=verdict.forbidden if verdict else [],
            rejection=verdict.rejection if verdict else []))
    calls = [s for s in said if s.channel == "call" and s.activity_id and s.source_key not in known]
    if calls:  # a rejection scored before its call's transcript arrived is weighed again
        ctx.session.flush()
        rescore.after_transcripts(ctx, [s.activity_id for s in calls],
                                  min(s.at for s in calls))


def _contact_names(ctx: ActionContext, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    rows = ctx.b24.call("crm.contact.list", {"filter": {"@ID": sorted(ids)},
                                             "select": ["ID", "NAME", "SECOND_NAME"]})
    return {int(r["ID"]): (str(r.get("NAME") or ""), str(r.get("SECOND_NAME") or ""))
            for r in rows or []}


def _staff_names(ctx: ActionContext) -> list[str]:
    """The managers' own names and surnames are vocabulary, not misspellings."""
    users = ctx.session.scalars(select(User).where(User.portal_id == ctx.portal.id))
    return [w for u in users for w in (u.full_name or "").split()]


def _cursor(ctx: ActionContext) -> SyncCursor:
    row = ctx.session.scalar(select(SyncCursor).where(SyncCursor.portal_id == ctx.portal.id,
                                                      SyncCursor.entity == CURSOR))
    if row is None:
        row = SyncCursor(portal_id=ctx.portal.id, entity=CURSOR, last_id=0, updated_at=ctx.now)
        ctx.session.add(row)
    return row
