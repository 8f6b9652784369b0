"""Money at risk and daily call targets on the calls page and in the owner's report, and their
settings (admins): the client value window and the targets for everyone, a role, a person.

The figures come from handlers.telephony.money and .targets (SQL aggregates); this module only
arranges them for the templates.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Response, redirect, request
from sqlalchemy.orm import Session

from handlers.telephony import kpis, money, targets
from pages import bp
from pages import i18n_money as texts
from pages import load_charts as charts
from pages.data import users
from pages.kit import kit, portal, render, viewer, viewer_required
from store.db import get_session

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MoneyView:
    risk: money.MoneyAtRisk
    people: list[targets.PersonSummary]
    day: date                      # the day whose progress is shown (the period's last)
    days: list[date]
    min_minutes: int = 3           # everyone's target, for the hint

    def headline(self, lang: str) -> str:
        return texts.lost_money(lang, self.risk.total.lost, self.risk.total.amount)

    def months(self, lang: str) -> str:
        return texts.months(lang, self.risk.months)

    def goal(self, lang: str, target: targets.Target) -> str:
        return goal_text(lang, target)

    def of_day(self, person: targets.PersonSummary) -> targets.DayProgress | None:
        return next((d for d in person.days if d.day == self.day), None)


def view(session: Session, portal_id: int, period: kpis.Period, rules: kpis.Rules, *,
         now: Any, operator: int | None = None) -> MoneyView:
    """Money at risk and target progress for the period (`operator`: one manager's own)."""
    risk = money.at_risk(session, portal_id, period, rules, now=now)
    cfg = targets.load(session, portal_id)
    days = targets.period_days(period, rules.utc_offset)
    rows = targets.progress(session, portal_id, period, rules,
                            targets.people(session, portal_id, cfg, operator), days)
    return MoneyView(risk, targets.summaries(rows), days[-1], days,
                     cfg.default.min_seconds // 60)


def calls_charts(lines: list[kpis.Kpis], operators: list[kpis.Kpis],
                 hours: list[kpis.Kpis], names: dict, line: Any) -> dict[str, Any]:
    k = kit()
    t = k.t
    return {"talk_line_chart": charts.talk_by_line(lines, line, k.lang),
            "operator_chart": charts.calls_by_operator(
                operators, names, {"in": t("charts.in"), "out": t("charts.out")}),
            "talk_hour_chart": charts.talk_by_hour(hours, names)}


@bp.get("/calls/targets")
@viewer_required(admin=True)
def targets_page() -> tuple[str, int]:
    session = get_session()
    return _page(session, targets.load(session, portal().id), money.load(session, portal().id),
                 {}, notice=request.args.get("notice") == "saved")


@bp.post("/calls/targets")
@viewer_required(admin=True)
def targets_save() -> tuple[str, int] | Response:
    """Bad input answers 400 with each field's message and a log line; nothing is saved."""
    session, k = get_session(), kit()
    known = {u.b24_user_id for u in users(session, portal().id)}
    cfg, errors = targets.parse_form(request.form, known)
    months = targets.bounded(request.form.get("months", ""), *money.MONTHS_RANGE)
    if months is None:
        errors["months"] = "targets.error.months"
    if errors:
        logger.info("web.targets.invalid", extra={"member_id": viewer().member_id,
                                                  "fields": sorted(errors)})
        return _page(session, cfg, money.MoneyConfig(months or 6), errors, status=400)
    targets.save(session, portal().id, cfg, user_id=viewer().user_id, now=k.now)
    money.save(session, portal().id, money.MoneyConfig(months), user_id=viewer().user_id,
               now=k.now)
    session.commit()
    logger.info("web.targets.saved", extra={"member_id": viewer().member_id,
                                            "user": viewer().user_id})
    return redirect(k.url("pages.targets_page", notice="saved"), 303)


def _page(session: Session, cfg: targets.TargetsConfig, mcfg: money.MoneyConfig,
          errors: dict[str, str], *, status: int = 200, notice: bool = False) -> tuple[str, int]:
    return render("money_settings.html", status, cfg=cfg, mcfg=mcfg, errors=errors,
                  typed=request.form if errors else {}, roles=targets.ROLES,
                  people=users(session, portal().id), notice=notice, active="calls")


@bp.context_processor
def money_texts() -> dict[str, Any]:
    """The headline phrase and plurals for the report's partial (partials/report_money.html)."""
    return {"lost_money": texts.lost_money, "money_months": texts.months,
            "money_goal": goal_text}


def goal_text(lang: str, target: targets.Target) -> str:
    """«30 звонков от 3 мин», «1 звонок от 3 мин», «2 звонка от 3 мин»."""
    word = texts.form(lang, target.calls, "calls")
    return texts.t_goal(lang, target.calls, word, target.min_seconds // 60)
