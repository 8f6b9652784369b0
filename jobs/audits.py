"""Scheduled audit work per portal (wired in jobs.runner.job_specs through for_each_portal).

- audit_rejections: junk leads from the lead rules, then the evidence of recorded rejections
  (one batch per 25), their score, and the callback schedule;
- fire_audit_callbacks: callbacks whose day has come become the controller's tasks, once;
- hand_off_clients: first-time buyers go to the senior specialist with a follow-up to-do;
- count_senior_days: the senior specialist's counters for yesterday and today.
"""

from __future__ import annotations

from handlers.audits import callbacks, collect, counters, handoff, leads
from handlers.exchange.actions import ActionContext

MAX_ROUNDS = 8  # per run: 200 rejections; the rest wait a minute


def audit_rejections(ctx: ActionContext) -> int:
    leads.import_lead_audits(ctx)
    done = 0
    for _ in range(MAX_ROUNDS):
        finished = collect.collect(ctx)
        done += finished
        if finished < collect.PER_BATCH:
            break
    return done


def fire_audit_callbacks(ctx: ActionContext) -> int:
    return callbacks.fire_due(ctx)


def hand_off_clients(ctx: ActionContext) -> int:
    return handoff.hand_off_due(ctx)


def count_senior_days(ctx: ActionContext) -> int:
    return counters.recount(ctx)
