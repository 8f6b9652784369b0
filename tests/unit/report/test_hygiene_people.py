"""Hygiene lists and per-manager figures against plain-Python counts on generated data."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from handlers.report import hygiene, people
from handlers.report.period import Period
from store import mirror, touches
from store.calls import upsert_call
from tests.factories import make_portal

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
MANAGERS = [3, 4, 5]


def generate(session, portal_id: int, rng: random.Random) -> dict:
    deals, hist_id, truth = {}, 0, {"history": {}, "activities": set(), "phones": {},
                                  "worked": set()}
    for c in range(1, 31):
        phones = [f"+7912000{rng.randint(0, 9):04d}"]
        truth["phones"][c] = phones
        mirror.upsert_contact(session, portal_id, {"ID": str(c), "NAME": f"C{c}", "PHONE": [
            {"VALUE": p} for p in phones]})
    for d in range(1, 81):
        created = NOW - timedelta(days=rng.randint(1, 30))
        moved = created + timedelta(days=rng.randint(0, 3)) if rng.random() < 0.6 else created
        semantic = rng.choice("PPPPSF")
        deals[d] = {"ID": str(d), "TITLE": f"D{d}", "STAGE_ID": "X", "CATEGORY_ID": "0",
                    "STAGE_SEMANTIC_ID": semantic, "ASSIGNED_BY_ID": str(rng.choice(MANAGERS)),
                    "CONTACT_ID": str(rng.randint(1, 30)),
                    "DATE_CREATE": created.isoformat(), "MOVED_TIME": moved.isoformat(),
                    # as a real portal: the creation, or a later activity (before our events)
                    "LAST_ACTIVITY_TIME": (created + timedelta(hours=2) if rng.random() < 0.2
                                           else created).isoformat()}
        mirror.upsert_deal(session, portal_id, deals[d])
        worked = rng.random()  # a comment or activity by a person, by the app, or nothing
        if worked < 0.5:
            touches.record(session, portal_id, kind=rng.choice(("comment", "activity")),
                           b24_id=1000 + d, deal_ids=[d], at=created, own=worked < 0.25)
        if 0.25 <= worked < 0.5 or deals[d]["LAST_ACTIVITY_TIME"] != created.isoformat():
            truth["worked"].add(d)
        steps = [(1, created)] + ([(2, moved)] if moved != created else [])
        truth["history"][d] = steps
        items = []
        for type_id, at in steps:
            hist_id += 1
            items.append({"ID": str(hist_id), "OWNER_ID": str(d), "TYPE_ID": str(type_id),
                          "CATEGORY_ID": "0", "STAGE_ID": "X", "STAGE_SEMANTIC_ID": semantic,
                          "CREATED_TIME": at.isoformat()})
        mirror.add_stage_history(session, portal_id, items)
    planned = [d for d in deals if rng.random() < 0.4]
    truth["activities"] = set(planned)
    mirror.replace_open_activities(session, portal_id, [
        {"ID": str(i + 1), "OWNER_TYPE_ID": "2", "OWNER_ID": str(d)}
        for i, d in enumerate(planned)])
    for i in range(60):
        user = rng.choice(MANAGERS)
        kind = rng.choice((1, 2))
        upsert_call(session, portal_id, {
            "call_id": f"c{i}", "call_type": kind, "user_id": user, "duration":
            rng.choice((0, 30, 200, 400)), "answered": rng.random() < 0.7,
            "start_at": NOW - timedelta(hours=rng.randint(0, 60))})
    session.commit()
    truth["deals"] = deals
    return truth


def test_hygiene_and_people_match_plain_counts(session) -> None:
    portal = make_portal(session)
    truth = generate(session, portal.id, random.Random(3))
    deals = truth["deals"]
    open_ids = {d for d, f in deals.items() if f["STAGE_SEMANTIC_ID"] == "P"}
    limit = NOW - timedelta(days=7)
    moved = {d for d, steps in truth["history"].items() if any(t != 1 for t, _ in steps)}

    def last_move(d: int) -> datetime:
        return datetime.fromisoformat(deals[d]["MOVED_TIME"])

    never = {d for d in open_ids if d not in moved or last_move(d) < limit}
    assert len(hygiene.never_moved(session, portal.id, NOW, 7)) == len(never)
    no_step = open_ids - truth["activities"]
    assert len(hygiene.no_next_step(session, portal.id)) == len(no_step)
    assert {r.deal_id for r in hygiene.no_next_step(session, portal.id)} <= no_step
    empty = {d for d in no_step if d not in moved and d not in truth["worked"]}
    assert empty and truth["worked"] & no_step - moved  # both kinds are there
    assert len(hygiene.empty_timeline(session, portal.id)) == len(empty)
    by_key: dict[str, set[int]] = {}
    for d in open_ids:
        for phone in truth["phones"][int(deals[d]["CONTACT_ID"])]:
            by_key.setdefault(phone, set()).add(int(deals[d]["ASSIGNED_BY_ID"]))
    shared = {k for k, managers in by_key.items() if len(managers) > 1}
    found = hygiene.shared_clients(session, portal.id)
    assert len(found) == len(shared) and {s.key for s in found} == shared

    period = Period(date(2026, 11, 21), date(2026, 11, 23))
    rows = {m.user_id: m.counters for m in people.activity(session, portal.id, period, MANAGERS)}
    from store.models import Call

    for uid in MANAGERS:
        calls = [c for c in session.query(Call).filter_by(user_id=uid)
                 if period.since <= c.start_at < period.until]
        out = [c for c in calls if c.call_type == 1]
        assert rows[uid].get("calls_out", 0) == len(out)
        # the same definition as the calls page: answered outgoing, at least 3 minutes
        assert rows[uid].get("calls_out_long", 0) == sum(
            c.answered and c.duration >= 180 for c in out)
        assert rows[uid].get("calls_in_answered", 0) == sum(
            c.call_type in (2, 3) and c.answered for c in calls)
