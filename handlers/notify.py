"""Notifications and timeline comments the app writes into the portal, in the portal's language."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from quality.name_cases import FORMATTER

# A link that opens the app's own page: the REST_APP_URI placement (EN:api-reference/widgets/
# universal/app-url.md): `/marketplace/view/#APP_CODE#/?params[key]=value`, where #APP_CODE# is
# the client_id of a local app; the params reach our handler in PLACEMENT_OPTIONS.
APP_LINK = "https://{domain}/marketplace/view/{code}/"

MESSAGES: dict[str, dict[str, str]] = {
    "landed": {
        "ru": "Сделка передана на биржу лидов: новые обращения распределяются через биржу.",
        "en": "The deal was moved to the lead exchange: new requests are shared through it."},
    "over_cap": {
        "ru": "Сделка «{title}» возвращена на биржу: у вас уже {open_deals} при лимите "
              "{cap}. Закройте или верните часть сделок, чтобы взять новые.",
        "en": "Deal “{title}” went back to the exchange: you already have {open_deals} "
              "and your cap is {cap}. Close or return some to take new ones."},
    "over_cap_comment": {
        "ru": "Возвращено на биржу: у {name:gent} уже {open_deals} при лимите {cap}.",
        "en": "Returned to the exchange: {name} already has {open_deals} and the cap is "
              "{cap}."},
    "taken_by_other": {
        "ru": "Сделку «{title}» уже {name:взял|взяла} {name}. Выберите другую сделку на бирже.",
        "en": "Deal “{title}” was already taken by {name}. Pick another deal on the exchange."},
    "claimed_comment": {
        "ru": "{name} {name:взял|взяла} сделку с биржи.",
        "en": "{name} took the deal from the exchange."},
    "returned_comment": {
        "ru": "{name} {name:вернул|вернула} сделку на биржу. Причина: {reason}.",
        "en": "{name} returned the deal to the exchange. Reason: {reason}."},
    "stale_comment": {
        "ru": "Возвращено на биржу автоматически: нет движения по стадиям и активности "
              "{days} дн.",
        "en": "Returned to the exchange automatically: no stage move and no activity for "
              "{days} days."},
    "stale_notice": {
        "ru": "На биржу возвращено сделок без движения более {days} дн.: {count}. {titles}",
        "en": "Deals without movement for over {days} days returned to the exchange: "
              "{count}. {titles}"},
    "swept_comment": {
        "ru": "Возвращено на биржу при разборе сделок: не отмечено «Оставить за мной».",
        "en": "Returned to the exchange by the keep sweep: not marked “keep”."},
    "swept_notice": {
        "ru": "Разбор сделок: на биржу возвращено {count} ваших сделок без отметки "
              "«Оставить за мной».",
        "en": "Keep sweep: {count} of your deals without the “keep” mark went back to the "
              "exchange."},
    "restored_comment": {
        "ru": "Разбор сделок отменён: сделка возвращена прежнему ответственному.",
        "en": "The keep sweep was undone: the deal is back with its previous owner."},
    "exchange_alert": {
        "ru": "Биржа лидов: ждут {waiting} сделок, самая старая — {hours} ч. Проверьте, "
              "кто из менеджеров может взять.",
        "en": "Lead exchange: {waiting} deals waiting, the oldest for {hours} h. Check who "
              "can take them."},
}
REASONS = {
    "no_answer": {"ru": "клиент не отвечает", "en": "client does not answer"},
    "not_my_profile": {"ru": "не мой профиль", "en": "not my profile"},
    "duplicate": {"ru": "дубль", "en": "duplicate"},
    "overloaded": {"ru": "нет времени", "en": "overloaded"},
    "other": {"ru": "другое", "en": "other"},
    "kanban": {"ru": "в канбане", "en": "in the Kanban"},
}


OPEN_DEALS = {"ru": ("открытая сделка", "открытые сделки", "открытых сделок"),
              "en": ("open deal", "open deals", "open deals")}


def text(key: str, lang: str, **params: Any) -> str:
    """The message in `lang`; `{name:gent}` puts a person's name in the case the sentence needs."""
    table = MESSAGES[key]
    return FORMATTER.format(table.get(lang, table["ru"]), **params)


def open_deals(n: int, lang: str) -> str:
    """«1 открытая сделка», «3 открытые сделки», «25 открытых сделок»."""
    one, few, many = OPEN_DEALS.get(lang, OPEN_DEALS["ru"])
    n10, n100 = n % 10, n % 100
    if lang == "en":
        return f"{n} {one if n == 1 else many}"
    form = one if n10 == 1 and n100 != 11 else (
        few if 2 <= n10 <= 4 and not 12 <= n100 <= 14 else many)
    return f"{n} {form}"


def reason_text(reason: str | None, lang: str) -> str:
    table = REASONS.get(reason or "other", REASONS["other"])
    return table.get(lang, table["ru"])


def app_link(domain: str, app_code: str, page: str, **params: str) -> str:
    """The portal URL that opens `page` of this app in a slider (REST_APP_URI placement)."""
    query = urlencode({f"params[{key}]": value for key, value in {"page": page, **params}.items()})
    return APP_LINK.format(domain=domain, code=app_code) + "?" + query


LINK_LABELS = {"board": {"ru": "Открыть биржу", "en": "Open the exchange"}}


def with_link(message: str, domain: str, app_code: str, page: str, lang: str) -> str:
    """The notice plus a link to that page of the app; unchanged when our code is unknown."""
    if not app_code:
        return message
    labels = LINK_LABELS[page]
    return f"{message} {link(app_link(domain, app_code, page), labels.get(lang, labels['ru']))}"


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
