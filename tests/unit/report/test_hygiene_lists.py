"""Every hygiene check's count and listed rows equal a plain-Python reading of the mirror.

handlers/report/hygiene.py counts from the covering indexes (ix_deals_open, ix_deals_contact)
and lists the first LIMIT rows in a second query, titles last. Here more deals match than
LIMIT, some deals are deleted, some have no MOVED_TIME, several share a moment (the order's
tie-break), activities of other owners use the same ids, and the app's own touches do not count.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from handlers.report import hygiene
from store import mirror, touches
from store.models import Deal, DealStageHistory
from store.report_models import ContactKey, DealTouch, OpenActivity
from tests.factories import make_portal

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
MANAGERS = [3, 4, 5, 6]


def generate(session, portal_id: int, rng: random.Random) -> None:
    for c in range(1, 121):
        phones = [f"+7912000{rng.randint(0, 149):04d}" for _ in range(rng.choice((1, 1, 2)))]
        mirror.upsert_contact(session, portal_id, {"ID": str(c), "NAME": f"C{c}",
                                                   "PHONE": [{"VALUE": p} for p in phones]})
    hist_id = 0
    for d in range(1, 401):
        created = NOW - timedelta(days=rng.randint(1, 40), hours=rng.choice((0, 0, 5)))
        moved = created + timedelta(days=rng.randint(0, 30)) if rng.random() < 0.6 else created
        fields = {"ID": str(d), "TITLE": f"D{d}", "STAGE_ID": "X", "CATEGORY_ID": "0",
                  "STAGE_SEMANTIC_ID": rng.choice("PPPPPSF"),
                  "ASSIGNED_BY_ID": str(rng.choice(MANAGERS)) if rng.random() < 0.95 else "",
                  "CONTACT_ID": str(rng.randint(1, 120)) if rng.random() < 0.9 else "",
                  "DATE_CREATE": created.isoformat()}
        if rng.random() < 0.85:
            fields["MOVED_TIME"] = min(moved, NOW).isoformat()
        mirror.upsert_deal(session, portal_id, fields)
        if rng.random() < 0.05:
            mirror.mark_deal_deleted(session, portal_id, d)
        steps = [1] + [rng.choice((2, 3)) for _ in range(rng.choice((0, 0, 1, 3)))]
        for type_id in steps:
            hist_id += 1
            mirror.add_stage_history(session, portal_id, [{
                "ID": str(hist_id), "OWNER_ID": str(d), "TYPE_ID": str(type_id),
                "CATEGORY_ID": "0", "STAGE_ID": "X", "STAGE_SEMANTIC_ID": "P",
                "CREATED_TIME": created.isoformat()}])
        worked = rng.random()
        if worked < 0.3:
            touches.record(session, portal_id, kind=rng.choice(("comment", "activity")),
                           b24_id=1000 + d, deal_ids=[d], at=created, own=worked < 0.15)
    mirror.replace_open_activities(session, portal_id, [
        {"ID": str(i + 1), "OWNER_TYPE_ID": rng.choice(("2", "2", "1")),
         "OWNER_ID": str(rng.randint(1, 400))} for i in range(150)])
    session.commit()


def reference(session, portal_id: int) -> dict:
    """The four checks read from whole rows, in Python."""
    deals = session.query(Deal).filter_by(portal_id=portal_id).all()
    open_ = [d for d in deals if d.stage_semantic == "P" and d.deleted is False]
    moved = {h.b24_deal_id for h in session.query(DealStageHistory).filter_by(
        portal_id=portal_id) if h.type_id != 1}
    planned = {a.owner_id for a in session.query(OpenActivity).filter_by(
        portal_id=portal_id, owner_type_id=hygiene.DEAL_OWNER)}
    worked = {t.b24_deal_id for t in session.query(DealTouch).filter_by(
        portal_id=portal_id) if t.own is False}
    limit = NOW - timedelta(days=7)

    def since(d: Deal) -> datetime:
        return d.moved_time or d.date_create

    def refs(found: list[Deal]) -> tuple[int, list]:
        return len(found), [(d.b24_deal_id, d.title, d.assigned_by_id, d.moved_time)
                            for d in found[:hygiene.LIMIT]]

    by_id = sorted(open_, key=lambda d: d.b24_deal_id)
    keys: dict[str, set[int]] = {}
    for k in session.query(ContactKey).filter_by(portal_id=portal_id, entity_type="CONTACT"):
        keys.setdefault(k.key, set()).add(k.b24_id)
    shared = []
    for key in sorted(keys):
        mine = [d for d in by_id if d.contact_id in keys[key]]
        if len({d.assigned_by_id for d in mine} - {None}) > 1:
            shared.append((key, len({d.assigned_by_id for d in mine}),
                           [d.b24_deal_id for d in mine]))
    return {
        "never_moved": refs(sorted((d for d in open_ if since(d) < limit
                                    or d.b24_deal_id not in moved),
                                   key=lambda d: (since(d), d.b24_deal_id))),
        "no_next_step": refs([d for d in by_id if d.b24_deal_id not in planned]),
        "empty_timeline": refs([d for d in by_id if d.b24_deal_id not in planned | moved
                                | worked]),
        "shared_clients": (len(shared), shared[:hygiene.LIMIT]),
    }


def listed(found: hygiene.Found) -> tuple[int, list]:
    return len(found), [(r.deal_id, r.title, r.manager_id, r.since) for r in found]


def test_every_check_equals_the_plain_reading(session) -> None:
    portal = make_portal(session)
    generate(session, portal.id, random.Random(19))
    truth = reference(session, portal.id)
    assert listed(hygiene.never_moved(session, portal.id, NOW, 7)) == truth["never_moved"]
    assert listed(hygiene.no_next_step(session, portal.id)) == truth["no_next_step"]
    assert listed(hygiene.empty_timeline(session, portal.id)) == truth["empty_timeline"]
    found = hygiene.shared_clients(session, portal.id)
    assert (len(found), [(s.key, s.managers, s.deal_ids) for s in found]) \
        == truth["shared_clients"]
    # not an empty comparison: longer than a page, and the order's tie-break is exercised
    assert truth["never_moved"][0] > hygiene.LIMIT and truth["no_next_step"][0] > hygiene.LIMIT
    assert truth["shared_clients"][0] > hygiene.LIMIT and truth["empty_timeline"][0]
    assert session.query(Deal).filter_by(deleted=True).count()
