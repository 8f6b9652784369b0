"""Calls against the emulated portal: deals from new and missed calls, timeline, call-backs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from handlers.exchange import config
from handlers.telephony import lines
from sandbox import people
from sandbox.crm_common import phone_key
from store import portals
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


def test_the_manager_who_answers_a_new_number_gets_its_deal(phones, live_app) -> None:
    """Issue 16 item 5: the quickest manager earns the client; the exchange does not take it."""
    manager = phones.meta["managers"][2]
    people.call(phones, user_id=manager, phone=NEW, incoming=True, duration=70)
    settle(live_app, phones)
    [deal] = our_deals(phones)
    assert int(deal["ASSIGNED_BY_ID"]) == manager
    assert int(phones.table("crm.contact").get(int(deal["CONTACT_ID"]))["ASSIGNED_BY_ID"]) == \
        manager  # settle() drained the deal's ONCRMDEALADD: the exchange left it with him


@pytest.mark.parametrize("who", ["head", "switched_off"])
def test_a_new_number_answered_by_no_manager_or_with_the_switch_off_goes_to_the_exchange(
        phones, live_app, who) -> None:
    user = phones.meta["head"] if who == "head" else phones.meta["managers"][2]
    if who == "switched_off":
        with live_app.sessions() as s:
            pid = portals.find(s, phones.member_id).id
            cfg = config.load(s, pid)
            cfg.answerer_takes_new_client = False
            config.save(s, pid, cfg, user_id=1, now=datetime.now(UTC))
            s.commit()
    people.call(phones, user_id=user, phone=NEW, incoming=True, duration=70)
    settle(live_app, phones)
    [deal] = our_deals(phones)
    assert int(deal["ASSIGNED_BY_ID"]) == phones.meta["exchange"]


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


@pytest.mark.parametrize("portal_leads", [True, False])
def test_a_failed_step_is_retried_and_nothing_is_done_twice(phones, live_app,
                                                            portal_leads) -> None:
    phones.telephony_creates_leads = portal_leads
    people.call(phones, user_id=phones.meta["managers"][0], phone=NEW, incoming=True,
                answered=False)
    phones.fail_next("crm.item.add", "INTERNAL_SERVER_ERROR", 500, times=1)
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



def callers_cards(portal, phone: str) -> tuple[list[dict], list[dict]]:
    """The contacts and leads that own this number."""
    def own(card: dict) -> bool:
        return any(phone_key(e.get("VALUE")) == phone_key(phone) for e in card.get("PHONE") or ())
    return ([c for c in portal.table("crm.contact") if own(c)],
            [lead for lead in portal.table("crm.lead") if own(lead)])


@pytest.mark.parametrize("answered", [False, True])
def test_the_portals_own_lead_becomes_the_callers_one_chain(phones, live_app, answered) -> None:
    """Switch on (a new portal's default): lead -> contact -> deal, converted, nothing twice."""
    assert phones.telephony_creates_leads
    entry = people.call(phones, user_id=phones.meta["managers"][0], phone=NEW, incoming=True,
                        answered=answered, duration=50)
    settle(live_app, phones)
    phones.flush_events()
    live_app.drain(phones)  # the same events once more: nothing new
    assert not run_work(live_app, phones)
    [contact], [lead] = callers_cards(phones, NEW)
    [deal] = our_deals(phones)
    assert int(lead["ID"]) == entry.created_lead
    assert (deal["LEAD_ID"], deal["CONTACT_ID"]) == (lead["ID"], contact["ID"])
    assert contact["LEAD_ID"] == lead["ID"]
    assert (lead["STATUS_SEMANTIC_ID"], lead["CONTACT_ID"]) == ("S", contact["ID"])
    taker = phones.meta["managers"][0] if answered else phones.meta["exchange"]  # issue 16.5
    assert int(deal["ASSIGNED_BY_ID"]) == taker


def test_with_the_switch_off_the_app_alone_makes_the_client(phones, live_app) -> None:
    phones.telephony_creates_leads = False
    people.call(phones, user_id=phones.meta["managers"][0], phone=NEW, incoming=True,
                answered=False)
    settle(live_app, phones)
    [contact], leads = callers_cards(phones, NEW)
    [deal] = our_deals(phones)
    assert not leads and deal["LEAD_ID"] is None and deal["CONTACT_ID"] == contact["ID"]


def test_a_lead_a_manager_already_closed_is_left_alone(phones, live_app) -> None:
    entry = people.call(phones, user_id=phones.meta["managers"][0], phone=NEW, incoming=True,
                        answered=False)
    people.edit(phones, phones.meta["managers"][0], "lead", entry.created_lead, STATUS_ID="JUNK")
    settle(live_app, phones)
    [deal] = our_deals(phones)
    assert deal["LEAD_ID"] is None
    assert phones.table("crm.lead").get(entry.created_lead)["STATUS_ID"] == "JUNK"


def test_without_the_statistics_row_the_fresh_lead_is_still_built_on(phones, live_app) -> None:
    """voximplant.statistic.get refused (no permission): the fresh-lead read names the lead."""
    phones.fail_next("voximplant.statistic.get", "ACCESS_DENIED", 403, times=5)
    before = len(phones.calls)
    entry = people.call(phones, user_id=phones.meta["managers"][0], phone=NEW, incoming=True,
                        answered=False)
    settle(live_app, phones)
    assert [c.error for c in phones.calls[before:] if c.method == "voximplant.statistic.get"
            ] == ["ACCESS_DENIED"]
    [contact], [lead] = callers_cards(phones, NEW)
    [deal] = our_deals(phones)
    assert int(lead["ID"]) == entry.created_lead
    assert (deal["LEAD_ID"], deal["CONTACT_ID"]) == (lead["ID"], contact["ID"])


def test_the_sync_mirrors_the_line_names_from_the_portal(installed, live_app) -> None:
    pid = prepare(installed, live_app)
    with live_app.sessions() as s:
        assert lines.names(s, pid)[people.PORTAL_LINE] == "Отдел продаж, +7 495 150-90-08"
    asked = [c for c in installed.calls if c.method == "voximplant.line.get"]
    assert len(asked) == 1
    prepare(installed, live_app)  # a second sync the same day reads no names
    assert len([c for c in installed.calls if c.method == "voximplant.line.get"]) == 1
