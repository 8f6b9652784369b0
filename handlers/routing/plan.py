"""The escalation plan for one incoming call: responsible first, then the group, then up.

Step numbers are levels, the same for every call, so "answered at step 3 or later" always
means a head had to pick up: 1 the client's responsible manager; 2 the sales group (with the
responsible still ringing); 3 and on, each step adds the next head up the structure, ending
with the top (the owner). Steps ring cumulatively — nobody stops ringing when the next joins.
An unknown caller starts at step 2. Out of working hours the plan starts at step 2 too: the
whole group at once, because fewer people are there and the caller should not wait on one.
A level that adds nobody new is left out (a missing head is not a silent 10 s).

Presence (issue 18) never changes the numbering: a step rings only the people at it who are
not away (the step shrinks), and a step whose new people are all away is skipped — it rings
nobody, keeps its number (so "step 3" still means the first head) and is counted in the
call's `skipped` list. The group step rings all at once, or in turn (one person after another,
best recent conversion or lowest load first) — `group_mode` in the settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handlers.routing.clients import Caller, ClientRef, Responsible
from handlers.routing.presence import Availability, Away
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
    mode: str = "all"  # all: every user rings together; turn: one after another

    def user_ids(self) -> list[int]:
        """Who rings at this step, in order."""
        return [r.user_id for r in self.users]

    def attempts(self) -> list[tuple[int, list[Ring]]]:
        """(seconds, who rings together) one after another, as a PBX forks the step."""
        if self.mode == "turn":
            return [(self.ring_seconds, [r]) for r in self.users]
        return [(self.ring_seconds, list(self.users))]


@dataclass(frozen=True)
class Skipped:
    """Someone the plan did not ring because they are away, and at which step."""

    step: int
    kind: str
    user_id: int
    name: str
    away: Away


@dataclass(frozen=True)
class Plan:
    caller: str
    client: ClientRef | None
    responsible: Responsible | None
    out_of_hours: bool
    steps: tuple[Step, ...]
    away: tuple[Skipped, ...] = ()  # every person left out for presence
    skipped_steps: tuple[tuple[int, str], ...] = ()  # (step, kind) with nobody left to ring

    def stored_steps(self) -> list[dict[str, Any]]:
        """The plan as routing_calls keeps it: ids only (names may change, the call did not)."""
        return [{"step": s.step, "kind": s.kind, "users": s.user_ids()} for s in self.steps]

    def stored_skipped(self) -> list[dict[str, Any]]:
        """The skipped steps with who was away and why (the escalation counts read these)."""
        return [{"step": step, "kind": kind,
                 "users": [{"user_id": a.user_id, "reason": a.away.reason}
                           for a in self.away if a.step == step]}
                for step, kind in self.skipped_steps]

    def as_json(self, routing_id: str) -> dict[str, Any]:
        """The PBX's answer: who rings at each step, with their extensions, and for how long;
        `attempts` is the same flattened into the serial forks a PBX makes one by one."""
        client = None if self.client is None else {
            "type": self.client.entity_type, "id": self.client.entity_id,
            "name": self.client.name}
        return {"routing_id": routing_id, "caller": self.caller, "client": client,
                "responsible_id": None if self.responsible is None else self.responsible.user_id,
                "out_of_hours": self.out_of_hours,
                "steps": [{"step": s.step, "kind": s.kind, "ring_seconds": s.ring_seconds,
                           "mode": s.mode, "users": [_user(r) for r in s.users]}
                          for s in self.steps],
                "attempts": [{"step": s.step, "seconds": sec,
                              "targets": [{"user_id": r.user_id, "extension": r.extension}
                                          for r in rings if r.extension],
                              "users": [r.user_id for r in rings]}
                             for s in self.steps for sec, rings in s.attempts()],
                "skipped": [{"step": step, "kind": kind} for step, kind in self.skipped_steps]}


def _user(r: Ring) -> dict[str, Any]:
    return {"user_id": r.user_id, "name": r.name, "extension": r.extension}


def build_plan(snap: Snapshot, caller: str, now: datetime, *,
               available: Availability | None = None) -> Plan:
    """Pure: the same snapshot, number and moment give the same plan (preview == live).
    Presence comes from the snapshot unless `available` overrides it (tests)."""
    in_hours = snap.config.in_hours(now)

    def away(user_id: int) -> Away | None:
        if not in_hours or not snap.config.presence:
            return None  # out of hours nobody is clocked in: presence says nothing
        if available is not None:
            return None if available(user_id) else Away("absent")
        return snap.presence.away(user_id)

    usable = snap.routable
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
    steps, skipped, gone = _steps(snap, stages, away)
    return Plan(caller, who.client, who.responsible, not in_hours, tuple(steps),
                tuple(skipped), tuple(gone))


def _steps(snap: Snapshot, stages: list[tuple[str, list[int]]],
           away: Callable[[int], Away | None]
           ) -> tuple[list[Step], list[Skipped], list[tuple[int, str]]]:
    """Cumulative rings; levels adding nobody vanish; heads number on from 3 without gaps;
    the away are left out, and a level whose new people are all away is a skipped step."""
    cfg = snap.config
    ringing: list[int] = []
    seen: set[int] = set()
    steps: list[Step] = []
    left_out: list[Skipped] = []
    gone: list[tuple[int, str]] = []
    number = RESPONSIBLE
    for kind, users in stages:
        new = [u for u in dict.fromkeys(users) if u not in seen]
        seen.update(new)
        here = [u for u in new if away(u) is None]
        left_out.extend(Skipped(number, kind, u, _ring(snap, u).name, away(u))
                        for u in new if u not in here)
        if here:
            turn = kind == "group" and cfg.group_mode == "turn"
            ring = _ranked(snap, here) if turn else ringing + here
            ringing.extend(here)
            steps.append(Step(number, kind, tuple(_ring(snap, u) for u in ring),
                              cfg.seconds_for(kind), "turn" if turn else "all"))
        elif new:
            gone.append((number, kind))
        if number < FIRST_HEAD or new:
            number += 1
    return steps, left_out, gone


def _ranked(snap: Snapshot, users: list[int]) -> list[int]:
    """The group in turn: best recent conversion first, or the fewest open deals first;
    ties by user id, so the order is stable from call to call."""
    def key(user_id: int) -> tuple[float, int]:
        conversion, load = snap.ranking.get(user_id, (0.0, 0))
        return (-conversion, user_id) if snap.config.group_order == "conversion" \
            else (load, user_id)
    return sorted(users, key=key)


def _ring(snap: Snapshot, user_id: int) -> Ring:
    person = snap.org.person(user_id)
    return Ring(user_id, person.name if person else f"#{user_id}",
                person.extension if person else None)
