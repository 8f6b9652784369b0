"""What the audits write into the portal (tasks, to-dos, comments), in the portal's language."""

from __future__ import annotations

from typing import Any

from quality.name_cases import FORMATTER

MESSAGES: dict[str, dict[str, str]] = {
    "callback_title": {
        "ru": "Контрольный звонок по отказу: «{title}» (проверка № {number})",
        "en": "Quality callback on a rejection: “{title}” (check no. {number})"},
    "callback_text": {
        "ru": "Позвоните клиенту и узнайте, почему он отказался и как с ним работали.\n"
              "Сделка: {link}\nМенеджер: {manager}\nПричина отказа: {stage}. {reason}\n"
              "Подозрительность: {score} из 100 ({reasons})\nЗвонки до отказа:\n{calls}\n"
              "Дела: {activities}\nОт взятия с биржи до отказа: {claim}",
        "en": "Call the client and ask why they declined and how they were served.\n"
              "Deal: {link}\nManager: {manager}\nRejection reason: {stage}. {reason}\n"
              "Suspicion: {score} of 100 ({reasons})\nCalls before the rejection:\n{calls}\n"
              "Activities: {activities}\nFrom claim to rejection: {claim}"},
    "call_line": {
        "ru": "— {at}: {direction}, {seconds} с{answered}{record}",
        "en": "— {at}: {direction}, {seconds} s{answered}{record}"},
    "no_calls": {"ru": "— звонков нет", "en": "— no calls"},
    "out": {"ru": "исходящий", "en": "outgoing"},
    "in": {"ru": "входящий", "en": "incoming"},
    "unanswered": {"ru": ", без ответа", "en": ", not answered"},
    "record": {"ru": ", запись: {url}", "en": ", recording: {url}"},
    "record_app": {"ru": ", запись — на странице «Отказы» приложения",
                   "en": ", recording: on the app's Rejections page"},
    "none": {"ru": "нет", "en": "none"},
    "unknown": {"ru": "не брал(а) с биржи", "en": "not claimed from the exchange"},
    "minutes": {"ru": "{n} мин", "en": "{n} min"},
    "false_comment": {
        "ru": "Проверка отказа: отказ признан ложным ({name}). Сделка возвращена на биржу "
              "лидов, отказ засчитан менеджеру {manager:datv}.",
        "en": "Rejection audit: the rejection was found false ({name}). The deal is back on "
              "the lead exchange; it counts against {manager}."},
    "false_lead_comment": {
        "ru": "Проверка отказа: отказ признан ложным ({name}). Лид возвращён в работу, отказ "
              "засчитан менеджеру {manager:datv}.",
        "en": "Rejection audit: the rejection was found false ({name}). The lead is open "
              "again; it counts against {manager}."},
    "reengaged_comment": {
        "ru": "Проверка отказа: клиент вернулся ({name}). Создана новая сделка № {deal}.",
        "en": "Rejection audit: the client re-engaged ({name}). New deal no. {deal}."},
    "reengaged_new": {
        "ru": "Клиент вернулся после отказа по сделке № {deal} (проверка качества).",
        "en": "The client re-engaged after the rejection of deal no. {deal} (quality check)."},
    "followup_title": {
        "ru": "Первый звонок после покупки: {client}",
        "en": "First call after the purchase: {client}"},
    "followup_text": {
        "ru": "Клиент совершил первую покупку (сделка № {deal}) и передан вам на "
              "сопровождение. Позвоните: всё ли устроило, что ещё нужно.",
        "en": "The client made their first purchase (deal no. {deal}) and is now yours to "
              "look after. Call them: were they satisfied, what else do they need."},
}
REASON_NAMES = {
    "no_call": {"ru": "ни одного звонка", "en": "no call at all"},
    "short_calls_only": {"ru": "только короткие звонки", "en": "only short calls"},
    "quick_reject": {"ru": "отказ сразу после взятия", "en": "rejected right after the claim"},
    "no_answer_claim": {"ru": "«не берёт трубку» без попытки дозвона",
                        "en": "“no answer” without a call attempt"},
    "high_rate": {"ru": "много отказов у менеджера", "en": "the manager rejects too often"},
    "evidence_missing": {"ru": "нет подтверждений", "en": "evidence missing"},
}


def text(key: str, lang: str, **params: Any) -> str:
    table = MESSAGES[key]
    return FORMATTER.format(table.get(lang, table["ru"]), **params)  # {manager:datv}


def reason_names(found: list[str], lang: str) -> str:
    names = [REASON_NAMES.get(r, {}).get(lang) or REASON_NAMES.get(r, {}).get("ru") or r
             for r in found]
    return ", ".join(names) or text("none", lang)
