"""Every working morning at the set time (portal time zone): the headline numbers of the last
working day to the owner and the head of sales, once per day (a missed morning is sent when the
scheduler is back). Monday's tells Friday's figures, not Sunday's: the working days are the lead
rules' calendar (handlers.myday.config.clock: work days and holidays), and a day off has no
morning report. Texts: the notice.report.* and plural.report_* catalog entries."""

from __future__ import annotations

import logging
from datetime import date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from handlers import notify
from handlers.exchange import config as exchange_config
from handlers.exchange.actions import ActionContext
from handlers.exchange.caps import head_of_sales
from handlers.lead_rules.workclock import WorkClock
from handlers.myday import config as myday_config
from handlers.report.build import build
from handlers.report.period import Period
from pages import formats, i18n
from store.models import Department
from store.settings import load_section, save_section

logger = logging.getLogger(__name__)
SECTION, STATE = "report", "report_state"
DEFAULTS = {"send_at": "08:30", "tz": "Europe/Moscow", "enabled": True}


def recipients(ctx: ActionContext) -> list[int]:
    """The owner (head of the top department) and the head of sales."""
    cfg = exchange_config.load(ctx.session, ctx.portal.id)
    root = ctx.session.scalar(select(Department).where(
        Department.portal_id == ctx.portal.id, Department.parent_id.is_(None))
        .order_by(Department.b24_department_id).limit(1))
    found = [root.head_id if root else None, head_of_sales(ctx.session, ctx.portal.id, cfg)]
    return sorted({uid for uid in found if uid})


def send_daily_report(ctx: ActionContext) -> bool:
    cfg = {**DEFAULTS, **load_section(ctx.session, ctx.portal.id, SECTION)}
    if not cfg["enabled"]:
        return False
    local = ctx.now.astimezone(ZoneInfo(cfg["tz"]))
    if local.time() < time.fromisoformat(cfg["send_at"]):
        return False
    day = reported_day(myday_config.clock(ctx.session, ctx.portal.id), local.date())
    if day is None:
        return False
    state = load_section(ctx.session, ctx.portal.id, STATE)
    if state.get("last_day") == day.isoformat():
        return False
    head = build(ctx.session, ctx.portal.id, Period.of("day", day, cfg["tz"]), ctx.now).headline()
    lang = "en" if ctx.portal.lang == "en" else "ru"
    message = text(head, lang=lang, day=day, link=_report_link(ctx, day, lang))
    cmds = {f"n{uid}": ("im.notify.system.add", {"USER_ID": uid, "MESSAGE": message,
                                                 "TAG": f"daily-report-{uid}"})
            for uid in recipients(ctx)}
    # Remember first: a crash after sending must not send the same morning twice.
    save_section(ctx.session, ctx.portal.id, STATE, {"last_day": day.isoformat()},
                 user_id=None, now=ctx.now)
    ctx.session.commit()
    if cmds:
        for key, error in ctx.b24.batch(cmds).errors.items():
            logger.warning("job.report.notify_failed", extra={
                "member_id": ctx.portal.member_id, "command": key, "error": str(error)})
    logger.info("job.report.sent", extra={"member_id": ctx.portal.member_id,
                                           "day": day.isoformat(), "to": sorted(cmds)})
    return True


def reported_day(clock: WorkClock, today: date) -> date | None:
    """The last working day before `today` (on Monday: Friday; after a holiday: the working day
    before it), or None when `today` itself is a day off (its morning gets no report)."""
    if not clock.works_on(today):
        return None
    for back in range(1, 15):
        if clock.works_on(today - timedelta(days=back)):
            return today - timedelta(days=back)
    return today - timedelta(days=1)  # a calendar of holidays only: yesterday, as before


def text(head: dict[str, Any], *, lang: str, day: date, link: str) -> str:
    """The notice: «выиграно 3 сделки на 2 409 000 ₽», numbers and money through
    pages.formats, the wait for an answer in the one duration format («12 с»)."""
    neck = head["bottleneck"]
    return i18n.t(
        lang, "notice.report", day=formats.day(day, lang),
        won=i18n.nt(lang, head["won"], "report_won",
                    amount=formats.money(head["won_amount"], None, lang)),
        lost=i18n.nt(lang, head["lost"], "report_lost"),
        neck=f"«{neck[0]}» {formats.percent(neck[1], lang, 0)}" if neck else "—",
        never_moved=head["never_moved"], lcr=_pct(head.get("lcr"), lang),
        lcr_prev=_pct(head.get("lcr_prev"), lang),
        esc=i18n.nt(lang, head.get("escalations", 0), "report_escalated"),
        answer=formats.elapsed(head.get("avg_answer"), lang),
        no_next_step=head["no_next_step"], shared=head["shared_clients"],
        myday=_myday(head.get("myday"), lang), link=link)


def _report_link(ctx: ActionContext, day: date, lang: str) -> str:
    """': open' pointing at the report of that day inside the portal, or nothing without a code."""
    if not ctx.app_code:
        return ""
    url = notify.app_link(ctx.portal.domain, ctx.app_code, "report", date=day.isoformat())
    return ": " + notify.link(url, i18n.t(lang, "notice.report.open"))


def _myday(found: tuple[int, int] | None, lang: str) -> str:
    """Who handed the day's report in; nothing on a day off (no one was expected)."""
    if found is None:
        return ""
    return " " + i18n.t(lang, "notice.report.myday", handed=found[0], expected=found[1])


def _pct(value: float | None, lang: str) -> str:
    return "—" if value is None else formats.percent(value, lang, 0)
