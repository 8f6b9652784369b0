"""Lead quality by source and manager, junk reasons and the overdue list, over a seeded mirror."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.lead_rules import stats
from store import lead_rules as store
from store import mirror
from tests.factories import make_portal

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
ANNA, OLEG = 11, 12


@pytest.fixture
def pid(sessions):
    with sessions() as s:
        portal = make_portal(s)
        for code, name, sem in (("NEW", "Не обработан", None), ("CONVERTED", "Качественный", "S"),
                                ("JUNK", "Некачественный лид", "F"),
                                ("UC_BADPHONE", "Неверный номер", "F")):
            mirror.upsert_stage(s, portal.id, {"ENTITY_ID": "STATUS", "STATUS_ID": code,
                                               "NAME": name, "SEMANTICS": sem})
        rows = [(1, "WEB", ANNA, "CONVERTED", "S"), (2, "WEB", ANNA, "JUNK", "F"),
                (3, "WEB", OLEG, "UC_BADPHONE", "F"), (4, "WEB", OLEG, "NEW", "P"),
                (5, "CALL", ANNA, "CONVERTED", "S"), (6, "CALL", OLEG, "JUNK", "F"),
                (7, "CALL", OLEG, "JUNK", "F")]
        for lid, source, who, status, sem in rows:
            mirror.upsert_lead(s, portal.id, {
                "ID": str(lid), "TITLE": f"Лид {lid}", "SOURCE_ID": source,
                "ASSIGNED_BY_ID": str(who), "STATUS_ID": status, "STATUS_SEMANTIC_ID": sem,
                "DATE_CREATE": (NOW - timedelta(days=lid)).isoformat()})
        mirror.upsert_lead(s, portal.id, {"ID": "99", "SOURCE_ID": "WEB", "STATUS_ID": "JUNK",
                                          "STATUS_SEMANTIC_ID": "F",
                                          "DATE_CREATE": (NOW - timedelta(days=90)).isoformat()})
        store.upsert_track(s, portal.id, 7, NOW).junk_reason = "Дубль"
        track = store.upsert_track(s, portal.id, 4, NOW)
        track.status_id, track.due_at = "NEW", NOW - timedelta(hours=1)
        s.commit()
        return portal.id


def test_quality_by_source(session, pid) -> None:
    rows = {r.key: r for r in stats.quality(session, pid, since=NOW - timedelta(days=30))}
    web, call = rows["WEB"], rows["CALL"]
    assert (web.total, web.converted, web.junked, web.open) == (4, 1, 2, 1)
    assert (call.total, call.converted, call.junked) == (3, 1, 2)
    assert web.junked_share == 0.5 and round(call.converted_share, 3) == 0.333


def test_quality_by_manager_and_window(session, pid) -> None:
    rows = {r.key: r for r in stats.quality(session, pid, since=NOW - timedelta(days=30),
                                            by="manager")}
    assert (rows[ANNA].total, rows[ANNA].converted, rows[ANNA].junked) == (3, 2, 1)
    assert (rows[OLEG].total, rows[OLEG].junked) == (4, 3)
    recent = stats.quality(session, pid, since=NOW - timedelta(days=2, hours=12), by="manager")
    assert [(r.key, r.total) for r in recent] == [(ANNA, 2)]


def test_junk_reasons_use_the_field_text_else_the_failure_status(session, pid) -> None:
    since = NOW - timedelta(days=30)
    overall = [(r.reason, r.count) for r in stats.junk_reasons(session, pid, since=since)]
    assert sorted(overall) == [("Дубль", 1), ("Неверный номер", 1), ("Некачественный лид", 2)]
    per_manager = {(r.key, r.reason): r.count
                   for r in stats.junk_reasons(session, pid, since=since, by="manager")}
    assert per_manager == {(ANNA, "Некачественный лид"): 1, (OLEG, "Неверный номер"): 1,
                           (OLEG, "Некачественный лид"): 1, (OLEG, "Дубль"): 1}


def test_overdue_lists_open_leads_past_their_deadline(session, pid) -> None:
    assert [r.lead_id for r in stats.overdue(session, pid, NOW)] == [4]
    assert stats.overdue(session, pid, NOW - timedelta(hours=2)) == []


def test_rule_counts_and_flagged_queue(session, pid) -> None:
    store.journal(session, pid, lead_id=2, kind="flagged", user_id=ANNA, at=NOW, key="f:2")
    assert not store.journal(session, pid, lead_id=2, kind="flagged", user_id=ANNA, at=NOW,
                             key="f:2")  # a retry records nothing new
    store.journal(session, pid, lead_id=4, kind="escalated", user_id=1, at=NOW, key="e:4")
    store.add_audit(session, pid, key="a:2", b24_lead_id=2, status_id="JUNK", manager_id=ANNA,
                    missing=["call"], evidence={}, mode="flag", junked_at=NOW)
    session.commit()
    assert stats.rule_counts(session, pid, since=NOW - timedelta(days=1)) == \
        {"flagged": 1, "escalated": 1}
    assert stats.rule_counts(session, pid, since=NOW - timedelta(days=1), by_user=True)[
        ("flagged", ANNA)] == 1
    assert [a.b24_lead_id for a in stats.flagged(session, pid)] == [2]
