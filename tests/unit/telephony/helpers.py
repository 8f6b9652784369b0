"""Calls stored the way the live paths store them (upsert + note_call), for the rule tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from handlers.phones import normalize
from store import telephony
from store.calls import upsert_call
from store.models import Call

T0 = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)  # 10:00 in Moscow
_seq = iter(range(1, 10**9))


def add_call(session: Session, portal_id: int, *, phone: str, minute: float = 0,
             kind: str = "in", answered: bool = True, talk: int = 60, user: int = 10,
             line: str = "line-1", answer_seconds: int | None = None,
             region: str = "RU", note: bool = True) -> Call:
    """kind: in | out; minute: minutes after T0."""
    n = next(_seq)
    row, _ = upsert_call(session, portal_id, {
        "call_id": f"c{n}", "source": "b24", "call_type": 2 if kind == "in" else 1,
        "phone_raw": phone, "phone": normalize(phone, region), "line": line, "user_id": user,
        "start_at": T0 + timedelta(minutes=minute), "duration": talk if answered else 0,
        "failed_code": "200" if answered else "304", "answered": answered,
        "answer_seconds": answer_seconds if answered else None})
    if note:
        telephony.note_call(session, row)
    return row
