"""The app inside the portal: entry (app page and CRM tabs), the board, the workload page.

Settings and the JSON actions hang on the same blueprint (pages/admin.py, pages/api.py).
Pages read the local mirror only; actions call the exchange domain, which may call REST.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, g, jsonify, redirect, request, url_for
from flask_babel import Babel
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, Map

from handlers.exchange import config, priority, queries
from pages import i18n, rights
from pages.auth import (
    SESSION_HEADER,
    Forbidden,
    PageAuthError,
    issue,
    lang_of,
    placement_of,
    verify_page_request,
)
from pages.data import header_load, my_deals, names, user_name
from pages.kit import (
    MAX_ID,
    frame_ancestors,
    kit,
    portal,
    render,
    settings,
    viewer,
    viewer_required,
)
from store import exchange as journal
from store import telephony
from store.db import get_session
from store.models import Deal

logger = logging.getLogger(__name__)
bp = Blueprint("pages", __name__, url_prefix="/app")
PAGE_SIZE = 100
TABS = {"CRM_DEAL_DETAIL_TAB": "pages.deal_tab", "CRM_LEAD_DETAIL_TAB": "pages.lead_tab"}
# Pages a link from a notification may open: REST_APP_URI passes the link's `params` in
# PLACEMENT_OPTIONS (EN:api-reference/widgets/universal/app-url.md); only these keys go on.
LINKED = {"report": ("pages.report_page", ("date", "period")), "board": ("pages.board", ()),
          "taken": ("pages.taken", ()), "myday": ("pages.myday_page", ("date",))}


@bp.post("")
@bp.post("/placement")
def enter() -> Response:
    """The portal's POST (§1.2, §12): verify once, then continue on our own signed session.

    303 turns the POST into a GET, so reloading the frame never re-sends the viewer's AUTH_ID.
    """
    who = verify_page_request(get_session(), request.form, request.args, settings())
    rights.remember(who, who.is_admin)  # user.admin was asked a moment ago
    g.viewer = who
    token = issue(who, settings().secret_key.value)
    placement, options = placement_of(request.form)
    logger.info("web.page.opened", extra={"member_id": who.member_id, "user": who.user_id,
                                          "placement": placement})
    entity_id = str(options.get("ID") or "")
    if placement in TABS and entity_id.isascii() and entity_id.isdigit():  # not "²"
        return redirect(url_for(TABS[placement], entity_id=int(entity_id), s=token), 303)
    if placement == "REST_APP_URI" and options.get("page") in LINKED:
        endpoint, keys = LINKED[options["page"]]
        args = {k: str(options[k]) for k in keys if isinstance(options.get(k), str)}
        return redirect(url_for(endpoint, s=token, **args), 303)
    return redirect(url_for("pages.board", s=token), 303)


@bp.get("")
def outside() -> tuple[str, int]:
    """Someone opened the handler URL directly: it only works inside the portal."""
    return render("error.html", 400, title_key="err.title", text_key="err.missing")


@bp.get("/board")
@viewer_required()
def board() -> tuple[str, int]:
    session, who, k = get_session(), viewer(), kit()
    cfg = config.load(session, portal().id)
    sort = request.args.get("sort", "age")
    sort = sort if sort in queries.SORTS else "age"
    rows = queries.board(session, portal().id, cfg, sort=sort)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    first = (page - 1) * PAGE_SIZE
    oldest = min((r.waiting_since for r in rows if r.waiting_since), default=None)
    late = sum(1 for r in rows if k.hours(r.waiting_since) >= cfg.alert_wait_hours)
    best = priority.best(session, portal().id, cfg, k.now)
    shown = rows[first:first + PAGE_SIZE]
    held = {r.deal_id: k.clock(until) for r in shown
            if (until := priority.closed_until(cfg, best, who.user_id, r.waiting_since, k.now))}
    return render("board.html", cfg=cfg, rows=shown, total=len(rows),
                  best=best, held_for_best=held,
                  best_names={b.user_id: user_name(session, portal().id, b.user_id) for b in best},
                  page=page, first=first, sort=sort, oldest=oldest, late=late,
                  amount=sum(r.amount for r in rows), names=names(session, portal().id),
                  load=header_load(session, portal().id, cfg, who.user_id, who.is_admin, k.now),
                  active="board")


@bp.get("/taken")
@viewer_required()
def taken() -> tuple[str, int]:
    from handlers.exchange.caps import sales_managers

    session, who, k = get_session(), viewer(), kit()
    cfg = config.load(session, portal().id)
    managers = sales_managers(session, portal().id, cfg)
    loads = queries.taken(session, portal().id, cfg, managers, k.now)
    return render("taken.html", cfg=cfg, loads=loads, names=names(session, portal().id),
                  mine=my_deals(session, portal().id, cfg, who.user_id),
                  reasons=config.RETURN_REASONS,
                  load=header_load(session, portal().id, cfg, who.user_id, who.is_admin, k.now),
                  active="taken")


@bp.get("/deal/<id:entity_id>")
@viewer_required()
def deal_tab(entity_id: int) -> tuple[str, int]:
    """The CRM deal card's tab: this deal's place on the exchange, and the one button that fits."""
    from sqlalchemy import select

    session, who, k = get_session(), viewer(), kit()
    pid = portal().id
    cfg = config.load(session, pid)
    deal = session.scalar(select(Deal).where(Deal.portal_id == pid, Deal.b24_deal_id == entity_id))
    state, holder, since = _deal_state(cfg, deal, who.user_id), None, None
    if deal is not None and state in ("waiting", "taken", "yours"):
        kinds = ("landed", "reverted", "returned", "stale", "swept") if state == "waiting" \
            else ("claimed",)
        last = journal.last_event(session, pid, entity_id, kinds)
        since = last.at if last else (deal.date_create if state == "waiting" else None)
        holder = user_name(session, pid, deal.assigned_by_id) if state == "taken" else None
    recordings = telephony.deal_recordings(session, pid, deal) if deal is not None else []
    return render("deal.html", cfg=cfg, deal=deal, deal_id=entity_id, state=state,
                  holder=holder, since=since, names=names(session, pid), recordings=recordings,
                  reasons=config.RETURN_REASONS,
                  load=header_load(session, pid, cfg, who.user_id, False, k.now), tab=True)


def _deal_state(cfg: config.ExchangeConfig, deal: Deal | None, user_id: int) -> str:
    if not cfg.ready:
        return "not_ready"
    if deal is None or deal.deleted:
        return "unknown"
    if deal.category_id not in cfg.categories:
        return "other_pipeline"
    if deal.stage_semantic != "P":
        return "closed"
    if deal.assigned_by_id == cfg.exchange_user_id:
        return "waiting"
    return "yours" if deal.assigned_by_id == user_id else "taken"


@bp.get("/lead/<id:entity_id>")
@viewer_required()
def lead_tab(entity_id: int) -> tuple[str, int]:
    """The CRM lead card's tab: the lead rules' check and conversion (pages/leads.py)."""
    from pages.leads import lead_tab_view

    return lead_tab_view(entity_id)


@bp.after_request
def security_headers(response: Response) -> Response:
    """Framing: only the portal the session was verified for (and ourselves) may frame a page
    that has a session; error pages carry nothing and stay frameable so the portal frame can
    show them. No X-Frame-Options: it cannot name the portal (ALLOW-FROM is dead). The token
    in our URLs must not leak through Referer, and no page is cached."""
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
        f"frame-ancestors {frame_ancestors()}")
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    if g.get("session_token") and g.get("viewer"):  # static/app.js keeps the renewed session
        response.headers[SESSION_HEADER] = g.session_token
    return response


def _wants_json() -> bool:
    return request.path.startswith("/app/api/")


@bp.errorhandler(PageAuthError)
def auth_failed(error: PageAuthError) -> tuple[Response | str, int]:
    logger.warning(f"web.page.{error.key}", extra={
        "path": request.path, "reason": str(error), "remote": request.remote_addr,
        "member_id": request.form.get("member_id") if request.method == "POST" else None})
    g.pop("viewer", None)  # an unverified request gets the open frame policy, nothing else
    g.lang = lang = lang_of(request.args.get("LANG"))
    if _wants_json():
        return jsonify(ok=False, error=error.key,
                       message=i18n.t(lang, f"err.{error.key}")), error.status
    return render("error.html", error.status, title_key="err.title",
                  text_key=f"err.{error.key}")


@bp.errorhandler(Forbidden)
def forbidden(error: Forbidden) -> tuple[Response | str, int]:
    logger.warning("web.page.forbidden", extra={"path": request.path, "user": str(error)})
    if _wants_json():
        return jsonify(ok=False, error="forbidden", message=kit().t("err.forbidden")), 403
    return render("error.html", 403, title_key="err.forbidden.title", text_key="err.forbidden")


@bp.errorhandler(Exception)
def failed(error: Exception) -> tuple[Response | str, int] | HTTPException:
    if isinstance(error, HTTPException):
        return error
    logger.exception("web.page.failed", extra={"path": request.path})
    get_session().rollback()
    if _wants_json():
        return jsonify(ok=False, error="internal", message=kit().t("err.internal")), 500
    return render("error.html", 500, title_key="err.title", text_key="err.internal")


class IdConverter(IntegerConverter):
    """<id:...> in our URLs: a Bitrix24 or our own row id. Beyond 32 bits it is 404, not an
    integer the database driver cannot bind (a 500 on SQLite, an error on PostgreSQL)."""

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, max=MAX_ID)


def init_pages(app: Flask) -> None:
    """Register the pages blueprint with its settings and API routes."""
    app.url_map.converters["id"] = IdConverter
    from pages import (  # noqa: F401 - register their routes on bp
        admin,
        api,
        audits,
        calls,
        comm,
        leads,
        money,
        myday,
        records,
        report,
        routing,
    )

    app.register_blueprint(bp)
    Babel(app, locale_selector=request_lang, default_locale="ru",
          default_translation_directories=str(i18n.TRANSLATIONS))


def request_lang() -> str:
    """Flask-Babel's locale for this request: the viewer's language (Bitrix24's LANG at entry),
    Russian before a viewer is known. The same catalogs as pages.i18n.t, so `_(key)` in a
    template or flask_babel.gettext in a view says what `k.t(key)` says — without the
    `{name:gent}` cases and `{x}` fields, which only k.t fills."""
    current = g.get("viewer")
    return current.lang if current is not None else g.get("lang", "ru")
