"""The «Общение» figures per manager over a period: addressing, spelling, phrases, reply speed.

Read from comm_messages (the checks were stored at sync), the reply times counted on the lead
rules' working clock (handlers.lead_rules.workclock), never a second clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.comm.config import CommConfig
from handlers.lead_rules import config as lead_config
from handlers.lead_rules.workclock import WorkClock
from quality.reply_speed import Message, SpeedStats, by_manager_channel, waits
from store.comm_models import CommMessage

WORST = 5


@dataclass
class ManagerFigures:
    manager_id: int | None
    written: int = 0  # outgoing texts (e-mails, chat lines)
    judged: int = 0  # of them, to a client whose first name is known
    named: int = 0
    with_typos: int = 0
    typos: int = 0
    forbidden: int = 0
    worst: list[CommMessage] = field(default_factory=list)
    speed: dict[str, SpeedStats] = field(default_factory=dict)  # per channel

    @property
    def named_share(self) -> float | None:
        return self.named / self.judged if self.judged else None

    @property
    def typo_share(self) -> float | None:
        return self.with_typos / self.written if self.written else None


def _badness(m: CommMessage) -> int:
    return 3 * len(m.forbidden or []) + len(m.misspelled or []) + (m.named is False)


def messages(session: Session, portal_id: int, since: datetime, until: datetime
             ) -> list[CommMessage]:
    return list(session.scalars(select(CommMessage).where(
        CommMessage.portal_id == portal_id, CommMessage.at >= since, CommMessage.at < until)
        .order_by(CommMessage.at)))


def per_manager(session: Session, portal_id: int, cfg: CommConfig, *, since: datetime,
                until: datetime, now: datetime) -> list[ManagerFigures]:
    """One row per manager, busiest first."""
    rows = messages(session, portal_id, since, until)
    out: dict[int | None, ManagerFigures] = {}
    for m in rows:
        if m.incoming or m.channel == "call":
            continue
        f = out.setdefault(m.manager_id, ManagerFigures(m.manager_id))
        f.written += 1
        f.judged += m.named is not None
        f.named += bool(m.named)
        f.with_typos += bool(m.misspelled)
        f.typos += len(m.misspelled or [])
        f.forbidden += len(m.forbidden or [])
        if _badness(m):
            f.worst = sorted([*f.worst, m], key=_badness, reverse=True)[:WORST]
    clock = WorkClock.of(lead_config.load(session, portal_id))
    found = waits([Message(m.thread, m.at, m.incoming, m.manager_id, m.channel, m.source_key)
                   for m in rows if m.channel != "call"], clock,
                  target_minutes=cfg.reply_target_minutes, now=now)
    for (manager, channel), stats in by_manager_channel(found, cfg.reply_target_minutes).items():
        out.setdefault(manager, ManagerFigures(manager)).speed[channel] = stats
    return sorted(out.values(), key=lambda f: -f.written)
