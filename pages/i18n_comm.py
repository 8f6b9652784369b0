"""Page texts for the «Общение» tab (merged into pages.i18n): Russian first, English second."""

from __future__ import annotations

RU: dict[str, str] = {
    "nav.comm": "Общение",
    "comm.title": "Как менеджеры общаются с клиентами",
    "comm.hint": "Письма и открытые линии: обращаются ли по имени, пишут ли с ошибками, что "
                 "говорят о компании и как быстро отвечают (цель — {target} рабочих минут).",
    "comm.days": "{n} дней",
    "comm.col.manager": "Менеджер", "comm.col.written": "Сообщений",
    "comm.col.named": "По имени", "comm.col.typos": "С ошибками",
    "comm.col.forbidden": "Запретные фразы", "comm.col.speed": "Скорость ответа",
    "comm.channel.email": "Почта", "comm.channel.openline": "Чаты", "comm.channel.call": "Звонки",
    "comm.speed": "медиана {median}, в срок {share}, опозданий {late}",
    "comm.minutes": "{n} мин",
    "comm.empty": "За этот период переписки нет.",
    "comm.worst": "Худшие сообщения — {name}",
    "comm.late": "Поздние ответы — {name}, {channel}",
    "comm.unanswered": "нет ответа",
    "comm.found.typos": "Ошибки", "comm.found.forbidden": "Запретные фразы",
    "comm.found.unnamed": "Клиент не назван по имени",
    "comm.settings": "Настройки проверки",
    "comm.f.reply_target_minutes": "Цель по скорости ответа, рабочих минут",
    "comm.f.talk_turns": "Реплик клиента в расшифровке, чтобы считать звонок разговором",
    "comm.f.allowed_words": "Свои слова компании (названия продуктов, бренды) — по одному в строке",
    "comm.f.forbidden": "Запретные фразы о компании и продукте — по одной в строке",
    "comm.f.rejection": "Фразы отказа («не берёт трубку») — по одной в строке",
    "comm.save": "Сохранить", "comm.saved": "Настройки сохранены.",
    "comm.err.reply_target_minutes": "От 1 до 1440 минут.",
    "comm.err.talk_turns": "От 1 до 50 реплик.",
}

EN: dict[str, str] = {
    "nav.comm": "Communication",
    "comm.title": "How managers talk to clients",
    "comm.hint": "E-mail and open lines: do they address the client by name, write with "
                 "mistakes, what they say about the company, how fast they answer (target: "
                 "{target} working minutes).",
    "comm.days": "{n} days",
    "comm.col.manager": "Manager", "comm.col.written": "Messages",
    "comm.col.named": "By name", "comm.col.typos": "With typos",
    "comm.col.forbidden": "Forbidden phrases", "comm.col.speed": "Reply speed",
    "comm.channel.email": "E-mail", "comm.channel.openline": "Chats", "comm.channel.call": "Calls",
    "comm.speed": "median {median}, on time {share}, late {late}",
    "comm.minutes": "{n} min",
    "comm.empty": "No correspondence in this period.",
    "comm.worst": "Worst messages — {name}",
    "comm.late": "Late replies — {name}, {channel}",
    "comm.unanswered": "no reply",
    "comm.found.typos": "Typos", "comm.found.forbidden": "Forbidden phrases",
    "comm.found.unnamed": "The client is not addressed by name",
    "comm.settings": "Check settings",
    "comm.f.reply_target_minutes": "Reply target, working minutes",
    "comm.f.talk_turns": "Client lines in a transcript that make a call a conversation",
    "comm.f.allowed_words": "The company's own words (product names, brands), one a line",
    "comm.f.forbidden": "Forbidden phrases about the company and product, one a line",
    "comm.f.rejection": "Rejection phrases (“doesn't pick up”), one a line",
    "comm.save": "Save", "comm.saved": "Settings saved.",
    "comm.err.reply_target_minutes": "From 1 to 1440 minutes.",
    "comm.err.talk_turns": "From 1 to 50 lines.",
}
