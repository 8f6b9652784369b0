"""The report page over the emulated portal's data: reachable, correct headline, CSV."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests

from jobs.report import send_daily_report
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


def morning_notices(live_app, portal) -> list[dict]:
    """Run the morning report at 09:00 Moscow time of the next working day (Monday to Friday,
    the default calendar: the notice is not sent on a day off); what users got."""
    from handlers.exchange.actions import action_context

    moscow = ZoneInfo("Europe/Moscow")
    day = datetime.now(moscow).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    nine = datetime.combine(day, time(9), moscow)
    with live_app.sessions() as s:
        row = portals.find(s, portal.member_id)
        s.expunge(row)
    with action_context(row, live_app.sessions, live_app.settings) as ctx:
        ctx.now = nine.astimezone(UTC)
        assert send_daily_report(ctx) is True
    return [n for n in portal.table("im.notify") if str(n["TAG"]).startswith("daily-report-")]


def test_morning_notice_links_to_the_report_page_inside_the_portal(installed, live_app) -> None:
    sync_all(live_app.app)
    notices = morning_notices(live_app, installed)
    assert notices
    for notice in notices:
        assert "/marketplace/local/list/" not in notice["MESSAGE"]
        (url,) = re.findall(r"\[URL=([^\]]+)\]открыть\[/URL\]", notice["MESSAGE"])
        assert url.startswith(f"https://{installed.domain}/marketplace/view/"
                              f"{live_app.settings.b24_client_id}/?")
        page = installed.follow_link(url, int(notice["USER_ID"]))
        assert page.status_code == 200, page.text
        assert urlsplit(page.url).path == "/app/report"
        assert "Воронка за период" in page.text
        day = parse_qs(urlsplit(page.url).query)["date"][0]
        sent = datetime.now(ZoneInfo("Europe/Moscow")).date() + timedelta(days=1)
        while sent.weekday() >= 5:
            sent += timedelta(days=1)
        assert date.fromisoformat(day) == sent - timedelta(days=1)  # the last day it covers


def test_a_link_with_another_app_code_opens_nothing(installed, live_app) -> None:
    from sandbox.links import EmptySlider

    url = f"https://{installed.domain}/marketplace/view/local.other.1/?params%5Bpage%5D=report"
    with pytest.raises(EmptySlider):
        installed.follow_link(url, min(installed.admins))


def test_exchange_alert_links_to_the_board_inside_the_portal(installed, live_app) -> None:
    from handlers.exchange import config
    from handlers.exchange.actions import action_context
    from jobs.exchange import alert_head

    sync_all(live_app.app)
    head = installed.meta["head"]
    with live_app.sessions() as s:
        row = portals.find(s, installed.member_id)
        config.save(s, row.id, config.ExchangeConfig(
            exchange_user_id=installed.meta["exchange"], head_user_id=head,
            alert_waiting_over=0), user_id=min(installed.admins), now=datetime.now(UTC))
        s.commit()
        s.expunge(row)
    installed.invoke("crm.deal.add", {"fields": {
        "TITLE": "Ждёт на бирже", "ASSIGNED_BY_ID": installed.meta["exchange"]}},
        user_id=installed.meta["exchange"])
    live_app.drain(installed)
    with action_context(row, live_app.sessions, live_app.settings) as ctx:
        assert alert_head(ctx) is True
    (notice,) = [n for n in installed.table("im.notify") if n["TAG"] == "exchange-alert"]
    (url,) = re.findall(r"\[URL=([^\]]+)\]Открыть биржу\[/URL\]", notice["MESSAGE"])
    page = installed.follow_link(url, head)
    assert page.status_code == 200 and urlsplit(page.url).path == "/app/board"
    assert "Ждёт на бирже" in page.text
