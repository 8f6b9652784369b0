"""The demo's last step: the owner's report (day, week, month) as text, a file and pictures,
and a picture of each main tab of the app."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import requests

from config import ROOT, Settings
from handlers.report.build import build
from handlers.report.period import Period
from pages.auth import Viewer, issue
from store import portals

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
KINDS = ("day", "week", "month")
KIND_NAMES = {"day": "день", "week": "неделя", "month": "месяц"}


def owner_token(app, portal, settings: Settings) -> tuple[str, int]:  # noqa: ANN001
    with app.extensions["db_sessions"]() as session:
        pid = portals.find(session, portal.member_id).id
    owner = portal.meta.get("owner", min(portal.admins))
    who = Viewer(pid, portal.member_id, owner, True, "ru", "Владелец", portal.domain)
    return issue(who, settings.secret_key.value), pid


def headline(app, pid: int, day, kind: str = "day") -> dict:  # noqa: ANN001
    from datetime import UTC, datetime

    from sqlalchemy import select

    from store.models import Category

    with app.extensions["db_sessions"]() as session:
        period = Period.of(kind, day)
        head = build(session, pid, period, datetime.now(UTC)).headline()
        head["period"] = period
        head["pipeline_name"] = session.scalar(select(Category.name).where(
            Category.portal_id == pid, Category.b24_category_id == head["bottleneck_pipeline"]))
    return head


NBSP = "\u00a0"


def money(amount: float) -> str:
    """2 091 000 ₽: groups and the sign after non-breaking spaces (Russian typography)."""
    return f"{amount:,.0f}".replace(",", NBSP) + f"{NBSP}₽"


def count(n: int, one: str, few: str, many: str) -> str:
    """«1 звонок», «2 звонка», «5 звонков», «11 звонков», «21 звонок» (Russian plurals)."""
    n10, n100 = n % 10, n % 100
    word = (one if n10 == 1 and n100 != 11 else
            few if 2 <= n10 <= 4 and not 12 <= n100 <= 14 else many)
    return f"{n}{NBSP}{word}"


def pct(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}{NBSP}%"


def line(kind: str, head: dict, day) -> str:  # noqa: ANN001
    """The period's figures in one line, so that day, week and month can be compared."""
    period = head["period"]
    span = (f"{period.start:%d.%m}" if period.days == 1 else
            f"{period.start:%d.%m}–{period.end:%d.%m}")
    return (f"  {KIND_NAMES[kind]} {span}: выиграно {head['won']} на {money(head['won_amount'])}"
            f", проиграно {head['lost']}, потерянные звонки {pct(head['lcr'])} "
            f"({head['lost_calls']} из {head['incoming']} входящих)")


def save(app, portal, settings: Settings, day, out: Path) -> Path:  # noqa: ANN001
    """out/report.html: the day's report, self-contained (styles inlined, no scripts)."""
    token, _ = owner_token(app, portal, settings)
    url = f"{settings.app_public_url}/app/report?s={token}&date={day.isoformat()}"
    return save_html(url, out / "report.html")


def tabs(day) -> list[tuple[str, str, dict]]:  # noqa: ANN001
    """(file name, endpoint, query) of each picture: the main tabs, the report's three periods
    and the calls of the whole month, so the pictures show the history as well as the day."""
    return [("board", "pages.board", {}), ("taken", "pages.taken", {}),
            ("calls-day", "pages.calls_page", {}),
            ("calls-30-days", "pages.calls_page", {"from": (day - timedelta(days=29)).isoformat(),
                                                   "to": day.isoformat()}),
            ("leads", "pages.leads_page", {}), ("routing", "pages.routing_page", {}),
            ("audits", "pages.audits_page", {}), ("comm", "pages.comm_page", {}),
            ("myday", "pages.myday_page", {}),
            *((f"report-{kind}", "pages.report_page", {"period": kind, "date": day.isoformat()})
              for kind in KINDS)]


def screenshots(app, portal, settings: Settings, day, out: Path) -> list[Path]:  # noqa: ANN001
    """out/<tab>.png for every entry of tabs(), through headless Debian Chromium (as
    tests/browser), signed in as the owner; none when Chromium is missing."""
    from flask import url_for

    if not CHROMIUM.exists():
        return []
    from playwright.sync_api import sync_playwright

    token, _ = owner_token(app, portal, settings)
    with app.test_request_context(base_url=settings.app_public_url):
        urls = [(name, url_for(endpoint, s=token, _external=True, **query))
                for name, endpoint, query in tabs(day)]
    shots = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU",
                                      timezone_id="Europe/Moscow")
        tab = context.new_page()
        for name, url in urls:
            tab.goto(url, wait_until="load")
            shot = out / f"{name}.png"
            tab.screenshot(path=str(shot), full_page=True)
            shots.append(shot)
        browser.close()
    return shots


def save_html(url: str, path: Path) -> Path:
    """The page as one self-contained file: the stylesheet inlined, no scripts."""
    html = requests.get(url, timeout=30).text
    css = (ROOT / "static" / "app.css").read_text(encoding="utf-8")
    html = re.sub(r'<link rel="stylesheet"[^>]*>', f"<style>{css}</style>", html)
    html = re.sub(r"<script[^>]*></script>", "", html)
    path.write_text(html, encoding="utf-8")
    return path


def save_myday(app, portal, settings: Settings, day, out: Path) -> Path:  # noqa: ANN001
    """out/myday-report.html: the owner's report of the week of «Мой день» the demo played."""
    token, _ = owner_token(app, portal, settings)
    return save_html(f"{settings.app_public_url}/app/report?s={token}&period=week"
                     f"&date={day.isoformat()}", out / "myday-report.html")


def save_recording(app, portal, settings: Settings, out: Path) -> tuple[Path, float, str] | None:  # noqa: ANN001
    """The newest recorded call, fetched the way the calls page's player fetches it (through the
    app, with the page session): out/recording-<call>.wav, its length, and the page to play it."""
    import io
    import wave

    from sqlalchemy import select

    from store.models import Call

    token, pid = owner_token(app, portal, settings)
    with app.extensions["db_sessions"]() as session:
        call = session.scalars(select(Call).where(
            Call.portal_id == pid, Call.record_file_id.is_not(None))
            .order_by(Call.start_at.desc()).limit(1)).first()
    if call is None:
        return None
    answer = requests.get(f"{settings.app_public_url}/app/call/{call.id}/record?s={token}",
                          timeout=30)
    if answer.status_code != 200 or not answer.content.startswith(b"RIFF"):
        return None
    with wave.open(io.BytesIO(answer.content)) as sound:
        seconds = sound.getnframes() / sound.getframerate()
    path = out / f"recording-{call.call_id}.wav"
    path.write_bytes(answer.content)
    return path, seconds, f"{settings.app_public_url}/app/calls?s=…"
