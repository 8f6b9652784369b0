"""The demo's last step: the owner's report for the played day, as a page, a file and a picture."""

from __future__ import annotations

import re
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


def owner_token(app, portal, settings: Settings) -> tuple[str, int]:  # noqa: ANN001
    with app.extensions["db_sessions"]() as session:
        pid = portals.find(session, portal.member_id).id
    owner = portal.meta.get("owner", min(portal.admins))
    who = Viewer(pid, portal.member_id, owner, True, "ru", "Владелец", portal.domain)
    return issue(who, settings.secret_key.value), pid


def headline(app, pid: int, day) -> dict:  # noqa: ANN001
    from datetime import UTC, datetime

    from sqlalchemy import select

    from store.models import Category

    with app.extensions["db_sessions"]() as session:
        head = build(session, pid, Period.of("day", day), datetime.now(UTC)).headline()
        head["pipeline_name"] = session.scalar(select(Category.name).where(
            Category.portal_id == pid, Category.b24_category_id == head["bottleneck_pipeline"]))
    return head


def save(app, portal, settings: Settings, day, out: Path) -> tuple[Path, Path | None]:  # noqa: ANN001
    """out/report.html (self-contained) and, when Chromium is installed, out/report.png."""
    token, _ = owner_token(app, portal, settings)
    url = f"{settings.app_public_url}/app/report?s={token}&date={day.isoformat()}"
    page = save_html(url, out / "report.html")
    if not CHROMIUM.exists():
        return page, None
    from playwright.sync_api import sync_playwright

    shot = out / "report.png"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        tab.goto(url)
        tab.screenshot(path=str(shot), full_page=True)
        browser.close()
    return page, shot


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
