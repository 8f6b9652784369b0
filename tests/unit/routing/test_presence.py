"""Presence: each source's verdict, the fallback to the online flag, and the cached rows."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from b24.batching import BatchResult
from b24.errors import B24ApiError
from handlers.routing.plan import build_plan
from handlers.routing.presence import Away, absence_until, from_timeman, judge
from handlers.routing.presence_fetch import fetch_presence, tracked
from handlers.routing.snapshot import load_snapshot
from store import presence as presence_store
from tests.factories import make_portal
from tests.unit.routing.company import ANNA, HEAD, IN_HOURS, IVAN, KNOWN, OLEG, seed

MSK = ZoneInfo("Europe/Moscow")
TODAY = IN_HOURS.astimezone(MSK).date()  # Tuesday 11:00 in Moscow


def day(status: str, start_days_ago: int | None = 0) -> dict:
    start = None if start_days_ago is None else \
        (IN_HOURS - timedelta(days=start_days_ago)).astimezone(MSK).replace(hour=9).isoformat()
    return {"STATUS": status, "TIME_START": start, "TIME_FINISH": None}


@pytest.mark.parametrize(("status", "ago", "reason"), [
    ("OPENED", 0, None), ("PAUSED", 0, "paused"), ("CLOSED", 0, "day_closed"),
    ("CLOSED", 1, "day_not_started"), ("CLOSED", None, "day_not_started"),
    ("EXPIRED", 1, "day_not_started")])
def test_the_work_day_decides(status, ago, reason) -> None:
    away = from_timeman(day(status, ago), IN_HOURS, MSK)
    assert (away.reason if away else None) == reason


def test_the_absence_chart_wins_and_the_online_flag_is_only_a_fallback() -> None:
    until = absence_until(f"{TODAY + timedelta(days=3)}T00:00:00+03:00", IN_HOURS, MSK)
    assert until == TODAY + timedelta(days=3)
    assert absence_until(f"{TODAY - timedelta(days=1)}T00:00:00+03:00", IN_HOURS, MSK) is None
    assert absence_until(False, IN_HOURS, MSK) is None
    assert absence_until("not a date", IN_HOURS, MSK) is None
    assert judge(absent_until=until, timeman=day("OPENED"), online=True, now=IN_HOURS,
                 tz=MSK) == Away("absent", until, "absence")
    assert judge(absent_until=None, timeman=day("OPENED"), online=False, now=IN_HOURS,
                 tz=MSK) is None  # the work day beats the online flag
    assert judge(absent_until=None, timeman=None, online=False, now=IN_HOURS,
                 tz=MSK) == Away("offline", source="online")
    assert judge(absent_until=None, timeman=None, online=None, now=IN_HOURS, tz=MSK) is None


class FakeB24:
    """The two calls fetch_presence makes, answered from dicts (the wire is the e2e's job)."""

    def __init__(self, *, absent: dict, days: dict, online: dict, refuse: str | None = None):
        self.absent, self.days, self.online, self.refuse = absent, days, online, refuse
        self.calls: list[str] = []

    def batch(self, cmds: dict) -> BatchResult:
        out = BatchResult()
        for key, (method, params) in cmds.items():
            self.calls.append(method)
            if method == "im.user.list.get":
                out.results[key] = {str(u): {"id": u, "absent": self.absent.get(u, False)}
                                    for u in params["ID"]}
            elif self.refuse:
                out.errors[key] = B24ApiError(self.refuse, "Method not found!", 404)
            else:
                out.results[key] = self.days[params["USER_ID"]]
        return out

    def call(self, method: str, params: dict) -> list:
        self.calls.append(method)
        return [{"ID": str(u), "IS_ONLINE": "Y" if self.online.get(u) else "N"}
                for u in params["FILTER"]["ID"]]


def test_fetch_reads_the_chart_and_the_day_in_one_batch() -> None:
    b24 = FakeB24(absent={ANNA: f"{TODAY}T00:00:00+03:00"},
                  days={ANNA: day("OPENED"), OLEG: day("CLOSED"), IVAN: day("OPENED")},
                  online={})
    seen = fetch_presence(b24, [ANNA, OLEG, IVAN], IN_HOURS, MSK)
    assert seen[ANNA] == Away("absent", TODAY, "absence")
    assert seen[OLEG].reason == "day_closed" and seen[IVAN] is None
    assert "user.get" not in b24.calls  # the work day answered for everyone


def test_without_the_work_time_module_the_online_flag_decides() -> None:
    b24 = FakeB24(absent={}, days={}, online={ANNA: True}, refuse="ERROR_METHOD_NOT_FOUND")
    seen = fetch_presence(b24, [ANNA, OLEG], IN_HOURS, MSK)
    assert seen == {ANNA: None, OLEG: Away("offline", source="online")}
    assert b24.calls.count("user.get") == 1


@pytest.fixture
def portal_snap(sessions):
    with sessions() as s:
        pid = make_portal(s).id
        seed(s, pid)
        s.commit()
        return pid


def test_saved_rows_reach_the_plan_and_stale_ones_are_ignored(sessions, portal_snap) -> None:
    pid = portal_snap
    with sessions() as s:
        presence_store.save_presence(s, pid, {ANNA: ("day_closed", None, "timeman"),
                                              HEAD: ("absent", date(2030, 1, 1), "absence"),
                                              OLEG: (None, None, "")},
                                     now=datetime.now(UTC) - timedelta(hours=1))
        s.commit()
        snap = load_snapshot(s, pid)
    # rows older than MAX_AGE say nothing: the job stopped, so everyone rings again
    assert snap.presence.away(ANNA) is None
    with sessions() as s:
        presence_store.save_presence(s, pid, {ANNA: ("day_closed", None, "timeman")},
                                     now=datetime.now(UTC))
        s.commit()
        snap = load_snapshot(s, pid)
    assert snap.presence.away(ANNA) == Away("day_closed", None, "timeman")
    assert snap.presence.away(HEAD) is None  # no longer tracked: the row went
    plan = build_plan(snap, KNOWN, IN_HOURS)
    assert plan.skipped_steps[0] == (1, "responsible")
    assert [a.away.reason for a in plan.away] == ["day_closed"]
    off = dataclasses.replace(snap, config=dataclasses.replace(snap.config, presence=False))
    assert build_plan(off, KNOWN, IN_HOURS).steps[0].user_ids() == [ANNA]


def test_tracked_people_are_the_group_the_heads_and_the_last_hop(sessions, portal_snap) -> None:
    with sessions() as s:
        snap = load_snapshot(s, portal_snap)
    people = tracked(snap)
    assert {ANNA, OLEG, IVAN, HEAD} <= set(people)
    assert all(snap.routable(u) for u in people)
