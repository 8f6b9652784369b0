"""A generated sales department for the report's figures: calls, deals with stage histories,
clients, routed calls, rejections and overdue leads. The rows are kept as plain dicts too, so
the tests count them in Python, independently of the report's SQL."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from handlers.exchange import config as exchange_config
from handlers.report.period import Period
from store import mirror
from store.audits_models import Rejection
from store.calls import upsert_call
from store.leads_models import LeadTrack
from store.routing_models import RoutingCall

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PERIOD = Period(date(2026, 11, 18), date(2026, 11, 20))  # Moscow days
EMPTY = Period(date(2026, 10, 1), date(2026, 10, 1))
FIRST = datetime(2026, 11, 9, 21, 0, tzinfo=UTC)  # 10.11 00:00 in Moscow
SPAN_MINUTES = 13 * 24 * 60
MANAGERS = [3, 4, 5]
HEAD = 7  # answers calls, is not a manager of the report
LINES = ["+74950000001", "+74950000002", None]
PHONES = [f"+7900000{n:04d}" for n in range(40)]
CODES = [("NEW", 10, "P"), ("PREPARATION", 20, "P"), ("PREPAYMENT_INVOICE", 30, "P"),
         ("EXECUTING", 40, "P"), ("FINAL_INVOICE", 50, "P"), ("WON", 60, "S"),
         ("LOSE", 70, "F"), ("UC_OFFER", 25, "P")]


@dataclass
class World:
    calls: list[dict] = field(default_factory=list)
    deals: dict[int, dict] = field(default_factory=dict)
    history: list[tuple[int, str, datetime]] = field(default_factory=list)  # deal, stage, at
    clients: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    routed: list[dict] = field(default_factory=list)
    rejections: list[dict] = field(default_factory=list)
    leads: list[dict] = field(default_factory=list)


def moment(rng: random.Random) -> datetime:
    return FIRST + timedelta(minutes=rng.randrange(SPAN_MINUTES), seconds=rng.randrange(60))


def generate(session, portal_id: int, seed: int = 7) -> World:
    rng, world = random.Random(seed), World()
    exchange_config.save(session, portal_id, exchange_config.ExchangeConfig(
        manager_ids=MANAGERS), user_id=None, now=NOW)
    for uid in [*MANAGERS, HEAD]:
        mirror.upsert_user(session, portal_id, {"ID": str(uid), "NAME": f"U{uid}",
                                                "LAST_NAME": "Тест", "ACTIVE": True})
    _stages(session, portal_id)
    _calls(session, portal_id, rng, world)
    _clients_and_deals(session, portal_id, rng, world)
    _routed(session, portal_id, rng, world)
    _rejections_and_leads(session, portal_id, rng, world)
    session.commit()
    return world


def _stages(session, portal_id: int) -> None:
    for entity, prefix, category in (("DEAL_STAGE", "", "0"), ("DEAL_STAGE_2", "C2:", "2")):
        for code, sort, sem in CODES:
            mirror.upsert_stage(session, portal_id, {
                "ENTITY_ID": entity, "STATUS_ID": prefix + code, "NAME": code, "SORT": str(sort),
                "SEMANTICS": None if sem == "P" else sem, "CATEGORY_ID": category})


def _calls(session, portal_id: int, rng: random.Random, world: World) -> None:
    for i in range(500):
        kind = rng.choice((1, 1, 2, 2, 3, 4))
        answered = rng.random() < 0.65
        incoming = kind in (2, 3)
        values = {
            "call_id": f"c{i}", "call_type": kind, "start_at": moment(rng),
            "phone": "" if rng.random() < 0.05 else rng.choice(PHONES),
            "user_id": rng.choice([*MANAGERS, *MANAGERS, HEAD, None]),
            "line": rng.choice(LINES), "answered": answered,
            "duration": rng.choice((15, 90, 179, 180, 420)) if answered else 0,
            "answer_seconds": rng.choice((None, 2, 5, 6, 7, 19)) if answered and incoming
            else None}
        upsert_call(session, portal_id, values)
        world.calls.append(values)


def _clients_and_deals(session, portal_id: int, rng: random.Random,
                       world: World) -> None:
    for kind, ids in (("CONTACT", range(1, 16)), ("COMPANY", range(1, 6))):
        for b24_id in ids:
            phones = rng.sample(PHONES, rng.choice((1, 2)))
            world.clients[(kind, b24_id)] = phones
            mirror.upsert_contact(session, portal_id, {
                "ID": str(b24_id), "NAME": f"K{b24_id}", "TITLE": f"K{b24_id}",
                "PHONE": [{"VALUE": p} for p in phones]}, entity_type=kind)
    n = 0
    for deal_id in range(1, 81):
        pipeline = rng.choice(("", "C2:"))
        steps = [(pipeline + rng.choice([c for c, _, _ in CODES]), moment(rng))
                 for _ in range(rng.randint(1, 4))]
        if rng.random() < 0.3:  # dragged back and entered the same stage again
            steps.append((steps[0][0], steps[0][1] + timedelta(hours=5)))
        steps.sort(key=lambda s: s[1])
        last, moved = steps[-1]
        semantic = {"WON": "S", "LOSE": "F"}.get(last.split(":")[-1], "P")
        client = rng.choice(list(world.clients))
        fields = {"ID": str(deal_id), "TITLE": f"D{deal_id}", "STAGE_ID": last,
                  "CATEGORY_ID": "2" if pipeline else "0", "STAGE_SEMANTIC_ID": semantic,
                  "ASSIGNED_BY_ID": str(rng.choice([*MANAGERS, HEAD])),
                  "CONTACT_ID": str(client[1]) if client[0] == "CONTACT" else "",
                  "COMPANY_ID": str(client[1]) if client[0] == "COMPANY" else "",
                  "MOVED_TIME": moved.isoformat(), "DATE_CREATE": steps[0][1].isoformat()}
        mirror.upsert_deal(session, portal_id, fields)
        world.deals[deal_id] = {**fields, "client": client, "moved": moved}
        items = []
        for stage, at in steps:
            n += 1
            world.history.append((deal_id, stage, at))
            sem = {"WON": "S", "LOSE": "F"}.get(stage.split(":")[-1], "P")
            items.append({"ID": str(n), "OWNER_ID": str(deal_id), "TYPE_ID": "2",
                          "CATEGORY_ID": fields["CATEGORY_ID"], "STAGE_ID": stage,
                          "STAGE_SEMANTIC_ID": sem, "CREATED_TIME": at.isoformat()})
        mirror.add_stage_history(session, portal_id, items)


def _routed(session, portal_id: int, rng: random.Random, world: World) -> None:
    for i in range(120):
        status = rng.choice(("answered", "answered", "missed", "routed", "ringing"))
        step = rng.choice((1, 2, 3, 4)) if status == "answered" else None
        row = {"routing_id": f"r{i}", "caller": rng.choice(PHONES), "created_at": moment(rng),
               "status": status, "answered_step": step,
               "answered_by": rng.choice([*MANAGERS, HEAD]) if step else None,
               "responsible_id": rng.choice([*MANAGERS, None])}
        session.add(RoutingCall(portal_id=portal_id, **row))
        world.routed.append(row)


def _rejections_and_leads(session, portal_id: int, rng: random.Random,
                          world: World) -> None:
    states = ("collecting", "open", "confirmed", "false_rejection", "reengaged")
    for i in range(150):
        row = {"entity_type": rng.choice(("deal", "lead")), "b24_entity_id": i + 1,
               "stage_id": rng.choice(("LOSE", "C2:LOSE", "JUNK", "1")),
               "manager_id": rng.choice([*MANAGERS, HEAD, None]), "rejected_at": moment(rng),
               "state": rng.choice(states), "score": rng.choice((0, 30, 50, 80))}
        session.add(Rejection(portal_id=portal_id, dedupe_key=f"k{i}", **row))
        world.rejections.append(row)
    for lead_id in range(1, 61):
        row = {"lead_id": lead_id, "manager": rng.choice([*MANAGERS, HEAD]),
               "semantic": rng.choice("PPPSF"), "deleted": rng.random() < 0.1,
               "due_at": NOW + timedelta(hours=rng.randint(-72, 72))
               if rng.random() < 0.85 else None}
        if lead_id <= 2:  # the boundary: due this very second is overdue, a second later not
            row.update(manager=MANAGERS[0], semantic="P", deleted=False,
                       due_at=NOW + timedelta(seconds=lead_id - 1))
        lead = mirror.upsert_lead(session, portal_id, {
            "ID": str(lead_id), "TITLE": f"L{lead_id}", "STATUS_ID": "NEW",
            "STATUS_SEMANTIC_ID": row["semantic"], "ASSIGNED_BY_ID": str(row["manager"])})
        lead.deleted = row["deleted"]
        session.add(LeadTrack(portal_id=portal_id, b24_lead_id=lead_id, due_at=row["due_at"],
                              updated_at=NOW))
        world.leads.append(row)


def in_period(at: datetime, period: Period) -> bool:
    return period.since <= at < period.until
