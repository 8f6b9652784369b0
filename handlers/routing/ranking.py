"""The order of the group when it rings in turn: recent conversion, or load (issue 18 #2).

Conversion is won / (won + lost) over the deals a manager closed in the last 30 days (a
manager with none closed counts 0: the proven ones go first); load is the open deals the
manager holds now. Two grouped reads over the deal mirror, only for portals that ring in turn.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import Deal

WINDOW = timedelta(days=30)


def load_ranking(session: Session, portal_id: int,
                 now: datetime) -> dict[int, tuple[float, int]]:
    """user_id -> (conversion 0..1, open deals)."""
    mine = (Deal.portal_id == portal_id, Deal.deleted.is_(False), Deal.assigned_by_id.is_not(None))
    closed = session.execute(select(Deal.assigned_by_id, Deal.stage_semantic, func.count())
                             .where(*mine, Deal.stage_semantic.in_(("S", "F")),
                                    Deal.moved_time >= now - WINDOW)
                             .group_by(Deal.assigned_by_id, Deal.stage_semantic)).all()
    open_ = dict(session.execute(select(Deal.assigned_by_id, func.count())
                                 .where(*mine, Deal.stage_semantic == "P")
                                 .group_by(Deal.assigned_by_id)).all())
    won: dict[int, int] = {}
    total: dict[int, int] = {}
    for user, semantic, n in closed:
        total[user] = total.get(user, 0) + n
        if semantic == "S":
            won[user] = won.get(user, 0) + n
    users = set(total) | set(open_)
    return {u: (won.get(u, 0) / total[u] if total.get(u) else 0.0, int(open_.get(u, 0)))
            for u in users}
