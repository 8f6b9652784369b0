"""What «Мой день» writes into the portal (reminders, the CRM copy), in the portal's language."""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, dict[str, str]] = {
    "reminder": {
        "ru": "Пора сдать «Мой день»: что решили сегодня и что это даст. Цифры уже посчитаны "
              "— проверьте и отправьте{link}",
        "en": "Time to hand in “My day”: what you settled today and what it will bring. The "
              "figures are counted already — check and send{link}"},
    "link": {"ru": "Открыть «Мой день»", "en": "Open “My day”"},
    "title": {"ru": "«Мой день» №{id}: {name}, {day}",
              "en": "“My day” #{id}: {name}, {day}"},
    "decided": {"ru": "Что решил сегодня и что это даст:", "en": "What I settled today and "
                                                                "what it will bring:"},
    "ratings": {"ru": "Оценки клиентов по звонкам обратной связи: {values}",
                "en": "Clients' ratings of the feedback calls: {values}"},
    "head": {"ru": "Комментарий руководителя ({name}): {text}",
             "en": "Head's comment ({name}): {text}"},
    "new_calls": {"ru": "Новые звонки", "en": "New calls"},
    "repeat_calls": {"ru": "Повторные звонки", "en": "Repeat calls"},
    "feedback_calls": {"ru": "Звонки обратной связи", "en": "Feedback calls"},
    "proposals": {"ru": "КП", "en": "Proposals"},
    "invoices": {"ru": "Счета и договоры", "en": "Invoices and contracts"},
    "payments": {"ru": "Оплаты", "en": "Payments"},
    "first_calls": {"ru": "Первые звонки после продажи", "en": "First calls after the sale"},
    "company": {"ru": "Наша компания", "en": "Our company"},
}


def text(key: str, lang: str, **params: Any) -> str:
    table = MESSAGES[key]
    return table.get(lang, table["ru"]).format(**params)
