"""Every working morning at the set time (portal time zone): the headline numbers to the owner
and the head of sales, once per day (a missed morning is sent when the scheduler is back)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy import select

from handlers import catalog, formats, notify
from handlers.exchange import config as exchange_config
from handlers.exchange.actions import ActionContext
from handlers.exchange.caps import head_of_sales
from handlers.myday import config as myday_config
from handlers.report.build import Report, build
from handlers.report.period import Period
from store.models import Department
from store.settings import load_section, save_section

logger = logging.getLogger(__name__)
SECTION, STATE = "report", "report_state"
DEFAULTS = {"send_at": "08:30", "tz": "Europe/Moscow", "enabled": True}
LOOKBACK = 14  # days searched back for the previous working day (a long holiday)
DASH = "\u2013"


def recipients(ctx: ActionContext) -> list[int]:
    """The owner (head of the top department) and the head of sales."""
    cfg = exchange_config.load(ctx.session, ctx.portal.id)
    root = ctx.session.scalar(select(Department).where(
        Department.portal_id == ctx.portal.id, Department.parent_id.is_(None))
        .order_by(Department.b24_department_id).limit(1))
    found = [root.head_id if root else None, head_of_sales(ctx.session, ctx.portal.id, cfg)]
    return sorted({uid for uid in found if uid})


def send_daily_report(ctx: ActionContext) -> bool:
    """Sent on the working days of the lead rules' calendar, after the set time, once a day.

    The notice covers every day since the previous working day: on a Monday, Friday to Sunday,
    so the weekend's missed calls fall between no two notices, and Sunday is not "yesterday".
    """
    cfg = {**DEFAULTS, **load_section(ctx.session, ctx.portal.id, SECTION)}
    if not cfg["enabled"]:
        return False
    local = ctx.now.astimezone(ZoneInfo(cfg["tz"]))
    if local.time() < time.fromisoformat(cfg["send_at"]):
        return False
    clock = myday_config.clock(ctx.session, ctx.portal.id)
    works_on: Callable[[date], bool] = clock.works_on if clock.days else (lambda _day: True)
    today = local.date()
    if not works_on(today):
        return False
    period = Period(reported_since(today, works_on), today - timedelta(days=1), cfg["tz"])
    state = load_section(ctx.session, ctx.portal.id, STATE)
    if state.get("last_day") == period.end.isoformat():
        return False
    report = build(ctx.session, ctx.portal.id, period, ctx.now)
    lang = "en" if ctx.portal.lang == "en" else "ru"
    message = compose(report.headline(), lang, period,
                      myday=_myday(report, period, works_on, lang),
                      link=_report_link(ctx, period.end, lang))
    cmds = {f"n{uid}": ("im.notify.system.add", {"USER_ID": uid, "MESSAGE": message,
                                                 "TAG": f"daily-report-{uid}"})
            for uid in recipients(ctx)}
    # Remember first: a crash after sending must not send the same morning twice.
    save_section(ctx.session, ctx.portal.id, STATE, {"last_day": period.end.isoformat()},
                 user_id=None, now=ctx.now)
    ctx.session.commit()
    if cmds:
        for key, error in ctx.b24.batch(cmds).errors.items():
            logger.warning("job.report.notify_failed", extra={
                "member_id": ctx.portal.member_id, "command": key, "error": str(error)})
    logger.info("job.report.sent", extra={"member_id": ctx.portal.member_id,
                                           "since": period.start.isoformat(),
                                           "day": period.end.isoformat(), "to": sorted(cmds)})
    return True


def reported_since(today: date, works_on: Callable[[date], bool]) -> date:
    """The previous working day (yesterday, when yesterday was one)."""
    for back in range(1, LOOKBACK + 1):
        if works_on(today - timedelta(days=back)):
            return today - timedelta(days=back)
    return today - timedelta(days=1)


def compose(head: dict[str, Any], lang: str, period: Period, *, myday: str = "",
            link: str = "") -> str:
    """The notice's sentences; a sentence with nothing to say (no calls, no bottleneck) is
    left out rather than shown as «—»."""
    def say(key: str, **params: Any) -> str:
        return catalog.text(lang, f"report.{key}", **params)

    def say_n(key: str, n: int, **params: Any) -> str:
        return catalog.nt(lang, n, f"report_{key}", **params)

    won = say_n("won", head["won"], amount=formats.money(head["won_amount"], None, lang))
    parts = [say("title", days=days(period, lang)), f"{won}, {say_n('lost', head['lost'])}."]
    if head.get("incoming"):
        calls = say_n("lost_calls", head.get("lost_calls") or 0, incoming=head["incoming"],
                   lcr=_pct(head.get("lcr"), lang))
        if head.get("lcr_prev") is not None:
            calls += say("was", lcr=_pct(head["lcr_prev"], lang))
        calls += ")"
        if head.get("money_at_risk"):
            calls += say("at_risk", money=formats.money(head["money_at_risk"], None, lang))
        parts.append(calls + ".")
    if head.get("avg_answer") is not None:
        parts.append(say("answer", answer=formats.elapsed(head["avg_answer"], lang)))
    if head.get("escalations"):
        parts.append(say_n("escalations", head["escalations"]))
    neck = head.get("bottleneck")
    if neck:
        parts.append(say("bottleneck", stage=neck[0], share=_pct(neck[1], lang)))
    parts.append(say("hygiene", never_moved=head["never_moved"],
                   no_next_step=head["no_next_step"], shared=head["shared_clients"]))
    if myday:
        parts.append(myday)
    return " ".join([*parts, say("details") + link])


def days(period: Period, lang: str) -> str:
    """«27 ноября», «27–29 ноября», «30 ноября – 1 декабря»; November 27–29 in English."""
    locale = "en" if lang == "en" else "ru"
    pattern = "MMMM d" if locale == "en" else "d MMMM"
    end = format_date(period.end, pattern, locale=locale)
    if period.start == period.end:
        return end
    if (period.start.year, period.start.month) != (period.end.year, period.end.month):
        return f"{format_date(period.start, pattern, locale=locale)} {DASH} {end}"
    if locale == "en":
        return f"{format_date(period.start, pattern, locale=locale)}{DASH}{period.end.day}"
    return f"{period.start.day}{DASH}{end}"


def _report_link(ctx: ActionContext, day: date, lang: str) -> str:
    """': open' pointing at the report of that day inside the portal, or nothing without a code."""
    if not ctx.app_code:
        return ""
    url = notify.app_link(ctx.portal.domain, ctx.app_code, "report", date=day.isoformat())
    return ": " + notify.link(url, catalog.text(lang, "report.link"))


def _myday(report: Report, period: Period, works_on: Callable[[date], bool], lang: str) -> str:
    """Who handed «Мой день» in on the last working day of the period; nothing without one."""
    section = report.sections.get("myday")
    worked = [d for d in (period.end - timedelta(days=i) for i in range(period.days))
              if works_on(d)]
    found = section.on(worked[0]) if section is not None and worked else None
    if found is None:
        return ""
    return catalog.nt(lang, found[0], "report_myday", expected=found[1])


def _pct(value: float | None, lang: str) -> str:
    return "—" if value is None else formats.percent(value, lang, places=0)
