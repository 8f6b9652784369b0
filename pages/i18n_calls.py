"""Page texts for the calls pages (merged into pages.i18n): Russian first, English second."""

from __future__ import annotations

RU: dict[str, str] = {
    "nav.calls": "Звонки",
    "calls.title": "Звонки",
    "calls.hint": "Пропущенный звонок без ответного разговора в течение {minutes} мин "
                  "считается потерянным. LCR — доля потерянных среди входящих.",
    "calls.settings": "Настройки телефонии",
    "calls.from": "С", "calls.to": "по", "calls.show": "Показать",
    "calls.quick.today": "Сегодня", "calls.quick.week": "7 дней", "calls.quick.month": "30 дней",
    "calls.incoming": "Входящие", "calls.answered_n": "отвечено: {n}",
    "calls.missed": "Пропущенные",
    "calls.lost_n": "потеряно: {n} (перезвонили поздно: {late}, ждут: {pending})",
    "calls.lcr": "LCR", "calls.lcr_note": "потерянные / входящие, окно {minutes} мин",
    "calls.answer_time": "Время ответа", "calls.within_rings": "до {seconds} с: {share}",
    "calls.talk": "Средний разговор", "calls.talk_note": "всего {hours} ч разговоров",
    "calls.outgoing": "Исходящие", "calls.long_n": "от {minutes} мин: {n}",
    "calls.chart.hours": "Звонки по часам и операторам",
    "calls.chart.days": "Входящие: отвеченные и пропущенные",
    "calls.chart.lcr": "LCR за {days} дней", "calls.chart.channels": "Каналы (линии): "
                       "входящие · сделки / выигранные",
    "calls.legend.answered": "отвечено", "calls.legend.called_back": "перезвонили вовремя",
    "calls.legend.lost": "потеряно",
    "calls.empty": "Звонков за период нет.",
    "calls.operators": "Операторы",
    "calls.operators.hint": "Загрузка — время разговоров от рабочего дня ({hours} ч) "
                            "в дни, когда оператор звонил.",
    "calls.col.operator": "Оператор", "calls.col.answered": "Отвечено",
    "calls.col.lost": "Потеряно", "calls.col.rings": "До {seconds} с",
    "calls.col.utilisation": "Загрузка", "calls.col.long": "От {minutes} мин",
    "calls.col.line": "Линия", "calls.col.deals": "Сделки", "calls.col.won": "Выиграно",
    "calls.col.when": "Когда", "calls.col.phone": "Номер", "calls.col.state": "Статус",
    "calls.lines": "Линии и каналы",
    "calls.lines.hint": "Номер линии — канал рекламы: сколько звонков, сколько сделок "
                        "открыли звонки и сколько из них выиграно.",
    "calls.lost_title": "Потерянные звонки",
    "calls.lost_hint": "Никто не поговорил с клиентом в течение {minutes} мин после "
                       "пропущенного звонка.",
    "calls.lost_none": "Потерянных звонков нет.",
    "calls.state.lost": "потерян", "calls.state.late": "перезвонили поздно",
    "calls.state.pending": "ждёт перезвона",
    "calls.called_back_at": "перезвонили {at}",
    "calls.call_back": "Перезвонить",
    "calls.records": "Записи разговоров", "calls.records_none": "Записей за период нет.",
    "calls.records_cut": "Показаны {first}–{last} из {total}, сначала новые",
    "calls.col.duration": "Длительность",
    "calls.listen": "Слушать",
    "calls.msg.callback_set": "Дело «Перезвонить» поставлено: {name}.",
    "calls.msg.callback_exists": "У сделки уже есть открытое дело «Перезвонить» ({name}).",
    "calls.msg.call_not_found": "Звонок не найден или уже отвечен.",
    "calls.msg.no_deal": "По этому номеру нет открытой сделки — дело не к чему привязать.",
    "calls.msg.portal_error": "Битрикс24 не принял дело. Попробуйте ещё раз через минуту.",
    "calls.msg.saved": "Настройки телефонии сохранены.",
    "calls.settings.title": "Настройки телефонии",
    "calls.settings.hint": "Правила учёта звонков и подключение внешней АТС.",
    "calls.settings.numbers": "Номера и время",
    "calls.settings.region": "Страна номеров без кода",
    "calls.settings.region.hint": "Как читать номера вида 8 (912) 345-67-89 или 9123456789.",
    "calls.settings.timezone": "Часовой пояс отчётов",
    "calls.settings.rules": "Правила",
    "calls.settings.callback_minutes": "Перезвонить в течение, мин",
    "calls.settings.callback_minutes.hint": "Позже — звонок потерян (ровно N минут — ещё вовремя).",
    "calls.settings.ring_seconds": "Быстрый ответ, секунд",
    "calls.settings.ring_seconds.hint": "3 гудка ≈ 6 секунд.",
    "calls.settings.long_call_seconds": "Содержательный разговор, от секунд",
    "calls.settings.long_call_seconds.hint": "Исходящие звонки не короче этого считаются "
                                             "разговором.",
    "calls.settings.workday_hours": "Рабочий день, часов",
    "calls.settings.workday_hours.hint": "Для загрузки операторов.",
    "calls.error.region": "Выберите страну из списка.",
    "calls.error.timezone": "Выберите часовой пояс из списка.",
    "calls.error.callback_minutes": "От 1 до 1440 минут.",
    "calls.error.ring_seconds": "От 1 до 120 секунд.",
    "calls.error.long_call_seconds": "От 10 до 10 800 секунд.",
    "calls.error.workday_hours": "От 1 до 24 часов.",
    "calls.pbx.title": "Внешняя АТС",
    "calls.pbx.hint": "АТС отправляет каждый завершённый звонок POST-запросом с JSON; звонок "
                      "появится в карточке клиента в Битрикс24 вместе с записью.",
    "calls.pbx.url": "Адрес", "calls.pbx.header": "Заголовок", "calls.pbx.secret": "Секрет",
    "calls.pbx.shown_once": "Скопируйте секрет в настройки АТС сейчас: мы храним только его "
                            "отпечаток и больше не покажем. Тот же секрет — для маршрутизации.",
    "calls.pbx.secret_hint": "выпущен, оканчивается на …{hint}",
    "calls.pbx.no_secret": "ещё не выпущен",
    "calls.pbx.body": "Поля: call_id — ваш номер звонка, по нему повтор не создаст второй "
                      "звонок; direction — in (входящий) или out (исходящий); phone — номер "
                      "клиента; line — наш номер, на который звонили или с которого звонили; "
                      "started_at, answered_at, ended_at — время в ISO-8601 с часовым поясом, "
                      "answered_at пуст или не передан, если никто не ответил; менеджер — "
                      "user_id (сотрудник Битрикс24) или extension (внутренний номер); "
                      "record_url — необязательная ссылка на запись, она должна открываться "
                      "из интернета: Битрикс24 сам скачает файл.",
    "calls.pbx.example": "Пример запроса:",
    "calls.pbx.answers": "Ответы: 200 — звонок принят («duplicate»: true — уже был, "
                         "ничего нового не сохранено); 400 — ошибки в данных, каждая названа в "
                         "«message»; 413 — тело больше 64 КиБ; 401 — неверный "
                         "секрет или портал. Звонок появляется в Битрикс24 через минуту: его "
                         "регистрирует фоновая задача, не сам запрос.",
    "calls.pbx.new_secret": "Выпустить новый секрет",
}

EN: dict[str, str] = {
    "nav.calls": "Calls",
    "calls.title": "Calls",
    "calls.hint": "A missed call not followed by a conversation within {minutes} min is lost. "
                  "LCR is the share of lost calls among incoming ones.",
    "calls.settings": "Telephony settings",
    "calls.from": "From", "calls.to": "to", "calls.show": "Show",
    "calls.quick.today": "Today", "calls.quick.week": "7 days", "calls.quick.month": "30 days",
    "calls.incoming": "Incoming", "calls.answered_n": "answered: {n}",
    "calls.missed": "Missed",
    "calls.lost_n": "lost: {n} (called back late: {late}, waiting: {pending})",
    "calls.lcr": "LCR", "calls.lcr_note": "lost / incoming, {minutes} min window",
    "calls.answer_time": "Time to answer", "calls.within_rings": "within {seconds} s: {share}",
    "calls.talk": "Average talk", "calls.talk_note": "{hours} h of talk in total",
    "calls.outgoing": "Outgoing", "calls.long_n": "{minutes} min and longer: {n}",
    "calls.chart.hours": "Calls by hour and operator",
    "calls.chart.days": "Incoming: answered and missed",
    "calls.chart.lcr": "LCR over {days} days",
    "calls.chart.channels": "Channels (lines): incoming · deals / won",
    "calls.legend.answered": "answered", "calls.legend.called_back": "called back in time",
    "calls.legend.lost": "lost",
    "calls.empty": "No calls in this period.",
    "calls.operators": "Operators",
    "calls.operators.hint": "Utilisation is talk time against the working day ({hours} h) on "
                            "the days the operator had calls.",
    "calls.col.operator": "Operator", "calls.col.answered": "Answered",
    "calls.col.lost": "Lost", "calls.col.rings": "Within {seconds} s",
    "calls.col.utilisation": "Utilisation", "calls.col.long": "{minutes} min+",
    "calls.col.line": "Line", "calls.col.deals": "Deals", "calls.col.won": "Won",
    "calls.col.when": "When", "calls.col.phone": "Number", "calls.col.state": "State",
    "calls.lines": "Lines and channels",
    "calls.lines.hint": "A line number is an advertising channel: its calls, the deals they "
                        "opened and how many were won.",
    "calls.lost_title": "Lost calls",
    "calls.lost_hint": "Nobody talked to the client within {minutes} min of the missed call.",
    "calls.lost_none": "No lost calls.",
    "calls.state.lost": "lost", "calls.state.late": "called back late",
    "calls.state.pending": "waiting for a call-back",
    "calls.called_back_at": "called back {at}",
    "calls.call_back": "Call back",
    "calls.records": "Call recordings", "calls.records_none": "No recordings in this period.",
    "calls.records_cut": "Showing {first}–{last} of {total}, newest first",
    "calls.col.duration": "Duration",
    "calls.listen": "Listen",
    "calls.msg.callback_set": "A “call back” to-do was set for {name}.",
    "calls.msg.callback_exists": "The deal already has an open “call back” to-do ({name}).",
    "calls.msg.call_not_found": "The call was not found or has been answered.",
    "calls.msg.no_deal": "No open deal has this number: nothing to attach the to-do to.",
    "calls.msg.portal_error": "Bitrix24 did not accept the to-do. Please try again in a minute.",
    "calls.msg.saved": "Telephony settings saved.",
    "calls.settings.title": "Telephony settings",
    "calls.settings.hint": "How calls are counted, and the external PBX connection.",
    "calls.settings.numbers": "Numbers and time",
    "calls.settings.region": "Country of numbers without a code",
    "calls.settings.region.hint": "How to read 8 (912) 345-67-89 or 9123456789.",
    "calls.settings.timezone": "Time zone of the reports",
    "calls.settings.rules": "Rules",
    "calls.settings.callback_minutes": "Call back within, min",
    "calls.settings.callback_minutes.hint": "Later, the call is lost (exactly N minutes is "
                                            "still in time).",
    "calls.settings.ring_seconds": "Quick answer, seconds",
    "calls.settings.ring_seconds.hint": "3 rings ≈ 6 seconds.",
    "calls.settings.long_call_seconds": "A real conversation, seconds or more",
    "calls.settings.long_call_seconds.hint": "Outgoing calls at least this long count as "
                                             "conversations.",
    "calls.settings.workday_hours": "Working day, hours",
    "calls.settings.workday_hours.hint": "For operator utilisation.",
    "calls.error.region": "Choose a country from the list.",
    "calls.error.timezone": "Choose a time zone from the list.",
    "calls.error.callback_minutes": "1 to 1440 minutes.",
    "calls.error.ring_seconds": "1 to 120 seconds.",
    "calls.error.long_call_seconds": "10 to 10 800 seconds.",
    "calls.error.workday_hours": "1 to 24 hours.",
    "calls.pbx.title": "External PBX",
    "calls.pbx.hint": "The PBX posts every finished call as JSON; the call then appears in the "
                      "client's card in Bitrix24 with its recording.",
    "calls.pbx.url": "URL", "calls.pbx.header": "Header", "calls.pbx.secret": "Secret",
    "calls.pbx.shown_once": "Copy the secret into the PBX now: we keep only its fingerprint "
                            "and will not show it again. Routing uses the same secret.",
    "calls.pbx.secret_hint": "issued, ends with …{hint}",
    "calls.pbx.no_secret": "not issued yet",
    "calls.pbx.body": "Fields: call_id — your call's id, so a repeat never makes a second "
                      "call; direction — in or out; phone — the client's number; line — our "
                      "number that was called or called out; started_at, answered_at, "
                      "ended_at — ISO-8601 times with a zone, answered_at empty or absent "
                      "when nobody answered; the manager as user_id (a Bitrix24 user) or "
                      "extension (inner number); record_url — an optional link to the "
                      "recording, reachable from the internet: Bitrix24 fetches the file itself.",
    "calls.pbx.example": "An example request:",
    "calls.pbx.answers": "Answers: 200 — the call is accepted (“duplicate”: true — already "
                         "known, nothing new stored); 400 — errors in the data, each named in "
                         "“message”; 413 — a body over 64 KiB; 401 — a wrong secret or "
                         "portal. The call shows in Bitrix24 within a minute: a background job "
                         "registers it, not the request itself.",
    "calls.pbx.new_secret": "Issue a new secret",
}
