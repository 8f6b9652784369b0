"""The rejection audit's transcript signal: did a call of this deal turn out to be a talk?"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from b24.values import to_int
from handlers.comm import config, read
from store.comm_models import CommMessage


def transcript_talks(session: Session, portal_id: int, activity_items: Any,
                     call_activities: Iterable[int] = ()) -> int:
    """Calls of the deal (its call activities, the client's calls) whose stored transcript
    shows a conversation."""
    ids = {to_int(a.get("ID")) for a in (activity_items or [])
           if isinstance(a, Mapping) and str(a.get("TYPE_ID")) == "2"} | set(call_activities)
    ids = sorted(i for i in ids if i)
    if not ids:
        return 0
    turns = config.load(session, portal_id).talk_turns
    texts = session.scalars(select(CommMessage.text).where(
        CommMessage.portal_id == portal_id, CommMessage.channel == "call",
        CommMessage.b24_activity_id.in_(ids)))
    return sum(1 for text in texts if read.talked(text, turns))
