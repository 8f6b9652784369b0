"""«Приоритет лучшим»: a fresh exchange deal is first for the managers who sell best.

For `priority_minutes` after a deal lands (or comes back) on the exchange only the top
`priority_top` sales managers by 30-day conversion (won / closed) may claim it; then everyone.
Only managers with at least caps.MIN_CLOSED closed deals are ranked, so a newcomer's one lucky
sale does not make him "best"; he is not locked out either: he waits the window at most. When
nobody has enough closed deals the window is off (there is no "best" to prefer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from handlers.exchange.caps import MIN_CLOSED, conversions, sales_managers
from handlers.exchange.config import ExchangeConfig

WINDOW_DAYS = 30
WAITING_KINDS = ("landed", "reverted", "returned", "stale", "swept")  # on the exchange since


@dataclass(frozen=True)
class Ranked:
    user_id: int
    won: int
    closed: int

    @property
    def rate(self) -> float:
        return self.won / self.closed if self.closed else 0.0


def ranking(session: Session, portal_id: int, cfg: ExchangeConfig, now: datetime) -> list[Ranked]:
    """Sales managers with enough closed deals, best conversion first (more sales break ties)."""
    managers = set(sales_managers(session, portal_id, cfg))
    stats = conversions(session, portal_id, now - timedelta(days=WINDOW_DAYS))
    rows = [Ranked(uid, w, n) for uid, (w, n) in stats.items()
            if uid in managers and n >= MIN_CLOSED]
    return sorted(rows, key=lambda r: (-r.rate, -r.won, r.user_id))


def best(session: Session, portal_id: int, cfg: ExchangeConfig, now: datetime) -> list[Ranked]:
    """The managers a fresh deal is offered to first; empty when the window is off."""
    if cfg.priority_minutes <= 0:
        return []
    return ranking(session, portal_id, cfg, now)[:cfg.priority_top]


def closed_until(cfg: ExchangeConfig, top: list[Ranked], user_id: int,
                 waiting_since: datetime | None, now: datetime) -> datetime | None:
    """Until when this manager may not claim a deal waiting since then (None: he may now)."""
    if not top or waiting_since is None or user_id in {r.user_id for r in top}:
        return None
    until = waiting_since + timedelta(minutes=cfg.priority_minutes)
    return until if now < until else None
