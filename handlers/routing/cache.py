"""Routing data in memory per portal, so the PBX's request touches the database only to record.

Two kinds of entries, both per process (each gunicorn worker keeps its own):
- the portal by member_id with its PBX secret hash, re-read every `portal_ttl` seconds (an
  uninstall or a new secret takes effect within that time; unknown member_ids are cached too,
  so a flood of made-up ids does not reach the database);
- the routing snapshot (structure, phones, open deals, settings), served for `ttl` seconds and
  then rebuilt by a background thread while requests keep getting the previous one
  (stale-while-revalidate): only the very first call of a portal waits for a build.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.routing.snapshot import Snapshot, load_snapshot
from store.models import Portal
from store.routing_models import PbxSecret

logger = logging.getLogger(__name__)
RETRY_AFTER_FAILURE = 5.0
PAUSE = 0.002  # between slices of a background rebuild: requests first


def _yield() -> None:
    time.sleep(PAUSE)


def _flat_out() -> None:
    return None


@dataclass(frozen=True)
class PortalEntry:
    portal_id: int | None  # None: no such installed portal
    member_id: str
    secret_hash: str | None
    loaded: float


class RoutingCache:
    def __init__(self, sessions: Callable[[], Session], *, ttl: float = 15.0,
                 portal_ttl: float = 10.0, clock: Callable[[], float] = time.monotonic,
                 background: bool = True) -> None:
        self._sessions, self.ttl, self.portal_ttl = sessions, ttl, portal_ttl
        self._clock, self._background = clock, background
        self._lock = threading.Lock()
        self._portals: dict[str, PortalEntry] = {}
        self._snapshots: dict[int, tuple[float, Snapshot]] = {}
        self._building: dict[int, threading.Lock] = {}
        self._refreshing: set[int] = set()

    def portal(self, member_id: str) -> PortalEntry:
        """The installed, active portal for a member_id (portal_id None if there is none)."""
        entry = self._portals.get(member_id)
        if entry is not None and self._clock() - entry.loaded < self.portal_ttl:
            return entry
        with self._sessions() as session:
            row = session.execute(select(Portal.id, Portal.status, PbxSecret.secret_hash)
                                  .outerjoin(PbxSecret, PbxSecret.portal_id == Portal.id)
                                  .where(Portal.member_id == member_id)).first()
        active = row is not None and row.status == "active"
        entry = PortalEntry(row.id if active else None, member_id,
                            row.secret_hash if active else None, self._clock())
        with self._lock:
            self._portals[member_id] = entry
        return entry

    def snapshot(self, portal_id: int) -> Snapshot:
        """Fresh, or the previous one while a rebuild runs; the first build is waited for."""
        held = self._snapshots.get(portal_id)
        if held is None:
            return self._build_first(portal_id)
        if self._clock() - held[0] >= self.ttl:
            self._refresh_later(portal_id)
        return held[1]

    def invalidate(self, portal_id: int | None = None, member_id: str | None = None) -> None:
        """Settings or the secret changed here: forget them at once (other processes: TTL)."""
        with self._lock:
            if portal_id is not None:
                self._snapshots.pop(portal_id, None)
            if member_id is not None:
                self._portals.pop(member_id, None)

    def _build_first(self, portal_id: int) -> Snapshot:
        with self._lock:
            gate = self._building.setdefault(portal_id, threading.Lock())
        with gate:  # concurrent first requests wait for one build instead of each building
            held = self._snapshots.get(portal_id)
            if held is not None:
                return held[1]
            return self._rebuild(portal_id)

    def _rebuild(self, portal_id: int, *, yielding: bool = False) -> Snapshot:
        started = self._clock()
        with self._sessions() as session:
            snap = load_snapshot(session, portal_id, pause=_yield if yielding else _flat_out)
        with self._lock:
            self._snapshots[portal_id] = (started, snap)
        logger.debug("routing.snapshot.built", extra={
            "portal_id": portal_id, "seconds": round(self._clock() - started, 3),
            "phones": len(snap.directory.by_phone)})
        return snap

    def _refresh_later(self, portal_id: int) -> None:
        with self._lock:
            if portal_id in self._refreshing:
                return
            self._refreshing.add(portal_id)
        if self._background:
            threading.Thread(target=self._refresh, args=(portal_id,), daemon=True,
                             name=f"routing-snapshot-{portal_id}").start()
        else:
            self._refresh(portal_id)

    def _refresh(self, portal_id: int) -> None:
        try:
            self._rebuild(portal_id, yielding=True)
        except Exception:  # keep serving the previous snapshot; try again a little later
            logger.exception("routing.snapshot.refresh_failed", extra={"portal_id": portal_id})
            with self._lock:
                held = self._snapshots.get(portal_id)
                if held is not None:
                    retry_at = self._clock() - self.ttl + RETRY_AFTER_FAILURE
                    self._snapshots[portal_id] = (retry_at, held[1])
        finally:
            with self._lock:
                self._refreshing.discard(portal_id)
