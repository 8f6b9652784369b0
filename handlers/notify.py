"""Notifications and timeline comments the app writes into the portal, in the portal's language."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from handlers import catalog

# A link that opens the app's own page: the REST_APP_URI placement (EN:api-reference/widgets/
# universal/app-url.md): `/marketplace/view/#APP_CODE#/?params[key]=value`, where #APP_CODE# is
# the client_id of a local app; the params reach our handler in PLACEMENT_OPTIONS.
APP_LINK = "https://{domain}/marketplace/view/{code}/"

def text(key: str, lang: str | None, **params: Any) -> str:
    """The message in `lang`; `{name:gent}` puts a person's name in the case the sentence needs."""
    return catalog.text(lang, f"notify.{key}", **params)


def counted(key: str, n: int, lang: str | None, **params: Any) -> str:
    """A message whose words agree with `n` («ждут 3 сделки», «возвращена 1 ваша сделка»)."""
    return catalog.nt(lang, n, key, **params)


def open_deals(n: int, lang: str | None) -> str:
    """«1 открытая сделка», «3 открытые сделки», «25 открытых сделок»."""
    return catalog.nt(lang, n, "open_deals")


def reason_text(reason: str | None, lang: str | None) -> str:
    """A return reason as the comment names it; an unknown one reads as «другое»."""
    key = f"notify.reason.{reason or 'other'}"
    found = catalog.text(lang, key)
    return found if found != key else catalog.text(lang, "notify.reason.other")


def app_link(domain: str, app_code: str, page: str, **params: str) -> str:
    """The portal URL that opens `page` of this app in a slider (REST_APP_URI placement)."""
    query = urlencode({f"params[{key}]": value for key, value in {"page": page, **params}.items()})
    return APP_LINK.format(domain=domain, code=app_code) + "?" + query


def with_link(message: str, domain: str, app_code: str, page: str, lang: str) -> str:
    """The notice plus a link to that page of the app; unchanged when our code is unknown."""
    if not app_code:
        return message
    label = catalog.text(lang, f"notify.link.{page}")
    return f"{message} {link(app_link(domain, app_code, page), label)}"


def link(url: str, label: str) -> str:
    """BB-code link, as notifications render it (EN:api-reference/chats/messages/formatting.md)."""
    return f"[URL={url}]{label}[/URL]"


def notify(user_id: int, message: str, *, tag: str | None = None) -> tuple[str, dict]:
    """im.notify.system.add (§11); a TAG replaces the previous notice with the same tag."""
    params: dict[str, Any] = {"USER_ID": user_id, "MESSAGE": message}
    if tag:
        params["TAG"] = tag
    return "im.notify.system.add", params


def deal_comment(deal_id: int, comment: str) -> tuple[str, dict]:
    """crm.timeline.comment.add with lower-case `fields` (crm >= 23.100.0, §8.7)."""
    return "crm.timeline.comment.add", {"fields": {
        "ENTITY_ID": deal_id, "ENTITY_TYPE": "deal", "COMMENT": comment}}


def set_responsible(deal_id: int, user_id: int) -> tuple[str, dict]:
    return "crm.deal.update", {"id": deal_id, "fields": {"ASSIGNED_BY_ID": user_id}}
