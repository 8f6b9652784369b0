"""«Мой день» against the emulated portal: the client's CALL_VOTE reaches the call mirror, a
handed-in report lands as a timeline comment on the portal's own company, a refusal is
retried and a lost answer is found, not repeated."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from handlers.exchange.actions import action_context
from jobs import myday as myday_jobs
from sandbox import people
from store import myday, portals
from store.models import Call, InboxEvent


def run(live_app, portal, job):
    with live_app.sessions() as s:
        row = portals.find(s, portal.member_id)
    with action_context(row, live_app.sessions, live_app.settings) as ctx:
        return job(ctx)


def hand_in(live_app, portal, user_id: int) -> int:
    with live_app.sessions() as s:
        pid = portals.find(s, portal.member_id).id
        row = myday.submit(s, pid, user_id, datetime.now(UTC).date(), values={
            "counters": {"new_calls": 3}, "prefill": {}, "ratings": {},
            "text": "Закрыл вопрос с доставкой."}, now=datetime.now(UTC))
        s.commit()
        return row.id


def comments(portal) -> list[dict]:
    return [c for c in portal.table("crm.timeline.comment") if c["ENTITY_TYPE"] == "company"]


def test_the_clients_vote_is_kept_with_the_call(installed, live_app) -> None:
    manager = installed.meta["managers"][0]
    rated = people.call(installed, user_id=manager, phone="+79990001122", incoming=False,
                        duration=60, vote=4)
    plain = people.call(installed, user_id=manager, phone="+79990001133", incoming=False,
                        duration=60)
    row = next(r for r in installed.table("voximplant.statistic")
               if r["CALL_ID"] == rated.call_id)
    assert row["CALL_VOTE"] == "4"  # a string, as in the docs' example row
    live_app.drain(installed)
    with live_app.sessions() as s:
        votes = dict(s.execute(select(Call.call_id, Call.vote)).all())
    assert votes[rated.call_id] == 4 and votes[plain.call_id] is None


def test_a_report_becomes_a_comment_on_the_own_company(installed, live_app) -> None:
    manager = installed.meta["managers"][0]
    report_id = hand_in(live_app, installed, manager)
    assert run(live_app, installed, myday_jobs.write_day_reports) == 1
    (comment,) = comments(installed)
    company = installed.table("crm.company").get(int(comment["ENTITY_ID"]))
    assert company["IS_MY_COMPANY"] == "Y"
    assert comment["COMMENT"].startswith(f"«Мой день» №{report_id}:")
    assert "Закрыл вопрос с доставкой." in comment["COMMENT"]
    hand_in(live_app, installed, installed.meta["managers"][1])
    assert run(live_app, installed, myday_jobs.write_day_reports) == 1
    assert {c["ENTITY_ID"] for c in comments(installed)} == {comment["ENTITY_ID"]}  # one card
    assert sum(1 for c in installed.table("crm.company") if c["IS_MY_COMPANY"] == "Y") == 1
    live_app.drain(installed)  # the company and comment events the writes fired
    with live_app.sessions() as s:
        assert not s.scalars(select(InboxEvent).where(InboxEvent.status != "done")).all()


def test_a_refused_write_is_retried_and_a_lost_answer_not_repeated(installed, live_app) -> None:
    manager = installed.meta["managers"][0]
    hand_in(live_app, installed, manager)
    installed.fail_next("crm.timeline.comment.add", error="INTERNAL_SERVER_ERROR", status=500)
    assert run(live_app, installed, myday_jobs.write_day_reports) == 0
    assert comments(installed) == []
    with live_app.sessions() as s:
        (row,) = myday.for_days(s, portals.find(s, installed.member_id).id,
                                datetime.now(UTC).date(), datetime.now(UTC).date())
        row.due_at = datetime.now(UTC)  # the backoff has passed
        s.commit()
    installed.lose_answer_next("crm.timeline.comment.add")
    assert run(live_app, installed, myday_jobs.write_day_reports) == 0
    assert len(comments(installed)) == 1  # the portal took it, the app never heard
    with live_app.sessions() as s:
        (row,) = myday.for_days(s, portals.find(s, installed.member_id).id,
                                datetime.now(UTC).date(), datetime.now(UTC).date())
        row.due_at = datetime.now(UTC)
        s.commit()
    assert run(live_app, installed, myday_jobs.write_day_reports) == 1
    assert len(comments(installed)) == 1
