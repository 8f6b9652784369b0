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
