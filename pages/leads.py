"""The "Лиды" page and the lead card's tab.

The page: lead quality per source and per manager (converted vs junked, junk reasons), the
overdue list, the audit queue, and the lead rules' settings for admins. The tab: the SLA
state, the completeness check and "Конвертировать". Pages read the mirror only; the
conversion and the reason field's creation call the domain, which calls REST.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Response, redirect, request

from b24.errors import B24Error
from handlers.exchange import actions
from handlers.exchange import config as exchange_config
from handlers.lead_rules import config, deadlines, stats
from handlers.lead_rules.convert import convert, readiness
from handlers.lead_rules.fields import ensure_reason_field
from handlers.lead_rules.statuses import Statuses
from pages import bp, leads_charts, rights
from pages.data import categories, names, users
from pages.kit import (
    kit,
    portal,
    release,
    render,
    sessions,
    settings,
    viewer,
    viewer_required,
)
from pages.leads_forms import TIMEZONES, parse_lead_settings
from store import lead_rules as store
from store.db import get_session

logger = logging.getLogger(__name__)
PERIODS = (7, 30, 90)
MISSING_KEYS = ("last_name", "name", "second_name", "contact")
NOTICES = ("leads.saved", "msg.lead_converted", "msg.lead_already_converted",
           "msg.lead_convert_busy", "msg.lead_incomplete", "msg.lead_closed", "msg.portal_error")


@bp.get("/leads")
@viewer_required()
def leads_page() -> tuple[str, int]:
    session = get_session()
    cfg = config.load(session, portal().id)
    notice = request.args.get("notice")
    return _render(cfg, {}, notice=notice if notice in NOTICES else None)


@bp.post("/leads/settings")
@viewer_required(admin=True)
def leads_settings_save() -> tuple[str, int] | Response:
    session, k, pid = get_session(), kit(), portal().id
    current = config.load(session, pid)
    cfg, errors = parse_lead_settings(request.form, session, pid, current,
                                      Statuses.load(session, pid))
    if errors:
        return _render(cfg, errors, status=422)
    config.save(session, pid, cfg, user_id=viewer().user_id, now=k.now)
    deadlines.refresh_dues(session, pid)
    session.commit()
    logger.info("web.leads.settings_saved", extra={"member_id": viewer().member_id,
                                                   "user": viewer().user_id})
    if cfg.reason_mode == "field" and not cfg.reason_field_ready:
        _create_reason_field()
    return redirect(k.url("pages.leads_page", notice="leads.saved"), 303)


def _create_reason_field() -> None:
    """The reason field is needed from now on: create it while the admin is here."""
    release()
    with actions.action_context(portal(), sessions(), settings()) as ctx:
        try:
            ensure_reason_field(ctx.b24)
        except B24Error:  # the deadline job tries again; saving the settings stands
            logger.exception("web.leads.reason_field_failed",
                             extra={"member_id": viewer().member_id})
            return
        cfg = config.load(ctx.session, ctx.portal.id)
        cfg.reason_field_ready = True
        config.save(ctx.session, ctx.portal.id, cfg, user_id=viewer().user_id, now=ctx.now)
        ctx.session.commit()


def _render(cfg: config.LeadRulesConfig, errors: dict[str, str], *, status: int = 200,
            notice: str | None = None) -> tuple[str, int]:
    session, k, pid = get_session(), kit(), portal().id
    days = request.args.get("days", 30, type=int)
    days = days if days in PERIODS else 30
    since = k.now - timedelta(days=days)
    exchange = exchange_config.load(session, pid)
    service = _service_user(session, pid, exchange)
    everyone = users(session, pid)
    people = [u for u in everyone if u.b24_user_id != service]
    return render(
        "leads.html", status, cfg=cfg, errors=errors, days=days, periods=PERIODS,
        typed=request.form if errors else {}, notice=notice, active="leads",
        by_source=stats.quality(session, pid, since=since, by="source"),
        day_chart=leads_charts.by_day(
            stats.by_day(session, pid, since=since, until=k.now,
                         zone=config.load(session, pid).zone()),  # saved, not as typed
            {key: k.t(f"leads.col.{key}") for key in ("converted", "open", "junked")}, k.lang),
        by_manager=[r for r in stats.quality(session, pid, since=since, by="manager")
                    if r.key != service],
        reasons=stats.junk_reasons(session, pid, since=since),
        counts=stats.rule_counts(session, pid, since=since, by_user=True),
        overdue=stats.overdue(session, pid, k.now), audits=stats.flagged(session, pid),
        statuses=Statuses.load(session, pid), names=names(session, pid),
        pipelines=sorted({*categories(session, pid, exchange),
                          cfg.deal_category}),
        people=people, who={u.b24_user_id: u.full_name for u in everyone}, service=service,
        timezones=TIMEZONES if cfg.timezone in TIMEZONES else (cfg.timezone, *TIMEZONES))


def _service_user(session: Any, pid: int,
                  exchange: exchange_config.ExchangeConfig) -> int | None:
    """The "Биржа лидов" user holds unclaimed work: it is not a manager to rank or to pick."""
    if exchange.exchange_user_id is not None:
        return exchange.exchange_user_id
    return exchange_config.guess_exchange_user(session, pid)


def lead_tab_view(entity_id: int) -> tuple[str, int]:
    """The lead card's tab (CRM_LEAD_DETAIL_TAB, §12): the deadline, the checks, the button.

    Routed by pages.lead_tab (GET /app/lead/<id>), where the placement entry redirects."""
    session, k, pid = get_session(), kit(), portal().id
    cfg = config.load(session, pid)
    lead = store.find_lead(session, pid, entity_id)
    track = store.find_track(session, pid, entity_id)
    client = store.contacts_by(session, pid, phones=track.phones, emails=track.emails) \
        if track else []
    notice = request.args.get("notice")
    return render("lead.html", lead=lead, lead_id=entity_id, track=track, cfg=cfg,
                  missing=readiness(_card(track), cfg) if track else None,
                  client=client[0] if client else None,
                  conversion=store.find_conversion(session, pid, entity_id),
                  audits=store.open_audits(session, pid, entity_id),
                  statuses=Statuses.load(session, pid), names=names(session, pid),
                  notice=notice if notice in NOTICES else None,
                  missing_words=", ".join(k.t(f"leadtab.missing.{m}") for m in
                                          request.args.get("missing", "").split(",")
                                          if m in MISSING_KEYS),
                  audit_words=lambda a: audit_words(k, a, cfg),
                  overdue=bool(track and track.due_at and track.due_at <= k.now), tab=True)


def audit_words(k: Any, audit: Any, cfg: config.LeadRulesConfig) -> str:
    """'звонка от 20 с, письма' — what the audited junk lacked, in the viewer's words."""
    seconds = (audit.evidence or {}).get("min_call_seconds", cfg.min_call_seconds)
    return ", ".join(k.t(f"leads.missing.{m}", n=seconds) for m in audit.missing or [])


def _card(track: Any) -> dict[str, Any]:
    """The tracked card in crm.lead.get's shape, so the tab and the action check alike."""
    return {"LAST_NAME": track.last_name, "NAME": track.name, "SECOND_NAME": track.second_name,
            "PHONE": [{"VALUE": p} for p in track.phones or []],
            "EMAIL": [{"VALUE": e} for e in track.emails or []]}


@bp.post("/lead/<id:entity_id>/convert")
@viewer_required()
def lead_convert(entity_id: int) -> Response:
    """Form POST (works without JS); a double click is answered by the conversion's own lock.

    Allowed to the lead's responsible (in the mirror, kept by ONCRMLEADUPDATE), the head of
    sales and admins (asked again, pages/rights.py); it runs with the app's token."""
    k, who = kit(), viewer()
    lead = store.find_lead(get_session(), portal().id, entity_id)
    if (lead is None or lead.assigned_by_id != who.user_id) and \
            not rights.is_head(get_session(), portal().id, who):
        rights.require_admin_now(who, portal(), settings())
    release()
    with actions.action_context(portal(), sessions(), settings()) as ctx:
        result = convert(ctx, viewer().user_id, entity_id)
    logger.info("web.lead.convert", extra={"member_id": viewer().member_id, "lead": entity_id,
                                           "user": viewer().user_id,
                                           "code": result.message_key})
    missing = ",".join(result.params.get("missing", []))
    return redirect(k.url("pages.lead_tab", entity_id=entity_id,
                          notice=f"msg.{result.message_key}", missing=missing or None), 303)
