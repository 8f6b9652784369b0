"""A sales department's day for «Мой день»: calls (one a feedback call, rated), a proposal."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from store import mirror
from store.calls import upsert_call
from tests.unit.test_pages import ANNA, HEAD, OLEG, configure, seed

MSK = ZoneInfo("Europe/Moscow")
CLIENT = "+79161234567"  # contact 3 of tests.unit.test_pages.seed, a buyer since last month


def today() -> date:
    """The portal's day now (the lead rules' default zone, Moscow)."""
    return datetime.now(UTC).astimezone(MSK).date()


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), MSK).astimezone(UTC)


def build(s, pid: int, day: date | None = None) -> date:
    """ANNA's day: a new call, a repeat call, a feedback call rated 4 by the client (CALL_VOTE)
    and an unrated one, a deal entering «Квалификация» (a proposal). OLEG did nothing."""
    day = day or today()
    seed(s, pid)
    configure(s, pid)
    mirror.upsert_deal(s, pid, {"ID": "900", "TITLE": "Купленные окна", "ASSIGNED_BY_ID": OLEG,
                                "OPPORTUNITY": "1000", "CURRENCY_ID": "RUB", "STAGE_ID": "WON",
                                "STAGE_SEMANTIC_ID": "S", "CONTACT_ID": "3", "CATEGORY_ID": "0",
                                "DATE_CREATE": (at(day, 9) - timedelta(days=40)).isoformat(),
                                "MOVED_TIME": (at(day, 9) - timedelta(days=30)).isoformat(),
                                "CREATED_BY_ID": str(HEAD)})
    mirror.upsert_deal(s, pid, {"ID": "901", "TITLE": "Новая", "ASSIGNED_BY_ID": ANNA,
                                "OPPORTUNITY": "5000", "CURRENCY_ID": "RUB",
                                "STAGE_ID": "PREPARATION", "STAGE_SEMANTIC_ID": "P",
                                "CATEGORY_ID": "0", "DATE_CREATE": at(day, 9).isoformat(),
                                "CREATED_BY_ID": str(ANNA)})
    mirror.add_stage_history(s, pid, [{"ID": "1", "OWNER_ID": "901", "TYPE_ID": "2",
                                       "STAGE_ID": "PREPARATION", "CATEGORY_ID": "0",
                                       "CREATED_TIME": at(day, 10).isoformat()}])
    calls = [("old", "+79160000001", at(day, 9) - timedelta(days=3), 1, None),
             ("new", "+79160000002", at(day, 9, 5), 1, None),
             ("repeat", "+79160000001", at(day, 9, 30), 2, None),
             ("fb1", CLIENT, at(day, 11), 1, 4),
             ("fb2", CLIENT, at(day, 15), 1, None)]
    for cid, phone, start, kind, vote in calls:
        upsert_call(s, pid, {"call_id": cid, "call_type": kind, "phone": phone,
                             "phone_raw": phone, "user_id": ANNA, "start_at": start,
                             "duration": 120, "answered": True, "failed_code": "200",
                             "vote": vote})
    s.commit()
    return day
