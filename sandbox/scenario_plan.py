"""The plan of a simulated working day, drawn once from the seed and the portal's state at 09:00.

Drawing everything up front (who calls whom, which cards move) keeps the day identical for the
same seed even when the app under test writes to the CRM while the day plays; follow-ups (a
claim after a form, a call-back after a missed call) are scheduled by sandbox.scenario.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sandbox import crm_common as cc
from sandbox import seed_names as names


@dataclass
class Plan:
    exchange: int
    seed_for_followups: int
    items: list[tuple[datetime, str, tuple]] = field(default_factory=list)

    def add(self, moment: datetime, kind: str, *args: Any) -> None:
        self.items.append((moment.replace(microsecond=0), kind, args))


def _at(rnd: random.Random, opening: datetime, first: int = 0, last: int = 570) -> datetime:
    return opening + timedelta(minutes=first + rnd.randrange(last - first),
                               seconds=rnd.randrange(60))


def _clients(portal: Any) -> list[tuple[int, str]]:
    return [(int(c["ID"]), c["PHONE"][0]["VALUE"]) for c in portal.table("crm.contact")
            if c.get("PHONE")]


def _open_deals(portal: Any, managers: list[int]) -> list[dict]:
    return [d for d in portal.table("crm.deal") if d.get("STAGE_SEMANTIC_ID") == "P"
            and int(d.get("ASSIGNED_BY_ID") or 0) in managers]


def _phone_of(portal: Any, deal: dict) -> str | None:
    contact = portal.table("crm.contact").get(int(deal.get("CONTACT_ID") or 0)) or {}
    phones = contact.get("PHONE") or ()
    return phones[0]["VALUE"] if phones else None


def _next_stage(portal: Any, deal: dict) -> str | None:
    category = int(deal.get("CATEGORY_ID") or 0)
    ids = [r["STATUS_ID"] for r in cc.statuses(portal, cc.stage_entity(category))
           if not r.get("SEMANTICS")]
    if deal["STAGE_ID"] not in ids or ids.index(deal["STAGE_ID"]) + 1 >= len(ids):
        return None
    return ids[ids.index(deal["STAGE_ID"]) + 1]


def draw_plan(portal: Any, rnd: random.Random, opening: datetime) -> Plan:
    """Forms, calls, claims, card moves, wins and losses of one day (times from 09:00)."""
    managers = list(portal.meta["managers"])
    plan = Plan(portal.meta["exchange"], rnd.randrange(1 << 30))
    used = {cc.phone_key(e["VALUE"])[1:] for name in ("contact", "company", "lead")
            for row in portal.table(f"crm.{name}") for e in row.get("PHONE") or ()}
    clients = _clients(portal)

    def new_phone() -> str:
        return names.formatted(names.mobile_digits(rnd, used), rnd.randrange(5))

    def client_phone() -> str:  # the same person, typed another way
        return names.formatted(cc.phone_key(rnd.choice(clients)[1])[1:], rnd.randrange(5))

    for kind, count, claim_rate in (("form_lead", 6 + rnd.randrange(5), 0.6),
                                    ("form_deal", 3 + rnd.randrange(4), 0.8)):
        for _ in range(count):
            known = bool(clients) and rnd.random() < 0.3
            first, last, _ = names.person(rnd)
            claimer = rnd.choice(managers) if rnd.random() < claim_rate else None
            plan.add(_at(rnd, opening, 0, 540), kind, f"{first} {last}",
                     client_phone() if known else new_phone(), known, claimer)
    _draw_calls(plan, rnd, opening, managers, clients, new_phone, client_phone)
    _draw_cards(portal, plan, rnd, opening, managers)
    return plan


def _draw_calls(plan: Plan, rnd: random.Random, opening: datetime, managers: list[int],
                clients: list, new_phone: Any, client_phone: Any) -> None:
    for _ in range(10 + rnd.randrange(6)):
        answered = rnd.random() < 0.7
        phone = new_phone() if not clients or rnd.random() < 0.3 else client_phone()
        callback = None
        roll = rnd.random()
        if not answered and roll < 0.45:
            callback = (3 + rnd.randrange(12), 0 if rnd.random() < 0.2 else 30 + rnd.randrange(270))
        elif not answered and roll < 0.75:
            callback = (20 + rnd.randrange(160), 30 + rnd.randrange(270))
        plan.add(_at(rnd, opening, 0, 560), "incoming", rnd.choice(managers), phone, answered,
                 20 + rnd.randrange(380) if answered else 0, callback)
    for manager in managers:
        for _ in range(3 + rnd.randrange(4)):
            if not clients:
                break
            answered = rnd.random() < 0.8
            plan.add(_at(rnd, opening, 0, 560), "outgoing", manager, client_phone(),
                     10 + rnd.randrange(590) if answered else 0, answered)


def _draw_cards(portal: Any, plan: Plan, rnd: random.Random, opening: datetime,
                managers: list[int]) -> None:
    deals = _open_deals(portal, managers)
    rnd.shuffle(deals)
    with_phone = [d for d in deals if _phone_of(portal, d)]
    if with_phone:
        deal = with_phone[0]
        deals.remove(deal)
        plan.add(_at(rnd, opening, 60, 480), "short_call_loss", int(deal["ASSIGNED_BY_ID"]),
                 int(deal["ID"]), _phone_of(portal, deal))
    moves = [d for d in deals if _next_stage(portal, d)][:6 + rnd.randrange(5)]
    for deal in moves:
        plan.add(_at(rnd, opening, 0, 560), "move", int(deal["ASSIGNED_BY_ID"]),
                 int(deal["ID"]), _next_stage(portal, deal))
    rest = [d for d in deals if d not in moves]
    wins, losses = 1 + rnd.randrange(3), 1 + rnd.randrange(3)
    for n, deal in enumerate(rest[:wins + losses]):
        won = n < wins
        reason = "" if won else rnd.choice(names.LOSS_REASONS)
        plan.add(_at(rnd, opening, 30, 560), "close", int(deal["ASSIGNED_BY_ID"]),
                 int(deal["ID"]), won, reason)
