"""The owner's report in the app tab: headline, funnel with its bottleneck, people, hygiene."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from flask import Response, g, redirect, request

from handlers.exchange import config
from handlers.exchange.caps import head_of_sales
from handlers.report import stages
from handlers.report.build import Report, build
from handlers.report.people import COLUMNS
from handlers.report.period import Period
from handlers.telephony import config as telephony_config
from pages import bp
from pages import calls_charts as charts
from pages.data import header_load, line_label, names, users
from pages.kit import Forbidden, kit, portal, render, sessions, viewer, viewer_required
from store.db import get_session

KINDS = ("day", "week", "month")


def can_report() -> bool:
    """Admins, and the head of sales: per-manager figures are not for every manager's eyes."""
    who, current = g.get("viewer"), g.get("portal")
    if who is None or current is None:
        return False
    if who.is_admin:
        return True
    cfg = config.load(get_session(), current.id)
    return who.user_id == head_of_sales(get_session(), current.id, cfg)


@bp.context_processor
def report_nav() -> dict[str, Any]:
    """base.html shows the "Отчёт" link to those who may open it (the role matrix, asked lazily)."""
    return {"can_report": can_report}


def _allowed() -> None:
    if not can_report():
        raise Forbidden(viewer().user_id)


def _period() -> Period:
    kind = request.args.get("period", "day")
    kind = kind if kind in KINDS else "day"
    try:
        day = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        day = kit().now.date()
    return Period.of(kind, day)


@bp.get("/report")
@viewer_required()
def report_page() -> tuple[str, int]:
    _allowed()
    session, k, who = get_session(), kit(), viewer()
    period = _period()
    report = build(session, portal().id, period, k.now, sessions=sessions())
    cfg = config.load(session, portal().id)
    people = {u.b24_user_id: u.full_name for u in users(session, portal().id)}
    return render("report.html", report=report, period=period,
                  kind=request.args.get("period", "day"), headline=report.headline(),
                  names=names(session, portal().id), domain=portal().domain, people=people,
                  line_name=line_label(session, portal().id),
                  tcfg=telephony_config.load(session, portal().id),
                  trend_chart=charts.lcr_trend(report.sections["trend"], k.lang),
                  hour_chart=charts.by_hour(report.sections["hours"], people),
                  load=header_load(session, portal().id, cfg, who.user_id, who.is_admin, k.now),
                  active="report")


@bp.get("/report.csv")
@viewer_required()
def report_csv() -> Response:
    """The per-manager counters, the calls per operator and line, and the hygiene lists."""
    _allowed()
    session, k = get_session(), kit()
    period = _period()
    report = build(session, portal().id, period, k.now, sessions=sessions())
    out = io.StringIO()
    _write_csv(SafeCsv(csv.writer(out)), report)
    return Response(out.getvalue().encode("utf-8-sig"), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=report-{period.start}-{period.end}.csv"})


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class SafeCsv:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe.

    Manager names, deal titles and callers come from the portal: a user named
    `=HYPERLINK(...)` must not become a live formula in the owner's Excel (OWASP "CSV
    Injection"). Numbers stay numbers; "+7 912..." stays readable text.
    """

    def __init__(self, writer: Any) -> None:
        self.writer = writer

    def writerow(self, row: list[Any]) -> None:
        self.writer.writerow([f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_START)
                              else v for v in row])


def _write_csv(writer: Any, report: Report) -> None:
    """One block per section; each block's first row names its columns."""
    writer.writerow(["section", "manager", *COLUMNS, "rejection_categories"])
    for m in report.managers:
        cats = "; ".join(f"{stage}={n}" for stage, n in sorted(m.rejections.items()))
        writer.writerow(["managers", m.name, *(m.counters.get(key, 0) for key in COLUMNS), cats])
    sec = report.sections
    writer.writerow(["section", "operator", *OPERATOR_COLUMNS])
    for row in sec["operators"]:
        writer.writerow(["operators", row.key or "", *_operator_values(row, sec)])
    writer.writerow(["section", "line", "incoming", "answered", "lost", "outgoing", "deals",
                     "won"])
    for row in sec["lines"]:
        writer.writerow(["lines", row.key or "", row.incoming, row.answered, row.lost,
                         row.outgoing, row.deals, row.won])
    writer.writerow(["section", "routing_id", "at", "caller", "answered_step", "answered_by"])
    for e in sec["escalations"]:
        writer.writerow(["escalations", e.routing_id, e.at.isoformat(), e.caller,
                         e.answered_step or "", e.answered_by or ""])
    writer.writerow(["section", "manager", "id"])
    for name, rows in report.hygiene.items():
        for row in rows:
            ident = getattr(row, "deal_id", None) or getattr(row, "key", "")
            writer.writerow([name, getattr(row, "manager_id", ""), ident])


OPERATOR_COLUMNS = ("incoming", "answered", "lost", "avg_answer_seconds", "avg_talk_seconds",
                    "talk_seconds", "utilisation", "outgoing", "long_outgoing")


def _operator_values(row: Any, sec: dict[str, Any]) -> list[Any]:
    def rounded(value: float | None) -> float | str:
        return "" if value is None else round(value, 3)

    return [row.incoming, row.answered, row.lost, rounded(row.avg_answer),
            rounded(row.avg_talk), row.talk_seconds,
            rounded(row.utilisation(sec["workday_hours"])), row.outgoing, row.long_outgoing]


@bp.post("/settings/report")
@viewer_required(admin=True)
def report_stages_save() -> tuple[str, int] | Response:
    """The stage -> counter mapping, a form of its own on the admin settings page."""
    from pages.admin import render_settings

    session, k = get_session(), kit()
    known = [s.status_id for s in stages.deal_stages(session, portal().id)]
    mapping, errors = stages.parse_form(request.form, known)
    if errors:
        return render_settings(config.load(session, portal().id), errors, status=422)
    stages.save(session, portal().id, mapping, user_id=viewer().user_id, now=k.now)
    session.commit()
    return redirect(k.url("pages.settings_page", notice="settings.saved"), 303)
