"""JSON actions behind the buttons: "Взять" (claim) and "Вернуть" (give back).

Called by fetch() from our pages with the session in the X-App-Session header (the CSRF
argument is in pages.kit.session_token). The answer carries the text to show, already in the
viewer's language, and the viewer's new load so the header updates without a reload.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, jsonify, request

from handlers.exchange import actions, config
from pages import bp, i18n
from pages.data import header_load
from pages.kit import MAX_ID, kit, portal, release, sessions, settings, viewer, viewer_required
from store.db import get_session

logger = logging.getLogger(__name__)


def _payload() -> dict[str, Any]:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else request.form.to_dict()


def _deal_id(data: dict[str, Any]) -> int | None:
    try:
        value = int(data.get("deal_id"))
    except (TypeError, ValueError):
        return None
    return value if 0 < value <= MAX_ID else None


def _answer(result: actions.ActionResult) -> tuple[Response, int]:
    """The domain's message_key, in words; plus the fresh "my load" for the header."""
    k = kit()
    key = result.message_key
    params = dict(result.params)
    if key == "already_taken" and not params.get("name"):
        key = "already_taken_anon"
    if i18n.has(f"msg.{key}"):
        message = k.t(f"msg.{key}", **params)
    else:  # a new domain answer without words yet: say something true, and log it
        logger.warning("web.page.missing_text", extra={"key": key})
        message = k.t("msg.done" if result.ok else "msg.failed")
    session = get_session()
    session.rollback()  # end any snapshot taken before the action committed
    cfg = config.load(session, portal().id)
    load = header_load(session, portal().id, cfg, viewer().user_id, False, k.now)
    return jsonify(ok=result.ok, code=result.message_key, message=message,
                   load=None if load is None else {"open": load.open_deals, "cap": load.cap,
                                                   "full": load.full}), 200


@bp.post("/api/claim")
@viewer_required()
def api_claim() -> tuple[Response, int]:
    deal_id = _deal_id(_payload())
    if deal_id is None:
        return jsonify(ok=False, code="bad_request", message=kit().t("msg.bad_request")), 400
    release()
    with actions.action_context(portal(), sessions(), settings()) as ctx:
        result = actions.claim(ctx, viewer().user_id, deal_id)
    logger.info("web.page.claim", extra={"member_id": viewer().member_id, "deal": deal_id,
                                         "user": viewer().user_id, "code": result.message_key})
    return _answer(result)


@bp.post("/api/return")
@viewer_required()
def api_return() -> tuple[Response, int]:
    data = _payload()
    deal_id, reason = _deal_id(data), str(data.get("reason") or "")
    if deal_id is None:
        return jsonify(ok=False, code="bad_request", message=kit().t("msg.bad_request")), 400
    release()
    with actions.action_context(portal(), sessions(), settings()) as ctx:
        result = actions.give_back(ctx, viewer().user_id, deal_id, reason)
    logger.info("web.page.return", extra={"member_id": viewer().member_id, "deal": deal_id,
                                          "user": viewer().user_id, "code": result.message_key})
    return _answer(result)
