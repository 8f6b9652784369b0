"""Small builders for test data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from store import portals
from store.models import Portal

APP_TOKEN = "a" * 32


def make_portal(session: Session, **overrides: object) -> Portal:
    now = datetime.now(UTC)
    inst = portals.Installation(**{
        "member_id": "m" * 32, "domain": "test.bitrix24.ru",
        "client_endpoint": "https://test.bitrix24.ru/rest/",
        "server_endpoint": "https://oauth.bitrix.info/rest/", "access_token": "access-1",
        "refresh_token": "refresh-1", "token_expires_at": now + timedelta(hours=1),
        "application_token": APP_TOKEN, "scope": "crm,user", "installer_user_id": 1,
        **overrides})
    portal = portals.upsert_installed(session, inst, now)
    session.commit()
    return portal


def page_session(app: object, viewer: object) -> str:
    """What a page open leaves behind: the signed session, and user.admin's fresh answer in
    the live admin check's cache (pages/rights.py), as pages.enter does."""
    from pages import rights
    from pages.auth import issue

    rights.remember(viewer, viewer.is_admin)
    return issue(viewer, app.config["SECRET_KEY"])
