"""Bind every event and placement from install.json exactly once (reinstall and update safe).

event.get / placement.get first, then bind only what is missing: a repeated bind answers
"Handler already binded" (§3.1, §14.8), and an app update wipes bindings (§1.7).
"""

from __future__ import annotations

import logging

from b24.client import B24Client
from b24.manifest import Manifest

logger = logging.getLogger(__name__)


def bind_all(b24: B24Client, manifest: Manifest, base_url: str) -> tuple[int, int]:
    """Returns (events bound now, placements bound now)."""
    events_url = base_url + manifest.handlers["events"]
    bound = {(str(e.get("event", "")).upper(), e.get("handler"))
             for e in b24.call("event.get") or []}
    cmds: dict[str, tuple[str, dict]] = {}
    for code in sorted(manifest.event_codes):
        if (code, events_url) not in bound:
            cmds[f"event:{code}"] = ("event.bind", {"event": code, "handler": events_url})
    placed = {(p.get("placement"), p.get("handler")) for p in b24.call("placement.get") or []}
    for p in manifest.placements:
        handler = base_url + p.handler
        if (p.placement, handler) not in placed:
            cmds[f"placement:{p.placement}"] = ("placement.bind", {
                "PLACEMENT": p.placement, "HANDLER": handler, "TITLE": p.title["ru"],
                "LANG_ALL": {lang: {"TITLE": title} for lang, title in p.title.items()}})
    if cmds:
        result = b24.batch(cmds)
        for error in result.errors.values():
            if "already binded" not in error.description.lower():
                raise error
    n_events = sum(k.startswith("event:") for k in cmds)
    logger.info("b24.install.bound", extra={"events": n_events, "placements": len(cmds) - n_events})
    return n_events, len(cmds) - n_events
