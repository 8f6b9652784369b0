"""The PBX's side of routing: ask for the plan of an incoming call, then report how it went.

    POST /pbx/<member_id>/route                          {caller, line}
    POST /pbx/<member_id>/route/<routing_id>/progress    {step, answered_by?, finished?, duration?}

Both need the portal's secret in `X-PBX-Secret` (fail closed: no secret issued, no access).
The plan comes from the in-memory snapshot (no REST call, one INSERT), because a caller is
waiting; a report is recorded and answered at once, and the card job tells Bitrix24.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from handlers.phones import normalize
from handlers.routing import progress
from handlers.routing.cache import PortalEntry, RoutingCache
from handlers.routing.plan import build_plan
from store import routing as store
from store.db import get_session, is_postgres, write_lock

logger = logging.getLogger(__name__)
bp = Blueprint("pbx", __name__, url_prefix="/pbx")
SECRET_HEADER = "X-PBX-Secret"
CACHE_KEY = "routing_cache"


class PbxRefused(Exception):
    """Unknown or uninstalled portal, or a wrong/missing secret: one 401 for all of them."""


def cache() -> RoutingCache:
    """This process's routing cache (one per gunicorn worker)."""
    return current_app.extensions[CACHE_KEY]


def _portal(member_id: str) -> PortalEntry:
    entry = cache().portal(member_id)
    if entry.portal_id is None:
        raise PbxRefused("routing.pbx.unknown_portal")
    if not store.secret_matches(request.headers.get(SECRET_HEADER), entry.secret_hash):
        raise PbxRefused("routing.pbx.bad_secret")
    return entry


def _text(value: object, limit: int) -> str:
    return "" if value is None else str(value).strip()[:limit]


@bp.post("/<member_id>/route")
def route(member_id: str) -> tuple[Response, int]:
    """The plan for an incoming call, from memory; the call is recorded for progress and stats."""
    entry = _portal(member_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not _text(body.get("caller"), 64):
        raise progress.BadReport("bad_caller")
    caller, line = normalize(_text(body["caller"], 64)), _text(body.get("line"), 64) or None
    snap = cache().snapshot(entry.portal_id)
    now = datetime.now(UTC)
    plan = build_plan(snap, caller, now)
    routing_id = uuid.uuid4().hex
    client, resp = plan.client, plan.responsible
    session = get_session()
    store.record_routed(
        session, portal_id=entry.portal_id, routing_id=routing_id, caller=caller, line=line,
        client_type=client.entity_type if client else None,
        client_id=client.entity_id if client else None,
        client_name=(client.name if client else "")[:255],
        responsible_id=resp.user_id if resp else None, deal_id=resp.deal_id if resp else None,
        out_of_hours=plan.out_of_hours, steps=plan.stored_steps(),
        skipped=plan.stored_skipped(), ring_seconds=snap.config.ring_seconds, created_at=now,
        cards=snap.config.show_cards)
    session.commit()
    logger.info("routing.call.routed", extra={
        "member_id": member_id, "routing_id": routing_id, "known": client is not None,
        "first_step": plan.steps[0].step if plan.steps else None,
        "skipped": [step for step, _kind in plan.skipped_steps]})
    return jsonify(plan.as_json(routing_id)), 200


@bp.post("/<member_id>/route/<routing_id>/progress")
def report_progress(member_id: str, routing_id: str) -> tuple[Response, int]:
    """Record how the call goes; the card job tells Bitrix24, never this request."""
    entry = _portal(member_id)
    report = progress.parse_report(request.get_json(silent=True))
    session = get_session()
    write_lock(session)  # read-then-write: two reports of one call are applied one by one
    call = store.find_call(session, entry.portal_id, routing_id[:32],
                           for_update=is_postgres(session))
    if call is None:
        session.rollback()
        return jsonify(error="unknown_routing_id"), 404
    changed = progress.apply(call, report, datetime.now(UTC))
    session.commit()
    if changed:
        logger.info("routing.call.progress", extra={
            "member_id": member_id, "routing_id": routing_id, "step": report.step,
            "status": call.status, "answered_by": call.answered_by})
    return jsonify(ok=True, changed=changed, status=call.status,
                   answered_step=call.answered_step), 200


@bp.errorhandler(progress.BadReport)
def bad_request(error: progress.BadReport) -> tuple[Response, int]:
    """400 naming the field, so a PBX integrator sees what to fix."""
    get_session().rollback()
    logger.warning("routing.pbx.bad_request", extra={"path": request.path, "error": error.key})
    return jsonify(error=error.key), 400


@bp.errorhandler(PbxRefused)
def refused(error: PbxRefused) -> tuple[Response, int]:
    """One 401 for every refusal: a caller learns nothing about which member_ids exist."""
    logger.warning(str(error), extra={"path": request.path, "remote": request.remote_addr})
    return jsonify(error="unauthorized"), 401


def init_app(app: Flask) -> None:
    """Register the PBX routes and the per-process routing cache."""
    # Looked up per use: tests swap the session factory after create_app.
    app.extensions[CACHE_KEY] = RoutingCache(lambda: app.extensions["db_sessions"]())
    app.register_blueprint(bp)
