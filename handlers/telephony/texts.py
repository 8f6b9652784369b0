"""What the app writes into the portal about calls, in the portal's language (Russian first)."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

import phonenumbers

from handlers import catalog, formats
from store.models import Call


def text(key: str, lang: str | None, **params: Any) -> str:
    """`{name:поставил|поставила}` agrees the verb with the person (handlers.catalog)."""
    return catalog.text(lang, f"telephony.{key}", **params)


def pretty(phone: str | None) -> str:
    """+79123456789 -> +7 912 345-67-89 (what a person dials back from)."""
    if not phone:
        return "—"
    try:
        parsed = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return phone
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def talk(seconds: int, lang: str | None) -> str:
    """A talk time in the app's one duration format: «8 мин 25 с» (handlers.formats.elapsed)."""
    return formats.elapsed(seconds, lang or "ru")


def call_comment(call: Call, *, lang: str, tz: tzinfo, operator: str | None) -> str:
    """The timeline comment: the call's facts and the link to its recording."""
    kind = "outgoing" if call.call_type == 1 else ("incoming" if call.answered else "missed")
    at = formats.local_stamp(call.start_at, tz, lang or "ru")
    lines = [text("facts", lang, kind=text(kind, lang), line=call.line or "—", at=at,
                  phone=pretty(call.phone or call.phone_raw))]
    if operator:
        lines.append(text("operator", lang, name=operator))
    if call.answered and call.answer_seconds is not None:
        lines.append(text("talk", lang, talk=talk(call.duration, lang),
                          answer=talk(call.answer_seconds, lang)))
    elif call.answered:
        lines.append(text("talk_only", lang, talk=talk(call.duration, lang)))
    else:
        lines.append(text("no_answer", lang))
    if call.record_url:
        lines.append(text("record", lang, url=call.record_url))
    elif call.record_file_id:
        lines.append(text("record_tab", lang))
    return "\n".join(lines)
