"""Every morning at the set time (portal time zone): the headline numbers to the owner and the
head of sales, once per day (a missed morning is sent when the scheduler is back)."""

from __future__ import annotations

import logging
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from handlers import notify
from handlers.exchange import config as exchange_config
from handlers.exchange.actions import ActionContext
from handlers.exchange.caps import head_of_sales
from handlers.report.build import build
from handlers.report.period import Period
from store.models import Department
from store.settings import load_section, save_section

logger = logging.getLogger(__name__)
SECTION, STATE = "report", "report_state"
DEFAULTS = {"send_at": "08:30", "tz": "Europe/Moscow", "enabled": True}
TEXT = {
    "ru": "[B]Отчёт за {day}[/B]: выиграно {won} на {amount} ₽, проиграно {lost}. Потерянные "
          "звонки: {lcr} (было {lcr_prev}), ответ в среднем за {answer}, до руководителя "
          "дошло {esc}. Узкое место "
          "воронки: {neck}. Без движения {never_moved}, без следующего шага {no_next_step}, "
          "клиент у нескольких менеджеров {shared}.{myday} Подробно — в приложении «Контроль "
          "продаж», вкладка «Отчёт»{link}",
    "en": "[B]Report for {day}[/B]: {won} deals won for {amount}, {lost} lost. Lost Call "
          "Rate {lcr} (was {lcr_prev}), answered in {answer} on average, {esc} calls reached a "
          "head. Funnel bottleneck: {neck}. "
          "Never moved {never_moved}, no next step {no_next_step}, client "
          "shared by managers {shared}.{myday} Details in the “Sales Guard” app, “Report” "
          "tab{link}",
}
LINK_LABEL = {"ru": "открыть", "en": "open"}
MYDAY = {"ru": " «Мой день» сдали {handed} из {expected}.",
         "en": " “My day” handed in by {handed} of {expected}."}


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
    day = local.date() - timedelta(days=1)
    state = load_section(ctx.session, ctx.portal.id, STATE)
    if state.get("last_day") == day.isoformat():
        return False
    head = build(ctx.session, ctx.portal.id, Period.of("day", day, cfg["tz"]), ctx.now).headline()
    neck = head["bottleneck"]
    lang = "en" if ctx.portal.lang == "en" else "ru"
    message = TEXT[lang].format(
        day=day.strftime("%d.%m.%Y"), won=head["won"], amount=f"{head['won_amount']:,.0f}"
        .replace(",", " "), lost=head["lost"],
        neck=f"«{neck[0]}» {neck[1]:.0%}" if neck else "—", never_moved=head["never_moved"],
        lcr=_pct(head.get("lcr")), lcr_prev=_pct(head.get("lcr_prev")),
        esc=head.get("escalations", 0), answer=_secs(head.get("avg_answer"), lang),
        no_next_step=head["no_next_step"], shared=head["shared_clients"],
        myday=_myday(head.get("myday"), lang), link=_report_link(ctx, day, lang))
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

def _report_link(ctx: ActionContext, day: date, lang: str) -> str:
    """': open' pointing at the report of that day inside the portal, or nothing without a code."""
    if not ctx.app_code:
        return ""
    url = notify.app_link(ctx.portal.domain, ctx.app_code, "report", date=day.isoformat())
    return ": " + notify.link(url, LINK_LABEL[lang])


def _myday(found: tuple[int, int] | None, lang: str) -> str:
    """Who handed the day's report in; nothing on a day off (no one was expected)."""
    return "" if found is None else MYDAY[lang].format(handed=found[0], expected=found[1])


def _secs(value: float | None, lang: str) -> str:
    return "—" if value is None else f"{value:.0f} {'s' if lang == 'en' else 'с'}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"
