"""The owner's report in the app tab: headline, funnel with its bottleneck, people, hygiene."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from flask import Response, request

from handlers.exchange import config
from handlers.exchange.caps import head_of_sales
from handlers.report.build import build
from handlers.report.period import Period
from pages import bp
from pages.data import header_load, names, users
from pages.kit import Forbidden, kit, portal, render, viewer, viewer_required
from store.db import get_session

KINDS = ("day", "week", "month")


def _allowed() -> None:
    """Admins, and the head of sales: per-manager figures are not for every manager's eyes."""
    who = viewer()
    cfg = config.load(get_session(), portal().id)
    if not (who.is_admin or who.user_id == head_of_sales(get_session(), portal().id, cfg)):
        raise Forbidden(who.user_id)


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
    report = build(session, portal().id, period, k.now)
    cfg = config.load(session, portal().id)
    return render("report.html", report=report, period=period,
                  kind=request.args.get("period", "day"), headline=report.headline(),
                  names=names(session, portal().id), domain=portal().domain,
                  people={u.b24_user_id: u.full_name for u in users(session, portal().id)},
                  load=header_load(session, portal().id, cfg, who.user_id, who.is_admin, k.now),
                  active="report")


@bp.get("/report.csv")
@viewer_required()
def report_csv() -> Response:
    """The per-manager table and the hygiene lists, for a spreadsheet."""
    _allowed()
    session, k = get_session(), kit()
    period = _period()
    report = build(session, portal().id, period, k.now)
    out = io.StringIO()
    writer = csv.writer(out)
    keys = sorted({key for m in report.managers for key in m.counters})
    writer.writerow(["section", "manager", *keys])
    for m in report.managers:
        writer.writerow(["managers", m.name, *(m.counters.get(key, 0) for key in keys)])
    for name, rows in report.hygiene.items():
        for row in rows:
            ident = getattr(row, "deal_id", None) or getattr(row, "key", "")
            writer.writerow([name, getattr(row, "manager_id", ""), ident])
    stamp = datetime.now().strftime("%Y%m%d")
    return Response(out.getvalue().encode("utf-8-sig"), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=report-{period.start}-{stamp}.csv"})
