"""Маршрутизация: who rings for an incoming call, the PBX connection, and how calls went.

Everyone may look (and try a number in the preview: "who would ring for this number now");
only admins change the settings or issue the PBX secret. The preview builds the plan exactly as
the PBX API does, from a fresh snapshot of the mirror, so a just-saved setting shows at once.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Response, current_app, redirect, request

from handlers.exchange import config as exchange_config
from handlers.phones import normalize
from handlers.routing import config, stats
from handlers.routing.api import CACHE_KEY
from handlers.routing.plan import Plan, build_plan
from handlers.routing.snapshot import load_snapshot
from pages import bp
from pages.data import users
from pages.kit import kit, portal, render, settings, viewer, viewer_required
from pages.routing_form import departments, parse_routing, zones
from store import routing as store
from store.db import get_session

logger = logging.getLogger(__name__)
NOTICES = ("routing.saved",)
WEEK = timedelta(days=7)
RECENT = 20


@bp.get("/routing")
@viewer_required()
def routing_page() -> tuple[str, int]:
    """Settings (read-only unless admin), the preview for ?phone=, the PBX section, the week."""
    cfg = config.load(get_session(), portal().id)
    notice = request.args.get("notice")
    phone = (request.args.get("phone") or "").strip()[:64]
    return _render(cfg, {}, phone=phone, plan=_preview(phone) if phone else None,
                   notice=notice if notice in NOTICES else None)


@bp.post("/routing")
@viewer_required(admin=True)
def routing_save() -> tuple[str, int] | Response:
    """Save valid settings (303 back to the page) or show the form again with messages (422)."""
    session, k = get_session(), kit()
    current = config.load(session, portal().id)
    cfg, errors = parse_routing(request.form, session, portal().id, current)
    if errors:
        logger.info("web.routing.refused", extra={"member_id": viewer().member_id,
                                                  "fields": sorted(errors)})
        return _render(cfg, errors, status=422)
    config.save(session, portal().id, cfg, user_id=viewer().user_id, now=k.now)
    session.commit()
    _forget(member_id=None)
    logger.info("web.routing.saved", extra={"member_id": viewer().member_id,
                                            "user": viewer().user_id})
    return redirect(k.url("pages.routing_page", notice="routing.saved"), 303)


@bp.post("/routing/secret")
@viewer_required(admin=True)
def routing_secret() -> tuple[str, int]:
    """A new PBX secret, shown this once (only its hash is kept); the old one stops at once."""
    session, k = get_session(), kit()
    secret = store.issue_pbx_secret(session, portal().id, user_id=viewer().user_id, now=k.now)
    session.commit()
    _forget(member_id=viewer().member_id)
    logger.info("web.routing.secret_issued", extra={"member_id": viewer().member_id,
                                                    "user": viewer().user_id})
    return _render(config.load(session, portal().id), {}, new_secret=secret)


def _forget(*, member_id: str | None) -> None:
    """This process sees the change at once; other workers within the cache's TTL."""
    cache = current_app.extensions.get(CACHE_KEY)
    if cache is not None:
        cache.invalidate(portal().id, member_id)


def _preview(phone: str) -> Plan:
    """Settings and structure read now; phones and deals as this worker holds them (under a
    minute old), read only if it holds none — this process also answers the PBX."""
    cache = current_app.extensions.get(CACHE_KEY)
    held = cache.directory(portal().id) if cache is not None else None
    snap = load_snapshot(get_session(), portal().id, directory=held)
    return build_plan(snap, normalize(phone), kit().now)


def _service_user(session: Any, pid: int) -> int | None:
    """«Биржа лидов» never answers a phone: it is no one to end the chain with."""
    cfg = exchange_config.load(session, pid)
    return cfg.exchange_user_id or exchange_config.guess_exchange_user(session, pid)


def _render(cfg: config.RoutingConfig, errors: dict[str, str], *, status: int = 200,
            **extra: Any) -> tuple[str, int]:
    session, k, pid = get_session(), kit(), portal().id
    since = k.now - WEEK
    people, service = users(session, pid), _service_user(session, pid)
    steps = stats.per_step(session, pid, since=since, until=k.now)
    extra.setdefault("phone", "")
    extra.setdefault("plan", None)
    extra.setdefault("notice", None)
    extra.setdefault("count", 0)  # partials/notice.html
    return render(
        "routing.html", status, rcfg=cfg, errors=errors, active="routing",
        typed=request.form if errors else {}, editable=viewer().is_admin,
        departments=departments(session, pid), zones=zones(cfg.time_zone),
        people=[u for u in people if u.b24_user_id != service],
        by_id={u.b24_user_id: u for u in people},
        guessed=config.guess_sales_departments(session, pid),
        secret=store.find_pbx_secret(session, pid),
        route_url=f"{settings().app_public_url.rstrip('/')}/pbx/{viewer().member_id}/route",
        steps=steps, answered=sum(n for step, n in steps.items() if step is not None),
        escalations=stats.escalations(session, pid, since=since, until=k.now)[-RECENT:][::-1],
        skipped=stats.skipped_steps(session, pid, since=since, until=k.now),
        **extra)
