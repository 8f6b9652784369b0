"""The company's 30 days before the demo's day, written into the emulated portal for the first sync.

Why not replay each day through HTTP: one played day costs about 90 s of events and round trips,
thirty would take most of an hour. The portal keeps the same records either way (cards with
their stage history, leads, calls with their CRM activities, loss comments), written by the
code of the REST methods under a backdated, silent context as sandbox.seed_crm writes the seed;
the app then reads them through its own first sync (jobs.sync), so its database holds what it
stores for any portal installed with a past.

The days differ, so that the week and month views and the trends have a shape: weekends are
quiet (one duty manager, a fraction of the calls and forms), one whole week is bad (a manager off
sick, a third of the calls missed and fewer called back, claims slow, fewer wins), and the volume
grows a little towards today. `draw_days` is pure and `play_history` runs its actions in time
order from random.Random(seed): the same seed on the same seeded portal gives the same history.
"""

from __future__ import annotations

import heapq
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sandbox import crm_common as cc
from sandbox import crm_entity as ce
from sandbox import seed_names as names
from sandbox.methods import voximplant as vox
from sandbox.methods.crm_contact import CONTACT
from sandbox.methods.crm_deal import DEAL
from sandbox.methods.crm_lead import LEAD
from sandbox.methods.crm_timeline import add_comment
from sandbox.seed_crm import OPEN_PATH, at

DAYS = 30
LINE = "reg150908"  # the rented line of the seeded portal (sandbox.seed.seed_directories)
LEAD_FINALS = ("PROCESSED", "CONVERTED", "JUNK", "UC_BADPHONE")


@dataclass(frozen=True)
class DayProfile:
    """How one past day went: its load against an ordinary weekday and who was at work."""

    day: date
    load: float
    on_duty: tuple[int, ...]
    miss_rate: float
    callback_rate: float
    win_rate: float
    bad: bool = False

    @property
    def weekend(self) -> bool:
        return self.day.weekday() >= 5

    @property
    def hours(self) -> tuple[time, time]:
        return (time(10), time(16)) if self.weekend else (time(9), time(19))


def draw_days(today: date, managers: list[int], seed: int, days: int = DAYS) -> list[DayProfile]:
    """The `days` calendar days before `today`, oldest first; one full Mon–Fri week is bad."""
    rnd = random.Random(seed * 7919 + 30)
    first = today - timedelta(days=days)
    mondays = [first + timedelta(days=n) for n in range(days)
               if (first + timedelta(days=n)).weekday() == 0
               and first + timedelta(days=n + 4) < today - timedelta(days=today.weekday())]
    bad_monday = rnd.choice(mondays) if mondays else None
    sick = rnd.choice(managers)
    out = []
    for n in range(days):
        day = first + timedelta(days=n)
        bad = bad_monday is not None and bad_monday <= day < bad_monday + timedelta(days=5)
        growth = 0.85 + 0.2 * n / max(days - 1, 1)
        if day.weekday() >= 5:  # one duty manager in turn; Sunday quieter than Saturday
            duty = (managers[(n // 7) % len(managers)],)
            load = (0.3 if day.weekday() == 5 else 0.15) * growth
            out.append(DayProfile(day, round(load, 3), duty, 0.2, 0.6, 0.2))
            continue
        present = tuple(m for m in managers if not (bad and m == sick))
        load = growth * (0.85 + 0.3 * rnd.random())
        out.append(DayProfile(
            day, round(load, 3), present,
            miss_rate=round(0.33 + 0.1 * rnd.random() if bad else 0.08 + 0.1 * rnd.random(), 3),
            callback_rate=0.4 if bad else 0.85, win_rate=0.25 if bad else 0.5, bad=bad))
    return out


@dataclass
class HistoryLog:
    """What the history did per day, counted independently of the portal and the app."""

    days: list[DayProfile]
    per_day: dict[date, Counter] = field(default_factory=dict)

    def bump(self, day: date, key: str, n: int = 1) -> None:
        self.per_day.setdefault(day, Counter())[key] += n

    def total(self, key: str) -> int:
        return sum(c[key] for c in self.per_day.values())


def describe(log: HistoryLog) -> str:
    """One line for the demo's output: the span, the volumes and the bad week."""
    from demo.report import count

    days, total = log.days, log.total
    bad = [d.day for d in days if d.bad]
    week = f"плохая неделя {bad[0]:%d.%m}–{bad[-1]:%d.%m}" if bad else "без плохой недели"
    calls = count(total("calls_in") + total("calls_out") + total("called_back"),
                  "звонок", "звонка", "звонков")
    return (f"    история / history, {count(len(days), 'день', 'дня', 'дней')} "
            f"{days[0].day:%d.%m}–{days[-1].day:%d.%m}: {calls} (входящих {total('calls_in')}, "
            f"пропущено {total('missed')}), {count(total('leads'), 'лид', 'лида', 'лидов')}, "
            f"{count(total('deals'), 'сделка', 'сделки', 'сделок')}, выиграно {total('wins')}, "
            f"проиграно {total('losses')}; выходные тише, {week}")


def play_history(portal: Any, days: list[DayProfile], *, seed: int,
                 until: datetime) -> HistoryLog:
    """Every action of the days, in time order; a follow-up at or after `until` never happens."""
    history = _History(portal, random.Random(seed), until, HistoryLog(days))
    with portal.lock:
        for profile in days:
            history.plan_day(profile)
        history.run()
    return history.log


Action = Callable[[], None]


class _History:
    def __init__(self, portal: Any, rnd: random.Random, until: datetime, log: HistoryLog) -> None:
        self.portal, self.rnd, self.until, self.log = portal, rnd, until, log
        self.queue: list[tuple[datetime, int, Action]] = []
        self.seq = 0
        self._now = until
        self.exchange = portal.meta["exchange"]
        self.used = {cc.phone_key(e["VALUE"])[1:] for name in ("contact", "company", "lead")
                     for row in portal.table(f"crm.{name}") for e in row.get("PHONE") or ()}
        self.clients = [(int(c["ID"]), cc.phone_key(c["PHONE"][0]["VALUE"])[1:])
                        for c in portal.table("crm.contact") if c.get("PHONE")]

    def later(self, moment: datetime, action: Action) -> None:
        if moment < self.until:
            self.seq += 1
            heapq.heappush(self.queue, (moment.replace(microsecond=0), self.seq, action))

    def run(self) -> None:
        """`_now` is the moment of the action that runs (what the people did it at)."""
        while self.queue:
            self._now, _, action = heapq.heappop(self.queue)
            action()

    def moment(self, p: DayProfile) -> datetime:
        opening, closing = p.hours
        tz = self.until.tzinfo
        start = datetime.combine(p.day, opening, tzinfo=tz)
        span = (closing.hour - opening.hour) * 3600
        return start + timedelta(seconds=self.rnd.randrange(span))

    def working(self, moment: datetime) -> datetime:
        """Work done after hours or on a weekend waits for the next working morning."""
        if moment.weekday() < 5 and time(9) <= moment.time() < time(19):
            return moment
        day = moment.date() + timedelta(days=0 if moment.time() < time(9) else 1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return datetime.combine(day, time(9), tzinfo=moment.tzinfo) + timedelta(
            minutes=self.rnd.randrange(90))

    def count(self, n: float) -> int:
        """A whole number of things around n (2.4 is 2 or 3, 0.3 is sometimes 1)."""
        whole = int(n)
        return whole + int(self.rnd.random() < n - whole)

    def plan_day(self, p: DayProfile) -> None:
        """Draw the day's forms and calls now; each runs (and plans its follow-ups) in turn."""
        rnd = self.rnd
        for _ in range(self.count((6 + rnd.randrange(5)) * p.load)):
            self.later(self.moment(p), self._lead(p))
        for _ in range(self.count((3 + rnd.randrange(4)) * p.load)):
            self.later(self.moment(p), self._deal(p))
        # a duty manager on a weekend takes that day's calls alone
        scale = p.load if not p.weekend else p.load * len(self.portal.meta["managers"])
        for manager in p.on_duty:
            for _ in range(self.count((2 + rnd.randrange(4)) * scale)):
                self.later(self.moment(p), self._incoming(p, manager))
            for _ in range(self.count((2 + rnd.randrange(4)) * scale)):
                self.later(self.moment(p), self._outgoing(p, manager))
        self.log.per_day.setdefault(p.day, Counter())  # a day with nothing still counts

    # -- leads and deals ----------------------------------------------------------------------

    def _lead(self, p: DayProfile) -> Action:
        rnd = self.rnd
        first, last, _ = names.person(rnd)
        digits = names.mobile_digits(rnd, self.used)
        fields = {"TITLE": f"Заявка с сайта: {first} {last}", "NAME": first, "LAST_NAME": last,
                  "SOURCE_ID": rnd.choice(("WEBFORM", "WEB", "ADVERTISING", "CALL")),
                  "ASSIGNED_BY_ID": self.exchange, "OPPORTUNITY": rnd.randrange(20, 900) * 1000,
                  "PHONE": [{"VALUE": names.formatted(digits, rnd.randrange(5)),
                             "VALUE_TYPE": "MOBILE"}]}
        claimer = rnd.choice(p.on_duty) if rnd.random() < 0.75 else None
        delay = timedelta(minutes=(20 + rnd.randrange(160)) if p.bad else 3 + rnd.randrange(40))
        final = rnd.choice(LEAD_FINALS) if rnd.random() < 0.7 else None
        worked = timedelta(hours=2 + rnd.randrange(40))

        def create() -> None:
            created = self._now
            lead_id = self._add(LEAD, created, fields)
            self.log.bump(p.day, "leads")
            if claimer is None:
                return
            claimed = created + delay
            self.later(claimed, lambda: self._update(LEAD, lead_id, claimer, claimed, {
                "ASSIGNED_BY_ID": claimer, "STATUS_ID": "IN_PROCESS"}))
            if final is not None:
                done = self.working(claimed + worked)
                self.later(done, lambda: self._update(LEAD, lead_id, claimer, done,
                                                      {"STATUS_ID": final}))
        return create

    def _deal(self, p: DayProfile) -> Action:
        rnd = self.rnd
        known = bool(self.clients) and rnd.random() < 0.4
        first, last, _ = names.person(rnd)
        client = rnd.choice(self.clients) if known else None
        digits = names.mobile_digits(rnd, self.used)
        product = rnd.choice(names.PRODUCTS)
        amount = rnd.randrange(30, 1500) * 1000
        claimer = rnd.choice(p.on_duty) if rnd.random() < 0.9 else None
        delay = timedelta(minutes=(30 + rnd.randrange(200)) if p.bad else 2 + rnd.randrange(58))
        roll = rnd.random()
        outcome = "WON" if roll < p.win_rate * 0.6 else "LOSE" if roll < 0.6 else None
        depth = 1 + rnd.randrange(len(OPEN_PATH) - 1)
        steps = [timedelta(hours=1 + rnd.randrange(30), minutes=rnd.randrange(60))
                 for _ in range(len(OPEN_PATH))]
        reason = rnd.choice(names.LOSS_REASONS)

        def create() -> None:
            created = self._now
            if client is None:
                contact_id = self._add(CONTACT, created, {
                    "NAME": first, "LAST_NAME": last, "SOURCE_ID": "WEBFORM",
                    "ASSIGNED_BY_ID": self.exchange,
                    "PHONE": [{"VALUE": names.formatted(digits, 0), "VALUE_TYPE": "MOBILE"}]})
                self.clients.append((contact_id, digits))
                buyer = last
            else:
                contact_id = client[0]
                contact = self.portal.table("crm.contact").get(contact_id) or {}
                buyer = contact.get("LAST_NAME") or contact.get("NAME") or last
            deal_id = self._add(DEAL, created, {
                "TITLE": f"{product} — {buyer}", "CONTACT_ID": contact_id,
                "SOURCE_ID": "WEBFORM", "CATEGORY_ID": 0, "OPPORTUNITY": amount,
                "ASSIGNED_BY_ID": self.exchange, "TYPE_ID": "SALE"})
            self.log.bump(p.day, "deals")
            if claimer is None:
                return
            claimed = created + delay
            self.later(claimed, lambda: self._update(DEAL, deal_id, claimer, claimed,
                                                     {"ASSIGNED_BY_ID": claimer}))
            moment = claimed
            path = list(OPEN_PATH[1:1 + depth]) + ([outcome] if outcome else [])
            for stage, step in zip(path, steps, strict=False):
                moment = self.working(moment + step)
                self.later(moment, self._move(deal_id, claimer, moment, stage, reason))
        return create

    def _move(self, deal_id: int, user: int, moment: datetime, stage: str,
              reason: str) -> Action:
        def move() -> None:
            if stage == "LOSE":
                self._update(DEAL, deal_id, user, moment, {"STAGE_ID": stage, "COMMENTS": reason})
                add_comment(at(self.portal, user, moment), "deal", deal_id, reason)
            else:
                self._update(DEAL, deal_id, user, moment, {"STAGE_ID": stage})
            if stage in ("WON", "LOSE"):
                self.log.bump(moment.date(), "wins" if stage == "WON" else "losses")
        return move

    def _add(self, entity: Any, moment: datetime, fields: dict) -> int:
        """Forms and the exchange create cards as automation (user 0), as sandbox.people does."""
        return ce.add(at(self.portal, 0, moment), entity, fields)

    def _update(self, entity: Any, entity_id: int, user: int, moment: datetime,
                fields: dict) -> None:
        ce.update(at(self.portal, user, moment), entity, entity_id, fields)

    # -- calls --------------------------------------------------------------------------------

    def _incoming(self, p: DayProfile, manager: int) -> Action:
        rnd = self.rnd
        phone = self._caller(rnd.random() < 0.3)
        answered = rnd.random() >= p.miss_rate
        talk = 20 + rnd.randrange(400) if answered else 0
        back = None
        if not answered and rnd.random() < p.callback_rate:
            fast = rnd.random() < (0.3 if p.bad else 0.7)
            back = timedelta(minutes=3 + rnd.randrange(12) if fast else 20 + rnd.randrange(200))
        back_talk = 30 + rnd.randrange(300)
        recorded = rnd.random() < 0.3

        def ring() -> None:
            moment = self._now
            self._call(manager, phone, moment, incoming=True, seconds=talk, recorded=recorded)
            self.log.bump(p.day, "calls_in")
            if not answered:
                self.log.bump(p.day, "missed")
            if back is not None:
                self.later(moment + back, lambda: self._call_back(p, manager, phone, back_talk))
        return ring

    def _call_back(self, p: DayProfile, manager: int, phone: str, seconds: int) -> None:
        self._call(manager, phone, self._now, incoming=False, seconds=seconds, recorded=False)
        self.log.bump(p.day, "called_back")

    def _outgoing(self, p: DayProfile, manager: int) -> Action:
        rnd = self.rnd
        phone = self._caller(False)
        seconds = 10 + rnd.randrange(590) if rnd.random() < 0.8 else 0
        recorded = rnd.random() < 0.3

        def dial() -> None:
            self._call(manager, phone, self._now, incoming=False, seconds=seconds,
                       recorded=recorded)
            self.log.bump(p.day, "calls_out")
        return dial

    def _caller(self, stranger: bool) -> str:
        if stranger or not self.clients:
            return f"+7{names.mobile_digits(self.rnd, self.used)}"
        return f"+7{self.rnd.choice(self.clients)[1]}"

    def _call(self, manager: int, phone: str, moment: datetime, *, incoming: bool,
              seconds: int, recorded: bool) -> None:
        """One built-in call as sandbox.seed_crm.seed_calls writes it (statistics + activity)."""
        match = vox.match_crm(self.portal, phone)
        vox.record_call(at(self.portal, manager, moment), vox.CallFacts(
            vox.new_call_id(self.portal, phone, moment, external=False), 2 if incoming else 1,
            manager, phone, moment, seconds, "200" if seconds else "304",
            None if incoming or seconds else "Call canceled", LINE,
            crm_type=match[0] if match else None, crm_id=match[1] if match else None,
            recorded=recorded))
