"""The names of the portal's lines, so pages show "Отдел продаж" and not "reg150908".

A Bitrix24 call carries its line as an id (PORTAL_NUMBER: "reg150908", "sip7"); a PBX call as
our number. voximplant.line.get answers {LINE_ID: LINE_NAME} for the rented and SIP lines
(EN api-reference/telephony/voximplant/lines/voximplant-line-get.md), telephony.externalLine.get
[{NUMBER, NAME}] for the external lines (telephony-external-line-get.md). Both need rights the
installing user may lack: a refusal leaves the ids shown as they are. Read at most daily.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from b24.client import B24Client
from b24.errors import B24ApiError
from store.settings import load_section, save_section

logger = logging.getLogger(__name__)
SECTION = "telephony_lines"
FRESH = timedelta(days=1)


def read(b24: B24Client) -> dict[str, str]:
    """{line id or number: name}; a method the portal refuses adds nothing."""
    names: dict[str, str] = {}
    try:
        result = b24.call("voximplant.line.get")
        if isinstance(result, dict):
            names.update({str(k): str(v) for k, v in result.items() if v})
    except B24ApiError as exc:
        logger.info("job.lines.vox_refused", extra={"code": exc.code})
    try:
        for line in b24.call("telephony.externalLine.get") or []:
            number, name = str(line.get("NUMBER") or ""), str(line.get("NAME") or "")
            if number and name and name != number:
                names.setdefault(number, name)
    except B24ApiError as exc:
        logger.info("job.lines.external_refused", extra={"code": exc.code})
    return names


def due(session: Session, portal_id: int, now: datetime) -> bool:
    read_at = load_section(session, portal_id, SECTION).get("read_at")
    return read_at is None or now - datetime.fromisoformat(read_at) >= FRESH


def save(session: Session, portal_id: int, names: dict[str, str], now: datetime) -> None:
    save_section(session, portal_id, SECTION, {"names": names, "read_at": now.isoformat()},
                 user_id=None, now=now)


def names(session: Session, portal_id: int) -> dict[str, str]:
    return dict(load_section(session, portal_id, SECTION).get("names") or {})
