"""What the lead rules say in the portal (notifications, timeline comments): Russian, English."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from quality.name_cases import FORMATTER

MESSAGES: dict[str, dict[str, str]] = {
    "overdue": {
        "ru": "Лид «{title}» просрочен: статус «{status}» с {since}, срок был {due}. "
              "Сконвертируйте лид, переведите дальше или закройте с причиной.",
        "en": "Lead “{title}” is overdue: status “{status}” since {since}, due {due}. "
              "Convert it, move it on, or close it with a reason."},
    "escalated": {
        "ru": "Лид «{title}» просрочен: статус «{status}» с {since}, срок был {due}. "
              "Ответственный {name} предупреждён {notified}, лид так и не обработан.",
        "en": "Lead “{title}” is overdue: status “{status}” since {since}, due {due}. "
              "{name} was told at {notified} and has not handled it."},
    "blocked": {
        "ru": "Лид «{title}» нельзя закрыть как «{status}»: {missing}. Статус возвращён: "
              "«{back}».",
        "en": "Lead “{title}” cannot be closed as “{status}”: {missing}. Its status is back "
              "to “{back}”."},
    "blocked_comment": {
        "ru": "Закрытие лида как «{status}» отменено: {missing}.",
        "en": "Closing the lead as “{status}” was undone: {missing}."},
    "repeat": {
        "ru": "Повторное обращение: {client} {client:оставил|оставила} новую заявку «{title}». "
              "У вас открыта сделка «{deal}» — свяжитесь с клиентом.",
        "en": "Repeat request: {client} sent a new request “{title}”. You have an open "
              "deal “{deal}” with them — get in touch."},
    "repeat_owner": {
        "ru": "Повторное обращение: ваш клиент {client} {client:оставил|оставила} новую "
              "заявку «{title}».",
        "en": "Repeat request: your client {client} sent a new request “{title}”."},
    "repeat_comment": {
        "ru": "Повторное обращение: телефон принадлежит контакту «{client}». Лид привязан к "
              "контакту; ответственный по клиенту ({name}) уведомлён.",
        "en": "Repeat request: the phone belongs to contact “{client}”. The lead is linked to "
              "the contact; the client's manager ({name}) was notified."},
    "converted_comment": {
        "ru": "Лид сконвертирован: контакт #{contact} ({how}), сделка #{deal}.",
        "en": "Lead converted: contact #{contact} ({how}), deal #{deal}."},
}
MISSING: dict[str, dict[str, str]] = {
    "reason": {"ru": "не указана причина отказа (поле «Причина отказа»)",
               "en": "no rejection reason (the “Rejection reason” field)"},
    "evidence": {"ru": "нет подтверждения контакта с клиентом — нужно хотя бы одно: {options}",
                 "en": "no proof of contact with the client — at least one of: {options}"},
    "call": {"ru": "исходящий звонок от {seconds} с (самый долгий был {longest} с)",
             "en": "an outgoing call of {seconds} s or more (the longest was {longest} s)"},
    "email": {"ru": "отправленное письмо", "en": "a sent e-mail"},
    "meeting": {"ru": "проведённая встреча", "en": "a held meeting"},
    "or": {"ru": " или ", "en": " or "},
    "comma": {"ru": ", ", "en": ", "},
    "found": {"ru": "найден", "en": "found"},
    "created": {"ru": "создан", "en": "created"},
}


def text(key: str, lang: str, **params: Any) -> str:
    """`{client:оставил|оставила}` agrees the verb with the person (quality.name_cases)."""
    table = MESSAGES[key]
    return FORMATTER.format(table.get(lang, table["ru"]), **params)


def word(key: str, lang: str, **params: Any) -> str:
    table = MISSING[key]
    return table.get(lang, table["ru"]).format(**params)


def missing_text(missing: Iterable[str], lang: str, *, seconds: int, longest: int) -> str:
    """'no reason; no proof of contact — at least one of: a call ... or a sent e-mail'."""
    missing = list(missing)
    parts = [word("reason", lang)] if "reason" in missing else []
    options = [word(k, lang, seconds=seconds, longest=longest)
               for k in ("call", "email", "meeting") if k in missing]
    if options:
        listed = word("comma", lang).join(options[:-1])
        listed = f"{listed}{word('or', lang)}{options[-1]}" if listed else options[-1]
        parts.append(word("evidence", lang, options=listed))
    return "; ".join(parts)
