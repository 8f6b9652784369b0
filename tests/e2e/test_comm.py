"""Reading conversations from the emulated portal: e-mails, open lines, transcripts, checked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from handlers.exchange.actions import action_context
from jobs import comm as comm_jobs
from sandbox import conversations
from store import portals
from store.comm_models import CommMessage
from store.models import SyncCursor


def run(live_app, portal, job):
    with live_app.sessions() as s:
        row = portals.find(s, portal.member_id)
    with action_context(row, live_app.sessions, live_app.settings) as ctx:
        return job(ctx)


def stored(live_app) -> dict[str, CommMessage]:
    with live_app.sessions() as s:
        return {m.source_key: m for m in s.scalars(select(CommMessage))}


def test_sync_reads_checks_and_resumes_from_the_watermark(installed, live_app) -> None:
    portal, manager = installed, installed.meta["managers"][0]
    at = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    contact = portal.invoke("crm.contact.add", {"fields": {
        "NAME": "Иван", "SECOND_NAME": "Петрович", "LAST_NAME": "Сидоров"}}, user_id=manager)
    asked = conversations.email(portal, manager=manager, contact_id=contact, incoming=True,
                                text="Пришлите счёт, пожалуйста.", at=at)
    replied = conversations.email(portal, manager=manager, contact_id=contact, incoming=False,
                                  text="Иван Петрович, извените, счёт сдесь.",
                                  at=at + timedelta(minutes=30))
    session, _ = conversations.dialogue(portal, manager=manager, contact_id=contact,
                                        client_name="Иван", lines=[
        (True, "Когда доставка?", at), (False, "Завтра. У нас бардак на складе.",
                                        at + timedelta(minutes=7))])
    assert run(live_app, portal, comm_jobs.sync_conversations) == 4
    found = stored(live_app)
    mail = found[f"act:{replied}"]
    assert mail.named is True and mail.misspelled == ["извените", "сдесь"]
    assert found[f"act:{asked}"].incoming and found[f"act:{asked}"].named is None
    chat = [m for k, m in found.items() if k.startswith(f"ol:{session}:") and not m.incoming]
    assert chat[0].forbidden == ["у нас бардак"] and chat[0].named is False
    assert run(live_app, portal, comm_jobs.sync_conversations) == 0  # nothing new
    later = conversations.email(portal, manager=manager, contact_id=contact, incoming=True,
                                text="Спасибо!", at=at + timedelta(hours=1))
    assert run(live_app, portal, comm_jobs.sync_conversations) == 1
    with live_app.sessions() as s:
        cursor = s.scalar(select(SyncCursor).where(SyncCursor.entity == comm_jobs.CURSOR))
        assert cursor.last_id == later


def test_a_failing_history_is_read_again_next_run(installed, live_app) -> None:
    portal, manager = installed, installed.meta["managers"][0]
    at = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    contact = portal.invoke("crm.contact.add", {"fields": {"NAME": "Анна"}}, user_id=manager)
    session, _ = conversations.dialogue(portal, manager=manager, contact_id=contact,
                                        client_name="Анна", lines=[(True, "Алло?", at)])
    portal.fail_next("imopenlines.session.history.get", error="INTERNAL_SERVER_ERROR",
                     status=500, times=1)
    assert run(live_app, portal, comm_jobs.sync_conversations) == 0
    assert run(live_app, portal, comm_jobs.sync_conversations) == 1
    assert f"ol:{session}:" in next(iter(stored(live_app)))


def test_the_scheduler_runs_the_comm_sync(installed, live_app) -> None:
    from jobs.runner import comm_sync, job_specs

    assert "comm_sync" in {s.id for s in job_specs(live_app.settings)}
    manager = installed.meta["managers"][0]
    contact = installed.invoke("crm.contact.add", {"fields": {"NAME": "Олег"}}, user_id=manager)
    mail = conversations.email(installed, manager=manager, contact_id=contact, incoming=False,
                               text="Олег, добрый день!", at=datetime(2026, 12, 7, 9, tzinfo=UTC))
    comm_sync(live_app.app)
    assert stored(live_app)[f"act:{mail}"].named is True
