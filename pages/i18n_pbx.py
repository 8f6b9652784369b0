"""Page texts for presence, ring times and the group order on Маршрутизация (issue 18):
Russian first, English second (merged into pages.i18n)."""

from __future__ import annotations

RU: dict[str, str] = {
    "routing.seconds.title": "Время звонка на каждом шаге",
    "routing.seconds.hint": "Пусто — как «Секунд на шаг». От 5 до 120 секунд.",
    "routing.seconds.responsible": "Ответственный менеджер",
    "routing.seconds.group": "Отдел продаж",
    "routing.seconds.head": "Каждый руководитель",
    "routing.seconds.owner": "Владелец",
    "routing.error.step_seconds": "От 5 до 120 секунд.",
    "routing.group_mode": "Как звонит отдел продаж",
    "routing.group_mode.all": "Всем сразу",
    "routing.group_mode.turn": "По очереди — каждому своё время шага",
    "routing.group_order": "Порядок очереди",
    "routing.group_order.conversion": "Сначала лучшая конверсия за 30 дней",
    "routing.group_order.load": "Сначала у кого меньше открытых сделок",
    "routing.error.group_mode": "Выберите, как звонит отдел.",
    "routing.error.group_order": "Выберите порядок очереди.",
    "routing.presence": "Не звонить тем, кого нет на месте",
    "routing.presence.hint": "Отпуск и другие отсутствия из графика отсутствий, рабочий день "
                             "в учёте рабочего времени, а где его нет — статус «в сети». "
                             "Сведения обновляются раз в минуту; если весь шаг пуст, он "
                             "пропускается и попадает в статистику.",
    "routing.kind.group_turn": "Отдел продаж по очереди",
    "routing.away.title": "Не позвонит сейчас",
    "routing.away.absent": "В отсутствии до {until}",
    "routing.away.absent_open": "В отсутствии",
    "routing.away.day_closed": "Закончил рабочий день",
    "routing.away.day_not_started": "Не начал рабочий день",
    "routing.away.paused": "Перерыв в рабочем дне",
    "routing.away.offline": "Не в сети (учёта рабочего времени нет)",
    "routing.skipped.step": "Шаг {n} пропущен: все на нём отсутствуют",
    "routing.week.skipped": "Пропущено шагов",
    "routing.week.skipped.note": "Никого не было на месте",
    "report.skipped_steps": "Шагов пропущено, потому что все на них отсутствовали: {n}",
}

EN: dict[str, str] = {
    "routing.seconds.title": "Ring time at each step",
    "routing.seconds.hint": "Empty: as “Seconds per step”. From 5 to 120 seconds.",
    "routing.seconds.responsible": "Responsible manager",
    "routing.seconds.group": "Sales department",
    "routing.seconds.head": "Each head",
    "routing.seconds.owner": "Owner",
    "routing.error.step_seconds": "From 5 to 120 seconds.",
    "routing.group_mode": "How the sales department rings",
    "routing.group_mode.all": "Everyone at once",
    "routing.group_mode.turn": "In turn, each for the step's time",
    "routing.group_order": "Order of the turn",
    "routing.group_order.conversion": "Best conversion over 30 days first",
    "routing.group_order.load": "Fewest open deals first",
    "routing.error.group_mode": "Choose how the department rings.",
    "routing.error.group_order": "Choose the order of the turn.",
    "routing.presence": "Do not ring people who are away",
    "routing.presence.hint": "Leave and other absences from the absence chart, the work day "
                             "from time tracking and, where there is none, the online status. "
                             "Refreshed every minute; a step with nobody left is skipped and "
                             "counted.",
    "routing.kind.group_turn": "Sales department in turn",
    "routing.away.title": "Will not ring now",
    "routing.away.absent": "Away until {until}",
    "routing.away.absent_open": "Away",
    "routing.away.day_closed": "Has ended the work day",
    "routing.away.day_not_started": "Has not started the work day",
    "routing.away.paused": "On a break",
    "routing.away.offline": "Offline (no time tracking)",
    "routing.skipped.step": "Step {n} skipped: everyone at it is away",
    "routing.week.skipped": "Steps skipped",
    "routing.week.skipped.note": "Nobody was there",
    "report.skipped_steps": "Steps skipped because everyone at them was away: {n}",
}
