"""Calls against the emulated portal: deals from new and missed calls, timeline, call-backs."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sandbox import people
from sandbox.crm_common import phone_key
from store.telephony_models import CallWork
from tests.e2e.telephony_kit import (
    comments_on,
    no_client_limit,
    our_deals,
    prepare,
    run_work,
    settle,
    todos_on,
)

NEW = "+7 (999) 123-45-67"


@pytest.fixture
def phones(installed, live_app, monkeypatch):
    no_client_limit(monkeypatch)
    prepare(installed, live_app)
    return installed


def manager_deal_with_phone(portal) -> tuple[dict, str]:
    """An open deal of a manager whose contact has a phone (the seeded company has some)."""
    for deal in portal.table("crm.deal"):
        if deal["STAGE_SEMANTIC_ID"] != "P" or int(deal["ASSIGNED_BY_ID"]) not in \
                portal.meta["managers"]:
            continue
        contact = portal.table("crm.contact").get(int(deal.get("CONTACT_ID") or 0)) or {}
        if contact.get("PHONE"):
            return deal, contact["PHONE"][0]["VALUE"]
    raise AssertionError("the seed has no manager deal with a phone")


def test_missed_call_from_a_new_number_opens_one_deal_on_the_exchange(phones, live_app) -> None:
    manager = phones.meta["managers"][0]
    people.call(phones, user_id=manager, phone=NEW, incoming=True, answered=False)
    settle(live_app, phones)
    [deal] = our_deals(phones)
    assert int(deal["ASSIGNED_BY_ID"]) == phones.meta["exchange"]
    assert deal["SOURCE_ID"] == "CALL" and "reg150908" in deal["SOURCE_DESCRIPTION"]
    contact = phones.table("crm.contact").get(int(deal["CONTACT_ID"]))
    assert phone_key(contact["PHONE"][0]["VALUE"]) == phone_key(NEW)
    [comment] = comments_on(phones, int(deal["ID"]))
    assert "Пропущенный звонок" in comment and "+7 999 123-45-67" in comment

    people.call(phones, user_id=manager, phone="89991234567", incoming=True, duration=40)
    settle(live_app, phones)
    assert len(our_deals(phones)) == 1  # the same number, spelled otherwise: the same deal
    second = comments_on(phones, int(deal["ID"]))[-1]
    assert "Входящий звонок" in second and "на вкладке «Биржа и контроль»" in second  # recording


def test_answered_call_from_a_new_number_also_opens_a_deal(phones, live_app) -> None:
    people.call(phones, user_id=phones.meta["managers"][1], phone="+49 30 1234567",
                incoming=True, duration=95)
    settle(live_app, phones)
    [deal] = our_deals(phones)
    assert "Входящий звонок" in comments_on(phones, int(deal["ID"]))[0]


def test_answered_call_from_a_known_client_changes_nothing(phones, live_app) -> None:
    _, phone = manager_deal_with_phone(phones)
    before = len(phones.table("crm.deal"))
    people.call(phones, user_id=phones.meta["managers"][0], phone=phone, incoming=True,
                duration=60)
    settle(live_app, phones)
    assert len(phones.table("crm.deal")) == before and not our_deals(phones)


def test_missed_call_from_a_managers_client_gives_him_one_call_back_todo(phones,
                                                                         live_app) -> None:
    deal, phone = manager_deal_with_phone(phones)
    manager = int(deal["ASSIGNED_BY_ID"])
    people.call(phones, user_id=phones.meta["managers"][-1], phone=phone, incoming=True,
                answered=False)
    settle(live_app, phones)
    [todo] = todos_on(phones, int(deal["ID"]))
    assert int(todo["RESPONSIBLE_ID"]) == manager and todo["COMPLETED"] == "N"
    assert not our_deals(phones)

    people.call(phones, user_id=phones.meta["managers"][-1], phone=phone, incoming=True,
                answered=False)
    settle(live_app, phones)
    assert len(todos_on(phones, int(deal["ID"]))) == 1  # ours is still open: no second one

    phones.invoke("crm.activity.update", {"id": todo["ID"], "fields": {"COMPLETED": "Y"}},
                  user_id=manager)
    people.call(phones, user_id=phones.meta["managers"][-1], phone=phone, incoming=True,
                answered=False)
    settle(live_app, phones)
    assert len(todos_on(phones, int(deal["ID"]))) == 2


def test_without_an_exchange_the_deal_goes_to_the_head_of_sales(installed, live_app) -> None:
    prepare(installed, live_app, exchange=False)
    people.call(installed, user_id=installed.meta["managers"][0], phone=NEW, incoming=True,
                answered=False)
    settle(live_app, installed)
    [deal] = our_deals(installed)
    assert int(deal["ASSIGNED_BY_ID"]) == installed.meta["head"]


def test_a_failed_step_is_retried_and_nothing_is_done_twice(phones, live_app) -> None:
    people.call(phones, user_id=phones.meta["managers"][0], phone=NEW, incoming=True,
                answered=False)
    phones.fail_next("crm.deal.add", "INTERNAL_SERVER_ERROR", 500, times=1)
    settle(live_app, phones)
    assert not our_deals(phones)
    with live_app.sessions() as s:
        [work] = s.scalars(select(CallWork).where(CallWork.kind == "deal")).all()
        assert (work.status, work.attempts) == ("pending", 1)
        work.next_attempt_at = work.created_at  # its retry time has come
        s.commit()
    settle(live_app, phones)
    phones.flush_events()
    live_app.drain(phones)  # the same events once more: nothing new is queued
    assert not run_work(live_app, phones)
    [deal] = our_deals(phones)
    assert len(comments_on(phones, int(deal["ID"]))) == 1
    assert len([c for c in phones.table("crm.contact") if phone_key(
        (c.get("PHONE") or [{}])[0].get("VALUE")) == phone_key(NEW)]) == 1

