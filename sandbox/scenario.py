"""One working day of a sales department, played against the running app by acting as people.

`play_day` never calls the app: web forms, managers and phones act through the portal
(sandbox.people), the portal fires the events, the app reacts on its own. The plan is drawn
from random.Random(seed) and from the state before the first action, so the same seed on the
same seeded portal plays the same day; the DayLog is an independent tally of what happened, to
compare with what the app computed. Times run 09:00-19:00; an action planned for a moment
already passed (an earlier call ran long) runs at the current time.
"""

from __future__ import annotations

import heapq
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sandbox import people
from sandbox import seed_names as names
from sandbox.crm_common import find_by_phone
from sandbox.scenario_plan import Plan, draw_plan

Action = Callable[[], "list[tuple[datetime, Callable[[], Any]]] | None"]
SHORT_CALL_REASON = "не берет трубку"


@dataclass
class DayLog:
    """What the simulated people did, counted independently of the app."""

    day: date
    counts: Counter = field(default_factory=Counter)
    per_manager: dict[int, Counter] = field(default_factory=dict)
    calls: list[people.CallLog] = field(default_factory=list)
    created_leads: list[int] = field(default_factory=list)
    created_deals: list[int] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def bump(self, key: str, user_id: int | None = None, n: int = 1) -> None:
        self.counts[key] += n
        if user_id is not None:
            self.per_manager.setdefault(user_id, Counter())[key] += n

    def note(self, moment: datetime, text: str) -> None:
        self.lines.append(f"{moment:%H:%M:%S} {text}")

    def __getattr__(self, key: str) -> int:
        """log.missed, log.claims ... read the counters (0 when nothing happened)."""
        if key.startswith("_"):
            raise AttributeError(key)
        return self.counts[key]


def default_day(portal: Any) -> date:
    """Today if the working day has not started yet, else the next working day."""
    now = portal.clock.now()
    day = now.date() if now.time() < time(9) else now.date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def play_day(portal: Any, *, seed: int, day: date | None = None,
             step: Callable[[], Any] | None = None) -> DayLog:
    """Play the day; `step()` runs after every action (the demo drains the app's inbox there)."""
    day = day or default_day(portal)
    tz = portal.clock.now().tzinfo
    opening = datetime.combine(day, time(9), tzinfo=tz)
    if portal.clock.now() > opening:
        raise ValueError(f"the clock is already past {opening:%Y-%m-%d %H:%M}")
    log = DayLog(day)
    plan = draw_plan(portal, random.Random(seed), opening)
    _run(portal, plan, log, step, opening + timedelta(hours=10))
    return log


def _run(portal: Any, plan: Plan, log: DayLog, step: Callable[[], Any] | None,
         closing: datetime) -> None:
    queue: list[tuple[datetime, int, Action]] = []
    seq = 0
    actor = Actors(portal, plan, log)
    for moment, kind, args in plan.items:
        heapq.heappush(queue, (moment, seq, actor.bind(kind, args)))
        seq += 1
    while queue:
        moment, _, action = heapq.heappop(queue)
        if moment > closing:
            continue
        if moment > portal.clock.now():
            portal.clock.set(moment)
        for later, follow in action() or ():
            seq += 1
            heapq.heappush(queue, (later, seq, follow))
        if step is not None:
            step()
    if portal.clock.now() < closing:
        portal.clock.set(closing)


class Actors:
    """The people of the day; each method does one thing and may schedule a follow-up."""

    def __init__(self, portal: Any, plan: Plan, log: DayLog) -> None:
        self.portal, self.plan, self.log = portal, plan, log
        self.rnd = random.Random(plan.seed_for_followups)

    def bind(self, kind: str, args: tuple) -> Action:
        return lambda: getattr(self, kind)(*args)

    def now(self) -> datetime:
        return self.portal.clock.now()

    def form_lead(self, name: str, phone: str, known: bool, claimer: int | None) -> list:
        lead_id = people.web_form_lead(self.portal, name=name, phone=phone,
                                       assigned_by=self.plan.exchange)
        self.log.created_leads.append(lead_id)
        self.log.bump("leads")
        self.log.bump("leads_from_known_phones", n=int(known))
        self.log.note(self.now(), f"web form lead {lead_id} from {phone}")
        if claimer is None:
            return []
        later = self.now() + timedelta(minutes=3 + self.rnd.randrange(40))
        return [(later, lambda: self.claim_lead(claimer, lead_id))]

    def claim_lead(self, user_id: int, lead_id: int) -> None:
        people.claim_lead(self.portal, user_id, lead_id)
        self.log.bump("lead_claims", user_id)
        self.log.note(self.now(), f"manager {user_id} took lead {lead_id}")

    def form_deal(self, name: str, phone: str, known: bool, claimer: int | None) -> list:
        deal_id, _, existed = people.web_form_deal(
            self.portal, name=name, phone=phone, assigned_by=self.plan.exchange,
            title=f"{self.rnd.choice(names.PRODUCTS)} — {name}",
            opportunity=self.rnd.randrange(30, 900) * 1000)
        self.log.created_deals.append(deal_id)
        self.log.bump("deals_created")
        self.log.bump("deals_from_known_phones", n=int(existed))
        self.log.note(self.now(), f"web form deal {deal_id} from {phone}")
        if claimer is None:
            return []
        later = self.now() + timedelta(minutes=2 + self.rnd.randrange(58))
        return [(later, lambda: self.claim(claimer, deal_id))]

    def claim(self, user_id: int, deal_id: int) -> list:
        people.claim_deal(self.portal, user_id, deal_id)
        self.log.bump("claims", user_id)
        self.log.note(self.now(), f"manager {user_id} claimed deal {deal_id}")
        if self.rnd.random() < 0.5:
            later = self.now() + timedelta(minutes=20 + self.rnd.randrange(120))
            return [(later, lambda: self.move(user_id, deal_id, "PREPARATION"))]
        return []

    def move(self, user_id: int, deal_id: int, stage: str) -> None:
        if not self._open(deal_id):
            return
        people.move_stage(self.portal, user_id, deal_id, stage)
        self.log.bump("moves", user_id)
        self.log.note(self.now(), f"manager {user_id} moved deal {deal_id} to {stage}")

    def close(self, user_id: int, deal_id: int, won: bool, reason: str) -> None:
        if not self._open(deal_id):
            return
        if won:
            people.win_deal(self.portal, user_id, deal_id)
        else:
            people.lose_deal(self.portal, user_id, deal_id, reason)
        self.log.bump("wins" if won else "losses", user_id)
        self.log.note(self.now(), f"manager {user_id} {'won' if won else 'lost'} deal {deal_id}")

    def _open(self, deal_id: int) -> bool:
        deal = self.portal.table("crm.deal").get(deal_id)
        return deal is not None and deal.get("STAGE_SEMANTIC_ID") == "P"

    def incoming(self, user_id: int, phone: str, answered: bool, duration: int,
                 callback: tuple[int, int] | None) -> list:
        """callback: (minutes after the missed call, talk seconds) or None = never."""
        known = bool(find_by_phone(self.portal, phone, ("CONTACT", "COMPANY", "LEAD")))
        entry = people.call(self.portal, user_id=user_id, phone=phone, incoming=True,
                            duration=duration, answered=answered)
        self._count_call(entry, "in")
        self.log.bump("new_numbers", n=int(not known))
        if entry.created_lead:
            self.log.created_leads.append(entry.created_lead)
            self.log.bump("call_leads")
        if not answered and callback is not None:
            minutes, talk = callback
            later = entry.start + timedelta(minutes=minutes)
            return [(later, lambda: self.call_back(user_id, phone, talk, minutes))]
        if not answered:
            self.log.bump("never_called_back", user_id)
        return []

    def call_back(self, user_id: int, phone: str, talk: int, minutes: int) -> None:
        entry = people.call_back(self.portal, user_id=user_id, phone=phone, duration=talk,
                                 answered=talk > 0)
        self._count_call(entry, "out")
        self.log.bump("callbacks_fast" if minutes <= 15 else "callbacks_late", user_id)

    def outgoing(self, user_id: int, phone: str, duration: int, answered: bool) -> None:
        entry = people.call(self.portal, user_id=user_id, phone=phone, incoming=False,
                            duration=duration, answered=answered)
        self._count_call(entry, "out")

    def short_call_loss(self, user_id: int, deal_id: int, phone: str) -> list:
        """A 3-second call, then the deal lost as "не берет трубку" a minute later."""
        if not self._open(deal_id):
            return []
        entry = people.call(self.portal, user_id=user_id, phone=phone, incoming=False,
                            duration=3, answered=True)
        self._count_call(entry, "out")
        later = self.now() + timedelta(seconds=40 + self.rnd.randrange(60))
        return [(later, lambda: self._short_loss(user_id, deal_id))]

    def _short_loss(self, user_id: int, deal_id: int) -> None:
        before = self.log.counts["losses"]
        self.close(user_id, deal_id, False, SHORT_CALL_REASON)
        self.log.bump("short_call_losses", n=self.log.counts["losses"] - before)

    def _count_call(self, entry: people.CallLog, direction: str) -> None:
        self.log.calls.append(entry)
        answered = entry.failed_code == "200"
        self.log.bump(f"calls_{direction}", entry.user_id)
        self.log.bump(f"{direction}_{'answered' if answered else 'unanswered'}", entry.user_id)
        if direction == "in" and not answered:
            self.log.bump("missed", entry.user_id)
        self.log.note(entry.start, f"call {direction} {entry.phone} by {entry.user_id}: "
                                   f"{entry.failed_code} {entry.duration}s")
