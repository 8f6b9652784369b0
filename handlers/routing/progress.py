"""What the PBX reports while a routed call rings: the step reached, who answered, the end.

Reports are idempotent (a PBX retrying a request changes nothing the second time) and the
first answer wins. A report after the end is ignored: the call's outcome is settled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from store.routing_models import RoutingCall

MAX_DURATION = 24 * 3600


class BadReport(ValueError):
    """A report we cannot use: 400 with this key."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Report:
    step: int
    answered_by: int | None = None
    finished: bool = False
    duration: int | None = None


def _int(value: Any, key: str, *, low: int = 0, high: int = 10**9) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadReport(key)
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):  # JSON 1e400 / Infinity is a float inf
        raise BadReport(key) from None
    if not low <= number <= high:
        raise BadReport(key)
    return number


def parse_report(body: Any) -> Report:
    """{step, answered_by?, finished?, duration?} as the PBX sends it (numbers may be strings)."""
    if not isinstance(body, dict):
        raise BadReport("bad_json")
    step = _int(body.get("step"), "bad_step", low=1, high=1000)
    if step is None:
        raise BadReport("bad_step")
    finished = body.get("finished", False)
    if not isinstance(finished, bool):
        finished = str(finished).lower() in ("1", "true", "y", "yes")
    return Report(step, _int(body.get("answered_by"), "bad_user", low=1),
                  finished, _int(body.get("duration"), "bad_duration", high=MAX_DURATION))


def settled(call: RoutingCall) -> bool:
    """The PBX reported the end: the outcome no longer changes."""
    return call.finished_at is not None


def apply(call: RoutingCall, report: Report, now: datetime) -> bool:
    """Move the call forward; returns whether anything changed (and the card must follow)."""
    if settled(call):
        return False
    if report.step not in {s["step"] for s in call.steps}:
        raise BadReport("unknown_step")
    before = (call.reached_step, call.answered_by, call.finished_at, call.status)
    if call.answered_by is None:  # once answered, the call escalates no further
        call.reached_step = max(call.reached_step or 0, report.step)
        if report.answered_by is not None:
            call.answered_by, call.answered_step, call.answered_at = \
                report.answered_by, report.step, now
    if report.finished:
        call.finished_at, call.duration = now, report.duration or 0
    call.status = "answered" if call.answered_by is not None else \
        ("missed" if report.finished else "ringing")
    changed = before != (call.reached_step, call.answered_by, call.finished_at, call.status)
    if changed:
        call.version += 1
        call.cards_pending = call.cards
    return changed
