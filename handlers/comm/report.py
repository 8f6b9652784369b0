"""The owner's report's «Общение» section: this period per manager beside the previous one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from handlers.comm import config
from handlers.comm.figures import ManagerFigures, per_manager


@dataclass(frozen=True)
class Trend:
    now: ManagerFigures
    before: ManagerFigures | None

    def reply(self, figures: ManagerFigures | None) -> tuple[float | None, float | None]:
        """(median minutes, share within the target) over every channel's waits."""
        if figures is None or not figures.speed:
            return None, None
        stats = max(figures.speed.values(), key=lambda s: s.count)
        return stats.median_minutes, stats.within_share


def section(session: Session, portal_id: int, *, since: datetime, until: datetime,
            now: datetime) -> list[Trend]:
    """Managers who wrote in the period, with the same figures for the period before."""
    cfg = config.load(session, portal_id)
    current = per_manager(session, portal_id, cfg, since=since, until=until, now=now)
    before = {f.manager_id: f for f in per_manager(session, portal_id, cfg,
                                                   since=since - (until - since), until=since,
                                                   now=since)}
    return [Trend(f, before.get(f.manager_id)) for f in current if f.written or f.speed]
