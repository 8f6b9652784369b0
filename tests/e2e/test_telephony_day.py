"""A scenario day's calls against the running app: the deals, to-dos, comments and KPIs it makes
match an independent count taken from the portal itself (its statistics table and CRM), never
from our code.

The oracle watches the portal after every action of the day (the `step`), so it sees each
call with the CRM as it was at that moment, and applies the rules as the issue states them.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest

from handlers.telephony import kpis
from handlers.telephony.config import TelephonyConfig
from sandbox.crm_common import phone_key
from sandbox.scenario import play_day
from store import portals
from tests.e2e.telephony_kit import no_client_limit, our_deals, prepare, run_work, settle

WINDOW = timedelta(minutes=15)


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


class Oracle:
    """The telephony rules applied by hand to what the portal shows at each moment."""

    def __init__(self, portal) -> None:
        self.portal, self.exchange = portal, portal.meta["exchange"]
        self.seen = max((int(r["ID"]) for r in portal.table("voximplant.statistic")), default=0)
        self.deal_keys: list[str] = []       # numbers that get a new deal, in order
        self.todo_deals: set[int] = set()
        self.comments = 0
        self.unknown = 0
        self.takers: dict[str, int] = {}     # number -> who its new deal is for (issue 16.5)
        self.todo_ours: set[str] = set()     # numbers whose deal (his) gets a call-back to-do

    def observe(self) -> None:
        rows = [r for r in self.portal.table("voximplant.statistic") if int(r["ID"]) > self.seen]
        for row in sorted(rows, key=lambda r: int(r["ID"])):
            self.seen = int(row["ID"])
            if int(row["CALL_TYPE"]) in (2, 3):
                self._incoming(phone_key(row["PHONE_NUMBER"]), _at(row["CALL_START_DATE"]),
                               row["CALL_FAILED_CODE"] != "200", int(row["PORTAL_USER_ID"]))

    def _cards(self, key: str, before: datetime | None = None) -> dict[str, set[int]]:
        out: dict[str, set[int]] = {}
        for kind in ("contact", "company", "lead"):
            out[kind] = {int(r["ID"]) for r in self.portal.table(f"crm.{kind}")
                         if any(phone_key(e.get("VALUE")) == key for e in r.get("PHONE") or ())
                         and (before is None or _at(r["DATE_CREATE"]) < before)}
        return out

    def _incoming(self, key: str, start: datetime, missed: bool, user: int) -> None:
        if key in self.deal_keys:  # our deal from an earlier call is open: its timeline
            self.comments += 1
            if missed and self.takers[key] != self.exchange:
                self.todo_ours.add(key)
            return
        if not any(self._cards(key, start - timedelta(seconds=5)).values()):
            self.unknown += 1
            self.deal_keys.append(key)
            answerer = not missed and user in self.portal.meta["managers"]
            self.takers[key] = user if answerer else self.exchange
            self.comments += 1
            return
        if not missed:
            return
        cards = self._cards(key)
        deals = [d for d in self.portal.table("crm.deal") if d["STAGE_SEMANTIC_ID"] == "P" and (
            int(d.get("CONTACT_ID") or 0) in cards["contact"]
            or int(d.get("COMPANY_ID") or 0) in cards["company"]
            or int(d.get("LEAD_ID") or 0) in cards["lead"])]
        held = [d for d in deals if int(d["ASSIGNED_BY_ID"] or 0) not in (0, self.exchange)]
        if held:
            best = max(held, key=lambda d: (_at(d["DATE_MODIFY"]), int(d["ID"])))
            self.todo_deals.add(int(best["ID"]))
        elif deals:
            self.comments += 1
        else:
            self.deal_keys.append(key)
            self.takers[key] = self.exchange
            self.comments += 1


def expected_kpis(rows: list[dict]) -> dict[str, int]:
    """Counted straight from the statistics rows of the day (pure Python over the portal)."""
    answered = [r for r in rows if r["CALL_FAILED_CODE"] == "200"]
    incoming = [r for r in rows if int(r["CALL_TYPE"]) in (2, 3)]
    out = [r for r in rows if int(r["CALL_TYPE"]) == 1]
    lost = late = 0
    for r in incoming:
        if r["CALL_FAILED_CODE"] == "200":
            continue
        start, key = _at(r["CALL_START_DATE"]), phone_key(r["PHONE_NUMBER"])
        backs = sorted(_at(a["CALL_START_DATE"]) for a in answered
                       if phone_key(a["PHONE_NUMBER"]) == key and _at(a["CALL_START_DATE"]) > start)
        if not backs or backs[0] - start > WINDOW:
            lost += 1
            late += bool(backs)
    return {"incoming": len(incoming), "answered": sum(r in answered for r in incoming),
            "lost": lost, "recovered_late": late, "outgoing": len(out),
            "outgoing_answered": sum(r in answered for r in out),
            "long_outgoing": sum(r in answered and int(r["CALL_DURATION"]) >= 180 for r in out),
            "talk_seconds": sum(int(r["CALL_DURATION"]) for r in answered)}


@pytest.fixture(params=[8, 18])  # days with every branch: new numbers, known clients with and
def day(request, installed, live_app, monkeypatch):  # without open deals, to-dos, repeat calls
    no_client_limit(monkeypatch)
    pid = prepare(installed, live_app)
    oracle = Oracle(installed)

    def step() -> None:
        live_app.drain(installed)
        oracle.observe()
        run_work(live_app, installed)  # the scheduler's telephony_work tick

    log = play_day(installed, seed=request.param, step=step)
    settle(live_app, installed)
    return installed, pid, oracle, log


def test_scenario_day_deals_todos_and_kpis(day, live_app) -> None:
    portal, pid, oracle, log = day
    assert oracle.unknown == log.new_numbers > 0 and log.missed > 0
    assert len(oracle.deal_keys) > oracle.unknown and oracle.todo_deals  # every branch ran
    assert oracle.comments > len(oracle.deal_keys)

    deals = our_deals(portal)
    keys = [phone_key(portal.table("crm.contact").get(int(d["CONTACT_ID"]))["PHONE"][0]["VALUE"])
            if d.get("CONTACT_ID") else None for d in deals]
    assert sorted(keys) == sorted(oracle.deal_keys)  # the expected numbers, none twice
    assert len(set(keys)) == len(keys)
    assert {k: int(d["ASSIGNED_BY_ID"]) for k, d in zip(keys, deals, strict=True)} == \
        oracle.takers  # answered new numbers: the answering manager's (issue 16 item 5)
    made = {e.created_lead for e in log.calls if e.created_lead}  # the portal's call leads
    assert made and made == {int(d["LEAD_ID"]) for d in deals if d.get("LEAD_ID")}
    assert all(portal.table("crm.lead").get(lead)["STATUS_SEMANTIC_ID"] == "S" for lead in made)

    todos = [a for a in portal.table("crm.activity") if a.get("PROVIDER_ID") == "CRM_TODO"
             and str(a.get("SUBJECT", "")).startswith("Перезвонить")]
    todo_deals = oracle.todo_deals | {int(d["ID"]) for k, d in zip(keys, deals, strict=True)
                                      if k in oracle.todo_ours}
    assert {int(a["OWNER_ID"]) for a in todos} == todo_deals
    assert len(todos) == len(todo_deals)  # one open to-do per deal
    ours = [c for c in portal.table("crm.timeline.comment") if " с номера " in c["COMMENT"]]
    assert len(ours) == oracle.comments

    rows = [r for r in portal.table("voximplant.statistic")
            if _at(r["CALL_START_DATE"]).date() == log.day]
    want = expected_kpis(rows)
    assert (want["incoming"], want["incoming"] - want["answered"]) == (log.calls_in, log.missed)
    assert want["outgoing"] == log.calls_out
    cfg = TelephonyConfig()
    period = kpis.Period.days(log.day, log.day, cfg.tz)
    with live_app.sessions() as s:
        assert portals.find(s, portal.member_id).id == pid
        rules = kpis.Rules.of(cfg, period)
        got = kpis.summary(s, pid, period, rules)
        hours = kpis.by_hour(s, pid, period, rules, per_operator=True)
        operators = kpis.by_operator(s, pid, period, rules)
        lines = kpis.by_line(s, pid, period, rules)
        days = kpis.by_day(s, pid, period, rules)
        lost_list = kpis.lost_calls(s, pid, period, rules)
    assert {k: getattr(got, k) for k in want} == want
    assert got.lcr == pytest.approx(want["lost"] / want["incoming"])
    per_operator = Counter(int(r["PORTAL_USER_ID"]) for r in rows if int(r["CALL_TYPE"]) == 2)
    assert {o.key: o.incoming for o in operators if o.incoming} == dict(per_operator)
    assert all(o.active_days == 1 for o in operators)
    per_hour = Counter(_at(r["CALL_START_DATE"]).hour for r in rows if int(r["CALL_TYPE"]) == 2)
    by_hour: Counter = Counter()
    for h in hours:
        by_hour[h.key[0]] += h.incoming
    assert +by_hour == per_hour
    assert sum(line.incoming for line in lines) == want["incoming"]
    assert sum(line.deals for line in lines) == len(deals)
    assert [d.lost for d in days] == [want["lost"]]
    assert len(lost_list) == want["lost"]
