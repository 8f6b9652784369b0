"""Settings of the exchange (admins only) and the "keep" sweep: preview, confirm, undo.

Forms post back with the session in a hidden field (CSRF: pages.kit.session_token). A form with
mistakes is shown again with the admin's input and an inline message per field; nothing is
saved until ExchangeConfig.validate() is satisfied.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from flask import Response, redirect, request

from handlers import directory
from handlers.exchange import actions, caps, config, sweep
from handlers.report import stages as report_stages
from pages import bp
from pages.data import categories, header_load, names, users
from pages.forms import candidates, parse_settings
from pages.kit import (
    MAX_ID,
    kit,
    portal,
    release,
    render,
    sessions,
    settings,
    viewer,
    viewer_required,
)
from store.db import get_session

logger = logging.getLogger(__name__)
NOTICES = ("settings.saved", "sweep.done_msg", "sweep.planned_msg", "sweep.undone_msg",
           "sweep.undo_late")
NOW_SLACK = timedelta(minutes=1)


@bp.get("/settings")
@viewer_required(admin=True)
def settings_page() -> tuple[str, int]:
    cfg = config.load(get_session(), portal().id)
    notice = request.args.get("notice")
    return _render(cfg, {}, notice=notice if notice in NOTICES else None,
                   count=request.args.get("n", 0, type=int))


@bp.post("/settings")
@viewer_required(admin=True)
def settings_save() -> tuple[str, int] | Response:
    session, k = get_session(), kit()
    current = config.load(session, portal().id)
    cfg, errors = parse_settings(request.form, session, portal().id, current)
    if errors:
        return _render(cfg, errors, status=422)
    config.save(session, portal().id, cfg, user_id=viewer().user_id, now=k.now)
    session.commit()
    logger.info("web.settings.saved", extra={"member_id": viewer().member_id,
                                             "user": viewer().user_id})
    return redirect(k.url("pages.settings_page", notice="settings.saved"), 303)


@bp.post("/settings/sweep/preview")
@viewer_required(admin=True)
def sweep_preview() -> tuple[str, int]:
    session = get_session()
    cfg = config.load(session, portal().id)
    managers, _run_at, problem = _sweep_form(cfg)
    rows = None if problem else sweep.preview(session, portal().id, cfg, managers)
    return _render(cfg, {}, preview=rows, sweep_problem=problem,
                   sweep_form={"managers": managers, "when": request.form.get("when", "now"),
                               "at": request.form.get("at", ""),
                               "tz": request.form.get("tz", "")},
                   status=422 if problem else 200)


@bp.post("/settings/sweep/confirm")
@viewer_required(admin=True)
def sweep_confirm() -> tuple[str, int] | Response:
    session, k = get_session(), kit()
    cfg = config.load(session, portal().id)
    managers, run_at, problem = _sweep_form(cfg)
    if problem:
        return _render(cfg, {}, sweep_problem=problem, status=422)
    planned = sweep.plan(session, portal().id, manager_ids=managers, run_at=run_at,
                         user_id=viewer().user_id, now=k.now)
    session.commit()
    logger.info("web.sweep.planned", extra={"member_id": viewer().member_id,
                                            "sweep": planned.id, "managers": len(managers)})
    if run_at > k.now + NOW_SLACK:
        return redirect(k.url("pages.settings_page", notice="sweep.planned_msg"), 303)
    with actions.action_context(portal(), sessions(), settings()) as ctx:
        moved = sweep.run(ctx, planned.id)
    return redirect(k.url("pages.settings_page", notice="sweep.done_msg", n=moved), 303)


@bp.post("/settings/sweep/undo")
@viewer_required(admin=True)
def sweep_undo() -> Response:
    k = kit()
    sweep_id = request.form.get("sweep_id", type=int)
    last = sweep.latest(get_session(), portal().id)
    if sweep_id is None or last is None or last.id != sweep_id or not _undoable(last, k.now):
        return redirect(k.url("pages.settings_page", notice="sweep.undo_late"), 303)
    release()
    with actions.action_context(portal(), sessions(), settings()) as ctx:
        restored = sweep.undo(ctx, sweep_id)
    logger.info("web.sweep.undone", extra={"member_id": viewer().member_id, "sweep": sweep_id,
                                           "restored": restored})
    return redirect(k.url("pages.settings_page", notice="sweep.undone_msg", n=restored), 303)


def _undoable(last: Any, now: datetime) -> bool:
    return last.status == "done" and last.done_at is not None and \
        now - last.done_at <= sweep.UNDO_WINDOW


def _sweep_form(cfg: config.ExchangeConfig) -> tuple[list[int], datetime, str | None]:
    """Managers ticked and the moment: "now", or local datetime-local + the browser's offset."""
    managers = sorted({int(v) for v in request.form.getlist("managers")  # "²" passes
                       if v.isascii() and v.isdigit() and int(v) <= MAX_ID})  # isdigit()
    now = datetime.now(UTC)
    if not managers:
        return managers, now, "sweep.choose_managers"
    if request.form.get("when", "now") == "now":
        return managers, now, None
    try:
        local = datetime.fromisoformat(request.form.get("at", ""))
        offset = int(request.form.get("tz") or -180)  # JS getTimezoneOffset(); Moscow if none
        run_at = local.replace(tzinfo=timezone(timedelta(minutes=-offset))).astimezone(UTC)
    except (ValueError, OverflowError):  # a made-up offset or year beyond datetime's range
        return managers, now, "sweep.bad_time"
    return managers, max(run_at, now), None


def _render(cfg: config.ExchangeConfig, errors: dict[str, str], *, status: int = 200,
            **extra: Any) -> tuple[str, int]:
    """The settings page: the exchange form, the report's stage counters, the sweep."""
    session, k = get_session(), kit()
    pid = portal().id
    people = users(session, pid)
    guessed = None
    if cfg.exchange_user_id is None:
        guessed = config.guess_exchange_user(session, pid)
    auto = caps.sales_managers(session, pid, config.ExchangeConfig(
        exchange_user_id=cfg.exchange_user_id or guessed, head_user_id=cfg.head_user_id))
    last = sweep.latest(session, pid)
    deal_stages = report_stages.deal_stages(session, pid)
    extra.setdefault("sweep_form", {"managers": [], "when": "now", "at": "", "tz": ""})
    extra.setdefault("notice", None)
    extra.setdefault("count", 0)
    return render("settings.html", status, cfg=cfg, errors=errors, people=people,
                  typed=request.form if errors else {}, active="settings",
                  load=header_load(session, pid, cfg, viewer().user_id, True, k.now),
                  by_id={u.b24_user_id: u for u in people}, guessed=guessed,
                  pipelines=categories(session, pid, cfg),
                  candidates=candidates(session, pid, cfg, auto),
                  ticked=set(cfg.manager_ids) or set(auto), sweep_people=auto or cfg.manager_ids,
                  names=names(session, pid), latest=last,
                  undoable=last is not None and _undoable(last, k.now),
                  report_stages=report_stages.load(session, pid),
                  deal_stages=deal_stages,
                  stage_groups=report_stages.by_pipeline(deal_stages),
                  directory_owed=directory.owed(session, pid), **extra)


render_settings = _render  # the report's stage form is shown again through it on a mistake
