"""Inbound HTTP from the portal: install, events, health. Parse, verify, record, respond.

No REST call and no business logic happen while an event request is open (STYLE rule 3);
only install and uninstall act inline, because later verification depends on them.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge

from b24.errors import (
    B24Error,
    BadApplicationToken,
    EventPayloadError,
    InvalidGrant,
    PortalGone,
)
from b24.events import B24Event, parse_event, redacted
from handlers import install as installer
from handlers import router
from handlers.context import HandlerContext, oauth_client
from handlers.routing import api as routing_api
from handlers.stored import storable
from handlers.telephony import config as telephony_config
from handlers.telephony import pbx_api
from store import inbox, portals
from store import routing as routing_store
from store.db import get_session

logger = logging.getLogger(__name__)
bp = Blueprint("b24", __name__)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class UnknownPortal(Exception):
    """An event for a member_id we never installed on (or that uninstalled us): 401."""


class StaleEvent(Exception):
    """An event stamped (`ts`) longer ago than EVENT_MAX_AGE_HOURS: a replay, refused (409).

    Genuine deliveries arrive within minutes (late ones within hours); a missed event is
    found by the sync job, which queues its own re-read directly and never passes here."""


class OverQuota(Exception):
    """The portal already has its quota of events waiting: 429 (a flood, not its traffic)."""


# One acknowledgement at a time per process. gunicorn's 16 threads per worker are there for
# slow clients (gunicorn.conf.py); once a request is read, its ~1.5 ms of CPU are better run
# to the end than shared: N acknowledgements in flight under one interpreter lock each took
# ~N times as long (the lock passes every 5 ms), which made the tail at 300 events/s.
_ACKNOWLEDGING = threading.Lock()


@bp.post("/b24/events")
def receive_event() -> tuple[Response, int]:
    event = parse_event(request.form)  # the body is read (refuse_nul) before the lock
    if any(route.inline for route in router.handlers_for(event.code)):
        return _receive(event)  # install/uninstall may wait on the OAuth server: unlocked
    with _ACKNOWLEDGING:
        return _receive(event)


def _receive(event: B24Event) -> tuple[Response, int]:
    session = get_session()
    portal = portals.identify(session, event.auth.member_id)
    if portal is None or portal.status == "uninstalled":
        raise UnknownPortal(event.auth.member_id)
    if not portals.key_matches(session, portal, event.auth.application_token):
        raise BadApplicationToken("application_token does not match the installed one")
    now = datetime.now(UTC)
    # auth[domain] / auth[client_endpoint] are NOT followed: the application_token is shown to
    # every viewer's browser with each page open (§1.2), so any portal user could forge an
    # event that points our REST calls, access token included, at their own host. A renamed
    # portal is followed through trusted channels only: the old host's redirect and the
    # OAuth server's answer on refresh (handlers/tokens.py).
    routes = router.handlers_for(event.code)
    if not routes:
        logger.info("b24.event.unhandled", extra={"event": event.code,
                                                   "member_id": portal.member_id})
        session.commit()
        return jsonify(ok=True, handled=False), 200
    if any(route.inline for route in routes):
        _run_inline(event, portals.get(session, portal.id), session, now)
        return jsonify(ok=True), 200
    if _stale(event, now):
        raise StaleEvent(f"{event.code} ts={event.ts}")
    if inbox.over_quota(session, portal.id, quota=_settings().inbox_quota):
        raise OverQuota(portal.member_id)
    stored = inbox.record(session, portal_id=portal.id, code=event.code,
                          payload=storable(event),
                          event_ts=None if event.ts is None else str(event.ts), now=now)
    session.commit()
    return jsonify(ok=True, duplicate=not stored), 200


def _stale(event: B24Event, now: datetime) -> bool:
    oldest = now - timedelta(hours=_settings().event_max_age_hours)
    return event.ts is None or event.ts < oldest.timestamp()


def _run_inline(event: B24Event, portal, session, now: datetime) -> None:  # noqa: ANN001
    for route in router.handlers_for(event.code):
        ctx = HandlerContext(portal=portal, session=session, settings=_settings(), now=now,
                             b24=None)
        route.func(event, ctx)
    session.commit()


@bp.post("/b24/install")
def install() -> Response | tuple[Response, int]:
    """Either the install page in the iframe (wizard) or ONAPPINSTALL (callback), §1.1."""
    if request.form.get("event"):
        event = parse_event(request.form)
        if event.code != "ONAPPINSTALL":
            raise EventPayloadError(f"unexpected event {event.code} at the install URL")
        req = installer.from_event(event)
    else:
        req = installer.from_page(request.form, request.args)
    settings = _settings()
    installer.install(get_session(), req, settings, current_app.extensions["manifest"],
                      oauth_client(settings))
    if req.from_page:
        return Response(render_template("install_done.html", lang=req.lang,
                                        bx24_js=settings.b24_js_url), 200)
    return jsonify(status="success"), 200


@bp.post("/pbx/<member_id>/calls")
def pbx_call(member_id: str) -> tuple[Response, int]:
    """An external PBX reports a finished call (contract: handlers/telephony/pbx_api.py).

    Verify the portal's secret, store the call once, queue its registration in Bitrix24."""
    session = get_session()
    portal = portals.find(session, member_id)
    if portal is None or portal.status != "active" or not routing_store.check_pbx_secret(
            session, portal.id, request.headers.get("X-PBX-Secret")):
        raise pbx_api.PbxUnauthorized(member_id)
    if (request.content_length or 0) > pbx_api.MAX_BODY:
        raise pbx_api.PbxPayloadError("body too large", kind="too_large")
    call = pbx_api.parse_body(request.get_data(cache=False))
    region = telephony_config.load(session, portal.id).region
    try:
        created = pbx_api.accept(session, portal, call, region=region, now=datetime.now(UTC))
        session.commit()
    except IntegrityError:  # the same call delivered twice at the same moment
        session.rollback()
        created = False
    return jsonify(ok=True, call_id=call.call_id, duplicate=not created), 200


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """ok or not ok, nothing more: it answers anyone, so no tenant's counts (issue 14)."""
    session = get_session()
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        logger.exception("web.health.database_down")
        session.rollback()
        return jsonify(ok=False), 503
    return jsonify(ok=True), 200


def _settings():  # noqa: ANN202
    return current_app.config["SETTINGS"]


def _reject(status: int, key: str, error: Exception) -> tuple[Response, int]:
    form = redacted(request.form.to_dict()) if request.form else {}
    logger.warning(key, extra={"error": str(error), "path": request.path,
                               "remote": request.remote_addr, "form_keys": sorted(form)[:20]})
    get_session().rollback()
    return jsonify(error=key.rsplit(".", 1)[-1], error_description=str(error)), status


def refuse_oversized() -> None:
    """413 before any view runs when the declared body is over the limit. Werkzeug enforces
    MAX_CONTENT_LENGTH only when a body is read, and a view that never reads it (a form post
    to a JSON endpoint) would answer something else."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()


def refuse_nul() -> None:
    """400 for a NUL character anywhere in the URL, a form or a JSON body. No genuine id,
    token or field holds one, and PostgreSQL text and jsonb cannot store one: psycopg raises
    DataError deep inside a view, which was a 500."""
    texts = [request.path, *(f"{k}={v}" for k, v in request.args.items(multi=True))]
    if request.mimetype in FORM_TYPES:
        texts += (f"{k}={v}" for k, v in request.form.items(multi=True))
    elif request.method == "POST":  # JSON (or what a view will try as JSON): "\u0000"
        raw = request.get_data()
        texts.append("\x00" if b"\x00" in raw or b"\\u0000" in raw.lower() else "")
    if any("\x00" in text for text in texts):
        logger.warning("web.request.nul", extra={"path": request.path[:200],
                                                 "remote": request.remote_addr})
        raise BadRequest("NUL character in the request")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(refuse_oversized)
    app.before_request(refuse_nul)
    routing_api.init_app(app)  # POST /pbx/<member_id>/route[/<routing_id>/progress]

    @app.errorhandler(EventPayloadError)
    def bad_payload(error: EventPayloadError):  # noqa: ANN202
        return _reject(400, "b24.event.malformed", error)

    @app.errorhandler(BadApplicationToken)
    def bad_token(error: BadApplicationToken):  # noqa: ANN202
        return _reject(401, "b24.event.bad_token", error)

    @app.errorhandler(UnknownPortal)
    def unknown_portal(error: UnknownPortal):  # noqa: ANN202
        return _reject(401, "b24.event.unknown_portal", error)

    @app.errorhandler(StaleEvent)
    def stale_event(error: StaleEvent):  # noqa: ANN202
        return _reject(409, "b24.event.stale", error)

    @app.errorhandler(OverQuota)
    def over_quota(error: OverQuota):  # noqa: ANN202
        return _reject(429, "b24.event.over_quota", error)

    @app.errorhandler(pbx_api.PbxPayloadError)
    def pbx_bad_payload(error: pbx_api.PbxPayloadError):  # noqa: ANN202
        logger.warning("pbx.call.rejected", extra={"error": str(error), "path": request.path,
                                                    "remote": request.remote_addr})
        get_session().rollback()
        status = 413 if error.kind == "too_large" else 400
        return jsonify(ok=False, error=error.kind, message=str(error)), status

    @app.errorhandler(pbx_api.PbxUnauthorized)
    def pbx_unauthorized(error: pbx_api.PbxUnauthorized):  # noqa: ANN202
        logger.warning("pbx.call.unauthorized", extra={"member_id": str(error),
                                                        "remote": request.remote_addr})
        get_session().rollback()
        return jsonify(ok=False, error="unauthorized"), 401

    @app.errorhandler(InvalidGrant)
    @app.errorhandler(PortalGone)
    def refused(error: Exception):  # noqa: ANN202
        return _reject(401, "b24.install.refused", error)

    @app.errorhandler(B24Error)
    def portal_unavailable(error: B24Error):  # noqa: ANN202
        """The auth server or the portal is away (install): a try later, not our crash."""
        return _reject(503, "b24.install.unavailable", error)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):  # noqa: ANN202
        if isinstance(error, HTTPException):
            return error
        logger.exception("web.request.failed", extra={"path": request.path})
        get_session().rollback()
        return jsonify(error="internal", error_description="internal error"), 500
