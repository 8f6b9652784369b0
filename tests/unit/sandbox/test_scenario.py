"""play_day: a deterministic working day whose log agrees with what the portal recorded."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from crm_portal import Recorder, open_portal

from sandbox import people
from sandbox.clock import PORTAL_TZ
from sandbox.crm_common import phone_key
from sandbox.scenario import SHORT_CALL_REASON, default_day, play_day

TABLES = ("crm.deal", "crm.lead", "crm.contact", "crm.activity", "crm.stagehistory",
          "voximplant.statistic", "crm.timeline.comment")


@pytest.fixture(scope="module")
def played():
    with open_portal(seeded=True) as portal:
        events = Recorder(portal)
        steps = []
        log = play_day(portal, seed=11, step=lambda: steps.append(portal.clock.now()))
        # Read here: each test restarts the process clock at TEST_NOW, which moves this
        # module-wide portal's real-time-based clock back by the seconds the play took.
        portal.meta["played_until"] = portal.clock.now()
        yield portal, log, events, steps


def today_rows(portal, table, field):
    return [r for r in portal.table(table) if str(r.get(field) or "").startswith("2026-03-10")]


def test_day_runs_09_to_19_calling_step_after_each_action(played):
    portal, log, _, steps = played
    assert log.day == date(2026, 3, 10)
    assert steps and steps == sorted(steps)
    assert steps[0] >= datetime(2026, 3, 10, 9, 0, tzinfo=PORTAL_TZ)
    assert portal.meta["played_until"] >= datetime(2026, 3, 10, 19, 0, tzinfo=PORTAL_TZ)
    assert len(log.lines) == len(steps)


def test_log_counts_match_the_portal(played):
    portal, log, _, _ = played
    calls = today_rows(portal, "voximplant.statistic", "CALL_START_DATE")
    assert len(calls) == log.calls_in + log.calls_out
    missed = [r for r in calls if r["CALL_TYPE"] == "2" and r["CALL_FAILED_CODE"] == "304"]
    assert len(missed) == log.missed > 0
    leads = today_rows(portal, "crm.lead", "DATE_CREATE")
    assert len(leads) == log.leads + log.call_leads
    deals = today_rows(portal, "crm.deal", "DATE_CREATE")
    assert len(deals) == log.deals_created > 0
    assert log.claims > 0 and log.moves > 0 and log.wins > 0 and log.losses > 0
    won_today = [d for d in portal.table("crm.deal") if d["STAGE_SEMANTIC_ID"] == "S"
                 and d["MOVED_TIME"].startswith("2026-03-10")]
    assert len(won_today) == log.wins
    assert log.callbacks_fast + log.callbacks_late + log.never_called_back == log.missed


def test_short_call_then_loss(played):
    portal, log, _, _ = played
    assert log.short_call_losses == 1
    lost = [d for d in portal.table("crm.deal") if d["COMMENTS"] == SHORT_CALL_REASON
            and d["MOVED_TIME"].startswith("2026-03-10")]
    assert len(lost) == 1 and lost[0]["STAGE_ID"].endswith("LOSE")
    short = [c for c in log.calls if c.duration == 3 and c.call_type == 1]
    assert short and short[0].start.isoformat() < lost[0]["MOVED_TIME"]


def test_people_act_under_their_own_identity(played):
    portal, log, events, _ = played
    form = [e for e in events.of("ONCRMDEALADD")]
    assert form and all(e.user_id == 0 for e in form)  # web forms: automation, no tokens
    managers = set(portal.meta["managers"])
    claims = [e for e in events.of("ONCRMDEALUPDATE") if e.user_id in managers]
    assert claims
    for deal_id in log.created_deals:
        deal = portal.table("crm.deal").get(deal_id)
        assert int(deal["ASSIGNED_BY_ID"]) in managers | {portal.meta["exchange"]}


def test_same_seed_same_day():
    def run(seed):
        with open_portal(seeded=True) as portal:
            log = play_day(portal, seed=seed)
            data = json.dumps({t: list(portal.table(t)) for t in TABLES}, sort_keys=True,
                              default=str, ensure_ascii=False)
            return log.lines, dict(log.counts), data
    assert run(5) == run(5)
    assert run(5)[0] != run(6)[0]


def test_default_day_and_refusing_to_go_back():
    with open_portal(seeded=True, moment=datetime(2026, 3, 13, 12, 0, tzinfo=PORTAL_TZ)) as p:
        assert default_day(p) == date(2026, 3, 16)  # Friday noon -> Monday
        with pytest.raises(ValueError):
            play_day(p, seed=1, day=date(2026, 3, 13))


def test_web_form_deal_reuses_a_known_contact():
    with open_portal(seeded=True) as portal:
        digits = phone_key(portal.table("crm.contact").get(1)["PHONE"][0]["VALUE"])
        deal_id, contact_id, known = people.web_form_deal(
            portal, name="Повтор", phone=f"8 {digits[1:]}", assigned_by=portal.meta["exchange"])
        assert known and contact_id == 1
        assert portal.table("crm.deal").get(deal_id)["CONTACT_ID"] == "1"
