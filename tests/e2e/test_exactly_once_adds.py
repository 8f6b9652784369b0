"""Issue 14 #10, the adds: a call-back task or to-do, a converted lead's deal, is never doubled
when the portal ran the add and its answer was lost (sandbox `lose_answer_next`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from handlers.audits import config as audit_config
from handlers.exchange.actions import action_context
from handlers.telephony.callback import request_callback
from jobs import audits as audit_jobs
from sandbox import people
from store import portals
from store.models import Call
from store.telephony_models import CallWork
from tests.e2e.telephony_kit import comments_on, our_deals, settle, todos_on
from tests.e2e.test_audits import (  # noqa: F401
    audited,
    claimed_web_deal,
    lost_after_short_call,
    rejection_of,
    run,
    tasks_for,
)
from tests.e2e.test_lead_rules import convert_now, lead, leads, new_lead  # noqa: F401
from tests.e2e.test_telephony import (
    NEW,
    callers_cards,
    manager_deal_with_phone,
    phones,  # noqa: F401
)


def todos_for(portal, deal_id: int) -> list[dict]:
    return [a for a in portal.table("crm.activity")
            if int(a.get("OWNER_ID") or 0) == deal_id and int(a.get("OWNER_TYPE_ID") or 0) == 2
            and "Контроль" in str(a.get("SUBJECT"))]


def use_todos(live_app, portal) -> None:
    with live_app.sessions() as s:
        pid = portals.find(s, portal.member_id).id
        cfg = audit_config.load(s, pid)
        audit_config.save(s, pid, audit_config.AuditConfig(**{
            **cfg.__dict__, "callback_kind": "todo"}), user_id=1, now=datetime.now(UTC))
        s.commit()


@pytest.mark.parametrize("kind", ["task", "todo"])
def test_callback_with_a_lost_answer_is_created_once(audited, live_app, kind) -> None:  # noqa: F811
    manager = audited.meta["managers"][4]
    deal_id = lost_after_short_call(audited, live_app, manager, "+7 913 555-08-08")
    if kind == "todo":
        use_todos(live_app, audited)
    method = "tasks.task.add" if kind == "task" else "crm.activity.todo.add"
    due = rejection_of(live_app, deal_id).rejected_at + timedelta(days=3)
    later = due - datetime.now(UTC) + timedelta(minutes=1)
    audited.lose_answer_next(method)  # the portal adds it, the app gets a 504 page
    assert run(live_app, audited, audit_jobs.fire_audit_callbacks, later=later) == 0
    found = tasks_for if kind == "task" else todos_for
    assert len(found(audited, deal_id)) == 1  # it ran; the app does not know
    for extra in (20, 60, 180):  # the callback's retries after their backoff
        run(live_app, audited, audit_jobs.fire_audit_callbacks,
            later=later + timedelta(minutes=extra))
    assert len(found(audited, deal_id)) == 1, found(audited, deal_id)


def lose_the_add(portal, entity_type_id: int) -> dict[str, int]:
    """Arm the fault for the first crm.item.add of this entity type (it runs, answer lost)."""
    seen = {"lost": 0}

    def hook(method: str, params: dict) -> None:
        if method.lower() == "crm.item.add" and not seen["lost"] and \
                int(params.get("entityTypeId") or 0) == entity_type_id:
            seen["lost"] += 1
            portal.lose_answer_next("crm.item.add")
    portal.on_request = hook
    return seen


def retry_call_work(live_app, portal) -> None:
    with live_app.sessions() as s:
        for work in s.scalars(select(CallWork).where(CallWork.status == "pending")):
            work.next_attempt_at = work.created_at  # its retry time has come
        s.commit()
    settle(live_app, portal)


@pytest.mark.parametrize("entity_type_id", [3, 2])  # the contact's add, the deal's add
def test_call_from_a_new_number_with_a_lost_answer_makes_one_chain(
        phones, live_app, entity_type_id) -> None:  # noqa: F811
    assert phones.telephony_creates_leads  # crm.item.add with leadId converts the lead
    people.call(phones, user_id=phones.meta["managers"][0], phone=NEW, incoming=True,
                answered=False)
    seen = lose_the_add(phones, entity_type_id)
    settle(live_app, phones)
    assert seen["lost"] == 1
    for _ in range(3):
        retry_call_work(live_app, phones)
    [contact], [lead] = callers_cards(phones, NEW)
    [deal] = our_deals(phones)
    assert (deal["LEAD_ID"], deal["CONTACT_ID"]) == (lead["ID"], contact["ID"])
    assert (lead["STATUS_SEMANTIC_ID"], lead["CONTACT_ID"]) == ("S", contact["ID"])
    assert len(comments_on(phones, int(deal["ID"]))) == 1


def test_missed_call_todo_with_a_lost_answer_is_added_once(phones, live_app) -> None:  # noqa: F811
    deal, phone = manager_deal_with_phone(phones)
    phones.lose_answer_next("crm.activity.todo.add")
    people.call(phones, user_id=phones.meta["managers"][-1], phone=phone, incoming=True,
                answered=False)
    settle(live_app, phones)
    assert len(todos_on(phones, int(deal["ID"]))) == 1  # it ran; the app does not know
    for _ in range(3):
        retry_call_work(live_app, phones)
    assert len(todos_on(phones, int(deal["ID"]))) == 1


@pytest.mark.parametrize("entity_type_id", [3, 4, 2])  # contact, company, deal
def test_lead_conversion_with_a_lost_answer_makes_nothing_twice(
        leads, live_app, entity_type_id) -> None:  # noqa: F811
    manager = leads.meta["managers"][2]
    lead_id = new_lead(leads, manager=manager, phone="+7 912 777-55-44")
    people.edit(leads, manager, "lead", lead_id, COMPANY_TITLE="ООО «Потерянный ответ»")
    live_app.drain(leads)
    counts = {t: len(leads.table(t)) for t in ("crm.contact", "crm.company", "crm.deal")}
    seen = lose_the_add(leads, entity_type_id)
    first = convert_now(live_app, leads, lead_id, manager)
    assert seen["lost"] == 1 and not first.ok
    second = convert_now(live_app, leads, lead_id, manager)  # the manager clicks again
    assert second.ok, second
    assert {t: len(leads.table(t)) for t in counts} == {t: n + 1 for t, n in counts.items()}
    assert lead(leads, lead_id)["STATUS_ID"] == "CONVERTED"


def test_call_back_button_after_a_lost_answer_sets_one_todo(phones, live_app) -> None:  # noqa: F811
    deal, phone = manager_deal_with_phone(phones)
    people.call(phones, user_id=phones.meta["managers"][-1], phone=phone, incoming=True,
                answered=False)
    settle(live_app, phones)
    [missed] = todos_on(phones, int(deal["ID"]))
    phones.invoke("crm.activity.update", {"id": missed["ID"], "fields": {"COMPLETED": "Y"}},
                  user_id=int(deal["ASSIGNED_BY_ID"]))
    with live_app.sessions() as s:
        row = portals.find(s, phones.member_id)
        call_id = s.scalar(select(Call.call_id).where(Call.portal_id == row.id)
                           .order_by(Call.start_at.desc()).limit(1))
    phones.lose_answer_next("crm.activity.todo.add")
    results = []
    for _click in range(2):  # the first click said "portal error": the manager clicks again
        with action_context(row, live_app.sessions, live_app.settings) as ctx:
            results.append(request_callback(ctx, phones.meta["head"], call_id))
    assert [r.message_key for r in results] == ["portal_error", "callback_set"]
    assert len(todos_on(phones, int(deal["ID"]))) == 2  # the missed call's, done; and one


def test_first_purchase_handoff_with_a_lost_answer_adds_one_todo(audited, live_app) -> None:  # noqa: F811
    manager, senior = audited.meta["managers"][5], audited.meta["senior"]
    first = claimed_web_deal(audited, live_app, manager, "+7 913 555-09-09")
    contact_id = int(audited.table("crm.deal").get(first)["CONTACT_ID"])
    people.win_deal(audited, manager, first)
    live_app.drain(audited)
    audited.lose_answer_next("batch")  # the reassignment and the to-do run, the answer is lost
    assert run(live_app, audited, audit_jobs.hand_off_clients) == 0
    for minutes in (20, 60, 180):  # its retries after their backoff
        run(live_app, audited, audit_jobs.hand_off_clients, later=timedelta(minutes=minutes))
    live_app.drain(audited)
    todos = [a for a in audited.table("crm.activity") if a["PROVIDER_ID"] == "CRM_TODO"
             and a["OWNER_TYPE_ID"] == "3" and int(a["OWNER_ID"]) == contact_id]
    assert len(todos) == 1 and int(todos[0]["RESPONSIBLE_ID"]) == senior
