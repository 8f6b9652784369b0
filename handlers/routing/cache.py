"""Routing data in memory per portal, so the PBX's request touches the database only to record.

Two kinds of entries, both per process (each gunicorn worker keeps its own):
- the portal by member_id with its PBX secret hash, re-read every `portal_ttl` seconds (an
  uninstall or a new secret takes effect within that time. Only installed portals are kept,
  in a bounded LRU: a made-up member_id is refused by its format (32 hex digits) without a
  query, a well-formed unknown one costs one indexed read and is never remembered, so a flood
  of ids cannot grow the process (issue 14: 20 000 ids took a worker from 88 to 218 MiB);
- the routing snapshot, rebuilt by a background thread while requests keep getting the
  previous one (stale-while-revalidate; only a portal's very first call waits for a build):
  settings and structure after `ttl` seconds (a few ms to read), phones and open deals after
  `directory_ttl` (the expensive part: a new client may be "unknown" for up to a minute).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from cachetools import LRUCache
from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.routing.clients import Directory
from handlers.routing.snapshot import Snapshot, load_snapshot
from store.models import Portal
from store.routing_models import PbxSecret

logger = logging.getLogger(__name__)
RETRY_AFTER_FAILURE = 5.0
PAUSE = 0.002  # between slices of a background rebuild: requests first
MEMBER_ID = re.compile(r"[0-9a-fA-F]{32}")  # what Bitrix24 gives every portal (an md5 hex)
KNOWN_PORTALS = 10_000  # entries per process; more portals than that just read more often


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


@dataclass(frozen=True)
class _Held:
    snap: Snapshot
    core_at: float  # settings and structure read at
    directory_at: float  # phones and deals read at


class RoutingCache:
    def __init__(self, sessions: Callable[[], Session], *, ttl: float = 10.0,
                 directory_ttl: float = 60.0, portal_ttl: float = 10.0,
                 clock: Callable[[], float] = time.monotonic, background: bool = True,
                 known_portals: int = KNOWN_PORTALS) -> None:
        self._sessions, self.portal_ttl = sessions, portal_ttl
        self.ttl, self.directory_ttl = ttl, directory_ttl
        self._clock, self._background = clock, background
        self._lock = threading.Lock()
        self._portals: LRUCache[str, PortalEntry] = LRUCache(maxsize=known_portals)
        self._held: dict[int, _Held] = {}
        self._building: dict[int, threading.Lock] = {}
        self._refreshing: set[int] = set()

    def portal(self, member_id: str) -> PortalEntry:
        """The installed, active portal for a member_id (portal_id None if there is none)."""
        if not MEMBER_ID.fullmatch(member_id):
            return PortalEntry(None, member_id, None, self._clock())
        with self._lock:  # an LRU read reorders it: not thread-safe on its own
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
            if active:
                self._portals[member_id] = entry
            else:
                self._portals.pop(member_id, None)
        return entry

    @property
    def cached_portals(self) -> int:
        """How many member_ids this process remembers (bounded by `known_portals`)."""
        return len(self._portals)

    def snapshot(self, portal_id: int) -> Snapshot:
        """Fresh, or the previous one while a rebuild runs; the first build is waited for."""
        held = self._held.get(portal_id)
        if held is None:
            return self._build_first(portal_id)
        now = self._clock()
        if now - held.core_at >= self.ttl or now - held.directory_at >= self.directory_ttl:
            self._refresh_later(portal_id)
        return held.snap

    def directory(self, portal_id: int) -> Directory | None:
        """The phones and deals this process holds (for a preview that should not re-read
        them: pages run in the same workers that answer the PBX)."""
        held = self._held.get(portal_id)
        return None if held is None else held.snap.directory

    def invalidate(self, portal_id: int | None = None, member_id: str | None = None) -> None:
        """Settings or the secret changed here: re-read them now (other processes: TTL).

        The snapshot is only marked old, so the next call still gets an answer at once while
        the rebuild runs; the portal entry (the secret) is dropped and read on the next call.
        """
        with self._lock:
            held = self._held.get(portal_id) if portal_id is not None else None
            if held is not None:
                self._held[portal_id] = _Held(held.snap, float("-inf"), held.directory_at)
            if member_id is not None:
                self._portals.pop(member_id, None)

    def _build_first(self, portal_id: int) -> Snapshot:
        with self._lock:
            gate = self._building.setdefault(portal_id, threading.Lock())
        with gate:  # concurrent first requests wait for one build instead of each building
            held = self._held.get(portal_id)
            return held.snap if held is not None else self._rebuild(portal_id, None)

    def _rebuild(self, portal_id: int, held: _Held | None, *,
                 yielding: bool = False) -> Snapshot:
        """Settings and structure every time (a few ms); phones and deals when they are due."""
        started = self._clock()
        keep = held is not None and started - held.directory_at < self.directory_ttl
        with self._sessions() as session:
            snap = load_snapshot(session, portal_id, pause=_yield if yielding else _flat_out,
                                 directory=held.snap.directory if keep else None)
        with self._lock:
            self._held[portal_id] = _Held(snap, started, held.directory_at if keep else started)
        logger.debug("routing.snapshot.built", extra={
            "portal_id": portal_id, "seconds": round(self._clock() - started, 3),
            "directory": not keep, "phones": len(snap.directory.by_phone)})
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
        held = self._held.get(portal_id)
        try:
            self._rebuild(portal_id, held, yielding=True)
        except Exception:  # keep serving the previous snapshot; try again a little later
            logger.exception("routing.snapshot.refresh_failed", extra={"portal_id": portal_id})
            if held is not None:
                retry = self._clock() + RETRY_AFTER_FAILURE
                with self._lock:
                    self._held[portal_id] = _Held(held.snap, retry - self.ttl,
                                                  min(held.directory_at,
                                                      retry - self.directory_ttl))
        finally:
            with self._lock:
                self._refreshing.discard(portal_id)
