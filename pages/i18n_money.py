"""Page texts for the money at risk and the call targets (merged into pages.i18n): Russian
first, English second; and the headline phrase «Потеряно 6 звонков ≈ 540 000 ₽»."""

from __future__ import annotations

from decimal import Decimal

NBSP = "\u00a0"

PLURALS: dict[str, dict[str, tuple[str, ...]]] = {
    "calls": {"ru": ("звонок", "звонка", "звонков"), "en": ("call", "calls")},
    "lost_verb": {"ru": ("Потерян", "Потеряно", "Потеряно"), "en": ("lost", "lost")},
    "months": {"ru": ("месяц", "месяца", "месяцев"), "en": ("month", "months")},
    "days": {"ru": ("день", "дня", "дней"), "en": ("day", "days")},
}

RU: dict[str, str] = {
    "money.title": "Деньги под угрозой",
    "money.hint": "Пропущенные звонки, по которым не перезвонили за {minutes} мин, умноженные "
                  "на среднюю ценность клиента воронки: выручка выигранных сделок за {months} "
                  "на одного выигравшего клиента.",
    "money.none": "Потерянных звонков нет",
    "money.stat": "Под угрозой",
    "money.value": "Средний клиент",
    "money.value.none": "Выигранных сделок за {months} нет — ценность клиента неизвестна.",
    "money.by_day": "По дням", "money.by_line": "По линиям", "money.by_operator": "По операторам",
    "money.by_pipeline": "По воронкам",
    "money.col.lost": "Потеряно звонков", "money.col.amount": "≈ Сумма",
    "money.col.value": "Средний клиент",
    "money.rule": "Звонок относится к воронке сделки, в которую он попал; звонок без сделки — "
                  "к основной воронке ({pipeline}).",
    "money.col.revenue": "Выручка",
    "targets.title": "Дневные цели",
    "targets.hint": "Исходящие звонки с разговором не короче {minutes} мин в день. Цель "
                    "человека важнее цели роли, цель роли — общей.",
    "targets.col.person": "Сотрудник", "targets.col.target": "Цель в день",
    "targets.col.day": "За {day}", "targets.col.met": "Дней с выполненной целью",
    "targets.col.avg": "Средний исходящий", "targets.col.done": "Засчитано звонков",
    "targets.none": "Целей нет: задайте их в настройках.",
    "targets.avg_title": "Средняя длительность исходящих по дням",
    "targets.avg_hint": "Ответившие исходящие звонки; в скобках — сколько их было.",
    "targets.settings": "Цели и ценность клиента",
    "targets.settings.hint": "Цель — число исходящих звонков в день и минимальная длина "
                             "разговора. Пустые поля роли и сотрудника — как у всех; 0 "
                             "звонков — без цели.",
    "targets.f.months": "Ценность клиента считать за последние, месяцев (1–36)",
    "targets.f.everyone": "Для всех",
    "targets.f.calls": "Звонков в день", "targets.f.minutes": "Не короче, мин",
    "targets.role.manager": "Менеджеры по продажам", "targets.role.head": "Руководитель продаж",
    "targets.f.people": "Для сотрудников",
    "targets.save": "Сохранить", "targets.saved": "Цели сохранены.",
    "targets.error.title": "Цели не сохранены — исправьте отмеченные поля.",
    "targets.error.calls": "Число звонков — целое число от 0 до 500.",
    "targets.error.minutes": "Длина разговора — целое число минут от 0 до 180.",
    "targets.error.months": "Период — целое число месяцев от 1 до 36.",
    "targets.error.role": "Такой роли нет.",
    "targets.error.person": "Такого сотрудника нет на портале.",
    "charts.talk_lines": "Время разговоров по номерам (линиям), ч:мм",
    "charts.operators": "Звонки по операторам: входящие и исходящие",
    "charts.talk_hours": "Нагрузка по часам: минуты разговоров",
    "charts.in": "входящие", "charts.out": "исходящие",
    "report.money": "Деньги под угрозой и цели",
}

EN: dict[str, str] = {
    "money.title": "Money at risk",
    "money.hint": "Missed calls not called back within {minutes} min, times the pipeline's "
                  "average client value: revenue of won deals over {months} per won client.",
    "money.none": "No lost calls",
    "money.stat": "At risk",
    "money.value": "Average client",
    "money.value.none": "No won deals in {months}: the client value is unknown.",
    "money.by_day": "By day", "money.by_line": "By line", "money.by_operator": "By operator",
    "money.by_pipeline": "By pipeline",
    "money.col.lost": "Lost calls", "money.col.amount": "≈ Amount",
    "money.col.value": "Average client",
    "money.rule": "A call belongs to the pipeline of the deal it went to; a call without a "
                  "deal to the default pipeline ({pipeline}).",
    "money.col.revenue": "Revenue",
    "targets.title": "Daily targets",
    "targets.hint": "Outgoing calls with a conversation of at least {minutes} min a day. A "
                    "person's target beats the role's, the role's beats everyone's.",
    "targets.col.person": "Person", "targets.col.target": "Daily target",
    "targets.col.day": "On {day}", "targets.col.met": "Days the target was met",
    "targets.col.avg": "Average outgoing", "targets.col.done": "Calls that counted",
    "targets.none": "No targets: set them in the settings.",
    "targets.avg_title": "Average outgoing call duration by day",
    "targets.avg_hint": "Answered outgoing calls; their number in brackets.",
    "targets.settings": "Targets and client value",
    "targets.settings.hint": "A target is the number of outgoing calls a day and the shortest "
                             "conversation that counts. Empty role and person fields inherit; "
                             "0 calls means no target.",
    "targets.f.months": "Client value over the last months (1–36)",
    "targets.f.everyone": "Everyone",
    "targets.f.calls": "Calls a day", "targets.f.minutes": "At least, min",
    "targets.role.manager": "Sales managers", "targets.role.head": "Head of sales",
    "targets.f.people": "People",
    "targets.save": "Save", "targets.saved": "Targets saved.",
    "targets.error.title": "Targets not saved: correct the marked fields.",
    "targets.error.calls": "Calls: a whole number from 0 to 500.",
    "targets.error.minutes": "Conversation length: whole minutes from 0 to 180.",
    "targets.error.months": "Months: a whole number from 1 to 36.",
    "targets.error.role": "There is no such role.",
    "targets.error.person": "There is no such person on the portal.",
    "charts.talk_lines": "Talk time per number (line), h:mm",
    "charts.operators": "Calls per operator: incoming and outgoing",
    "charts.talk_hours": "Load by hour: minutes of conversation",
    "charts.in": "incoming", "charts.out": "outgoing",
    "report.money": "Money at risk and targets",
}


def form(lang: str, n: int, key: str) -> str:
    """The word for `n` of `key`: 1 звонок, 2 звонка, 5 звонков, 11 звонков, 21 звонок (the
    catalogs' plural.<key>, built from PLURALS above)."""
    from pages import i18n  # pages.i18n imports this module for its texts
    return i18n.plural(lang, n, key)


def grouped(value: float | Decimal, lang: str) -> str:
    """540 000 (no-break spaces) or 540,000."""
    text = f"{round(value):,}"
    return text if lang == "en" else text.replace(",", NBSP)


def lost_money(lang: str, n: int, amount: float | Decimal, sign: str = "₽") -> str:
    """«Потеряно 6 звонков ≈ 540 000 ₽», «Потерян 1 звонок ≈ 90 000 ₽»; no-break spaces keep
    the number with its word and the sum with ₽."""
    if n == 0:
        return "No lost calls" if lang == "en" else "Потерянных звонков нет"
    money = f"≈{NBSP}{grouped(amount, lang)}{NBSP}{sign}"
    if lang == "en":
        return f"{n}{NBSP}{form(lang, n, 'calls')} lost {money}"
    return f"{form(lang, n, 'lost_verb')} {n}{NBSP}{form(lang, n, 'calls')} {money}"


def months(lang: str, n: int) -> str:
    """«6 месяцев», «1 месяц», «3 месяца» (the client value window)."""
    return f"{n}{NBSP}{form(lang, n, 'months')}"


def t_goal(lang: str, calls: int, word: str, minutes: int) -> str:
    """A daily target in words: «30 звонков от 3 мин» / "30 calls of 3+ min"."""
    if lang == "en":
        return f"{calls}{NBSP}{word} of {minutes}+{NBSP}min"
    return f"{calls}{NBSP}{word} от {minutes}{NBSP}мин"
