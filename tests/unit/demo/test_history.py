"""demo.history: 30 varied days before the demo's day, the same for the same seed."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from demo.clock import DEMO_DAY, start_of
from demo.history import DAYS, draw_days, play_history
from sandbox.state import Cloud

MANAGERS = [3, 4, 5, 6, 7, 8]
# the demo's Friday, a Monday (no full week before it in the current one), a month's first day
TODAYS = (DEMO_DAY, date(2026, 12, 7), date(2026, 12, 1))


@pytest.mark.parametrize("today", TODAYS)
def test_days_are_the_30_before_today_with_one_bad_working_week(today: date) -> None:
    days = draw_days(today, MANAGERS, seed=1)
    assert days == draw_days(today, MANAGERS, seed=1)
    assert [d.day for d in days] == [today - timedelta(days=DAYS - n) for n in range(DAYS)]
    bad = [d.day for d in days if d.bad]
    assert len(bad) == 5 and bad[0].weekday() == 0 and bad[-1] == bad[0] + timedelta(days=4)
    assert bad[-1] < today - timedelta(days=today.weekday())  # a past week, not today's
    assert all(len(d.on_duty) == len(MANAGERS) - 1 for d in days if d.bad)
    assert draw_days(today, MANAGERS, seed=2) != days


@pytest.mark.parametrize("today", TODAYS)
def test_weekends_carry_far_less_load_than_working_days(today: date) -> None:
    days = draw_days(today, MANAGERS, seed=1)
    weekdays = [d.load * len(d.on_duty) for d in days if not d.weekend]
    weekends = [d.load * len(d.on_duty) for d in days if d.weekend]
    assert weekends and max(weekends) < 0.5 * min(weekdays)


def played(seed: int) -> tuple[dict, object, datetime]:
    """A freshly seeded demo portal with its history (about a second)."""
    from sandbox.seed import seed_company

    until = start_of(DEMO_DAY)
    cloud = Cloud()
    cloud.clock.set(until)
    portal = cloud.add_portal("demo")
    seed_company(portal, seed=seed, call_days=0)
    days = draw_days(DEMO_DAY, portal.meta["managers"], seed)
    log = play_history(portal, days, seed=seed, until=until)
    tables = {name: [dict(row) for row in portal.table(name)] for name in (
        "crm.deal", "crm.lead", "crm.contact", "crm.stagehistory", "voximplant.statistic")}
    return tables, log, until


@pytest.fixture(scope="module")
def history() -> tuple[dict, object, datetime]:
    return played(seed=1)


def test_the_same_seed_writes_the_same_portal(history) -> None:
    tables, log, _ = history
    again, log_again, _ = played(seed=1)
    assert again == tables
    assert log_again.per_day == log.per_day


def test_calls_span_the_30_days_quieter_at_weekends_and_never_reach_today(history) -> None:
    tables, log, until = history
    calls = Counter(date.fromisoformat(r["CALL_START_DATE"][:10])
                    for r in tables["voximplant.statistic"])
    first = DEMO_DAY - timedelta(days=DAYS)
    assert sorted(calls) == [first + timedelta(days=n) for n in range(DAYS)]
    weekday = [n for day, n in calls.items() if day.weekday() < 5]
    weekend = [n for day, n in calls.items() if day.weekday() >= 5]
    assert sum(weekend) / len(weekend) < 0.5 * sum(weekday) / len(weekday)
    moments = [datetime.fromisoformat(r[key]) for name, key in (
        ("voximplant.statistic", "CALL_START_DATE"), ("crm.stagehistory", "CREATED_TIME"),
        ("crm.deal", "DATE_MODIFY"), ("crm.lead", "DATE_MODIFY")) for r in tables[name]]
    assert max(moments) < until
    assert sum(c["calls_in"] + c["calls_out"] + c["called_back"] for c in log.per_day.values()) \
        == sum(calls.values())


def test_the_bad_week_misses_more_calls_and_the_history_closes_deals(history) -> None:
    _, log, _ = history
    def share(days: list) -> float:
        counts = [log.per_day[d.day] for d in days]
        return sum(c["missed"] for c in counts) / sum(c["calls_in"] for c in counts)
    working = [d for d in log.days if not d.weekend]
    assert share([d for d in working if d.bad]) > 2 * share([d for d in working if not d.bad])
    assert log.total("wins") > 0 and log.total("losses") > 0 and log.total("leads") > 100


def test_the_demo_counts_in_correct_russian_plurals(history) -> None:
    from demo.history import describe
    from demo.report import count

    forms = ("звонок", "звонка", "звонков")
    assert [count(n, *forms) for n in (1, 2, 5, 11, 12, 21, 904, 111)] == [
        "1\u00a0звонок", "2\u00a0звонка", "5\u00a0звонков", "11\u00a0звонков", "12\u00a0звонков",
        "21\u00a0звонок", "904\u00a0звонка", "111\u00a0звонков"]
    assert "30\u00a0дней" in describe(history[1])
