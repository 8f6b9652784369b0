"""Leads and deals from before the install are tracked from the first sync on (the seed backdates
them): the lead tab, the overdue counts and the report's hygiene see them, no event needed."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.lead_rules import stats
from handlers.report import build, hygiene
from jobs.runner import first_sync
from store import portals
from store.leads_models import LeadTrack
from tests.e2e.test_pages import text


def _old_open_leads(portal) -> list[dict]:
    """In work since five days or more: past the default one working day (8 h) on any date."""
    long_ago = portal.clock.now() - timedelta(days=5)
    return [r for r in portal.table("crm.lead") if r["STATUS_SEMANTIC_ID"] == "P"
            and r["STATUS_ID"] == "IN_PROCESS" and r.get("LAST_NAME")
            and datetime.fromisoformat(r["MOVED_TIME"]) < long_ago]


def test_old_lead_tab_renders_its_track(installed, live_app) -> None:
    first_sync(live_app.app)  # no lead event, no lead_deadlines run
    lead = _old_open_leads(installed)[0]
    tab = installed.open_app(int(lead["ASSIGNED_BY_ID"]), "CRM_LEAD_DETAIL_TAB",
                             {"ID": str(lead["ID"])})
    assert tab.status_code == 200
    assert "Лид ещё не попал в приложение" not in tab.text
    assert "Срок обработки" in tab.text and "просрочен на" in tab.text
    body = text(tab.text)
    assert "Статус В работе" in body
    assert "— отчество ✓ Телефон или e-mail" in body  # surname, name and phone came along


def test_old_overdue_lead_is_counted(installed, live_app) -> None:
    first_sync(live_app.app)
    old = {int(r["ID"]) for r in _old_open_leads(installed)}
    assert old
    with live_app.sessions() as s:
        pid = portals.find(s, installed.member_id).id
        now = installed.clock.now()
        overdue = {row.lead_id for row in stats.overdue(s, pid, now)}
        assert old <= overdue
        counted = stats.overdue_by_manager(s, pid, now)
        assert sum(counted.values()) >= len(old)
        closed = {int(r["ID"]) for r in installed.table("crm.lead")
                  if r["STATUS_SEMANTIC_ID"] != "P"}
        tracked = {t.b24_lead_id: t for t in s.query(LeadTrack).filter_by(portal_id=pid)}
        assert closed <= set(tracked)  # a closed old lead's tab shows its final status
        assert all(tracked[i].due_at is None for i in closed)


def test_hygiene_sees_the_deals_from_before_the_install(installed, live_app) -> None:
    """Right after the install's first sync, before any deal event: the checks count every old
    open deal exactly as the portal's own data says."""
    first_sync(live_app.app)
    now = installed.clock.now()
    open_deals = {int(d["ID"]): d for d in installed.table("crm.deal")
                  if d["STAGE_SEMANTIC_ID"] == "P"}
    planned = {int(a["OWNER_ID"]) for a in installed.table("crm.activity")
               if str(a["OWNER_TYPE_ID"]) == "2" and a["COMPLETED"] == "N"}
    moved = {int(h["OWNER_ID"]) for h in installed.table("crm.stagehistory")
             if h["_ENTITY_TYPE_ID"] == 2 and str(h["TYPE_ID"]) != "1"}
    stale = now - timedelta(days=build.STALE_DAYS)
    expected_stuck = {i for i, d in open_deals.items() if i not in moved or datetime.fromisoformat(
        d.get("MOVED_TIME") or d["DATE_CREATE"]) < stale}
    assert any(datetime.fromisoformat(d["DATE_CREATE"]) < now for d in open_deals.values())
    with live_app.sessions() as s:
        pid = portals.find(s, installed.member_id).id
        unplanned = hygiene.no_next_step(s, pid)
        stuck = hygiene.never_moved(s, pid, now, build.STALE_DAYS)
    assert len(unplanned) == len(set(open_deals) - planned) > 0
    assert len(stuck) == len(expected_stuck) > 0
