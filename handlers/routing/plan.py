"""The escalation plan for one incoming call: responsible first, then the group, then up.

Step numbers are levels, the same for every call, so "answered at step 3 or later" always
means a head had to pick up: 1 the client's responsible manager; 2 the sales group (with the
responsible still ringing); 3 and on, each step adds the next head up the structure, ending
with the top (the owner). Steps ring cumulatively — nobody stops ringing when the next joins.
An unknown caller starts at step 2. Out of working hours the plan starts at step 2 too: the
whole group at once, because fewer people are there and the caller should not wait on one.
A level that adds nobody new is left out (a missing head is not a silent 10 s).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handlers.routing.clients import Caller, ClientRef, Responsible
from handlers.routing.presence import Availability, everyone
from handlers.routing.snapshot import Snapshot

RESPONSIBLE, GROUP, FIRST_HEAD = 1, 2, 3


@dataclass(frozen=True)
class Ring:
    user_id: int
    name: str
    extension: str | None


@dataclass(frozen=True)
class Step:
    step: int
    kind: str  # responsible | group | head | owner
    users: tuple[Ring, ...]
    ring_seconds: int

    def user_ids(self) -> list[int]:
        """Who rings at this step, in order."""
        return [r.user_id for r in self.users]


@dataclass(frozen=True)
class Plan:
    caller: str
    client: ClientRef | None
    responsible: Responsible | None
    out_of_hours: bool
    steps: tuple[Step, ...]

    def stored_steps(self) -> list[dict[str, Any]]:
        """The plan as routing_calls keeps it: ids only (names may change, the call did not)."""
        return [{"step": s.step, "kind": s.kind, "users": s.user_ids()} for s in self.steps]

    def as_json(self, routing_id: str) -> dict[str, Any]:
        """The PBX's answer: who rings at each step, with their extensions, and for how long."""
        client = None if self.client is None else {
            "type": self.client.entity_type, "id": self.client.entity_id,
            "name": self.client.name}
        return {"routing_id": routing_id, "caller": self.caller, "client": client,
                "responsible_id": None if self.responsible is None else self.responsible.user_id,
                "out_of_hours": self.out_of_hours,
                "steps": [{"step": s.step, "kind": s.kind, "ring_seconds": s.ring_seconds,
                           "users": [{"user_id": r.user_id, "name": r.name,
                                      "extension": r.extension} for r in s.users]}
                          for s in self.steps]}


def build_plan(snap: Snapshot, caller: str, now: datetime, *,
               available: Availability = everyone) -> Plan:
    """Pure: the same snapshot, number and moment give the same plan (preview == live)."""
    in_hours = snap.config.in_hours(now)

    def usable(user_id: int) -> bool:
        return snap.routable(user_id) and (not in_hours or available(user_id))

    who: Caller = snap.directory.identify(caller, usable)
    resp = who.responsible.user_id if who.responsible else None
    levels = snap.org.head_levels(snap.sales_departments, usable)
    owner = snap.config.owner_user_id
    tops = [h for h in snap.org.root_heads() if usable(h)] + \
        ([owner] if owner is not None and usable(owner) else [])
    heads = {h for level in levels for h in level} | set(tops)
    group = [u for u in snap.org.members(snap.sales_departments) if usable(u) and u not in heads]
    stages: list[tuple[str, list[int]]] = []
    stages.append(("responsible", [resp] if resp is not None and in_hours else []))
    stages.append(("group", ([resp] if resp is not None else []) + group))
    stages.extend(("head", level) for level in levels)
    stages.append(("owner", tops))
    return Plan(caller, who.client, who.responsible, not in_hours,
                tuple(_steps(snap, stages)))


def _steps(snap: Snapshot, stages: list[tuple[str, list[int]]]) -> Iterable[Step]:
    """Cumulative rings; levels adding nobody vanish; heads number on from 3 without gaps."""
    ringing: list[int] = []
    number = RESPONSIBLE
    for kind, users in stages:
        new = [u for u in dict.fromkeys(users) if u not in ringing]
        if new:
            ringing.extend(new)
            yield Step(number, kind, tuple(_ring(snap, u) for u in ringing),
                       snap.config.ring_seconds)
        if number < FIRST_HEAD or new:
            number += 1


def _ring(snap: Snapshot, user_id: int) -> Ring:
    person = snap.org.person(user_id)
    return Ring(user_id, person.name if person else f"#{user_id}",
                person.extension if person else None)
