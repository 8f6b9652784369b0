"""What the app writes into the portal about calls, in the portal's language (Russian first)."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

import phonenumbers

from quality.name_cases import FORMATTER
from store.models import Call

MESSAGES: dict[str, dict[str, str]] = {
    "deal_title": {"ru": "Звонок с {phone}", "en": "Call from {phone}"},
    "line": {"ru": "Линия {line}", "en": "Line {line}"},
    "incoming": {"ru": "Входящий звонок", "en": "Incoming call"},
    "missed": {"ru": "Пропущенный звонок", "en": "Missed call"},
    "outgoing": {"ru": "Исходящий звонок", "en": "Outgoing call"},
    "facts": {"ru": "{kind} с номера {phone} на линию {line}, {at}.",
              "en": "{kind} from {phone} to line {line}, {at}."},
    "operator": {"ru": "Оператор: {name}.", "en": "Operator: {name}."},
    "talk": {"ru": "Разговор {talk}, ответ через {answer} с.",
             "en": "Talk {talk}, answered after {answer} s."},
    "talk_only": {"ru": "Разговор {talk}.", "en": "Talk {talk}."},
    "no_answer": {"ru": "Никто не ответил — перезвоните клиенту.",
                  "en": "Nobody answered — call the client back."},
    "record": {"ru": "Запись разговора: {url}", "en": "Recording: {url}"},
    # a recording kept as a portal disk file: the deal tab (install.json) plays it
    "record_tab": {"ru": "Запись разговора — на вкладке «Биржа и контроль» этой сделки.",
                   "en": "Recording: on this deal's “Exchange & control” tab."},
    "todo_title": {"ru": "Перезвонить: пропущенный звонок {phone}",
                   "en": "Call back: missed call from {phone}"},
    "todo_text": {"ru": "Клиент звонил {at} и не дозвался. Перезвоните в течение {minutes} мин.",
                  "en": "The client called at {at} and nobody answered. Call back within "
                        "{minutes} min."},
    "manual_title": {"ru": "Перезвонить клиенту {phone}", "en": "Call the client back: {phone}"},
    "manual_text": {"ru": "Звонок {at} остался без ответа. "
                          "Задачу {name:поставил|поставила} {name}.",
                    "en": "The call at {at} was not answered. Set by {name}."},
}


def text(key: str, lang: str, **params: Any) -> str:
    table = MESSAGES[key]
    return FORMATTER.format(table.get(lang, table["ru"]), **params)  # {name:поставил|…}


def pretty(phone: str | None) -> str:
    """+79123456789 -> +7 912 345-67-89 (what a person dials back from)."""
    if not phone:
        return "—"
    try:
        parsed = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return phone
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def talk(seconds: int, lang: str) -> str:
    minutes, rest = divmod(max(0, int(seconds)), 60)
    return (f"{minutes} мин {rest} с" if lang != "en" else f"{minutes} min {rest} s") \
        if minutes else (f"{rest} с" if lang != "en" else f"{rest} s")


def call_comment(call: Call, *, lang: str, tz: tzinfo, operator: str | None) -> str:
    """The timeline comment: the call's facts and the link to its recording."""
    kind = "outgoing" if call.call_type == 1 else ("incoming" if call.answered else "missed")
    at = call.start_at.astimezone(tz).strftime("%d.%m.%Y %H:%M")
    lines = [text("facts", lang, kind=text(kind, lang), line=call.line or "—", at=at,
                  phone=pretty(call.phone or call.phone_raw))]
    if operator:
        lines.append(text("operator", lang, name=operator))
    if call.answered and call.answer_seconds is not None:
        lines.append(text("talk", lang, talk=talk(call.duration, lang), answer=call.answer_seconds))
    elif call.answered:
        lines.append(text("talk_only", lang, talk=talk(call.duration, lang)))
    else:
        lines.append(text("no_answer", lang))
    if call.record_url:
        lines.append(text("record", lang, url=call.record_url))
    elif call.record_file_id:
        lines.append(text("record_tab", lang))
    return "\n".join(lines)
