"""What every app page needs: the viewer's session from the request, and a render helper.

The session token travels in links (?s=), hidden form fields and the X-App-Session header,
never in a cookie: portal iframes lose third-party cookies (pages/auth.py docstring).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from flask import current_app, g, render_template, request, url_for
from sqlalchemy.orm import Session, sessionmaker

from config import Settings
from handlers import directory, formats
from handlers.telephony import config as telephony_config
from pages import i18n
from pages.auth import SESSION_HEADER, Forbidden, Viewer, active_portal, issue, viewer_from
from pages.rights import require_admin_now
from store.db import get_session
from store.models import Portal

HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$")
# The largest id a request may name (Bitrix24's and ours are far below): a bigger Python int
# cannot even be bound as a query parameter (OverflowError on SQLite).
MAX_ID = 2**31 - 1


def settings() -> Settings:
    return current_app.config["SETTINGS"]


def sessions() -> sessionmaker[Session]:
    return current_app.extensions["db_sessions"]


def session_token() -> str | None:
    """GET: ?s= or the header. POST: the form field or the header, never the query string.

    CSRF: the session is not a cookie, so nothing is attached to a request by the browser on
    its own; a cross-site form or fetch would have to contain the token, which only our own
    pages (inside the portal frame) ever hold. That is why every POST must carry it itself.
    """
    header = request.headers.get(SESSION_HEADER)
    if request.method == "GET":
        return request.args.get("s") or header
    return request.form.get("s") or header


def viewer_required(*, admin: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Every page and API route: a valid, unexpired session for an active portal (401);
    admin-only routes, GET or POST, also need a portal administrator as the portal says now
    (user.admin, cached <= 1 min: pages/rights.py), else 403."""
    def wrap(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def inner(*args: Any, **kwargs: Any) -> Any:
            key = settings().secret_key.value
            viewer = viewer_from(session_token(), key)
            g.viewer, g.session_token = viewer, issue(viewer, key)  # renewed: idle time restarts
            g.portal = active_portal(get_session(), viewer)
            if admin and not viewer.is_admin:
                raise Forbidden(viewer.user_id)
            if admin:  # the flag is as old as the page: GETs show settings, POSTs change them
                require_admin_now(viewer, g.portal, settings())
            return view(*args, **kwargs)
        return inner
    return wrap


def release() -> None:
    """End the request's read transaction before a domain action opens its own session.

    On SQLite every transaction takes the write lock at BEGIN (store.db), so a request that
    kept its read open would wait on itself. Commit, not rollback: loaded rows (the portal)
    stay usable without a new query.
    """
    get_session().commit()


def viewer() -> Viewer:
    return g.viewer


def portal() -> Portal:
    return g.portal


@dataclass(frozen=True)
class Kit:
    """Bound to one request's language and clock, so templates stay short."""

    lang: str
    now: datetime
    token: str
    zone: tzinfo = UTC  # the portal's: every time on a page is shown in it

    def t(self, key: str, **params: Any) -> str:
        return i18n.t(self.lang, key, **params)

    def deals(self, n: int) -> str:
        return i18n.plural(self.lang, n, "deals")

    def plural(self, n: int, key: str) -> str:
        """The word for `n` of `key` (plural.<key>): «1 рабочий день», «5 рабочих дней»."""
        return i18n.plural(self.lang, n, key)

    def num(self, value: int | float | Decimal) -> str:
        return formats.number(value, self.lang)

    def dec(self, value: float | Decimal, places: int = 1) -> str:
        return formats.decimal(value, self.lang, places)

    def pct(self, share: float | Decimal | None, places: int = 1) -> str:
        return "—" if share is None else formats.percent(share, self.lang, places)

    def money(self, amount: Decimal | float | int | None, currency: str | None = None) -> str:
        return formats.money(amount, currency, self.lang)

    def age(self, since: datetime | None) -> str:
        return formats.age(since, self.now, self.lang)

    def hours(self, since: datetime | None) -> float:
        return 0.0 if since is None else (self.now - since).total_seconds() / 3600

    def elapsed(self, seconds: float | None) -> str:
        """A call's length, a talk or a wait: «8 мин 25 с» (handlers.formats.elapsed)."""
        return formats.elapsed(seconds, self.lang)

    def stamp(self, value: datetime | None, *, year: bool = True) -> str:
        """A moment in the portal's time zone (not UTC, not the viewer's browser)."""
        return formats.local_stamp(value, self.zone, self.lang, year=year)

    def at(self, value: datetime | None, zone: tzinfo) -> str:
        return formats.local_stamp(value, zone, self.lang)

    def day(self, value: date | None) -> str:
        """«02.12.2026» / "Dec 2, 2026"."""
        return formats.day(value, self.lang)

    def day_field(self, value: date) -> str:
        """A typed day field's value: «23.11.2026» / '2026-11-23' (handlers.formats.parse_day)."""
        return formats.day_field(value, self.lang)

    def dm(self, value: date) -> str:
        """«02.12» / "Dec 2": a day of the period shown, without the year."""
        return formats.day_month(value, self.lang)

    def clock(self, value: datetime | None) -> str:
        """«14:07» in the portal's zone."""
        return formats.clock(value, self.zone, self.lang)

    def zone_name(self) -> str:
        """The portal's zone, shown once: «Москва (UTC+3)»."""
        return formats.zone_name(self.zone, self.now, self.lang)

    def phone(self, value: str | None) -> str:
        return formats.phone(value)

    def initials(self, name: str) -> str:
        return formats.initials(name)

    def url(self, endpoint: str, **values: Any) -> str:
        """A link inside the app: the session rides along in ?s=."""
        return url_for(endpoint, s=self.token, **values)

    def pipeline(self, category_id: int, general: str = "category.general",
                 numbered: str = "category.n") -> str:
        """The pipeline's name as the portal calls it; «Воронка N» only while it is unknown."""
        name = _pipeline_names().get(category_id)
        if name:
            return name
        return self.t(general) if category_id == 0 else self.t(numbered, n=category_id)


def _pipeline_names() -> dict[int, str]:
    """Read once per request from the mirror (crm.category.list, handlers.directory)."""
    if "pipeline_names" not in g:
        current = g.get("portal")
        g.pipeline_names = {} if current is None else \
            directory.pipeline_names(get_session(), current.id)
    return g.pipeline_names


def kit() -> Kit:
    lang = g.viewer.lang if g.get("viewer") else g.get("lang", "ru")
    return Kit(lang, datetime.now(UTC), g.get("session_token") or "", _portal_zone())


def _portal_zone() -> tzinfo:
    """The portal's time zone (its telephony setting, as the reports count days), once per
    request; UTC before a portal is known (an error page)."""
    if "portal_zone" not in g:
        current = g.get("portal")
        g.portal_zone = (telephony_config.load(get_session(), current.id).tz
                         if current is not None else UTC)
    return g.portal_zone


@functools.cache
def _static_version(filename: str) -> str:
    """Content hash for cache busting; computed once per process."""
    path = current_app.static_folder and f"{current_app.static_folder}/{filename}"
    try:
        with open(path or "", "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()[:10]
    except OSError:
        return "0"


def static_url(filename: str) -> str:
    return url_for("static", filename=filename, v=_static_version(filename))


def render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    k = kit()
    return render_template(template, k=k, lang=k.lang, viewer=g.get("viewer"),
                           static_url=static_url, **context), status


def frame_ancestors() -> str:
    """Who may frame this response (see pages.security_headers)."""
    viewer_ = g.get("viewer")
    domain = viewer_.domain if viewer_ else ""
    if domain and HOST.match(domain):
        return f"'self' https://{domain} http://{domain}"
    return "*"
