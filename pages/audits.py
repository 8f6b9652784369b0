"""The audit queue ("Отказы"): rejections waiting for the quality controller, most suspicious
first, with the evidence and the recordings; the verdict buttons post a form back (CSRF: the
session rides in a hidden field, pages.kit.session_token). Quality controller or admins only.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from flask import Response, g, redirect, request
from sqlalchemy import select

from handlers.audits import config as audit_config
from handlers.audits import outcomes, stats
from handlers.exchange import config
from handlers.exchange.actions import action_context
from handlers.report import stages as report_stages
from handlers.telephony import config as telephony_config
from pages import audits_forms, bp, rights
from pages.data import categories, header_load, names, users
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
from store import audits
from store.audits_models import AuditCallback
from store.db import get_session

logger = logging.getLogger(__name__)
NOTICES = {f"audit_{k}" for k in ("confirmed", "false_rejection", "reengaged",
                                  "already_decided", "bad_outcome", "deal_only", "deal_moved")}
NOTICES |= {"portal_error", "exchange_not_ready"}


def can_audit() -> bool:
    """The quality controller (chosen or guessed) and portal admins."""
    who, current = viewer(), g.get("portal")
    if who.is_admin:
        return True
    return current is not None and _controller(current.id)


def _controller(portal_id: int) -> bool:
    session = get_session()
    cfg = audit_config.load(session, portal_id)
    return viewer().user_id == audit_config.controller(session, portal_id, cfg)


@bp.context_processor
def audit_nav() -> dict[str, Any]:
    """base.html shows the "Отказы" link only to those who may open it (asked lazily)."""
    return {"can_audit": can_audit}


@bp.get("/audits")
@viewer_required()
def audits_page() -> tuple[str, int]:
    if not can_audit():
        raise Forbidden(viewer().user_id)
    session, k, who = get_session(), kit(), viewer()
    pid = portal().id
    cfg = audit_config.load(session, pid)
    rows = audits.queue(session, pid)
    callbacks = {c.rejection_id: c for c in session.scalars(select(AuditCallback).where(
        AuditCallback.rejection_id.in_([r.id for r in rows])))} if rows else {}
    notice = request.args.get("notice")
    message = None
    if notice in NOTICES:
        message = k.t(f"msg.{notice}", name=request.args.get("name", ""),
                      deal=request.args.get("deal", ""))
    return render("audits.html", rows=rows, callbacks=callbacks, cfg=None, audit_cfg=cfg,
                  names=names(session, pid), message=message, ok=request.args.get("ok") == "1",
                  tz=telephony_config.load(session, pid).tz,
                  people={u.b24_user_id: u.full_name for u in users(session, pid)},
                  false_counts=stats.false_rejections(session, pid),
                  suspicious=sum(1 for r in rows if r.score >= cfg.suspicious_score),
                  scheduled=sum(1 for c in callbacks.values() if c.status == "scheduled"),
                  load=header_load(session, pid, config.load(session, pid), who.user_id,
                                   who.is_admin, k.now),
                  active="audits")


@bp.post("/audits/<id:rejection_id>")
@viewer_required()
def audit_decide(rejection_id: int) -> Response:
    if not can_audit():
        raise Forbidden(viewer().user_id)
    if not _controller(portal().id):  # an admin's decision: is he still one?
        rights.require_admin_now(viewer(), portal(), settings())
    k, who = kit(), viewer()
    outcome = request.form.get("outcome", "")
    release()
    with action_context(portal(), sessions(), settings()) as ctx:
        result = outcomes.decide(ctx, who.user_id, rejection_id, outcome)
    logger.info("web.audit.decided", extra={"member_id": who.member_id, "user": who.user_id,
                                            "rejection": rejection_id, "outcome": outcome,
                                            "code": result.message_key})
    params = {key: str(value) for key, value in result.params.items() if key in ("name", "deal")}
    return redirect(k.url("pages.audits_page", notice=result.message_key,
                          ok="1" if result.ok else "0", **params), 303)


@bp.get("/audits/settings")
@viewer_required(admin=True)
def audit_settings() -> tuple[str, int]:
    cfg = audit_config.load(get_session(), portal().id)
    return _settings_page(cfg, {}, saved=request.args.get("saved") == "1")


@bp.post("/audits/settings")
@viewer_required(admin=True)
def audit_settings_save() -> tuple[str, int] | Response:
    session, k = get_session(), kit()
    pid = portal().id
    current = audit_config.load(session, pid)
    cfg, errors = audits_forms.parse(request.form, session, pid, current,
                                     categories(session, pid, config.load(session, pid)))
    if errors:
        return _settings_page(cfg, errors, status=422)
    audit_config.save(session, pid, cfg, user_id=viewer().user_id, now=k.now)
    session.commit()
    logger.info("web.audit.settings_saved", extra={"member_id": viewer().member_id,
                                                   "user": viewer().user_id})
    return redirect(k.url("pages.audit_settings", saved="1"), 303)


def _settings_page(cfg: audit_config.AuditConfig, errors: dict[str, str], *,
                   status: int = 200, saved: bool = False) -> tuple[str, int]:
    session, k, who = get_session(), kit(), viewer()
    pid = portal().id
    exchange_cfg = config.load(session, pid)
    people = users(session, pid)
    guessed = {"controller": audit_config.controller(
        session, pid, dataclasses.replace(cfg, controller_id=None)),
        "senior": audit_config.senior(session, pid, dataclasses.replace(
            cfg, senior_id=None, seniors={}), 0)}
    return render("audits_settings.html", status, audit_cfg=cfg, errors=errors, saved=saved,
                  people=people, by_id={u.b24_user_id: u for u in people}, guessed=guessed,
                  reasons=audit_config.REASONS, pipelines=categories(session, pid, exchange_cfg),
                  stage_groups=report_stages.by_pipeline(report_stages.deal_stages(session, pid)),
                  load=header_load(session, pid, exchange_cfg, who.user_id, True, k.now),
                  active="audits")
