"""The report page over the emulated portal's data: reachable, correct headline, CSV."""

from __future__ import annotations

import requests

from jobs.runner import sync_all
from pages.auth import Viewer, issue
from sandbox import people
from store import portals


def admin_token(live_app, portal) -> str:
    with live_app.sessions() as s:
        pid = portals.find(s, portal.member_id).id
    who = Viewer(pid, portal.member_id, min(portal.admins), True, "ru", "Админ", portal.domain)
    return issue(who, live_app.settings.secret_key.value)


def test_report_page_and_csv(installed, live_app) -> None:
    manager = installed.meta["managers"][0]
    deal_id = int(installed.invoke("crm.deal.add", {"fields": {
        "TITLE": "Отчётная сделка", "ASSIGNED_BY_ID": manager, "OPPORTUNITY": "1000"}},
        user_id=manager))
    people.win_deal(installed, manager, deal_id)
    live_app.drain(installed)
    sync_all(live_app.app)  # stage history comes with the sync
    token = admin_token(live_app, installed)
    page = requests.get(f"{live_app.url}/app/report", params={"s": token}, timeout=10)
    assert page.status_code == 200
    assert "Воронка за период" in page.text and "Порядок в CRM" in page.text
    assert "Отчётная сделка" not in page.text or "crm/deal/details" in page.text
    csv = requests.get(f"{live_app.url}/app/report.csv", params={"s": token}, timeout=10)
    assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")
    assert "managers" in csv.content.decode("utf-8-sig")


def test_a_manager_cannot_open_the_report(installed, live_app) -> None:
    with live_app.sessions() as s:
        pid = portals.find(s, installed.member_id).id
    manager = installed.meta["managers"][1]
    token = issue(Viewer(pid, installed.member_id, manager, False, "ru", "М", installed.domain),
                  live_app.settings.secret_key.value)
    page = requests.get(f"{live_app.url}/app/report", params={"s": token}, timeout=10)
    assert page.status_code == 403


def test_empty_cards_come_from_what_was_recorded_not_from_last_activity_time(
        installed, live_app) -> None:
    """The portal fills LAST_ACTIVITY_TIME at creation; a card is empty until a person leaves
    an activity or a comment on it (the app's own comments do not count)."""
    from handlers.report import hygiene

    manager = installed.meta["managers"][0]

    def new_deal(title: str) -> int:
        return int(installed.invoke("crm.deal.add", {"fields": {
            "TITLE": title, "ASSIGNED_BY_ID": manager}}, user_id=manager))
    untouched, commented, called, by_app = (new_deal(t) for t in (
        "Нетронутая", "С комментарием", "Со звонком", "С комментарием приложения"))
    assert all(installed.table("crm.deal").get(d)["LAST_ACTIVITY_TIME"] for d in (
        untouched, commented, called, by_app))
    live_app.drain(installed)
    sync_all(live_app.app)
    people.comment(installed, manager, "deal", commented, "Созвонились, ждём реквизиты")
    installed.invoke("crm.activity.add", {"fields": {
        "OWNER_TYPE_ID": 2, "OWNER_ID": called, "TYPE_ID": 2, "SUBJECT": "Звонок клиенту",
        "RESPONSIBLE_ID": manager, "COMPLETED": "Y", "DIRECTION": 2,
        "COMMUNICATIONS": [{"VALUE": "+79990001100", "TYPE": "PHONE"}]}}, user_id=manager)
    installed.invoke("crm.timeline.comment.add", {"fields": {  # the app's own writing
        "ENTITY_ID": by_app, "ENTITY_TYPE": "deal", "COMMENT": "Сделка на бирже"}},
        user_id=installed.installer_id)
    live_app.drain(installed)
    with live_app.sessions() as s:
        pid = portals.find(s, installed.member_id).id
        found = hygiene.empty_timeline(s, pid)
        empty = {r.deal_id for r in found}
    assert len(found) < hygiene.LIMIT  # every empty card is listed, ours among them
    assert {untouched, by_app} <= empty
    assert not {commented, called} & empty
