"""Who is at work right now: the hook for absences and clock-outs, with no source behind it yet.

The mirror has no reliable presence data, and the PBX path may not ask the portal live:
- user.get has no work-time status; IS_ONLINE only means "had the portal open in the last
  minutes", which says nothing about a desk phone (§10);
- the absence chart and work-time (timeman.*) need the `timeman` scope, which the app does not
  request (install.json), and are per user, live calls;
- telephony.externalCall.searchCrmEntities does return ASSIGNED_BY.TIMEMAN_STATUS (§9.2), but
  only for a CRM entity's responsible and only as a live call per phone number.
So the plan takes an `Availability` predicate and the default says everyone active is there.
A future source (a timeman-scope sync into the mirror) plugs in here without touching the
rules; out of working hours it is not consulted at all (nobody is clocked in then).
"""

from __future__ import annotations

from typing import Protocol


class Availability(Protocol):
    def __call__(self, user_id: int) -> bool: ...


def everyone(_user_id: int) -> bool:
    """No presence source: an active employee is assumed to be at work."""
    return True


def absent(user_ids: set[int]) -> Availability:
    """A fixed set of absent people (tests, and the shape a real source would take)."""
    return lambda user_id: user_id not in user_ids
