"""«Мой день» per portal: the evening reminder, and each report's copy in the CRM.

Wired in jobs/runner.job_specs through for_each_portal (so the task engine runs them too,
tasks/periodic.py); callable from tests and a REPL with an ActionContext.
"""

from __future__ import annotations

from handlers.exchange.actions import ActionContext
from handlers.myday import crm, remind


def remind_day_reports(ctx: ActionContext) -> int:
    """At the set time of a working day: a notice to whoever has not handed in, once a day."""
    return remind.remind(ctx)


def write_day_reports(ctx: ActionContext) -> int:
    """Handed-in reports (and edits, the head's comments) into the portal's timeline."""
    total = 0
    for _ in range(10):  # an evening's burst of reports: a few rounds, bounded
        n = crm.write_due(ctx)
        total += n
        if n < 20:
            break
    return total
