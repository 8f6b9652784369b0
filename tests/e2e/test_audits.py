"""Rejection audits and the first-purchase hand-off against the emulated portal."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from handlers.audits import config as audit_config
from handlers.audits import outcomes, stats
from handlers.exchange import config
from handlers.exchange.actions import action_context
from jobs import audits as audit_jobs
from jobs.runner import sync_all
from sandbox import people
from store import exchange as journal
from store import portals
from store.audits_models import AuditCallback, ClientHandoff, Rejection


@pytest.fixture
def audited(installed, live_app):
    """Mirrored, the exchange configured, audits with a fixed controller and no sampling."""
    sync_all(live_app.app)
    with live_app.sessions() as s:
        pid = portals.find(s, installed.member_id).id
        now = datetime.now(UTC)
        config.save(s, pid, config.ExchangeConfig(
            exchange_user_id=installed.meta["exchange"], default_cap=100,
            head_user_id=installed.meta["head"]), user_id=1, now=now)
        audit_config.save(s, pid, audit_config.AuditConfig(sample_percent=0, callback_days=3),
                          user_id=1, now=now)
        s.commit()
    return installed


def run(live_app, portal, job, *, later: timedelta = timedelta()):
    with live_app.sessions() as s:
        row = portals.find(s, portal.member_id)
    with action_context(row, live_app.sessions, live_app.settings) as ctx:
        ctx.now = ctx.now + later
        return job(ctx)


def rejection_of(live_app, deal_id: int) -> Rejection:
    with live_app.sessions() as s:
        return s.scalar(select(Rejection).where(Rejection.b24_entity_id == deal_id))


def tasks_for(portal, deal_id: int) -> list[dict]:
    return [t for t in portal.table("tasks.task") if f"D_{deal_id}" in (t.get("ufCrmTask") or [])]


def claimed_web_deal(portal, live_app, manager: int, phone: str) -> int:
    deal_id, _, _ = people.web_form_deal(portal, name="Ольга Смирнова", phone=phone,
                                         assigned_by=portal.meta["head"])
    live_app.drain(portal)
    people.claim_deal(portal, manager, deal_id)
    live_app.drain(portal)
    return deal_id


def lost_after_short_call(portal, live_app, manager: int, phone: str) -> int:
    deal_id = claimed_web_deal(portal, live_app, manager, phone)
    people.call_back(portal, user_id=manager, phone=phone, duration=3)
    people.lose_deal(portal, manager, deal_id, "Клиент не берет трубку")
    live_app.drain(portal)
    assert run(live_app, portal, audit_jobs.audit_rejections) >= 1
    return deal_id


def test_short_call_rejection_scores_high_and_gets_a_callback_on_its_day(audited,
                                                                         live_app) -> None:
    manager = audited.meta["managers"][0]
    deal_id = lost_after_short_call(audited, live_app, manager, "+7 913 555-01-01")
    row = rejection_of(live_app, deal_id)
    assert row.state == "open" and row.manager_id == manager and row.stage_id == "LOSE"
    assert row.reason == "Клиент не берет трубку"
    assert {"short_calls_only", "quick_reject", "no_answer_claim"} <= set(row.reasons)
    assert row.score >= 50
    assert [c["seconds"] for c in row.evidence["calls"]] == [3]
    assert row.evidence["calls"][0]["record_call"]  # a portal disk file, played via the app
    due = row.rejected_at + timedelta(days=3)
    assert run(live_app, audited, audit_jobs.fire_audit_callbacks,
               later=due - datetime.now(UTC) - timedelta(minutes=1)) == 0
    assert tasks_for(audited, deal_id) == []
    assert run(live_app, audited, audit_jobs.fire_audit_callbacks,
               later=due - datetime.now(UTC) + timedelta(minutes=1)) == 1
    [task] = tasks_for(audited, deal_id)
    assert int(task["responsibleId"]) == audited.meta["quality"]
    assert "3 с" in task["description"] and "запись — на странице «Отказы»" in \
        task["description"]


def test_confirmed_audit_changes_nothing_else(audited, live_app) -> None:
    manager = audited.meta["managers"][1]
    deal_id = lost_after_short_call(audited, live_app, manager, "+7 913 555-02-02")
    before = dict(audited.table("crm.deal").get(deal_id))
    calls = len(audited.calls)
    with live_app.sessions() as s:
        portal = portals.find(s, audited.member_id)
    with action_context(portal, live_app.sessions, live_app.settings) as ctx:
        result = outcomes.decide(ctx, audited.meta["quality"], rejection_of(live_app, deal_id).id,
                                 "confirmed")
    assert result.ok
    assert audited.table("crm.deal").get(deal_id) == before
    assert len(audited.calls) == calls  # not one REST call
    assert rejection_of(live_app, deal_id).state == "confirmed"
    with live_app.sessions() as s:
        assert s.scalar(select(AuditCallback.status)) == "scheduled"  # still called back


def test_false_rejection_returns_the_deal_to_the_exchange_and_counts(audited, live_app) -> None:
    manager = audited.meta["managers"][2]
    deal_id = lost_after_short_call(audited, live_app, manager, "+7 913 555-03-03")
    with live_app.sessions() as s:
        portal = portals.find(s, audited.member_id)
    with action_context(portal, live_app.sessions, live_app.settings) as ctx:
        rid = rejection_of(live_app, deal_id).id
        assert outcomes.decide(ctx, audited.meta["quality"], rid, "false_rejection").ok
    with action_context(portal, live_app.sessions, live_app.settings) as ctx:
        again = outcomes.decide(ctx, audited.meta["quality"], rid, "confirmed")
    assert not again.ok and again.message_key == "audit_already_decided"
    live_app.drain(audited)  # the echo of our own update changes nothing
    deal = audited.table("crm.deal").get(deal_id)
    assert deal["STAGE_ID"] == "NEW" and deal["STAGE_SEMANTIC_ID"] == "P"
    assert int(deal["ASSIGNED_BY_ID"]) == audited.meta["exchange"]
    comments = [c["COMMENT"] for c in audited.table("crm.timeline.comment")
                if int(c["ENTITY_ID"]) == deal_id]
    assert any("ложным" in c for c in comments)
    with live_app.sessions() as s:
        assert stats.false_rejections(s, portal.id) == {manager: 1}
        last = journal.last_event(s, portal.id, deal_id, ("landed", "returned"))
        assert last.kind == "landed"
        assert rejection_of(live_app, deal_id).state == "false_rejection"
        assert s.scalar(select(AuditCallback.status)) == "cancelled"  # the deal is in work


def test_client_reengaged_opens_a_new_deal_on_the_exchange(audited, live_app) -> None:
    manager = audited.meta["managers"][3]
    deal_id = lost_after_short_call(audited, live_app, manager, "+7 913 555-04-04")
    with live_app.sessions() as s:
        portal = portals.find(s, audited.member_id)
    with action_context(portal, live_app.sessions, live_app.settings) as ctx:
        result = outcomes.decide(ctx, audited.meta["quality"],
                                 rejection_of(live_app, deal_id).id, "reengaged")
    assert result.ok
    live_app.drain(audited)
    new = audited.table("crm.deal").get(result.params["deal"])
    old = audited.table("crm.deal").get(deal_id)
    assert int(new["ASSIGNED_BY_ID"]) == audited.meta["exchange"]
    assert new["CONTACT_ID"] == old["CONTACT_ID"] and new["STAGE_SEMANTIC_ID"] == "P"


def test_first_won_deal_hands_the_contact_to_the_senior_once(audited, live_app) -> None:
    manager, senior = audited.meta["managers"][4], audited.meta["senior"]
    phone = "+7 913 555-05-05"
    first = claimed_web_deal(audited, live_app, manager, phone)
    contact_id = int(audited.table("crm.deal").get(first)["CONTACT_ID"])
    people.win_deal(audited, manager, first)
    live_app.drain(audited)
    assert run(live_app, audited, audit_jobs.hand_off_clients) == 1
    live_app.drain(audited)
    assert int(audited.table("crm.contact").get(contact_id)["ASSIGNED_BY_ID"]) == senior
    todos = [a for a in audited.table("crm.activity") if a["PROVIDER_ID"] == "CRM_TODO"
             and a["OWNER_TYPE_ID"] == "3" and int(a["OWNER_ID"]) == contact_id]
    assert len(todos) == 1 and int(todos[0]["RESPONSIBLE_ID"]) == senior
    second = claimed_web_deal(audited, live_app, manager, phone)
    assert int(audited.table("crm.deal").get(second)["CONTACT_ID"]) == contact_id
    people.win_deal(audited, manager, second)
    live_app.drain(audited)
    assert run(live_app, audited, audit_jobs.hand_off_clients) == 0
    with live_app.sessions() as s:
        rows = s.scalars(select(ClientHandoff).where(ClientHandoff.b24_client_id == contact_id))
        assert [(r.b24_deal_id, r.status) for r in rows] == [(first, "done")]
    assert len([a for a in audited.table("crm.activity") if a["PROVIDER_ID"] == "CRM_TODO"
                and int(a["OWNER_ID"]) == contact_id and a["OWNER_TYPE_ID"] == "3"]) == 1


def test_restart_between_scheduling_and_firing_loses_nothing_and_doubles_nothing(
        audited, live_app) -> None:
    from app import create_app

    manager = audited.meta["managers"][5]
    deal_id = lost_after_short_call(audited, live_app, manager, "+7 913 555-06-06")
    with live_app.sessions() as s:
        assert s.scalar(select(AuditCallback.status)) == "scheduled"
    restarted = create_app(live_app.settings)  # a fresh process: its own engine and sessions
    later = timedelta(days=3, minutes=5)

    def fire() -> int:
        with restarted.extensions["db_sessions"]() as s:
            row = portals.find(s, audited.member_id)
        with action_context(row, restarted.extensions["db_sessions"],
                            live_app.settings) as ctx:
            ctx.now = ctx.now + later
            return audit_jobs.fire_audit_callbacks(ctx)

    fired: list[int] = []
    threads = [threading.Thread(target=lambda: fired.append(fire())) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    fired.append(fire())  # and once more after both
    assert sorted(fired) == [0, 0, 1]
    assert len(tasks_for(audited, deal_id)) == 1
    restarted.extensions["db_engine"].dispose()


def test_a_junk_lead_from_the_lead_rules_is_audited_and_can_be_reopened(audited,
                                                                          live_app) -> None:
    from store.leads_models import LeadJunkAudit

    manager = audited.meta["managers"][0]
    lead_id = people.web_form_lead(audited, name="Пётр", phone="+7 913 555-07-07",
                                   assigned_by=manager)
    live_app.drain(audited)
    people.call_back(audited, user_id=manager, phone="+7 913 555-07-07", duration=3)
    people.edit(audited, manager, "lead", lead_id, STATUS_ID="JUNK")
    live_app.drain(audited)
    assert run(live_app, audited, audit_jobs.audit_rejections) == 1
    row = rejection_of(live_app, lead_id)
    assert (row.entity_type, row.stage_id, row.manager_id) == ("lead", "JUNK", manager)
    assert "evidence_missing" in row.reasons and "short_calls_only" in row.reasons
    assert [c["seconds"] for c in row.evidence["calls"]] == [3]
    assert run(live_app, audited, audit_jobs.audit_rejections) == 0  # taken once
    with live_app.sessions() as s:
        portal = portals.find(s, audited.member_id)
    with action_context(portal, live_app.sessions, live_app.settings) as ctx:
        assert outcomes.decide(ctx, audited.meta["quality"], row.id, "false_rejection").ok
    lead = audited.table("crm.lead").get(lead_id)
    assert lead["STATUS_SEMANTIC_ID"] == "P"
    with live_app.sessions() as s:
        assert s.scalar(select(LeadJunkAudit.state)) == "false_rejection"
        assert stats.false_rejections(s, portal.id) == {manager: 1}


def test_the_first_follow_up_waits_the_delay_of_the_deals_pipeline(audited, live_app) -> None:
    """Issue 16 item 4: the pipeline's own delay (7 days) beats the common one (3)."""
    with live_app.sessions() as s:
        pid = portals.find(s, audited.member_id).id
        audit_config.save(s, pid, audit_config.AuditConfig(
            sample_percent=0, followup_days=3, followup_by_pipeline={0: 7, 1: 2}),
            user_id=1, now=datetime.now(UTC))
        s.commit()
    manager = audited.meta["managers"][5]
    first = claimed_web_deal(audited, live_app, manager, "+7 913 555-06-06")
    contact_id = int(audited.table("crm.deal").get(first)["CONTACT_ID"])
    people.win_deal(audited, manager, first)
    live_app.drain(audited)
    before = datetime.now(UTC)
    assert run(live_app, audited, audit_jobs.hand_off_clients) == 1
    todo = next(a for a in audited.table("crm.activity") if a["PROVIDER_ID"] == "CRM_TODO"
                and a["OWNER_TYPE_ID"] == "3" and int(a["OWNER_ID"]) == contact_id)
    due = datetime.fromisoformat(todo["DEADLINE"])
    assert timedelta(days=7) - timedelta(minutes=5) < due - before < timedelta(days=7, minutes=5)


def test_no_answer_rejection_with_a_transcribed_talk_scores_high(audited, live_app) -> None:
    from jobs import comm as comm_jobs
    from sandbox import conversations

    manager, phone = audited.meta["managers"][0], "+7 913 555-01-77"
    deal_id = claimed_web_deal(audited, live_app, manager, phone)
    log = people.call_back(audited, user_id=manager, phone=phone, duration=3)
    conversations.transcribe(audited, log.activity_id, "Менеджер: Добрый день\nКлиент: Да\n"
                             "Менеджер: Удобно говорить?\nКлиент: Да, слушаю\nКлиент: Дорого\n"
                             "Клиент: Подумаю")
    people.lose_deal(audited, manager, deal_id, "Клиент не берет трубку")
    live_app.drain(audited)
    run(live_app, audited, comm_jobs.sync_conversations)
    assert run(live_app, audited, audit_jobs.audit_rejections) >= 1
    row = rejection_of(live_app, deal_id)
    assert "transcript_talk" in row.reasons and row.score >= 50 and row.evidence["talks"] == 1


def test_a_transcript_read_after_the_audit_scores_the_rejection_again(audited, live_app) -> None:
    """The audit ran first; the comm sync reads the transcript later and the score follows."""
    from jobs import comm as comm_jobs
    from sandbox import conversations

    manager, phone = audited.meta["managers"][1], "+7 913 555-01-78"
    deal_id = claimed_web_deal(audited, live_app, manager, phone)
    log = people.call_back(audited, user_id=manager, phone=phone, duration=3)
    people.lose_deal(audited, manager, deal_id, "Клиент не берет трубку")
    live_app.drain(audited)
    run(live_app, audited, comm_jobs.sync_conversations)  # the watermark passes the bare call
    assert run(live_app, audited, audit_jobs.audit_rejections) >= 1
    before = rejection_of(live_app, deal_id)
    assert "transcript_talk" not in before.reasons and before.evidence["talks"] == 0
    conversations.transcribe(audited, log.activity_id, "Менеджер: Добрый день\nКлиент: Да\n"
                             "Менеджер: Удобно говорить?\nКлиент: Да, слушаю\nКлиент: Дорого\n"
                             "Клиент: Подумаю")
    run(live_app, audited, comm_jobs.sync_conversations)
    row = rejection_of(live_app, deal_id)
    assert "transcript_talk" in row.reasons and row.score >= 50 and row.evidence["talks"] == 1
    with live_app.sessions() as s:
        assert s.scalar(select(AuditCallback).where(AuditCallback.rejection_id == row.id))
