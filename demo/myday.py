"""The demo's «Мой день»: the last working days' end-of-day reports, some never handed in.

The scenario plays a day ahead of the app's clock, and a report can only be handed in for the
app's today, so the demo plays the working days before today (the lead rules' calendar, so a
weekend in between is skipped): each employee's figures pre-filled from the mirror (the seeded
call history), a line of what was settled, the feedback calls rated; a few people skip a day.
Then the 18:00 reminder of the last day reaches those who skipped it, once, and every report
is written to the portal's timeline (the «Мой день» job), as the scheduler would.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from handlers.exchange.actions import action_context
from handlers.myday import config, days, remind
from handlers.myday.prefill import prefill
from jobs import runner
from pages.data import user_name
from store import myday, portals

DECIDED = ("Договорился о встрече с директором — в четверг покажем расчёт.",
           "Вернул клиента, который ушёл к конкурентам: пришлём новое КП.",
           "Закрыл вопрос со сроками доставки — клиент готов платить.",
           "Разобрал пять старых сделок: две вернул на биржу, по трём назначил звонки.",
           "Согласовал скидку с руководителем — счёт уйдёт завтра утром.")


def working_days_before(clock, today: date, n: int) -> list[date]:  # noqa: ANN001
    found, day = [], today - timedelta(days=1)
    while len(found) < n:
        if clock.works_on(day):
            found.append(day)
        day -= timedelta(days=1)
    return sorted(found)


def play(app, portal, settings, *, seed: int, n_days: int = 3) -> list[str]:  # noqa: ANN001
    """Hand in, remind, write to the CRM; the lines for the demo's summary."""
    rnd, sessions = random.Random(seed), app.extensions["db_sessions"]
    with sessions() as session:
        row = portals.find(session, portal.member_id)
        clock = config.clock(session, row.id)
        people = config.employees(session, row.id)
        seniors = config.seniors(session, row.id)
        today = datetime.now(UTC).astimezone(clock.zone).date()
        played = working_days_before(clock, today, n_days)
        skipped = {d: set(rnd.sample(people, k=min(len(people), 1 + (d == played[-1]))))
                   for d in played}
        for day in played:
            for i, uid in enumerate(people):
                if uid in skipped[day]:
                    continue
                found = prefill(session, row.id, uid, day, str(clock.zone),
                                senior=uid in seniors)
                ratings = {str(c.row_id): c.vote or rnd.randint(3, 5) for c in found.feedback}
                handed_at = datetime.combine(day, time(17, 30 + i % 25), clock.zone)
                myday.submit(session, row.id, uid, day, values={
                    "counters": dict(found.counters), "prefill": found.as_json(),
                    "ratings": ratings, "text": rnd.choice(DECIDED)},
                    now=handed_at.astimezone(UTC))
        session.commit()
    last = played[-1]
    with action_context(row, sessions, settings) as ctx:
        evening = datetime.combine(last, time(18, 5), clock.zone).astimezone(UTC)
        reminded = remind.remind(replace(ctx, now=evening))
        again = remind.remind(replace(ctx, now=evening + timedelta(minutes=5)))
    written = sum(n for n in runner.myday_crm(app).values() if isinstance(n, int))
    in_crm = sum(1 for c in portal.table("crm.timeline.comment")
                 if c["ENTITY_TYPE"] == "company" and "«Мой день» №" in c["COMMENT"])
    lines = [f"  «Мой день» / my day: {len(people)} сотрудников, рабочие дни "
             + ", ".join(d.strftime("%d.%m") for d in played)
             + f"; напоминаний в 18:00 {reminded} (повторно {again}); "
               f"в CRM записано {written} (комментариев в ленте своей компании {in_crm})"]
    with sessions() as session:
        handed = myday.handed(session, row.id, last - timedelta(days=days.LOOKBACK), last)
        for uid in people:
            mine = handed.get(uid, set())
            marks = " ".join(f"{d:%d.%m} {'сдал' if d in mine else 'не сдал'}"
                             for d in played)
            streak = days.streak(mine, clock.works_on, last, today)
            lines.append(f"    {user_name(session, row.id, uid)}: {marks}; серия {streak}")
    lines.append(f"    в отчёте руководителя / in the owner's report: неделя {last:%d.%m.%Y}, "
                 "раздел «Мой день»")
    return lines


def last_played(app, portal) -> date:  # noqa: ANN001
    """The last working day before today, the one whose week the demo's page shows."""
    with app.extensions["db_sessions"]() as session:
        clock = config.clock(session, portals.find(session, portal.member_id).id)
    return working_days_before(clock, datetime.now(UTC).astimezone(clock.zone).date(), 1)[0]
