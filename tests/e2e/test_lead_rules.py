"""Lead rules against the emulated portal: junk evidence, escalation, conversion, repeats."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from handlers.exchange import config as exchange_config
from handlers.exchange.actions import action_context
from handlers.lead_rules import config, stats
from handlers.lead_rules.convert import convert
from jobs.lead_rules import check_lead_deadlines
from jobs.runner import sync_all
from sandbox import people
from store import lead_rules as store
from store import portals
from store.leads_models import LeadRuleEvent

PHONE = "+7 912 555-00-01"


def setup(live_app, portal, **overrides) -> None:
    with live_app.sessions() as s:
        pid = portals.find(s, portal.member_id).id
        config.save(s, pid, dataclasses.replace(config.LeadRulesConfig(), **overrides),
                    user_id=1, now=datetime.now(UTC))
        exchange_config.save(s, pid, exchange_config.ExchangeConfig(
            exchange_user_id=portal.meta["exchange"], head_user_id=portal.meta["head"]),
            user_id=1, now=datetime.now(UTC))
        s.commit()


@pytest.fixture
def leads(installed, live_app):
    """Installed, mirrored, default lead rules (flag mode), the exchange configured."""
    sync_all(live_app.app)
    setup(live_app, installed)
    return installed


def lead(portal, lead_id: int) -> dict:
    return portal.table("crm.lead").get(lead_id)


def new_lead(portal, *, phone: str = PHONE, manager: int | None = None, full: bool = True,
             email: str | None = None) -> int:
    manager = manager or portal.meta["managers"][0]
    lead_id = people.web_form_lead(portal, name="Иван", phone=phone, email=email,
                                   assigned_by=manager)
    if full:
        people.edit(portal, manager, "lead", lead_id, LAST_NAME="Петров",
                    SECOND_NAME="Сергеевич")
    return lead_id


def app_calls(portal, method: str) -> list:
    return [c for c in portal.calls if c.via in ("http", "batch") and c.method == method]


def notices(portal, user_id: int) -> list[str]:
    return [n["MESSAGE"] for n in portal.table("im.notify") if int(n["USER_ID"]) == user_id]


def journal(live_app, portal, kind: str) -> list[LeadRuleEvent]:
    with live_app.sessions() as s:
        pid = portals.find(s, portal.member_id).id
        return list(s.scalars(select(LeadRuleEvent).where(
            LeadRuleEvent.portal_id == pid, LeadRuleEvent.kind == kind)))


def junk_after_call(portal, live_app, seconds: int) -> tuple[int, int]:
    manager = portal.meta["managers"][0]
    lead_id = new_lead(portal, manager=manager)
    live_app.drain(portal)
    people.call_back(portal, user_id=manager, phone=PHONE, duration=seconds)
    people.edit(portal, manager, "lead", lead_id, STATUS_ID="JUNK")
    live_app.drain(portal)
    return lead_id, manager


def test_junk_after_a_3_second_call_is_flagged_for_audit(leads, live_app) -> None:
    lead_id, manager = junk_after_call(leads, live_app, 3)
    assert lead(leads, lead_id)["STATUS_ID"] == "JUNK"  # flag mode leaves the portal alone
    with live_app.sessions() as s:
        audits = stats.flagged(s, portals.find(s, leads.member_id).id)
    assert [a.b24_lead_id for a in audits] == [lead_id]
    assert audits[0].missing == ["call", "email", "meeting"]
    assert audits[0].evidence["longest_call"] == 3 and audits[0].manager_id == manager
    assert not notices(leads, manager)


def test_junk_after_a_30_second_call_passes(leads, live_app) -> None:
    lead_id, _ = junk_after_call(leads, live_app, 30)
    with live_app.sessions() as s:
        assert not stats.flagged(s, portals.find(s, leads.member_id).id)
    assert [e.b24_lead_id for e in journal(live_app, leads, "junk_ok")] == [lead_id]


def test_block_mode_restores_the_status_and_tells_the_manager_once(leads, live_app) -> None:
    setup(live_app, leads, junk_mode="block")
    lead_id, manager = junk_after_call(leads, live_app, 3)
    assert lead(leads, lead_id)["STATUS_ID"] == "NEW"
    told = notices(leads, manager)
    assert len(told) == 1 and "звонок от 20 с" in told[0] and "3 с" in told[0]
    restores = [c for c in app_calls(leads, "crm.lead.update")
                if c.params.get("fields", {}).get("STATUS_ID") == "NEW"]
    assert len(restores) == 1  # our own restore's echo changed nothing: no loop
    live_app.drain(leads)
    assert lead(leads, lead_id)["STATUS_ID"] == "NEW"
    assert len(journal(live_app, leads, "blocked")) == 1


def test_block_mode_with_a_sent_email_lets_the_junk_stand(leads, live_app) -> None:
    setup(live_app, leads, junk_mode="block")
    manager = leads.meta["managers"][0]
    lead_id = new_lead(leads, manager=manager, email="client@mail.test")
    live_app.drain(leads)
    leads.invoke("crm.activity.add", {"fields": {
        "OWNER_TYPE_ID": 1, "OWNER_ID": lead_id, "TYPE_ID": 4, "DIRECTION": 2,
        "SUBJECT": "Коммерческое предложение", "RESPONSIBLE_ID": manager, "COMPLETED": "Y",
        "COMMUNICATIONS": [{"VALUE": "client@mail.test", "TYPE": "EMAIL"}]}}, user_id=manager)
    people.edit(leads, manager, "lead", lead_id, STATUS_ID=leads.meta["lead_failure_status"])
    live_app.drain(leads)
    assert lead(leads, lead_id)["STATUS_ID"] == leads.meta["lead_failure_status"]
    assert not notices(leads, manager)


def test_field_mode_wants_the_reason_field_filled(leads, live_app) -> None:
    setup(live_app, leads, reason_mode="field", reason_field_ready=True)
    leads.invoke("crm.lead.userfield.add", {"fields": {
        "FIELD_NAME": "JUNK_REASON", "USER_TYPE_ID": "string"}}, user_id=min(leads.admins))
    first, manager = junk_after_call(leads, live_app, 30)  # a real call, but no reason
    manager = leads.meta["managers"][0]
    second = new_lead(leads, manager=manager, phone="+7 912 555-00-02")
    live_app.drain(leads)
    people.call_back(leads, user_id=manager, phone="+7 912 555-00-02", duration=45)
    people.edit(leads, manager, "lead", second, STATUS_ID="JUNK",
                **{config.REASON_FIELD: "Ищет только б/у"})
    live_app.drain(leads)
    with live_app.sessions() as s:
        pid = portals.find(s, leads.member_id).id
        audits = stats.flagged(s, pid)
        reasons = {r.reason: r.count for r in stats.junk_reasons(
            s, pid, since=datetime.now(UTC) - timedelta(hours=1))}
    assert [(a.b24_lead_id, a.missing) for a in audits] == [(first, ["reason"])]
    assert reasons.get("Ищет только б/у") == 1


def run_job(live_app, portal, now: datetime) -> dict:
    with live_app.sessions() as s:
        row = portals.find(s, portal.member_id)
    with action_context(row, live_app.sessions, live_app.settings) as ctx:
        ctx.now = now
        return check_lead_deadlines(ctx)


def test_overdue_lead_escalates_to_the_manager_then_the_head(leads, live_app) -> None:
    manager, head = leads.meta["managers"][1], leads.meta["head"]
    lead_id = new_lead(leads, manager=manager)
    live_app.drain(leads)
    with live_app.sessions() as s:
        track = store.find_track(s, portals.find(s, leads.member_id).id, lead_id)
    due = track.due_at
    assert due is not None
    run_job(live_app, leads, due - timedelta(minutes=1))
    assert not [m for m in notices(leads, manager) if "Заявка с сайта: Иван" in m]
    run_job(live_app, leads, due + timedelta(minutes=1))
    run_job(live_app, leads, due + timedelta(minutes=2))  # a second run repeats nothing
    assert len([m for m in notices(leads, manager) if "просрочен" in m]) == 1
    assert not [m for m in notices(leads, head) if "Заявка с сайта: Иван" in m]
    run_job(live_app, leads, due + timedelta(days=4))  # past the grace period
    to_head = [m for m in notices(leads, head) if "Заявка с сайта: Иван" in m]
    assert len(to_head) == 1 and "предупреждён" in to_head[0]
    escalated = [e for e in journal(live_app, leads, "escalated") if e.b24_lead_id == lead_id]
    assert len(escalated) == 1 and escalated[0].user_id == head
    with live_app.sessions() as s:
        late = stats.overdue(s, portals.find(s, leads.member_id).id, due + timedelta(days=4))
    assert lead_id in [r.lead_id for r in late]


def convert_now(live_app, portal, lead_id: int, user_id: int):
    with live_app.sessions() as s:
        row = portals.find(s, portal.member_id)
    with action_context(row, live_app.sessions, live_app.settings) as ctx:
        return convert(ctx, user_id, lead_id)


def test_conversion_creates_contact_and_deal_and_marks_the_lead(leads, live_app) -> None:
    manager = leads.meta["managers"][2]
    lead_id = new_lead(leads, manager=manager, phone="+7 912 777-12-34")
    live_app.drain(leads)
    contacts_before = len(leads.table("crm.contact"))
    result = convert_now(live_app, leads, lead_id, manager)
    assert result.ok and result.message_key == "lead_converted", result
    again = convert_now(live_app, leads, lead_id, manager)  # a double click
    assert again.ok and again.message_key == "lead_already_converted"
    assert len(leads.table("crm.contact")) == contacts_before + 1
    contact = leads.table("crm.contact").get(result.params["contact"])
    assert (contact["LAST_NAME"], contact["SECOND_NAME"], contact["LEAD_ID"]) == \
        ("Петров", "Сергеевич", str(lead_id))
    assert [p["VALUE"] for p in contact["PHONE"]] == ["+7 912 777-12-34"]
    deals = [d for d in leads.table("crm.deal") if d.get("LEAD_ID") == str(lead_id)]
    assert [int(d["ID"]) for d in deals] == [result.params["deal"]]
    assert int(deals[0]["ASSIGNED_BY_ID"]) == leads.meta["exchange"]
    card = lead(leads, lead_id)
    assert card["STATUS_ID"] == "CONVERTED" and card["CONTACT_ID"] == str(contact["ID"])
    live_app.drain(leads)
    assert len([c for c in app_calls(leads, "crm.lead.update")]) == 1


def test_conversion_retried_after_a_failure_creates_nothing_twice(leads, live_app) -> None:
    manager = leads.meta["managers"][2]
    lead_id = new_lead(leads, manager=manager, phone="+7 912 777-98-76")
    live_app.drain(leads)
    contacts, deals = len(leads.table("crm.contact")), len(leads.table("crm.deal"))
    leads.fail_next("crm.lead.update", "ACCESS_DENIED", 403)  # the last step fails
    first = convert_now(live_app, leads, lead_id, manager)
    assert not first.ok and first.message_key == "portal_error"
    assert lead(leads, lead_id)["STATUS_ID"] == "NEW"
    with live_app.sessions() as s:  # and the ids were lost, as if we crashed before saving
        row = store.find_conversion(s, portals.find(s, leads.member_id).id, lead_id)
        row.contact_id = row.deal_id = None
        s.commit()
    second = convert_now(live_app, leads, lead_id, manager)
    assert second.ok and second.message_key == "lead_converted"
    assert len(leads.table("crm.contact")) == contacts + 1  # found by phone, not made again
    assert len(leads.table("crm.deal")) == deals + 1  # found by LEAD_ID
    assert lead(leads, lead_id)["STATUS_ID"] == "CONVERTED"


def test_conversion_reuses_the_contact_with_the_same_phone(leads, live_app) -> None:
    setup(live_app, leads, link_repeats=False, deal_owner="manager")
    manager = leads.meta["managers"][3]
    known = next(c for c in leads.table("crm.contact") if c.get("PHONE"))
    phone = known["PHONE"][0]["VALUE"]
    lead_id = new_lead(leads, manager=manager, phone=phone)
    live_app.drain(leads)
    contacts_before = len(leads.table("crm.contact"))
    result = convert_now(live_app, leads, lead_id, manager)
    assert result.ok and result.params["contact"] == int(known["ID"]) and result.params["found"]
    assert len(leads.table("crm.contact")) == contacts_before
    deal = leads.table("crm.deal").get(result.params["deal"])
    assert int(deal["ASSIGNED_BY_ID"]) == manager and deal["CONTACT_ID"] == known["ID"]
    assert lead(leads, lead_id)["STATUS_ID"] == "CONVERTED"
    live_app.drain(leads)  # the exchange does not take the manager's converted deal away
    assert int(leads.table("crm.deal").get(result.params["deal"])["ASSIGNED_BY_ID"]) == manager


def test_conversion_links_a_known_company_or_creates_the_named_one(leads, live_app) -> None:
    manager = leads.meta["managers"][4]
    known = next(iter(leads.table("crm.company")))
    first = new_lead(leads, manager=manager, phone="+7 912 600-00-01")
    people.edit(leads, manager, "lead", first, COMPANY_TITLE=known["TITLE"])
    second = new_lead(leads, manager=manager, phone="+7 912 600-00-02")
    people.edit(leads, manager, "lead", second, COMPANY_TITLE="ООО «Новый клиент»")
    live_app.drain(leads)
    companies = len(leads.table("crm.company"))
    one = convert_now(live_app, leads, first, manager)
    two = convert_now(live_app, leads, second, manager)
    assert one.ok and one.params["company"] == int(known["ID"])
    assert two.ok and len(leads.table("crm.company")) == companies + 1
    made = leads.table("crm.company").get(two.params["company"])
    assert made["TITLE"] == "ООО «Новый клиент»" and made["LEAD_ID"] == str(second)
    assert lead(leads, second)["COMPANY_ID"] == made["ID"]
    assert leads.table("crm.deal").get(two.params["deal"])["COMPANY_ID"] == made["ID"]


def test_incomplete_lead_is_not_converted(leads, live_app) -> None:
    lead_id = new_lead(leads, full=False, phone="+7 912 888-00-00")
    live_app.drain(leads)
    result = convert_now(live_app, leads, lead_id, leads.meta["managers"][0])
    assert not result.ok and result.message_key == "lead_incomplete"
    assert result.params["missing"] == ["last_name", "second_name"]
    assert lead(leads, lead_id)["STATUS_ID"] == "NEW"


def newest_open_deal(portal, contact_id: str) -> dict | None:
    """The deal the app picks for a client: the newest open one (store.open_deal_of)."""
    open_ = [d for d in portal.table("crm.deal")
             if d.get("CONTACT_ID") == contact_id and d["STAGE_SEMANTIC_ID"] == "P"]
    return max(open_, key=lambda d: (d["DATE_CREATE"], int(d["ID"])), default=None)


def test_repeat_request_links_the_contact_and_tells_the_deal_manager(leads, live_app) -> None:
    managers = set(leads.meta["managers"])
    pairs = [(c, newest_open_deal(leads, c["ID"])) for c in leads.table("crm.contact")
             if c.get("PHONE")]
    contact, deal = next((c, d) for c, d in pairs
                         if d and int(d["ASSIGNED_BY_ID"]) in managers)
    owner = int(deal["ASSIGNED_BY_ID"])
    other = next(m for m in leads.meta["managers"] if m != owner)
    lead_id = people.web_form_lead(leads, name="Снова", phone=contact["PHONE"][0]["VALUE"],
                                   assigned_by=other)
    live_app.drain(leads)
    assert lead(leads, lead_id)["CONTACT_ID"] == contact["ID"]
    told = [m for m in notices(leads, owner) if "Повторное обращение" in m]
    assert len(told) == 1 and deal["TITLE"] in told[0]
    comments = [c["COMMENT"] for c in leads.table("crm.timeline.comment")
                if c["ENTITY_TYPE"] == "lead" and int(c["ENTITY_ID"]) == lead_id]
    assert len(comments) == 1 and "Повторное обращение" in comments[0]
    assert len(journal(live_app, leads, "repeat")) == 1
    live_app.drain(leads)
    assert len([m for m in notices(leads, owner) if "Повторное обращение" in m]) == 1


def test_lead_tab_checks_then_converts_and_the_leads_page_shows_it(leads, live_app) -> None:
    import re
    from urllib.parse import parse_qs, urlsplit

    import requests

    manager = leads.meta["managers"][4]
    lead_id = new_lead(leads, manager=manager, phone="+7 912 321-54-76", full=False)
    live_app.drain(leads)
    tab = leads.open_app(manager, "CRM_LEAD_DETAIL_TAB", {"ID": str(lead_id)})
    assert tab.status_code == 200 and f"/app/lead/{lead_id}?s=" in tab.url
    assert "фамилия, отчество" in tab.text and "disabled" in tab.text
    people.edit(leads, manager, "lead", lead_id, LAST_NAME="Орлов", SECOND_NAME="Ильич")
    live_app.drain(leads)
    token = parse_qs(urlsplit(tab.url).query)["s"][0]
    tab = requests.get(tab.url, timeout=10)
    assert "Конвертировать" in tab.text and "disabled" not in tab.text
    done = requests.post(f"{live_app.url}/app/lead/{lead_id}/convert", data={"s": token},
                         timeout=10)
    assert done.status_code == 200 and "Готово: лид сконвертирован." in done.text
    assert re.search(r"crm/deal/details/\d+/", done.text)
    assert lead(leads, lead_id)["STATUS_ID"] == "CONVERTED"
    live_app.drain(leads)
    page = leads.open_app(min(leads.admins))
    token = parse_qs(urlsplit(page.url).query)["s"][0]
    stats_page = requests.get(f"{live_app.url}/app/leads", params={"s": token}, timeout=10)
    assert stats_page.status_code == 200 and "Качество лидов" in stats_page.text
    assert 'id="lead-settings"' in stats_page.text  # admins see the rules
    saved = requests.post(f"{live_app.url}/app/leads/settings", data={
        "s": token, "sla_hours": "3", "grace_hours": "1", "stage_default_hours": "8",
        "timezone": "Asia/Yekaterinburg", "work_start": "09:00", "work_end": "18:00",
        "work_days": ["0", "1", "2", "3", "4"], "junk_mode": "block", "reason_mode": "field",
        "evidence_kinds": ["call", "email"], "min_call_seconds": "30", "deal_owner": "manager",
        "deal_category": "0", "require_patronymic": "y"}, timeout=10)
    assert saved.status_code == 200 and "Правила для лидов сохранены." in saved.text
    with live_app.sessions() as s:
        cfg = config.load(s, portals.find(s, leads.member_id).id)
    assert (cfg.sla_hours, cfg.junk_mode, cfg.timezone, cfg.reason_field_ready) == \
        (3.0, "block", "Asia/Yekaterinburg", True)
    fields = [u["FIELD_NAME"] for u in leads.table("userfield.CRM_LEAD")]
    assert fields == [config.REASON_FIELD]  # created on first need, once
