"""Every figure the report adds (telephony, people counters, escalations, rejections, audits,
overdue leads) against plain-Python counts over the generated rows, not the report's SQL."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from handlers.report import stages
from handlers.report.build import build
from handlers.report.people import COLUMNS
from handlers.report.period import Period
from tests.factories import make_portal
from tests.unit.report.world import EMPTY, MANAGERS, NOW, PERIOD, World, generate, in_period

SHIFT = timedelta(hours=3)  # the telephony settings' default zone (Moscow, no DST)
LONG, RINGS, WORKDAY = 180, 6, 8.0  # the telephony settings' defaults


def code(stage_id: str) -> str:
    return stage_id.split(":")[-1]


def people_oracle(world: World, period: Period,
                  mapping: dict[str, set[str]] | None = None) -> dict[int, Counter]:
    """The per-manager counters, counted one generated row at a time."""
    mapping = mapping or {"proposals": {"PREPARATION"},
                          "invoices": {"PREPAYMENT_INVOICE", "FINAL_INVOICE"},
                          "payments": {"WON"}}
    out = {m: Counter(dict.fromkeys(COLUMNS, 0)) for m in MANAGERS}
    first_won: dict[str, datetime] = {}
    for deal in world.deals.values():
        if deal["STAGE_SEMANTIC_ID"] == "S":
            for phone in world.clients[deal["client"]]:
                first_won[phone] = min(first_won.get(phone, deal["moved"]), deal["moved"])
    for i, call in enumerate(world.calls):
        m, at = call["user_id"], call["start_at"]
        if m not in out or not in_period(at, period):
            continue
        c, kind, ok = out[m], call["call_type"], call["answered"]
        c["calls_out"] += kind == 1
        c["calls_out_long"] += kind == 1 and ok and call["duration"] >= LONG
        c["calls_in_answered"] += kind in (2, 3) and ok
        c["talk_minutes"] += call["duration"]
        if kind in (1, 2, 3) and call["phone"]:
            earlier = any(o["phone"] == call["phone"] and (o["start_at"], j) < (at, i)
                          for j, o in enumerate(world.calls))
            c["repeat_calls" if earlier else "new_calls"] += 1
        won = first_won.get(call["phone"])
        c["feedback_calls"] += kind == 1 and ok and won is not None and won <= at
    for c in out.values():
        c["talk_minutes"] //= 60
    entered: dict[tuple[int, str], set[int]] = {}
    for deal_id, stage, at in world.history:
        m = int(world.deals[deal_id]["ASSIGNED_BY_ID"])
        if m not in out or not in_period(at, period):
            continue
        out[m]["won"] += code(stage) == "WON"
        out[m]["lost"] += code(stage) == "LOSE"
        for name, codes in mapping.items():
            if code(stage) in codes or stage in codes:
                entered.setdefault((m, name), set()).add(deal_id)
                break
    for (m, name), deals in entered.items():
        out[m][name] = len(deals)
    for r in world.rejections:
        if r["manager_id"] in out and in_period(r["rejected_at"], period):
            c, state = out[r["manager_id"]], r["state"]
            c["rejections"] += 1
            c["audit_open" if state in ("collecting", "open") else f"audit_{state}"] += 1
    for m, n in overdue_oracle(world).items():
        if m in out:
            out[m]["overdue_leads"] = n
    return out


def overdue_oracle(world: World) -> Counter:
    return Counter(lead["manager"] for lead in world.leads
                   if lead["semantic"] == "P" and not lead["deleted"]
                   and lead["due_at"] is not None and lead["due_at"] <= NOW)


def categories_oracle(world: World, period: Period) -> Counter:
    return Counter((r["manager_id"], r["entity_type"], r["stage_id"]) for r in world.rejections
                   if in_period(r["rejected_at"], period))


def test_people_counters_match_plain_counts(session) -> None:
    portal = make_portal(session)
    world = generate(session, portal.id)
    for period in (PERIOD, Period(PERIOD.start, PERIOD.start), EMPTY):
        report = build(session, portal.id, period, NOW)
        expected = people_oracle(world, period)
        assert [m.user_id for m in report.managers] == MANAGERS
        for row in report.managers:
            assert row.counters == dict(expected[row.user_id]), (period, row.user_id)
        want = Counter()
        for (m, _, stage), n in categories_oracle(world, period).items():
            if m in MANAGERS:
                want[(m, stage)] += n
        got = {(row.user_id, stage): n for row in report.managers
               for stage, n in row.rejections.items()}
        assert got == dict(want)
    assert any(sum(c.values()) for c in people_oracle(world, PERIOD).values())


def test_the_stage_setting_decides_what_counts(session) -> None:
    portal = make_portal(session)
    world = generate(session, portal.id, seed=11)
    mapping = {"proposals": ["PREPARATION", "C2:UC_OFFER"], "invoices": ["EXECUTING"],
               "payments": []}
    stages.save(session, portal.id, mapping, user_id=1, now=NOW)
    session.commit()
    report = build(session, portal.id, PERIOD, NOW)
    expected = people_oracle(world, PERIOD, {k: set(v) for k, v in mapping.items()})
    for row in report.managers:
        for name in ("proposals", "invoices", "payments"):
            assert row.counters[name] == expected[row.user_id][name], (row.user_id, name)
    assert sum(row.counters["proposals"] for row in report.managers) > 0
    assert stages.load(session, portal.id) == mapping


def telephony_oracle(world: World, period: Period) -> dict:
    ops: dict[int | None, Counter] = {}
    days: dict[int | None, set] = {}
    lines: dict[str | None, Counter] = {}
    hours: Counter = Counter()
    for call in world.calls:
        if not in_period(call["start_at"], period):
            continue
        kind, ok, secs = call["call_type"], call["answered"], call["answer_seconds"]
        local = call["start_at"] + SHIFT
        row = {"incoming": kind in (2, 3), "answered": kind in (2, 3) and ok,
               "answer_timed": kind in (2, 3) and ok and secs is not None,
               "answer_seconds": secs if kind in (2, 3) and ok and secs is not None else 0,
               "within_rings": kind in (2, 3) and ok and secs is not None and secs <= RINGS,
               "talked": ok, "talk_seconds": call["duration"] if ok else 0,
               "outgoing": kind == 1,
               "long_outgoing": kind == 1 and ok and call["duration"] >= LONG}
        for target in (ops.setdefault(call["user_id"], Counter()),
                       lines.setdefault(call["line"], Counter())):
            target.update({k: int(v) for k, v in row.items()})
        days.setdefault(call["user_id"], set()).add(local.date())
        hours[(local.hour, call["user_id"])] += row["incoming"] + row["outgoing"]
    return {"ops": ops, "days": days, "lines": lines, "hours": +hours}


def test_telephony_figures_match_plain_counts(session) -> None:
    portal = make_portal(session)
    world = generate(session, portal.id)
    for period in (PERIOD, Period(PERIOD.end, PERIOD.end), EMPTY):
        sec = build(session, portal.id, period, NOW).sections
        want = telephony_oracle(world, period)
        total = sum(want["ops"].values(), Counter())
        calls = sec["calls"]
        assert (calls.incoming, calls.outgoing, calls.long_outgoing) == (
            total["incoming"], total["outgoing"], total["long_outgoing"])
        assert calls.avg_answer == (total["answer_seconds"] / total["answer_timed"]
                                    if total["answer_timed"] else None)
        assert calls.avg_talk == (total["talk_seconds"] / total["talked"]
                                  if total["talked"] else None)
        got_ops = {row.key: row for row in sec["operators"]}
        assert set(got_ops) == set(want["ops"])
        for uid, c in want["ops"].items():
            row = got_ops[uid]
            assert (row.answer_timed, row.answer_seconds, row.within_rings, row.talked,
                    row.talk_seconds, row.outgoing, row.long_outgoing) == (
                c["answer_timed"], c["answer_seconds"], c["within_rings"], c["talked"],
                c["talk_seconds"], c["outgoing"], c["long_outgoing"]), uid
            assert row.active_days == len(want["days"][uid])
            assert row.utilisation(sec["workday_hours"]) == pytest.approx(
                c["talk_seconds"] / (len(want["days"][uid]) * WORKDAY * 3600))
        assert {row.key: (row.incoming, row.outgoing) for row in sec["lines"]} == {
            line: (c["incoming"], c["outgoing"]) for line, c in want["lines"].items()}
        assert {row.key: row.incoming + row.outgoing for row in sec["hours"]
                if row.incoming + row.outgoing} == dict(want["hours"])
        trend = sec["trend"]
        assert len(trend) == max(14, period.days) and trend[-1].key == period.end
        for day in trend:
            assert day.incoming == sum(
                1 for c in world.calls if c["call_type"] in (2, 3)
                and (c["start_at"] + SHIFT).date() == day.key)
    assert total == Counter() and sec["operators"] == [] and sec["lines"] == []


def test_escalations_rejections_audits_and_overdue(session) -> None:
    portal = make_portal(session)
    world = generate(session, portal.id)
    for period in (PERIOD, EMPTY):
        report = build(session, portal.id, period, NOW)
        sec, head = report.sections, report.headline()
        settled = [r for r in world.routed if in_period(r["created_at"], period)
                   and r["status"] in ("answered", "missed")]
        reached = {r["routing_id"] for r in settled
                   if r["status"] == "missed" or r["answered_step"] >= 3}
        assert {e.routing_id for e in sec["escalations"]} == reached
        assert head["escalations"] == len(reached)
        assert sec["steps"] == dict(Counter(r["answered_step"] for r in settled))
        assert {(c.manager_id, c.entity_type, c.stage_id): c.count
                for c in sec["rejections"]} == dict(categories_oracle(world, period))
        assert head["rejections"] == sum(categories_oracle(world, period).values())
        assert head["overdue_leads"] == sum(overdue_oracle(world).values())
    assert reached == set() and sec["rejections"] == []
    busy = build(session, portal.id, PERIOD, NOW)
    assert busy.sections["escalations"] and busy.headline()["overdue_leads"]  # not vacuous


def test_an_empty_portal_reports_zeros(session) -> None:
    portal = make_portal(session)
    report = build(session, portal.id, PERIOD, NOW)
    head = report.headline()
    assert report.managers == [] and head["won"] == 0 and head["escalations"] == 0
    assert head["avg_answer"] is None and head["lcr"] is None and head["overdue_leads"] == 0
    assert report.sections["operators"] == [] and report.sections["lines"] == []
    assert all(day.incoming == 0 for day in report.sections["trend"])


@pytest.mark.parametrize("kind", ["week", "month"])
def test_the_trend_of_a_running_period_stops_today(session, kind) -> None:
    """November 23rd, 12:00 Moscow: the week and the month still run; their trend ends today
    (no future day drawn as a gap or as 0 %) and still spans two weeks."""
    portal = make_portal(session)
    generate(session, portal.id)
    period = Period.of(kind, date(2026, 11, 23))
    trend = build(session, portal.id, period, NOW).sections["trend"]
    assert trend[-1].key == date(2026, 11, 23) < period.end
    assert len(trend) >= 14 and trend[0].key <= period.start
