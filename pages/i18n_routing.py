"""Page texts for the routing pages (merged into pages.i18n): Russian first, English second."""

from __future__ import annotations

RU: dict[str, str] = {
    "nav.routing": "Маршрутизация",
    "routing.title": "Маршрутизация звонков",
    "routing.hint": "Входящий звонок сначала получает ответственный менеджер клиента, затем "
                    "отдел продаж, затем руководители — до владельца компании.",
    "routing.saved": "Настройки маршрутизации сохранены.",
    "routing.readonly": "Менять настройки может только администратор портала.",
    # preview
    "routing.preview": "Кто сейчас услышит звонок",
    "routing.preview.phone": "Номер клиента", "routing.preview.show": "Показать",
    "routing.preview.hint": "План строится так же, как для АТС: по данным портала и "
                            "сохранённым настройкам, на текущий момент.",
    "routing.client.unknown": "Неизвестный номер", "routing.client.unnamed": "Без имени",
    "routing.client.contact": "контакт", "routing.client.company": "компания",
    "routing.client.lead": "лид",
    "routing.responsible.deal": "Ответственный по открытой сделке",
    "routing.responsible.contact": "Ответственный за контакт",
    "routing.responsible.company": "Ответственный за компанию",
    "routing.responsible.lead": "Ответственный за лид",
    "routing.out_of_hours": "Нерабочее время: сразу весь отдел",
    "routing.col.step": "Шаг", "routing.col.who": "Звонит у", "routing.col.seconds": "Секунд",
    "routing.kind.responsible": "Ответственный менеджер",
    "routing.kind.group": "Отдел продаж", "routing.kind.head": "Плюс руководитель отдела",
    "routing.kind.head_up": "Плюс руководитель выше, уровень {n}",
    "routing.kind.owner": "Плюс владелец",
    "routing.extension": "Внутренний номер", "routing.no_extension": "нет внутреннего номера",
    "routing.plan.empty": "Звонить некому: выберите отделы продаж и проверьте, что "
                          "сотрудники активны.",
    # settings
    "routing.section.group": "Кому звонит",
    "routing.departments": "Отделы продаж",
    "routing.departments.hint": "Их активные сотрудники — второй шаг. Руководители отделов "
                                "подключаются на следующих шагах, вверх по структуре.",
    "routing.departments.guessed": "Пока ничего не выбрано, отделом продаж считаются отделы "
                                   "со словом «продаж» в названии.",
    "routing.departments.none": "Структура компании ещё не загружена из портала.",
    "routing.people": "{n} чел.",
    "routing.ring_seconds": "Секунд на шаг",
    "routing.ring_seconds.hint": "Один гудок в Битрикс24 — 5 секунд; 10 секунд — два гудка.",
    "routing.owner": "Последний в цепочке",
    "routing.owner.auto": "Руководитель верхнего отдела структуры",
    "routing.owner.hint": "Нужен, только если у верхнего отдела в портале не указан "
                          "руководитель.",
    "routing.section.hours": "Рабочее время",
    "routing.days": "Рабочие дни",
    "routing.day.0": "Пн", "routing.day.1": "Вт", "routing.day.2": "Ср", "routing.day.3": "Чт",
    "routing.day.4": "Пт", "routing.day.5": "Сб", "routing.day.6": "Вс",
    "routing.from": "С", "routing.to": "До", "routing.zone": "Часовой пояс портала",
    "routing.hours.hint": "В нерабочее время звонок сразу получает весь отдел продаж. "
                          "Одинаковое начало и конец — круглосуточно.",
    "routing.section.cards": "Карточка звонка в Битрикс24",
    "routing.show_cards": "Показывать карточку звонка сотрудникам, у которых звонит телефон",
    "routing.show_cards.hint": "Включите, если АТС сообщает приложению о ходе звонка: "
                               "карточка появится у каждого следующего шага, скроется у "
                               "остальных после ответа, и звонок попадёт в статистику.",
    "routing.error.ring": "От 5 до 120 секунд.",
    "routing.error.ring_seconds": "От 5 до 120 секунд.",
    "routing.error.department": "Такого отдела нет в структуре портала.",
    "routing.error.work_days": "Выберите дни недели.",
    "routing.error.work_hours": "Укажите время в формате ЧЧ:ММ.",
    "routing.error.time_zone": "Неизвестный часовой пояс.",
    # PBX
    "routing.section.pbx": "Подключение АТС",
    "routing.pbx.hint": "АТС запрашивает план для каждого входящего звонка и сообщает, "
                        "на каком шаге и кто ответил. Каждый запрос — с секретом в заголовке.",
    "routing.pbx.url": "План звонка", "routing.pbx.progress": "Ход звонка",
    "routing.pbx.header": "Заголовок", "routing.pbx.secret": "Секрет",
    "routing.pbx.secret.none": "Не выпущен — АТС пока не может подключиться.",
    "routing.pbx.secret.issued": "Выпущен {when}, оканчивается на …{hint}",
    "routing.pbx.secret.once": "Скопируйте секрет в настройки АТС сейчас: больше он показан "
                               "не будет.",
    "routing.pbx.issue": "Выпустить секрет",
    "routing.pbx.issue_again": "Выпустить новый (старый сразу перестанет работать)",
    # stats
    "routing.section.week": "Звонки за 7 дней",
    "routing.week.answered": "Отвечено", "routing.week.step": "На шаге {n}",
    "routing.week.missed": "Без ответа",
    "routing.escalations": "Дошли до руководителя или остались без ответа",
    "routing.escalations.none": "Таких звонков не было.",
    "routing.col.when": "Когда", "routing.col.responsible": "Ответственный",
    "routing.col.outcome": "Итог",
    "routing.outcome.answered": "{name:Ответил|Ответила} {name} на шаге {n}",
    "routing.outcome.missed": "Никто не ответил",
}

EN: dict[str, str] = {
    "nav.routing": "Routing",
    "routing.title": "Call routing",
    "routing.hint": "An incoming call goes to the client's responsible manager first, then "
                    "the sales department, then the heads — up to the owner.",
    "routing.saved": "Routing settings saved.",
    "routing.readonly": "Only portal administrators can change these settings.",
    "routing.preview": "Who would hear this call now",
    "routing.preview.phone": "Client's number", "routing.preview.show": "Show",
    "routing.preview.hint": "The plan is built exactly as for the PBX: from the portal's data "
                            "and the saved settings, as of now.",
    "routing.client.unknown": "Unknown number", "routing.client.unnamed": "No name",
    "routing.client.contact": "contact", "routing.client.company": "company",
    "routing.client.lead": "lead",
    "routing.responsible.deal": "Responsible for an open deal",
    "routing.responsible.contact": "Responsible for the contact",
    "routing.responsible.company": "Responsible for the company",
    "routing.responsible.lead": "Responsible for the lead",
    "routing.out_of_hours": "Out of hours: the whole department at once",
    "routing.col.step": "Step", "routing.col.who": "Rings for", "routing.col.seconds": "Seconds",
    "routing.kind.responsible": "Responsible manager", "routing.kind.group": "Sales department",
    "routing.kind.head": "Plus the department head",
    "routing.kind.head_up": "Plus the head above, level {n}",
    "routing.kind.owner": "Plus the owner",
    "routing.extension": "Extension", "routing.no_extension": "no extension",
    "routing.plan.empty": "Nobody to ring: choose the sales departments and check that "
                          "people are active.",
    "routing.section.group": "Who rings",
    "routing.departments": "Sales departments",
    "routing.departments.hint": "Their active people are step 2. Department heads join on "
                                "the next steps, up the structure.",
    "routing.departments.guessed": "Until you choose, departments with “sales” in the name "
                                   "count as sales.",
    "routing.departments.none": "The company structure has not been loaded from the portal "
                                "yet.",
    "routing.people": "{n} people",
    "routing.ring_seconds": "Seconds per step",
    "routing.ring_seconds.hint": "One Bitrix24 ring is 5 seconds; 10 seconds is two rings.",
    "routing.owner": "Last in the chain",
    "routing.owner.auto": "Head of the top department",
    "routing.owner.hint": "Only needed when the portal's top department has no head.",
    "routing.section.hours": "Working hours",
    "routing.days": "Working days",
    "routing.day.0": "Mon", "routing.day.1": "Tue", "routing.day.2": "Wed",
    "routing.day.3": "Thu", "routing.day.4": "Fri", "routing.day.5": "Sat",
    "routing.day.6": "Sun",
    "routing.from": "From", "routing.to": "To", "routing.zone": "Portal time zone",
    "routing.hours.hint": "Out of hours a call rings the whole sales department at once. "
                          "The same start and end mean round the clock.",
    "routing.section.cards": "Call card in Bitrix24",
    "routing.show_cards": "Show the call card to the people whose phone is ringing",
    "routing.show_cards.hint": "Turn on if the PBX reports the call's progress to the app: "
                               "the card pops up for each next step, closes for the others "
                               "on answer, and the call lands in the statistics.",
    "routing.error.ring": "From 5 to 120 seconds.",
    "routing.error.ring_seconds": "From 5 to 120 seconds.",
    "routing.error.department": "There is no such department in the portal.",
    "routing.error.work_days": "Choose the days of the week.",
    "routing.error.work_hours": "Enter the time as HH:MM.",
    "routing.error.time_zone": "Unknown time zone.",
    "routing.section.pbx": "PBX connection",
    "routing.pbx.hint": "The PBX asks for a plan for each incoming call and reports which "
                        "step and who answered. Every request carries the secret in a header.",
    "routing.pbx.url": "Call plan", "routing.pbx.progress": "Call progress",
    "routing.pbx.header": "Header", "routing.pbx.secret": "Secret",
    "routing.pbx.secret.none": "Not issued: the PBX cannot connect yet.",
    "routing.pbx.secret.issued": "Issued {when}, ends with …{hint}",
    "routing.pbx.secret.once": "Copy the secret into the PBX settings now: it will not be "
                               "shown again.",
    "routing.pbx.issue": "Issue a secret",
    "routing.pbx.issue_again": "Issue a new one (the old one stops working at once)",
    "routing.section.week": "Calls in the last 7 days",
    "routing.week.answered": "Answered", "routing.week.step": "At step {n}",
    "routing.week.missed": "Not answered",
    "routing.escalations": "Reached a head or nobody answered",
    "routing.escalations.none": "No such calls.",
    "routing.col.when": "When", "routing.col.responsible": "Responsible",
    "routing.col.outcome": "Outcome",
    "routing.outcome.answered": "{name} answered at step {n}",
    "routing.outcome.missed": "Nobody answered",
}
