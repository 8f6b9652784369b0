"""What the portal's answers say, as messages: pure, so the wire shapes are tested directly.

crm.activity.list rows (EN:api-reference/crm/timeline/activities/activity-base/
crm-activity-list.md): PROVIDER_ID CRM_EMAIL (TYPE_ID 4) is one e-mail, DIRECTION 1 incoming /
2 outgoing; IMOPENLINES_SESSION has the session id in ASSOCIATED_ENTITY_ID and its lines come
from imopenlines.session.history.get (a "connector" user is the client, senderid "0" a system
line); a call (TYPE_ID 2) may have a transcript (crm.activity.call.getTranscript).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from b24.values import to_datetime, to_int

EMAIL, OPENLINE, CALL_PROVIDERS = "CRM_EMAIL", "IMOPENLINES_SESSION", ("VOXIMPLANT_CALL",)
PROVIDERS = (EMAIL, OPENLINE, *CALL_PROVIDERS)
SELECT = ["ID", "TYPE_ID", "PROVIDER_ID", "DIRECTION", "SUBJECT", "DESCRIPTION",
          "DESCRIPTION_TYPE", "AUTHOR_ID", "RESPONSIBLE_ID", "CREATED", "START_TIME",
          "ASSOCIATED_ENTITY_ID", "OWNER_TYPE_ID", "OWNER_ID", "COMMUNICATIONS"]
TAG = re.compile(r"<[^>]+>")
QUOTED = re.compile(r"(?m)^>.*$")  # the client's quoted letter is not the manager's text
CLIENT_LINE = re.compile(r"(?im)^\s*(клиент|client|собеседник)\s*:")


@dataclass(frozen=True)
class Said:
    source_key: str
    activity_id: int
    channel: str
    thread: str
    incoming: bool
    manager_id: int | None
    contact_id: int | None
    at: datetime
    subject: str
    text: str


def kind(row: dict[str, Any]) -> str | None:
    """email, openline, call, or None for activities that are no conversation."""
    provider = str(row.get("PROVIDER_ID") or "")
    if provider == EMAIL:
        return "email"
    if provider == OPENLINE:
        return "openline"
    if provider in CALL_PROVIDERS:
        return "call"
    return None


def contact_of(row: dict[str, Any]) -> int | None:
    for c in row.get("COMMUNICATIONS") or []:
        if isinstance(c, dict) and str(c.get("ENTITY_TYPE_ID")) == "3":
            return to_int(c.get("ENTITY_ID"))
    return to_int(row.get("OWNER_ID")) if str(row.get("OWNER_TYPE_ID")) == "3" else None


def plain(text: str, description_type: Any = 1) -> str:
    """DESCRIPTION_TYPE 3 is HTML, 2 BB-code: the words only, without the quoted letter."""
    if str(description_type) in ("2", "3"):
        text = html.unescape(TAG.sub(" ", re.sub(r"\[/?[a-zA-Z]+[^\]]*\]", " ", text)))
    return re.sub(r"[ \t]+", " ", QUOTED.sub("", text)).strip()


def email(row: dict[str, Any]) -> Said:
    aid = int(row["ID"])
    contact = contact_of(row)
    at = to_datetime(row.get("START_TIME")) or to_datetime(row.get("CREATED"))
    return Said(f"act:{aid}", aid, "email", f"email:{contact or 'o' + str(row.get('OWNER_ID'))}",
                str(row.get("DIRECTION")) == "1", to_int(row.get("RESPONSIBLE_ID")), contact, at,
                str(row.get("SUBJECT") or "")[:255],
                plain(str(row.get("DESCRIPTION") or ""), row.get("DESCRIPTION_TYPE")))


def session_lines(row: dict[str, Any], history: dict[str, Any]) -> list[Said]:
    """The people's lines of an open-line session (system lines have senderid "0")."""
    aid, session = int(row["ID"]), to_int(row.get("ASSOCIATED_ENTITY_ID"))
    users = history.get("users") or {}
    out = []
    for msg in (history.get("message") or {}).values():
        sender = str(msg.get("senderid") or "0")
        at = to_datetime(msg.get("date"))
        if sender == "0" or at is None:
            continue
        client = bool((users.get(sender) or {}).get("connector"))
        out.append(Said(f"ol:{session}:{msg['id']}", aid, "openline", f"openline:{session}",
                        client, to_int(row.get("RESPONSIBLE_ID")), contact_of(row), at, "",
                        plain(str(msg.get("text") or ""), 2)))
    return sorted(out, key=lambda s: s.at)


def transcript(row: dict[str, Any], result: Any) -> Said | None:
    text = (result or {}).get("transcription") if isinstance(result, dict) else None
    if not text:
        return None
    aid = int(row["ID"])
    at = to_datetime(row.get("START_TIME")) or to_datetime(row.get("CREATED"))
    return Said(f"call:{aid}", aid, "call", f"call:{aid}", False,
                to_int(row.get("RESPONSIBLE_ID")), contact_of(row), at,
                str(row.get("SUBJECT") or "")[:255], str(text))


def talked(text: str, turns: int) -> bool:
    """A transcript shows a conversation: `turns` client lines, or as many lines in all when
    the speakers are not labelled (the docs give the transcription as plain text)."""
    labelled = len(CLIENT_LINE.findall(text))
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return labelled >= turns if labelled else len(lines) >= 2 * turns
