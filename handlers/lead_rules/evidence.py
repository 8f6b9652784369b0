"""Evidence of a real contact attempt before a lead may be closed as junk.

"Client does not answer" after a 3-second call is the rejection the head of sales does not
trust. Counted: an outgoing call of at least N seconds (our call table or the lead's call
activities, TYPE_ID 2 DIRECTION 2), a sent e-mail (TYPE_ID 4 DIRECTION 2) or a held meeting
(TYPE_ID 1 completed) — which of them count is a setting (§8.7).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from b24.values import to_datetime, to_int, yes
from store.models import Call

OUTGOING_CALL_TYPES = (1, 4)  # outgoing, callback (§9.3)
CALL, EMAIL, MEETING = "call", "email", "meeting"


@dataclass(frozen=True)
class Attempt:
    kind: str  # call | email | meeting
    at: datetime | None
    seconds: int = 0
    ref: str = ""  # "call:<CALL_ID>" or "activity:<ID>": one call seen twice counts once


@dataclass(frozen=True)
class Verdict:
    ok: bool
    missing: tuple[str, ...]  # the accepted kinds none of which was found
    calls: int = 0
    longest_call: int = 0
    found: tuple[str, ...] = field(default_factory=tuple)

    def summary(self) -> dict[str, Any]:
        return {"calls": self.calls, "longest_call": self.longest_call,
                "found": list(self.found)}


def judge(attempts: Iterable[Attempt], *, kinds: Iterable[str],
          min_call_seconds: int) -> Verdict:
    """One qualifying attempt of an accepted kind is enough; otherwise name what is missing."""
    accepted = tuple(k for k in (CALL, EMAIL, MEETING) if k in set(kinds))
    unique = {a.ref or f"{a.kind}:{n}": a for n, a in enumerate(attempts)}.values()
    calls = [a for a in unique if a.kind == CALL]
    good = [a for a in unique if a.kind in accepted
            and (a.kind != CALL or a.seconds >= min_call_seconds)]
    return Verdict(ok=bool(good), missing=() if good else accepted, calls=len(calls),
                   longest_call=max((a.seconds for a in calls), default=0),
                   found=tuple(sorted(a.ref or a.kind for a in good)))


def from_calls(calls: Iterable[Call]) -> list[Attempt]:
    """Outgoing calls from our call table (Bitrix24 telephony or a PBX)."""
    return [Attempt(CALL, c.start_at, c.duration or 0, f"call:{c.call_id}")
            for c in calls if c.call_type in OUTGOING_CALL_TYPES]


def from_activities(rows: Iterable[Mapping[str, Any]]) -> list[Attempt]:
    """crm.activity.list rows of the lead: outgoing calls, sent e-mails, held meetings."""
    out = []
    for row in rows:
        type_id, direction = to_int(row.get("TYPE_ID")), to_int(row.get("DIRECTION"))
        start, end = to_datetime(row.get("START_TIME")), to_datetime(row.get("END_TIME"))
        if type_id == 2 and direction == 2:
            seconds = int((end - start).total_seconds()) if start and end else 0
            out.append(Attempt(CALL, start, max(seconds, 0), _call_ref(row)))
        elif type_id == 4 and direction == 2:
            out.append(Attempt(EMAIL, start, ref=f"activity:{row.get('ID')}"))
        elif type_id == 1 and yes(row.get("COMPLETED", "N")):
            out.append(Attempt(MEETING, start, ref=f"activity:{row.get('ID')}"))
    return out


def _call_ref(row: Mapping[str, Any]) -> str:
    """A telephony call activity names its call (ORIGIN_ID VI_<id>, SETTINGS.CALL_ID)."""
    settings = row.get("SETTINGS") if isinstance(row.get("SETTINGS"), Mapping) else {}
    call_id = settings.get("CALL_ID") or str(row.get("ORIGIN_ID") or "").removeprefix("VI_")
    return f"call:{call_id}" if call_id else f"activity:{row.get('ID')}"
