"""Звонки: call KPIs for a day or a period, charts, recordings, lost calls with "Перезвонить";
and the telephony settings with the PBX endpoint (admins).

The page reads our database only (calls, missed calls, the mirror); "Перезвонить" calls the
portal through handlers.telephony.callback, like the exchange's buttons.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from flask import Response, redirect, request
from sqlalchemy import select

from handlers import formats
from handlers.exchange.actions import action_context
from handlers.telephony import callback, kpis
from handlers.telephony import config as telephony_config
from pages import bp, rights
from pages import calls_charts as charts
from pages import money as money_page
from pages.calls_forms import REGIONS, ZONES, parse_settings, pbx_section
from pages.data import line_label
from pages.kit import (
    Forbidden,
    kit,
    portal,
    release,
    render,
    sessions,
    settings,
    viewer,
    viewer_required,
)
from store import routing as routing_store
from store import telephony as store
from store.db import get_session
from store.models import Call, User

logger = logging.getLogger(__name__)
MAX_DAYS = 92
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)  # any real call lies between
TREND_DAYS = 14
RECORDS_PAGE = 30  # recordings per page of the list
NOTICES = ("callback_set", "callback_exists", "call_not_found", "no_deal", "portal_error",
           "saved")


def _period(cfg: telephony_config.TelephonyConfig) -> tuple[date, date]:
    """?from=&to= (local dates); today by default; at most MAX_DAYS, never reversed."""
    today = datetime.now(cfg.tz).date()

    def day(name: str, default: date) -> date:
        picked = formats.parse_day(request.args.get(name))  # «23.11.2026» or ISO
        if picked is None:
            return default
        # 0001-01-01 or 9999-12-31 would overflow `date` in the period and trend arithmetic.
        return picked if FIRST_DAY <= picked <= LAST_DAY else default
    last = day("to", today)
    first = day("from", last)
    if first > last:
        first, last = last, first
    return max(first, last - timedelta(days=MAX_DAYS - 1)), last


def people(pid: int) -> dict[int | None, str]:
    rows = get_session().scalars(select(User).where(User.portal_id == pid))
    return {u.b24_user_id: u.full_name for u in rows}


@bp.get("/calls")
@viewer_required()
def calls_page() -> tuple[str, int]:
    session, k, pid = get_session(), kit(), portal().id
    cfg = telephony_config.load(session, pid)
    first, last = _period(cfg)
    period = kpis.Period.days(first, last, cfg.tz)
    # A manager sees his own figures only; the head of sales and admins see every operator
    # (the same rule as the report, README "Security").
    mine = None if rights.sees_everyone(session, pid, viewer()) else viewer().user_id
    rules = kpis.Rules.of(cfg, period, as_of=k.now, operator=mine)
    upto = min(last, k.now.astimezone(cfg.tz).date())  # the trend has no days still to come
    trend = kpis.Period.days(upto - timedelta(days=TREND_DAYS - 1), upto, cfg.tz)
    names, t = people(pid), k.t
    days = kpis.by_day(session, pid, period, rules)
    labels = {key: t(f"calls.legend.{key}") for key in ("answered", "called_back", "lost")}
    notice = request.args.get("notice")
    lines, line = kpis.by_line(session, pid, period, rules), line_label(session, pid)
    operators = kpis.by_operator(session, pid, period, rules)
    hours = kpis.by_hour(session, pid, period, rules, per_operator=True)
    return render(
        "calls.html", tcfg=cfg, first=first, last=last, names=names, active="calls",
        total=kpis.summary(session, pid, period, rules), days=days, operators=operators,
        money=money_page.view(session, pid, period, rules, now=k.now, operator=mine),
        **money_page.calls_charts(lines, operators, hours, names, line),
        lines=lines, channel_chart=charts.channels(lines, line), line_name=line,
        lost=kpis.lost_calls(session, pid, period, rules, limit=100),
        **_recordings(period, mine),
        hour_chart=charts.by_hour(hours, names),
        day_chart=charts.answered_vs_missed(days, labels, k.lang),
        trend_chart=charts.lcr_trend(kpis.by_day(session, pid, trend,
                                                 kpis.Rules.of(cfg, trend, as_of=k.now,
                                                               operator=mine)), k.lang),
        notice=notice if notice in NOTICES else None, notice_name=request.args.get("name", ""),
        local=lambda moment: moment.astimezone(cfg.tz), timedelta=timedelta)


def _recordings(period: kpis.Period, mine: int | None) -> dict[str, Any]:
    """One page of RECORDS_PAGE recordings (?rec=2 the next), and how many there are in all."""
    session, pid = get_session(), portal().id
    total = store.count_recorded_calls(session, pid, period.start, period.end, user_id=mine)
    pages = max(1, -(-total // RECORDS_PAGE))
    page = min(max(request.args.get("rec", 1, type=int) or 1, 1), pages)
    rows = store.recorded_calls(session, pid, period.start, period.end, user_id=mine,
                                limit=RECORDS_PAGE, offset=(page - 1) * RECORDS_PAGE)
    return {"recorded": rows, "recorded_total": total, "rec_page": page,
            "rec_first": (page - 1) * RECORDS_PAGE}


@bp.post("/calls/callback")
@viewer_required()
def calls_callback() -> Response:
    """"Перезвонить": a call-back to-do for the deal's manager (or the viewer) in the portal."""
    k, who = kit(), viewer()
    call_id = (request.form.get("call_id") or "")[:128]
    back = {"from": request.form.get("from", ""), "to": request.form.get("to", "")}
    if not rights.sees_everyone(get_session(), portal().id, who):  # his own lost calls only
        call = get_session().scalar(select(Call).where(Call.portal_id == portal().id,
                                                       Call.call_id == call_id))
        if call is None or call.user_id != who.user_id:
            raise Forbidden(who.user_id)
    release()
    with action_context(portal(), sessions(), settings()) as ctx:
        result = callback.request_callback(ctx, who.user_id, call_id)
    logger.info("web.calls.callback", extra={"member_id": who.member_id, "user": who.user_id,
                                             "call": call_id, "code": result.message_key})
    return redirect(k.url("pages.calls_page", notice=result.message_key,
                          name=result.params.get("name", ""), **back), 303)


@bp.get("/calls/settings")
@viewer_required(admin=True)
def calls_settings() -> tuple[str, int]:
    """The settings; the first visit issues the PBX secret (shown this once)."""
    session, k = get_session(), kit()
    new_secret = None
    if routing_store.find_pbx_secret(session, portal().id) is None:
        rights.require_admin_now(viewer(), portal(), settings())  # a GET that writes
        new_secret = routing_store.issue_pbx_secret(session, portal().id,
                                                    user_id=viewer().user_id, now=k.now)
        session.commit()
        logger.info("web.calls.secret_issued", extra={"member_id": viewer().member_id})
    return _settings(telephony_config.load(session, portal().id), {}, new_secret=new_secret,
                     notice="saved" if request.args.get("notice") == "saved" else None)


@bp.post("/calls/settings")
@viewer_required(admin=True)
def calls_settings_save() -> tuple[str, int] | Response:
    session, k = get_session(), kit()
    cfg, errors = parse_settings(request.form)
    if errors:
        return _settings(cfg, errors, status=422)
    telephony_config.save(session, portal().id, cfg, user_id=viewer().user_id, now=k.now)
    session.commit()
    logger.info("web.calls.settings_saved", extra={"member_id": viewer().member_id,
                                                   "user": viewer().user_id})
    return redirect(k.url("pages.calls_settings", notice="saved"), 303)


@bp.post("/calls/secret")
@viewer_required(admin=True)
def calls_secret() -> tuple[str, int]:
    """A new PBX secret (the same one routing uses); the old one stops working at once."""
    session, k = get_session(), kit()
    secret = routing_store.issue_pbx_secret(session, portal().id, user_id=viewer().user_id,
                                            now=k.now)
    session.commit()
    logger.info("web.calls.secret_issued", extra={"member_id": viewer().member_id})
    return _settings(telephony_config.load(session, portal().id), {}, new_secret=secret)


def _settings(cfg: telephony_config.TelephonyConfig, errors: dict[str, str], *,
              status: int = 200, **extra: Any) -> tuple[str, int]:
    extra.setdefault("notice", None)
    pbx = pbx_section(get_session(), portal().id, viewer().member_id,
                      settings().app_public_url)
    return render("calls_settings.html", status, tcfg=cfg, errors=errors, pbx=pbx,
                  regions=REGIONS, zones=ZONES, typed=request.form if errors else {},
                  active="calls", **extra)
