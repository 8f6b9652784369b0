"""At the set time of a working day, remind whoever has not handed «Мой день» in yet.

Once per person and day: the reminder row is written and committed before the notice goes
out (store.myday.remind_once), so a rerun, a crash after sending or a second worker never
reminds twice. A day off or a holiday of the working calendar reminds nobody.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from handlers import notify
from handlers.exchange.actions import ActionContext
from handlers.myday import config, texts
from store import myday
from store.db import write_lock

logger = logging.getLogger(__name__)


def due(session: Session, portal_id: int, now: datetime) -> list[int]:
    """Who is to be reminded now (empty before the time, on days off, with reminders off)."""
    cfg, clock = config.load(session, portal_id), config.clock(session, portal_id)
    local = now.astimezone(clock.zone)
    if not cfg.reminders or not clock.works_on(local.date()) or local.time() < cfg.remind_time():
        return []
    handed = myday.handed(session, portal_id, local.date(), local.date())
    return [uid for uid in config.employees(session, portal_id) if uid not in handed]


def remind(ctx: ActionContext) -> int:
    """Notices sent in this run."""
    session, pid = ctx.session, ctx.portal.id
    day = ctx.now.astimezone(config.clock(session, pid).zone).date()
    waiting = due(session, pid, ctx.now)
    session.commit()  # a read: most runs of the day end here, without the write lock
    if not waiting:
        return 0
    write_lock(session)
    fresh = [uid for uid in waiting if myday.remind_once(session, pid, uid, day, ctx.now)]
    session.commit()  # remembered first: at most once per day, even if the send fails
    if not fresh:
        return 0
    lang = "en" if ctx.portal.lang == "en" else "ru"
    link = ""
    if ctx.app_code:
        url = notify.app_link(ctx.portal.domain, ctx.app_code, "myday")
        link = ": " + notify.link(url, texts.text("link", lang))
    message = texts.text("reminder", lang, link=link)
    cmds = {f"n{uid}": notify.notify(uid, message, tag=f"myday-{uid}") for uid in fresh}
    for key, error in ctx.b24.batch(cmds).errors.items():
        logger.warning("job.myday.remind_failed", extra={
            "member_id": ctx.portal.member_id, "command": key, "error": str(error)})
    logger.info("job.myday.reminded", extra={"member_id": ctx.portal.member_id,
                                             "day": day.isoformat(), "to": fresh})
    return len(fresh)
