"""Everything routing needs about one portal, read once from the mirror and held in memory.

The PBX waits for our answer while the caller hears ringing, so the routing path never reads
more than this snapshot (and never the portal's REST). Building it costs a few queries over
users, departments, contacts, open leads and open deals; the cache (handlers.routing.cache)
rebuilds it in the background when it gets old.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from handlers.exchange import config as exchange_config
from handlers.phones import normalize
from handlers.routing import config
from handlers.routing.clients import Directory, load_directory
from handlers.routing.presence import MAX_AGE, Away, PresenceBook
from handlers.routing.ranking import load_ranking
from handlers.routing.structure import Org, load_org
from store import presence as presence_store


@dataclass(frozen=True)
class Snapshot:
    config: config.RoutingConfig
    org: Org = field(default_factory=Org)
    directory: Directory = field(default_factory=Directory)
    sales_departments: tuple[int, ...] = ()
    exchange_user_id: int | None = None
    presence: PresenceBook = field(default_factory=PresenceBook)
    ranking: Mapping[int, tuple[float, int]] = field(default_factory=dict)  # (conversion, load)

    def routable(self, user_id: int) -> bool:
        """A person a call may ring: known, active, not the exchange's service account."""
        person = self.org.person(user_id)
        return person is not None and person.active and user_id != self.exchange_user_id


@functools.lru_cache(maxsize=200_000)
def _normalize(raw: str) -> str:
    """Lead phones are stored as typed; parsing them again on every rebuild is the slow part."""
    return normalize(raw)


def load_snapshot(session: Session, portal_id: int, *, pause: Callable[[], None] = lambda: None,
                  directory: Directory | None = None) -> Snapshot:
    """Read-only; `pause` is called between slices of the big reads (see clients._rows);
    a `directory` given is reused instead of reading phones and deals again."""
    cfg = config.load(session, portal_id)
    sales = cfg.sales_department_ids or config.guess_sales_departments(session, portal_id)
    exchange = exchange_config.load(session, portal_id).exchange_user_id \
        or exchange_config.guess_exchange_user(session, portal_id)
    if directory is None:
        directory = load_directory(session, portal_id, _normalize, pause=pause)
    now = datetime.now(UTC)
    book = PresenceBook({uid: Away(*seen) for uid, seen in presence_store.load_away(
        session, portal_id, fresh_since=now - MAX_AGE).items()}) if cfg.presence else \
        PresenceBook()
    ranking = load_ranking(session, portal_id, now) if cfg.group_mode == "turn" else {}
    return Snapshot(cfg, load_org(session, portal_id), directory, tuple(sales), exchange,
                    book, ranking)
