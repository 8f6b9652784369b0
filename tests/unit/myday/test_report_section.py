"""The owner's report: per day who handed «Мой день» in and who did not, with streaks; a
weekend and a holiday are days off, neither absent nor a break."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from handlers.lead_rules import config as lead_config
from handlers.myday.report import section
from handlers.report.period import Period
from store import myday
from tests.factories import make_portal
from tests.unit.myday.world import ANNA, OLEG, at, build
from tests.unit.test_pages import OWNER, text, token

# A fixed week before every moment the suite runs at: Thu 01.10.2026 ... Wed 07.10.2026,
# with Tuesday 06.10 a holiday of the working calendar.
THU = date(2026, 10, 1)
DAYS = [THU + timedelta(days=i) for i in range(7)]
HOLIDAY = date(2026, 10, 6)
LATER = datetime(2026, 10, 20, 9, tzinfo=UTC)


def world(s):
    portal = make_portal(s)
    build(s, portal.id, THU)
    lead_config.save(s, portal.id, lead_config.LeadRulesConfig(holidays=[HOLIDAY.isoformat()]),
                     user_id=None, now=LATER)
    anna = [THU, THU + timedelta(days=1), date(2026, 10, 5), date(2026, 10, 7)]  # every day
    oleg = [THU, date(2026, 10, 5), date(2026, 10, 7)]  # missed Friday
    for uid, handed in ((ANNA, anna), (OLEG, oleg)):
        for day in handed:
            myday.submit(s, portal.id, uid, day, values={"counters": {}, "prefill": {},
                                                          "ratings": {}, "text": "итог"},
                         now=at(day, 18))
    s.commit()
    return portal


def test_states_and_streaks_over_a_weekend_and_a_holiday(session) -> None:
    portal = world(session)
    found = section(session, portal.id, Period(DAYS[0], DAYS[-1]), LATER)
    people = {p.user_id: p for p in found.people}
    anna, oleg = people[ANNA], people[OLEG]
    assert [anna.states[d] for d in DAYS] == ["handed", "handed", "off", "off", "handed",
                                              "off", "handed"]
    assert (anna.handed, anna.absent, anna.streak) == (4, 0, 4)  # weekend, holiday: no break
    assert oleg.states[date(2026, 10, 2)] == "absent"
    assert (oleg.handed, oleg.absent, oleg.streak) == (3, 1, 2)  # Mon + Wed after the miss
    assert found.shown


def test_a_period_still_ahead_is_not_shown(session) -> None:
    portal = world(session)
    assert not section(session, portal.id, Period(DAYS[0], DAYS[-1]),
                       datetime(2026, 9, 1, tzinfo=UTC)).shown


def myday_rows(page_text: str) -> dict[int, str]:
    part = page_text.split('data-section="myday"')[1].split("</section>")[0]
    return {uid: text(part.split(f'data-myday-person="{uid}"')[1].split("</tr>")[0])
            for uid in (ANNA, OLEG)}


def test_the_report_page_shows_who_handed_in(client, app, sessions) -> None:
    with sessions() as s:
        portal = world(s)
    owner = token(app, portal, OWNER, admin=True)
    page = client.get(f"/app/report?period=day&date=2026-10-07&s={owner}")
    assert page.status_code == 200
    assert "Не сдал — значит, отсутствовал" in text(page.text)
    rows = myday_rows(page.text)
    assert rows[OLEG].startswith("> Олег Иванов ✓ 1 0 2 рабочих дня подряд")
    assert rows[ANNA].startswith("> Анна Смирнова ✓ 1 0 4 рабочих дня подряд")
    # The week Mon 05 ... Sun 11: the holiday and the weekend are off, Thu and Fri missed.
    week = myday_rows(client.get(f"/app/report?period=week&date=2026-10-07&s={owner}").text)
    assert week[OLEG].startswith("> Олег Иванов ✓ вых. ✓ ✗ ✗ вых. вых. 2 2 0 рабочих дней")


def test_the_morning_notice_says_who_handed_in(session) -> None:
    from jobs.report import send_daily_report
    from tests.unit.myday.test_jobs import Portal24, ctx

    portal = world(session)
    b24 = Portal24()
    morning = datetime(2026, 10, 8, 6, tzinfo=UTC)  # Thu 09:00 in Moscow: Wednesday's report
    assert send_daily_report(ctx(session, portal, morning, b24))
    messages = [p["MESSAGE"] for cmds in b24.sent for _, p in cmds.values()]
    assert messages and all("«Мой день» сдали 2 из 2." in m for m in messages)
    found = section(session, portal.id, Period(HOLIDAY, HOLIDAY), LATER)
    assert found.on(HOLIDAY) is None  # nobody was expected on the holiday
