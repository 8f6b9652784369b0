"""The «Мой день» tab: an employee hands in the day's report; the head reads and comments.

Roles as on the other pages (pages/rights.py): everyone sees and hands in his own report; the
head of sales and admins (rights.sees_everyone) read everyone's, see the team's day and
comment. A manager asking for someone else's report gets 403. Only today's report (the
working calendar's zone) can be handed in or corrected: «не сдал = отсутствовал» means the
day, not a report written a week later. Malformed or forged input is 400 with a log line.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from flask import Response, redirect, request
from werkzeug.datastructures import MultiDict

from handlers.exchange import config as exchange_config
from handlers.myday import config, days
from handlers.myday.prefill import COUNTERS, SENIOR, SOURCES, Prefill, prefill
from handlers.report.period import FIRST_DAY, LAST_DAY
from pages import bp
from pages.data import header_load, users
from pages.kit import MAX_ID, Forbidden, kit, portal, render, viewer, viewer_required
from pages.rights import sees_everyone
from store import myday
from store.db import get_session
from store.myday_models import DayReport

logger = logging.getLogger(__name__)
MAX_COUNT, MAX_TEXT, MAX_COMMENT = 99_999, 4000, 2000


class BadRequest(Exception):
    """A request no page of ours would send (a forged id, a date that is no date)."""


def _today() -> date:
    session = get_session()
    return kit().now.astimezone(config.clock(session, portal().id).zone).date()


def _day_arg() -> date:
    raw = request.args.get("date", "")
    if not raw:
        return _today()
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise BadRequest("date") from None
    if not FIRST_DAY <= day <= LAST_DAY:  # 9999-12-31 would overflow at its next midnight
        raise BadRequest("date")
    return day


def _id(raw: Any, name: str) -> int:
    text = str(raw or "")
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
        raise BadRequest(name)
    return int(text)


def _bad(reason: str) -> tuple[str, int]:
    logger.info("web.myday.bad_request", extra={"member_id": viewer().member_id,
                                                "user": viewer().user_id, "reason": reason})
    return render("error.html", 400, title_key="err.title", text_key="myday.err.bad_request")


def _prefill(user_id: int, day: date) -> Prefill:
    session, pid = get_session(), portal().id
    zone = config.clock(session, pid).zone
    return prefill(session, pid, user_id, day, str(zone),
                   senior=user_id in config.seniors(session, pid))


@bp.get("/myday")
@viewer_required()
def myday_page() -> tuple[str, int]:
    who = viewer()
    try:
        day = _day_arg()
        target = _id(request.args["user"], "user") if "user" in request.args else who.user_id
    except BadRequest as exc:
        return _bad(str(exc))
    head = sees_everyone(get_session(), portal().id, who)
    if target != who.user_id and not head:
        raise Forbidden(who.user_id)
    return _page(day, target, head)


def _page(day: date, target: int, head: bool, *, form: dict[str, Any] | None = None,
          errors: dict[str, str] | None = None, status: int = 200,
          settings: config.MydayConfig | None = None) -> tuple[str, int]:
    session, pid, who, k = get_session(), portal().id, viewer(), kit()
    report = myday.find(session, pid, target, day)
    found = _prefill(target, day)
    today = _today()
    return render("myday.html", status, day=day, target=target, head=head, report=report,
                  pre=found, sources=SOURCES, keys=[c for c in (*COUNTERS, *SENIOR)
                                                    if c in found.counters],
                  form=form or _form_of(report, found), errors=errors or {},
                  editable=target == who.user_id and day == today,
                  saved=request.args.get("saved"), team=_team(day, today) if head else None,
                  people={u.b24_user_id: u.full_name for u in users(session, pid)},
                  tz=config.clock(session, pid).zone,
                  myday_cfg=settings or config.load(session, pid),
                  load=header_load(session, pid, exchange_config.load(session, pid),
                                   who.user_id, who.is_admin, k.now),
                  active="myday")


def _form_of(report: DayReport | None, found: Prefill) -> dict[str, Any]:
    """What the form shows: the handed-in values, else the app's figures and the votes."""
    if report is not None:
        return {"counters": {**found.counters, **report.counters}, "text": report.text,
                "ratings": dict(report.ratings)}
    return {"counters": dict(found.counters), "text": "",
            "ratings": {str(c.row_id): c.vote for c in found.feedback if c.vote}}


def _team(day: date, today: date) -> list[tuple[int, str, int]]:
    """(user, state, streak) for everyone expected to hand in."""
    session, pid = get_session(), portal().id
    clock = config.clock(session, pid)
    handed = myday.handed(session, pid, day - timedelta(days=days.LOOKBACK), day)
    out = []
    for uid in config.employees(session, pid):
        mine = handed.get(uid, set())
        out.append((uid, days.state(day, mine, clock.works_on, today),
                    days.streak(mine, clock.works_on, day, today)))
    return out


@bp.post("/myday")
@viewer_required()
def myday_submit() -> tuple[str, int] | Response:
    session, pid, who, k = get_session(), portal().id, viewer(), kit()
    day = _today()
    if request.form.get("day") != day.isoformat():
        return _bad("day")  # a stale form of another day, or a forged one
    found = _prefill(who.user_id, day)
    try:
        values, errors = parse(request.form, found)
    except BadRequest as exc:
        return _bad(str(exc))
    if errors:
        logger.info("web.myday.rejected", extra={"member_id": who.member_id,
                                                 "fields": sorted(errors)})
        return _page(day, who.user_id, sees_everyone(session, pid, who), form=values,
                     errors=errors, status=400)
    myday.submit(session, pid, who.user_id, day, values={**values, "prefill": found.as_json()},
                 now=k.now)
    session.commit()
    logger.info("web.myday.handed_in", extra={"member_id": who.member_id, "user": who.user_id,
                                              "day": day.isoformat()})
    return redirect(k.url("pages.myday_page", saved="report"), 303)


def parse(form: MultiDict, found: Prefill) -> tuple[dict[str, Any], dict[str, str]]:
    """Counters, the free text and the ratings; unknown calls are forged (BadRequest)."""
    errors: dict[str, str] = {}
    counters: dict[str, int] = {}
    for key in found.counters:
        raw = str(form.get(key, "")).strip()
        if raw.isascii() and raw.isdigit() and int(raw) <= MAX_COUNT:
            counters[key] = int(raw)
        else:
            counters[key] = found.counters[key]
            errors[key] = "myday.err.number"
    text = str(form.get("text", "")).strip()
    if not text or len(text) > MAX_TEXT:
        errors["text"] = "myday.err.text"
    calls = {str(c.row_id) for c in found.feedback}
    ratings: dict[str, int] = {}
    for name in form:
        if not name.startswith("rating_"):
            continue
        call = name.removeprefix("rating_")
        if call not in calls:
            raise BadRequest("rating_call")
        raw = str(form.get(name, "")).strip()
        if raw in ("1", "2", "3", "4", "5"):
            ratings[call] = int(raw)
        elif raw:
            errors[name] = "myday.err.rating"
    return {"counters": counters, "text": text[:MAX_TEXT], "ratings": ratings}, errors


@bp.post("/myday/settings")
@viewer_required(admin=True)
def myday_settings_save() -> tuple[str, int] | Response:
    """The reminder's time (the working calendar's zone) and whether it is sent at all."""
    session, pid, who, k = get_session(), portal().id, viewer(), kit()
    cfg = config.MydayConfig(remind_at=str(request.form.get("remind_at", "")).strip()[:5],
                             reminders=request.form.get("reminders") == "on")
    if cfg.validate():
        logger.info("web.myday.settings_rejected", extra={"member_id": who.member_id})
        return _page(_today(), who.user_id, True, errors={"remind_at": "myday.err.remind_at"},
                     status=422, settings=cfg)
    config.save(session, pid, cfg, user_id=who.user_id, now=k.now)
    session.commit()
    logger.info("web.myday.settings_saved", extra={"member_id": who.member_id})
    return redirect(k.url("pages.myday_page", saved="settings"), 303)


@bp.post("/myday/comment")
@viewer_required()
def myday_comment() -> tuple[str, int] | Response:
    session, pid, who, k = get_session(), portal().id, viewer(), kit()
    if not sees_everyone(session, pid, who):
        raise Forbidden(who.user_id)
    try:
        report = myday.get(session, pid, _id(request.form.get("report"), "report"))
    except BadRequest as exc:
        return _bad(str(exc))
    if report is None:
        return _bad("report")
    text = str(request.form.get("comment", "")).strip()
    if not text or len(text) > MAX_COMMENT:
        return _page(report.day, report.user_id, True, errors={"comment": "myday.err.comment"},
                     status=400)
    myday.comment(session, report, text, user_id=who.user_id, now=k.now)
    session.commit()
    logger.info("web.myday.commented", extra={"member_id": who.member_id, "report": report.id})
    return redirect(k.url("pages.myday_page", user=report.user_id,
                          date=report.day.isoformat(), saved="comment"), 303)
