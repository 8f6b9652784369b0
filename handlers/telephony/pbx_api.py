"""Calls from an external PBX: `POST /pbx/<member_id>/calls` (the view is in web.py).

The PBX posts one finished call as a JSON object, with the portal's secret (shown on the calls
settings page) in the `X-PBX-Secret` header:

    call_id      string, 1-100 chars: the PBX's own id; a repeated delivery is recognised by it
    direction    "in" | "out"
    phone        the client's number (the caller of "in", the number dialled for "out")
    line         our number the call came in on / went out from (the tracking line)
    started_at   ISO-8601 with a zone ("2026-03-11T17:28:46+03:00" or "...Z"): ringing began
    answered_at  ISO-8601 with a zone, or null / absent when nobody answered
    ended_at     ISO-8601 with a zone
    user_id      the operator's Bitrix24 user id, or
    extension    the operator's internal number (Bitrix24 "inner phone"); one of the two
    record_url   optional http(s) link to the recording

Answers: 200 `{"ok": true, "call_id": ..., "duplicate": false}` (stored and queued; a repeat
answers `"duplicate": true` and changes nothing); 400 `{"ok": false, "error": "malformed_json" |
"invalid", "message": ...}`; 413 `{"ok": false, "error": "too_large"}` over 64 KiB;
401 `{"ok": false, "error": "unauthorized"}` (unknown portal or
wrong secret; nothing is stored). The request only stores the call (source "pbx") and queues
the portal work; registering it in Bitrix24 (telephony.externalCall.register + finish, with the
recording) runs in the telephony job, see handlers/telephony/pbx_work.py.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.phones import normalize
from store import telephony as store
from store.calls import upsert_call
from store.models import Portal, User
from store.telephony_models import PbxCall

logger = logging.getLogger(__name__)
MAX_BODY = 64 * 1024


class PbxPayloadError(ValueError):
    """The body is not a call we can store (answered with 400 and the reason)."""

    def __init__(self, message: str, *, kind: str = "invalid") -> None:
        super().__init__(message)
        self.kind = kind


class PbxUnauthorized(Exception):
    """Unknown or removed portal, or a wrong secret (answered with 401, nothing stored)."""


@dataclass(frozen=True)
class PbxCallIn:
    call_id: str
    direction: str
    phone: str
    line: str
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime
    user_id: int | None
    extension: str | None
    record_url: str | None


def parse_body(raw: bytes) -> PbxCallIn:
    """Bytes of the request -> a validated call, or PbxPayloadError naming every problem."""
    if len(raw) > MAX_BODY:
        raise PbxPayloadError("body too large", kind="too_large")
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise PbxPayloadError(f"body is not JSON: {exc}", kind="malformed_json") from None
    if not isinstance(body, dict):
        raise PbxPayloadError("body must be a JSON object", kind="malformed_json")
    return parse(body)


def parse(body: dict[str, Any]) -> PbxCallIn:
    problems: list[str] = []

    def text(name: str, *, required: bool = True, limit: int = 100) -> str | None:
        value = body.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                problems.append(f"{name} is required")
            return None
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            problems.append(f"{name} must be a string")
            return None
        value = str(value).strip()
        if len(value) > limit:
            problems.append(f"{name} is longer than {limit} characters")
        return value

    def moment(name: str, *, required: bool = True) -> datetime | None:
        value = text(name, required=required, limit=40)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            problems.append(f"{name} is not an ISO-8601 timestamp")
            return None
        if parsed.tzinfo is None:
            problems.append(f"{name} has no time zone")
            return None
        return parsed

    call_id, direction = text("call_id"), text("direction")
    phone, line = text("phone", limit=64), text("line", limit=64)
    started, answered, ended = moment("started_at"), moment("answered_at", required=False), \
        moment("ended_at")
    user_raw, extension = body.get("user_id"), text("extension", required=False, limit=32)
    record = text("record_url", required=False, limit=1000)
    if direction is not None and direction not in ("in", "out"):
        problems.append('direction must be "in" or "out"')
    if phone is not None and not any(ch.isdigit() for ch in phone):
        problems.append("phone has no digits")
    user_id = _user_id(user_raw, problems)
    if user_id is None and extension is None and user_raw in (None, ""):
        problems.append("user_id or extension is required")
    if started and ended and ended < started:
        problems.append("ended_at is before started_at")
    if answered and started and not started <= answered <= (ended or answered):
        problems.append("answered_at must lie between started_at and ended_at")
    if record and urlparse(record).scheme not in ("http", "https"):
        problems.append("record_url must be an http(s) URL")
    if problems:
        raise PbxPayloadError("; ".join(problems))
    return PbxCallIn(call_id, direction, phone, line, started, answered, ended, user_id,
                     extension, record)


MAX_USER_ID = 2**31 - 1  # what the user_id columns hold; a Bitrix24 user id is far below


def _user_id(value: Any, problems: list[str]) -> int | None:
    if value in (None, ""):
        return None
    text = str(value)
    # isascii: "²" and other Unicode digits pass isdigit() but int() refuses them.
    if isinstance(value, bool) or not (text.isascii() and text.isdigit()) \
            or not 0 < int(text) <= MAX_USER_ID:
        problems.append("user_id must be a positive integer")
        return None
    return int(text)


def accept(session: Session, portal: Portal, call: PbxCallIn, *, region: str,
           now: datetime) -> bool:
    """Store the call once (unique per portal and call_id) and queue its registration.

    Returns False for a repeated delivery, which changes nothing."""
    if store.find_call(session, portal.id, call.call_id) is not None:
        return False
    user_id = call.user_id or session.scalar(select(User.b24_user_id).where(
        User.portal_id == portal.id, User.phone_inner == call.extension))
    talk = int((call.ended_at - call.answered_at).total_seconds()) if call.answered_at else 0
    row, _ = upsert_call(session, portal.id, {
        "call_id": call.call_id, "source": "pbx", "call_type": 2 if call.direction == "in" else 1,
        "phone_raw": call.phone, "phone": normalize(call.phone, region), "line": call.line,
        "user_id": user_id, "start_at": call.started_at, "duration": talk,
        "answer_seconds": int((call.answered_at - call.started_at).total_seconds())
        if call.answered_at else None,
        "failed_code": "200" if call.answered_at else "304",
        "answered": call.answered_at is not None, "record_url": call.record_url})
    session.add(PbxCall(portal_id=portal.id, call_id=call.call_id, direction=call.direction,
                        user_id=call.user_id, extension=call.extension,
                        answered_at=call.answered_at, ended_at=call.ended_at, received_at=now))
    store.note_call(session, row)
    for kind in ("rules", "pbx"):  # decide first (deal, to-do), then show it in Bitrix24
        store.queue(session, portal.id, key=f"{kind}:{call.call_id}", kind=kind, now=now,
                    call_id=call.call_id)
    logger.info("pbx.call.stored", extra={"member_id": portal.member_id, "call": call.call_id,
                                          "direction": call.direction,
                                          "answered": call.answered_at is not None})
    return True
