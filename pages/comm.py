"""The «Общение» tab: how managers write to clients — name, spelling, phrases, reply speed.

Per manager for the chosen period, with the worst examples; the settings (reply target, the
company's vocabulary, the phrase lists) are edited on the same tab by admins. Admins and the
head of sales see it (per-manager figures, as the owner's report).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Response, redirect, request
from werkzeug.datastructures import MultiDict

from handlers.comm import config as comm_config
from handlers.comm import figures
from handlers.exchange import config
from handlers.telephony import config as telephony_config
from pages import bp
from pages.data import header_load, users
from pages.kit import Forbidden, kit, portal, render, viewer, viewer_required
from pages.report import can_report
from store.db import get_session

logger = logging.getLogger(__name__)
PERIODS = (7, 30, 90)


@bp.get("/comm")
@viewer_required()
def comm_page() -> tuple[str, int]:
    return _page(comm_config.load(get_session(), portal().id), {})


@bp.post("/comm/settings")
@viewer_required(admin=True)
def comm_settings_save() -> tuple[str, int] | Response:
    session, k = get_session(), kit()
    cfg, errors = parse(request.form)
    if errors:
        logger.info("web.comm.settings_rejected", extra={"member_id": viewer().member_id,
                                                         "fields": sorted(errors)})
        return _page(cfg, errors, status=422)
    comm_config.save(session, portal().id, cfg, user_id=viewer().user_id, now=k.now)
    session.commit()
    logger.info("web.comm.settings_saved", extra={"member_id": viewer().member_id})
    return redirect(k.url("pages.comm_page", saved="1"), 303)


def parse(form: MultiDict) -> tuple[comm_config.CommConfig, dict[str, str]]:
    """The settings form: numbers checked, lists one item a line."""
    errors: dict[str, str] = {}
    values = {}
    for name in ("reply_target_minutes", "talk_turns"):
        raw = str(form.get(name, "")).strip()
        values[name] = int(raw) if raw.isdigit() and len(raw) < 6 else 0
    cfg = comm_config.CommConfig(
        **values, **{name: _lines(form.get(name, "")) for name in
                     ("allowed_words", "forbidden", "rejection")})
    for problem in cfg.validate():
        errors[problem] = f"comm.err.{problem}"
    return cfg, errors


def _lines(text: str) -> list[str]:
    seen: list[str] = []
    for line in str(text).splitlines():
        item = " ".join(line.split())[:120]
        if item and item not in seen:
            seen.append(item)
    return seen[:500]


def _page(cfg: comm_config.CommConfig, errors: dict[str, str], *,
          status: int = 200) -> tuple[str, int]:
    who = viewer()
    if not can_report():
        raise Forbidden(who.user_id)
    session, k = get_session(), kit()
    pid = portal().id
    days = request.args.get("days", "30")
    days_n = int(days) if days.isdigit() and int(days) in PERIODS else 30
    rows = figures.per_manager(session, pid, comm_config.load(session, pid),
                               since=k.now - timedelta(days=days_n), until=k.now, now=k.now)
    return render("comm.html", status, rows=rows, days=days_n, periods=PERIODS,
                  comm_cfg=cfg, errors=errors, saved=request.args.get("saved") == "1",
                  people={u.b24_user_id: u.full_name for u in users(session, pid)},
                  tz=telephony_config.load(session, pid).tz,
                  load=header_load(session, pid, config.load(session, pid), who.user_id,
                                   who.is_admin, k.now),
                  active="comm")
