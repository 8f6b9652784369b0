"""Every word the app pages show: Russian (the default) and English, from gettext catalogs.

`t()` and `plural()` read translations/{ru,en}/LC_MESSAGES/messages.mo (msgid = the key), loaded
once per process. The flat dicts below (and in the i18n_* area modules) are, for now, the
*source* of those catalogs: `make i18n-from-dicts` (tools/dicts_to_po.py) rewrites the .po/.mo
from them, and tests/unit/test_i18n_catalogs.py fails when the two disagree. They stay until the
other branches' new keys are merged; then the .po files become the source and the dicts go.

A key missing in English falls back to Russian; a key missing everywhere shows itself (a visible
bug, never a crash). Action answers use the domain's `ActionResult.message_key` under `msg.`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from babel.support import Translations

from config import ROOT
from pages import (
    i18n_audits,
    i18n_calls,
    i18n_comm,
    i18n_leads,
    i18n_money,
    i18n_myday,
    i18n_pbx,
    i18n_report,
    i18n_routing,
)
from quality.name_cases import FORMATTER

TRANSLATIONS = ROOT / "translations"

RU: dict[str, str] = {
    "app_name": "Контроль продаж",
    "nav.board": "Биржа лидов", "nav.taken": "Нагрузка", "nav.settings": "Настройки",
    "load.mine": "Моя нагрузка", "load.of": "{open} из {cap}",
    "load.full": "Лимит исчерпан: закройте или верните сделку, чтобы взять новую.",
    "unit.d": "д", "unit.h": "ч", "unit.m": "мин", "unit.now": "< 1 мин",
    # board
    "board.title": "Сделки на бирже",
    "board.best": "Приоритет лучшим: в первые {minutes} мин. свежую сделку могут взять только",
    "board.best_one": "{name} ({rate}\u00a0%, {won}\u00a0из\u00a0{closed})",
    "board.hint": "Сделки ждут менеджера. Нажмите «Взять» — сделка сразу станет вашей "
                  "в Битрикс24.",
    "board.waiting": "Ждут на бирже", "board.oldest": "Дольше всех ждёт",
    "board.amount_total": "Сумма сделок", "board.late": "Ждут дольше {hours} ч",
    "col.title": "Сделка", "col.client": "Клиент", "col.source": "Источник",
    "col.amount": "Сумма", "col.stage": "Стадия", "col.age": "Ждёт", "col.held": "У вас",
    "col.pipeline": "Воронка",
    "board.take": "Взять", "board.taking": "Берём…",
    "board.empty.title": "На бирже пусто",
    "board.empty.text": "Все сделки разобраны. Новые обращения появятся здесь сами.",
    "board.shown": "Показаны {first}–{last} из {total}",
    "page.prev": "← Назад", "page.next": "Дальше →",
    "sort.by": "Сортировать",
    "banner.not_ready": "Биржа не настроена: администратор должен выбрать пользователя биржи",
    "banner.not_ready.admin": "Открыть настройки",
    "banner.not_ready.user": "Пока биржа не настроена, сделки распределяются как обычно.",
    "deal.untitled": "Без названия", "deal.open": "Открыть в Битрикс24",
    "source.none": "Не указан",
    # taken
    "taken.title": "Нагрузка менеджеров",
    "taken.hint": "Открытые сделки против лимита, взятые с биржи и возвращённые за 30 дней.",
    "taken.col.manager": "Менеджер", "taken.col.load": "Открытые сделки",
    "taken.col.claims": "Взято за 30 дней", "taken.col.returns": "Возвращено за 30 дней",
    "taken.you": "вы", "taken.over": "сверх лимита",
    "taken.empty": "Менеджеры отдела продаж не найдены — отметьте их в настройках.",
    "mine.title": "Мои сделки",
    "mine.hint": "Не будете вести сделку — верните её на биржу, её возьмёт коллега.",
    "mine.return": "Вернуть", "mine.reason": "Причина возврата",
    "mine.empty": "У вас нет открытых сделок в воронках биржи.",
    "reason.no_answer": "Клиент не отвечает", "reason.not_my_profile": "Не мой профиль",
    "reason.duplicate": "Дубль", "reason.overloaded": "Нет времени вести",
    "reason.other": "Другая причина",
    # action answers (handlers.exchange.actions.ActionResult.message_key)
    "msg.claimed": "Сделка ваша. Нагрузка: {open} из {cap}.",
    "msg.returned": "Сделка возвращена на биржу.",
    "msg.exchange_not_ready": "Биржа не настроена — обратитесь к администратору.",
    "msg.deal_not_found": "Сделка уже закрыта или удалена.",
    "msg.already_taken": "Сделку уже {name:взял|взяла} {name}.",
    "msg.already_taken_anon": "Сделку только что взял другой менеджер.",
    "msg.priority": "Сделка доступна лучшим менеджерам до {until}.",
    "msg.over_cap": "У вас {open} открытых сделок при лимите {cap}. Закройте или верните "
                    "часть, чтобы взять новую.",
    "msg.bad_reason": "Выберите причину возврата.",
    "msg.not_yours": "Эта сделка уже не ваша.",
    "msg.portal_error": "Битрикс24 не принял изменение. Попробуйте ещё раз через минуту.",
    "msg.failed": "Не получилось. Попробуйте ещё раз.", "msg.done": "Готово.",
    "msg.bad_request": "Не указана сделка.",
    # settings
    "settings.title": "Настройки биржи",
    "settings.hint": "Изменения действуют сразу после сохранения.",
    "settings.saved": "Настройки сохранены.",
    "settings.invalid": "Проверьте выделенные поля — настройки не сохранены.",
    "settings.section.exchange": "Биржа",
    "settings.exchange_user": "Пользователь биржи",
    "settings.exchange_user.hint": "Служебная учётная запись, на которой сделки ждут "
                                   "менеджера. Обычно её называют «Биржа лидов».",
    "settings.exchange_user.none": "— не выбран —",
    "settings.exchange_user.guessed": "Предложен пользователь «{name}». Проверьте и сохраните.",
    "settings.categories": "Воронки",
    "settings.categories.hint": "Сделки каких воронок идут через биржу.",
    "category.general": "Общая воронка", "category.n": "Воронка {n}",  # name not mirrored yet
    "settings.first_sync": "Загружаем сотрудников и воронки с портала…",
    "settings.first_sync.refresh": "Обновить страницу",
    "settings.landing": "Что попадает на биржу",
    "settings.landing.all": "Все новые сделки. Менеджер оставляет себе созданную им сделку, "
                            "если не превышен его лимит",
    "settings.landing.unassigned": "Только сделки без ответственного и созданные "
                                   "роботами или формами",
    "settings.section.caps": "Лимиты",
    "settings.default_cap": "Открытых сделок на менеджера",
    "settings.cap_mode": "Как считать лимит",
    "settings.cap_mode.fixed": "Одинаковый для всех, кроме личных лимитов ниже",
    "settings.cap_mode.results": "По результатам: больше тем, у кого выше конверсия "
                                 "за 30 дней",
    "settings.cap_min": "Не меньше", "settings.cap_max": "Не больше",
    "settings.bounds": "Границы лимита при расчёте по результатам",
    "settings.managers": "Менеджеры и личные лимиты",
    "settings.managers.hint": "Если никого не отметить, на бирже работают все сотрудники "
                              "отделов продаж, кроме руководителя. Пустой лимит — общий.",
    "settings.col.takes_part": "Работает с биржей", "settings.col.cap": "Личный лимит",
    "settings.section.control": "Контроль",
    "settings.section.distribution": "Распределение",
    "settings.answerer_takes_new_client": "Новый клиент — тому, кто ответил на звонок: сделка по "
                                          "отвеченному звонку с нового номера не идёт на биржу",
    "settings.priority.hint": "Приоритет лучшим: свежую сделку с биржи сначала могут взять только "
                              "менеджеры с лучшей конверсией за 30 дней (не меньше 3 закрытых "
                              "сделок), потом — все. 0 минут — выключено.",
    "settings.priority_minutes": "Приоритет лучшим, минут",
    "settings.priority_top": "Сколько лучших менеджеров",
    "settings.stale_days": "Вернуть на биржу сделку без движения через, дней",
    "settings.head": "Руководитель отдела продаж",
    "settings.head.auto": "— по структуре компании —",
    "settings.alert_waiting_over": "Сообщить руководителю, если на бирже больше, сделок",
    "settings.alert_wait_hours": "…или если сделка ждёт дольше, часов",
    "settings.save": "Сохранить",
    "error.landing_mode": "Выберите один из вариантов.",
    "error.cap_mode": "Выберите один из вариантов.",
    "error.cap": "Лимит — целое число от 0 до 1000.",
    "error.cap_bounds": "Нижняя граница от 1 и не больше верхней (до 1000).",
    "error.stale_days": "От 1 до 365 дней.",
    "error.priority_minutes": "От 0 до 1440 минут.",
    "error.priority_top": "От 1 до 100.",
    "error.categories": "Отметьте хотя бы одну воронку.",
    "error.number": "Введите целое число.",
    "error.user": "Выберите пользователя из списка.",
    # keep sweep
    "sweep.title": "Разбор сделок «Оставить за мной»",
    "sweep.hint": "Когда отдел перегружен: у выбранных менеджеров все открытые сделки без "
                  "отметки «Оставить за мной» вернутся на биржу. Сначала посмотрите список, "
                  "затем подтвердите. Отменить можно в течение суток.",
    "sweep.managers": "Чьи сделки разобрать", "sweep.when": "Когда",
    "sweep.now": "Сейчас", "sweep.at": "В назначенное время",
    "sweep.preview": "Предпросмотр", "sweep.confirm": "Подтвердить",
    "sweep.preview_count": "На биржу вернутся {n} {deals}",
    "sweep.preview_none": "У выбранных менеджеров нет сделок без отметки — возвращать нечего.",
    "sweep.choose_managers": "Отметьте хотя бы одного менеджера.",
    "sweep.bad_time": "Укажите дату и время разбора.",
    "sweep.latest": "Последний разбор",
    "sweep.status.planned": "Запланирован на {at}",
    "sweep.status.done": "Выполнен {at}",
    "sweep.status.undone": "Отменён {at}",
    "sweep.status.cancelled": "Отменён до запуска",
    "sweep.status.sending": "Выполняется: портал подтвердил ещё не все сделки, "
                            "повтор — через минуту",
    "sweep.undo": "Отменить разбор",
    "sweep.undo_hint": "Сделки, которые ещё на бирже, вернутся прежним ответственным.",
    "sweep.done_msg": "Разбор выполнен: на биржу вернулось {n} {deals}.",
    "sweep.planned_msg": "Разбор запланирован.",
    "sweep.undone_msg": "Разбор отменён: прежним ответственным вернулось {n} {deals}.",
    "sweep.undo_late": "Отменить разбор можно только в течение суток.",
    # deal and lead tabs
    "tab.waiting.title": "Сделка ждёт на бирже",
    "tab.waiting.text": "Ждёт {age}. Возьмите её, если готовы вести клиента.",
    "tab.yours.title": "Это ваша сделка",
    "tab.yours.text": "Не будете вести — верните на биржу, её возьмёт коллега.",
    "tab.taken.title": "Сделку ведёт {name}",
    "tab.taken.since": "Взята с биржи {age} назад.",
    "tab.closed.title": "Сделка закрыта",
    "tab.closed.text": "Закрытые сделки на бирже не участвуют.",
    "tab.records": "Записи разговоров с клиентом",
    "tab.other_pipeline": "Воронка «{name}» не участвует в бирже.",
    "tab.unknown": "Данных о сделке ещё нет — обновите вкладку через минуту.",
    "tab.lead.title": "Проверка лида",
    "tab.lead.text": "Проверка лидов появится в одном из следующих обновлений приложения.",
    # errors
    "err.title": "Не удалось открыть приложение",
    "err.missing": "Откройте приложение из меню Битрикс24: страница работает только "
                   "внутри портала.",
    "err.unknown_portal": "Приложение не установлено на этом портале или было удалено. "
                          "Попросите администратора установить его заново.",
    "err.bad_token": "Битрикс24 не подтвердил этот запрос. Откройте приложение из меню портала.",
    "err.refused": "Битрикс24 не подтвердил этот запрос. Откройте приложение из меню портала.",
    "err.foreign_token": "Битрикс24 не подтвердил этот запрос. Откройте приложение из "
                         "меню портала.",
    "err.auth_unavailable": "Сервер авторизации Битрикс24 сейчас недоступен. Попробуйте "
                            "через минуту.",
    "err.session_expired": "Страница открыта слишком давно. Откройте приложение заново.",
    "err.no_session": "Ссылка недействительна. Откройте приложение из меню портала.",
    "err.bad_session": "Ссылка недействительна. Откройте приложение из меню портала.",
    "err.forbidden.title": "Нет доступа",
    "err.forbidden": "Этот раздел доступен только администраторам портала.",
    "err.not_found": "Такой страницы нет.",
    "err.internal": "Что-то пошло не так. Ошибка записана; попробуйте ещё раз.",
}

EN: dict[str, str] = {
    "app_name": "Sales Guard",
    "nav.board": "Lead exchange", "nav.taken": "Workload", "nav.settings": "Settings",
    "load.mine": "My load", "load.of": "{open} of {cap}",
    "load.full": "Cap reached: close or return a deal to take a new one.",
    "unit.d": "d", "unit.h": "h", "unit.m": "min", "unit.now": "< 1 min",
    "board.title": "Deals on the exchange",
    "board.best": "Best first: for its first {minutes} min a fresh deal can be taken only by",
    "board.best_one": "{name} ({rate}\u00a0%, {won}\u00a0of\u00a0{closed})",
    "board.hint": "These deals wait for a manager. Press “Take” and the deal is yours in "
                  "Bitrix24 at once.",
    "board.waiting": "Waiting", "board.oldest": "Longest wait",
    "board.amount_total": "Total amount", "board.late": "Waiting over {hours} h",
    "col.title": "Deal", "col.client": "Client", "col.source": "Source",
    "col.amount": "Amount", "col.stage": "Stage", "col.age": "Waiting", "col.held": "Yours for",
    "col.pipeline": "Pipeline",
    "board.take": "Take", "board.taking": "Taking…",
    "board.empty.title": "The exchange is empty",
    "board.empty.text": "Every deal has been taken. New requests will show up here.",
    "board.shown": "Showing {first}–{last} of {total}",
    "page.prev": "← Back", "page.next": "Next →", "sort.by": "Sort",
    "banner.not_ready": "The exchange is not set up: an administrator must choose the "
                        "exchange user",
    "banner.not_ready.admin": "Open settings",
    "banner.not_ready.user": "Until then deals are assigned as usual.",
    "deal.untitled": "Untitled", "deal.open": "Open in Bitrix24", "source.none": "Not set",
    "taken.title": "Managers' workload",
    "taken.hint": "Open deals against the cap; deals taken and returned in 30 days.",
    "taken.col.manager": "Manager", "taken.col.load": "Open deals",
    "taken.col.claims": "Taken in 30 days", "taken.col.returns": "Returned in 30 days",
    "taken.you": "you", "taken.over": "over the cap",
    "taken.empty": "No sales managers found — mark them in the settings.",
    "mine.title": "My deals",
    "mine.hint": "Not going to work a deal? Return it to the exchange for a colleague.",
    "mine.return": "Return", "mine.reason": "Reason",
    "mine.empty": "You have no open deals in the exchange's pipelines.",
    "reason.no_answer": "Client does not answer", "reason.not_my_profile": "Not my profile",
    "reason.duplicate": "Duplicate", "reason.overloaded": "No time for it",
    "reason.other": "Other reason",
    "msg.claimed": "The deal is yours. Load: {open} of {cap}.",
    "msg.returned": "The deal is back on the exchange.",
    "msg.exchange_not_ready": "The exchange is not set up — ask an administrator.",
    "msg.deal_not_found": "The deal is closed or deleted.",
    "msg.already_taken": "{name} has already taken this deal.",
    "msg.already_taken_anon": "Another manager has just taken this deal.",
    "msg.priority": "The deal is open to the best managers until {until}.",
    "msg.over_cap": "You have {open} open deals and your cap is {cap}. Close or return some "
                    "to take a new one.",
    "msg.bad_reason": "Choose a reason.", "msg.not_yours": "This deal is no longer yours.",
    "msg.portal_error": "Bitrix24 did not accept the change. Try again in a minute.",
    "msg.failed": "That did not work. Please try again.", "msg.done": "Done.",
    "msg.bad_request": "No deal given.",
    "settings.title": "Exchange settings", "settings.hint": "Changes apply as soon as saved.",
    "settings.saved": "Settings saved.",
    "settings.invalid": "Check the highlighted fields — nothing was saved.",
    "settings.section.exchange": "Exchange", "settings.exchange_user": "Exchange user",
    "settings.exchange_user.hint": "A service account that holds deals until a manager "
                                   "takes them, usually named “Lead exchange”.",
    "settings.exchange_user.none": "— not chosen —",
    "settings.exchange_user.guessed": "Suggested: “{name}”. Check and save.",
    "settings.categories": "Pipelines",
    "settings.categories.hint": "Which pipelines' deals go through the exchange.",
    "category.general": "General pipeline", "category.n": "Pipeline {n}",
    "settings.first_sync": "Loading employees and pipelines from the portal…",
    "settings.first_sync.refresh": "Refresh the page",
    "settings.landing": "What lands on the exchange",
    "settings.landing.all": "Every new deal. A manager keeps a deal he created himself while "
                            "within his cap",
    "settings.landing.unassigned": "Only deals without a responsible person and those made by "
                                   "robots or forms",
    "settings.section.caps": "Caps", "settings.default_cap": "Open deals per manager",
    "settings.cap_mode": "How the cap is set",
    "settings.cap_mode.fixed": "The same for everyone, except personal caps below",
    "settings.cap_mode.results": "By results: more for those with a higher 30-day conversion",
    "settings.cap_min": "At least", "settings.cap_max": "At most",
    "settings.bounds": "Bounds of a cap set by results",
    "settings.managers": "Managers and personal caps",
    "settings.managers.hint": "Nobody ticked: everyone in the sales departments except the "
                              "head. An empty cap means the common one.",
    "settings.col.takes_part": "Works the exchange", "settings.col.cap": "Personal cap",
    "settings.section.control": "Control",
    "settings.section.distribution": "Distribution",
    "settings.answerer_takes_new_client": "A new client goes to whoever answered: the deal of an "
                                          "answered call from a new number skips the exchange",
    "settings.priority.hint": "Best first: a fresh exchange deal can first be claimed only by the "
                              "managers with the best 30-day conversion (at least 3 closed "
                              "deals), then by everyone. 0 minutes: off.",
    "settings.priority_minutes": "Best first, minutes",
    "settings.priority_top": "How many best managers",
    "settings.stale_days": "Return a deal with no movement after, days",
    "settings.head": "Head of sales", "settings.head.auto": "— from the company structure —",
    "settings.alert_waiting_over": "Alert the head when more deals wait than",
    "settings.alert_wait_hours": "…or when a deal waits longer than, hours",
    "settings.save": "Save",
    "error.landing_mode": "Choose one of the options.",
    "error.cap_mode": "Choose one of the options.",
    "error.cap": "A cap is a whole number from 0 to 1000.",
    "error.cap_bounds": "The lower bound is at least 1 and not above the upper (up to 1000).",
    "error.stale_days": "From 1 to 365 days.",
    "error.priority_minutes": "From 0 to 1440 minutes.",
    "error.priority_top": "From 1 to 100.",
    "error.categories": "Tick at least one pipeline.",
    "error.number": "Enter a whole number.", "error.user": "Choose a user from the list.",
    "sweep.title": "“Keep” sweep",
    "sweep.hint": "For an overloaded team: every open deal of the chosen managers not marked "
                  "“Keep” goes back to the exchange. Preview first, then confirm. You can undo "
                  "it within a day.",
    "sweep.managers": "Whose deals", "sweep.when": "When", "sweep.now": "Now",
    "sweep.at": "At a set time", "sweep.preview": "Preview", "sweep.confirm": "Confirm",
    "sweep.preview_count": "{n} {deals} will go back to the exchange",
    "sweep.preview_none": "The chosen managers have no unmarked deals — nothing to return.",
    "sweep.choose_managers": "Tick at least one manager.",
    "sweep.bad_time": "Give the date and time of the sweep.",
    "sweep.latest": "Latest sweep", "sweep.status.planned": "Planned for {at}",
    "sweep.status.done": "Done {at}", "sweep.status.undone": "Undone {at}",
    "sweep.status.cancelled": "Cancelled before it ran", "sweep.undo": "Undo the sweep",
    "sweep.status.sending": "In progress: the portal has not confirmed every deal yet, "
                            "retrying in a minute",
    "sweep.undo_hint": "Deals still on the exchange go back to their previous owners.",
    "sweep.done_msg": "Sweep done: {n} {deals} went back to the exchange.",
    "sweep.planned_msg": "Sweep planned.",
    "sweep.undone_msg": "Sweep undone: {n} {deals} went back to their owners.",
    "sweep.undo_late": "A sweep can only be undone within a day.",
    "tab.waiting.title": "The deal is waiting on the exchange",
    "tab.waiting.text": "Waiting for {age}. Take it if you are ready to work the client.",
    "tab.yours.title": "This deal is yours",
    "tab.yours.text": "Not going to work it? Return it for a colleague.",
    "tab.taken.title": "{name} works this deal",
    "tab.taken.since": "Taken from the exchange {age} ago.",
    "tab.closed.title": "The deal is closed",
    "tab.closed.text": "Closed deals take no part in the exchange.",
    "tab.records": "Call recordings with this client",
    "tab.other_pipeline": "The “{name}” pipeline is not covered by the exchange.",
    "tab.unknown": "No data on this deal yet — reload the tab in a minute.",
    "tab.lead.title": "Lead check",
    "tab.lead.text": "Lead checks arrive in a later version of the app.",
    "err.title": "The app could not open",
    "err.missing": "Open the app from the Bitrix24 menu: this page only works inside "
                   "the portal.",
    "err.unknown_portal": "The app is not installed on this portal or was removed. Ask an "
                          "administrator to install it again.",
    "err.bad_token": "Bitrix24 did not confirm this request. Open the app from the portal menu.",
    "err.refused": "Bitrix24 did not confirm this request. Open the app from the portal menu.",
    "err.foreign_token": "Bitrix24 did not confirm this request. Open the app from the "
                         "portal menu.",
    "err.auth_unavailable": "The Bitrix24 authorization server is not answering. Try again "
                            "in a minute.",
    "err.session_expired": "This page has been open too long. Open the app again.",
    "err.no_session": "This link is not valid. Open the app from the portal menu.",
    "err.bad_session": "This link is not valid. Open the app from the portal menu.",
    "err.forbidden.title": "No access",
    "err.forbidden": "Only portal administrators can open this section.",
    "err.not_found": "There is no such page.",
    "err.internal": "Something went wrong. The error was logged; please try again.",
}

# Each area keeps its own texts in its own module; they all land in the same two dicts.
for _area in (i18n_audits, i18n_calls, i18n_comm, i18n_leads, i18n_money, i18n_myday,
              i18n_pbx, i18n_report, i18n_routing):
    RU.update(_area.RU)
    EN.update(_area.EN)

PLURALS = {
    "deals": {"ru": ("сделка", "сделки", "сделок"), "en": ("deal", "deals")},
    # whole phrases, the verb agreeing with the number: «2 вкладки привязаны» (demo install)
    "bound_events": {"ru": ("{n}\u00a0событие привязано", "{n}\u00a0события привязаны",
                            "{n}\u00a0событий привязано"),
                     "en": ("{n}\u00a0event bound", "{n}\u00a0events bound")},
    "bound_tabs": {"ru": ("{n}\u00a0вкладка привязана", "{n}\u00a0вкладки привязаны",
                          "{n}\u00a0вкладок привязано"),
                   "en": ("{n}\u00a0tab bound", "{n}\u00a0tabs bound")},
    **i18n_myday.PLURALS,
}


@cache
def catalog(lang: str) -> Translations:
    """The compiled catalog of `lang` ("ru" for anything else); English falls back to Russian."""
    russian = Translations.load(str(TRANSLATIONS), ["ru"])
    if lang != "en":
        return russian
    english = Translations.load(str(TRANSLATIONS), ["en"])
    english.add_fallback(russian)
    return english


def texts(lang: str) -> dict[str, str]:
    """Every key's text in `lang` alone (no fallback), as compiled: for the tests that scan all
    texts (brand spelling, case specs). Plural entries are left out."""
    own = Translations.load(str(TRANSLATIONS), [lang])
    return {k: v for k, v in own._catalog.items() if isinstance(k, str) and k}


def has(key: str) -> bool:
    """Whether `key` has a text (in Russian, which every key must have)."""
    return catalog("ru").gettext(key) != key


def t(lang: str, key: str, **params: Any) -> str:
    """The text for `key` in `lang`; `{name}` placeholders are filled from params.

    `{name:gent}` (datv, ablt…) puts a person's name in the case the sentence needs.
    """
    text = catalog(lang).gettext(key)
    return FORMATTER.format(text, **params) if params else text


def plural(lang: str, n: int, key: str = "deals") -> str:
    """'1 сделка', '2 сделки', '5 сделок', '11 сделок'; English has two forms (the catalogs'
    Plural-Forms decide; msgid plural.<key>)."""
    msgid = f"plural.{key}"
    return catalog(lang).ngettext(msgid, msgid, abs(n))


def nt(lang: str, n: int, key: str, **params: Any) -> str:
    """A whole phrase agreeing with `n` («2 вкладки привязаны»), `{n}` and params filled in."""
    return FORMATTER.format(plural(lang, n, key), n=n, **params)
