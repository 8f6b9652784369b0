"""install.json: the one declaration of scopes, handler paths, events and placements.

Validated at start-up so a typo fails the deploy, not the install on a customer's portal:
unknown keys, lower-case or duplicate codes and paths that are not absolute are errors, all
reported at once. `bind_events`/`bind_placements` apply it to a portal idempotently (§1.7:
bindings vanish on update, so every installer re-binds; §14.8: "already binded" is success).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from b24.errors import B24ApiError, ManifestError

if TYPE_CHECKING:
    from b24.client import B24Client

KNOWN_SCOPES = frozenset({
    "crm", "telephony", "call", "user", "user_basic", "user_brief", "user.userfield",
    "department", "humanresources", "im", "imbot", "imopenlines", "task", "placement",
    "bizproc", "calendar", "disk", "entity", "lists", "log", "messageservice", "sonet_group",
    "timeman", "catalog", "sale", "landing", "rpa", "documentgenerator", "userconsent",
    "contact_center", "intranet", "mailservice", "pay_system", "cashbox", "delivery",
    "socialnetwork", "forum", "iblock", "userfieldconfig", "booking", "sign"})
# Placements with one handler per app (EN:api-reference/widgets/placement-bind.md).
SINGLE_PLACEMENTS = frozenset({"REST_APP_URI", "PAGE_BACKGROUND_WORKER"})
TOP_KEYS = ("name", "version", "scopes", "handlers", "events", "placements")
HANDLER_KINDS = ("install", "app", "events")
LANGS = ("ru", "en")
_CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")
_EVENT_SCOPES = {"ONCRM": "crm", "ONVOXIMPLANT": "telephony", "ONEXTERNALCALL": "telephony",
                 "ONTASK": "task"}


@dataclass(frozen=True)
class Placement:
    """One widget: placement code, our handler path, its title per language."""

    placement: str
    handler: str
    title: Mapping[str, str]


@dataclass(frozen=True)
class Manifest:
    """The validated install.json."""

    name: Mapping[str, str]
    version: int | str
    scopes: tuple[str, ...]
    handlers: Mapping[str, str]
    events: tuple[str, ...]
    placements: tuple[Placement, ...] = ()

    @classmethod
    def load(cls, path: str | Path) -> Manifest:
        """Read and validate install.json; ManifestError lists every problem."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ManifestError(f"{path}: {exc}") from exc
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "install.json") -> Manifest:
        """Validate an already-parsed manifest."""
        problems = _problems(data)
        if problems:
            raise ManifestError(f"{source}: " + "; ".join(problems))
        return cls(name=dict(data["name"]), version=data["version"],
                   scopes=tuple(data["scopes"]), handlers=dict(data["handlers"]),
                   events=tuple(data["events"]),
                   placements=tuple(Placement(p["placement"], p["handler"], dict(p["title"]))
                                    for p in data.get("placements", [])))

    @property
    def event_codes(self) -> frozenset[str]:
        """The events to bind (ONAPPINSTALL arrives at the install handler instead)."""
        return frozenset(self.events)

    def handler_url(self, base_url: str, kind: str) -> str:
        """Absolute URL of one of our handlers: base_url + handlers[kind]."""
        return base_url.rstrip("/") + self.handlers[kind]


def bind_events(client: B24Client, manifest: Manifest, base_url: str) -> list[str]:
    """Bind each manifest event to our events URL unless already bound; returns those bound."""
    url = manifest.handler_url(base_url, "events")
    bound = {(str(row.get("event", "")).upper(), row.get("handler"))
             for row in client.call("event.get") or [] if isinstance(row, dict)}
    missing = [code for code in manifest.events if (code, url) not in bound]
    _bind(client, {code: ("event.bind", {"event": code, "handler": url}) for code in missing})
    return missing


def bind_placements(client: B24Client, manifest: Manifest, base_url: str) -> list[str]:
    """Bind each manifest placement unless the same placement+handler exists already."""
    bound = {(str(row.get("placement", "")).upper(), row.get("handler"))
             for row in client.call("placement.get") or [] if isinstance(row, dict)}
    cmds: dict[str, tuple[str, dict[str, Any]]] = {}
    for item in manifest.placements:
        url = base_url.rstrip("/") + item.handler
        if (item.placement, url) not in bound:
            if item.placement in SINGLE_PLACEMENTS and any(p == item.placement for p, _ in bound):
                # one handler only (ERROR_PLACEMENT_MAX_COUNT): the app moved, so replace it
                cmds[f"{item.placement}:unbind"] = ("placement.unbind",
                                                    {"PLACEMENT": item.placement})
            cmds[f"{item.placement}:{item.handler}"] = ("placement.bind", {
                # TITLE is the portal's default (Russian); LANG_ALL carries the rest
                "PLACEMENT": item.placement, "HANDLER": url, "TITLE": item.title["ru"],
                "LANG_ALL": {lang: {"TITLE": title} for lang, title in item.title.items()}})
    _bind(client, cmds)
    return [key for key in cmds if not key.endswith(":unbind")]


def _bind(client: B24Client, cmds: dict[str, tuple[str, dict[str, Any]]]) -> None:
    if not cmds:
        return
    for error in client.batch(cmds).errors.values():
        if not _already_bound(error):
            raise error


def _already_bound(error: B24ApiError) -> bool:
    return "already bind" in error.description.lower()  # "Handler already binded" (§3.1)


def _problems(data: Any) -> list[str]:
    if not isinstance(data, dict):
        return ["top level must be an object"]
    problems = [f"unknown key {key!r}" for key in data if key not in TOP_KEYS]
    problems += [f"missing {key!r}" for key in TOP_KEYS[:-1] if key not in data]
    checks = {"name": _titles, "version": _version, "scopes": _scopes,
              "handlers": _handlers, "events": _events, "placements": _placements}
    for key, check in checks.items():
        if key in data:
            problems += [f"{key}: {problem}" for problem in check(data[key])]
    if not problems:
        problems += _scope_coverage(data)
    return problems


def _titles(value: Any) -> list[str]:
    if not isinstance(value, dict):
        return ["must be an object {ru, en}"]
    problems = [f"missing {lang!r}" for lang in LANGS if lang not in value]
    problems += [f"{lang!r} must be a non-empty string" for lang, text in value.items()
                 if not isinstance(text, str) or not text.strip()]
    return problems + [f"unknown language {lang!r}" for lang in value if lang not in LANGS]


def _version(value: Any) -> list[str]:
    if isinstance(value, bool) or not ((isinstance(value, int) and value >= 1)
                                       or (isinstance(value, str) and value.strip())):
        return ["must be a positive integer or a non-empty string"]
    return []


def _scopes(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        return ["must be a non-empty list"]
    problems = [f"unknown scope {scope!r}" for scope in value if scope not in KNOWN_SCOPES]
    return problems + _duplicates(value)


def _handlers(value: Any) -> list[str]:
    if not isinstance(value, dict):
        return ["must be an object {install, app, events}"]
    problems = [f"unknown handler {key!r}" for key in value if key not in HANDLER_KINDS]
    problems += [f"missing {kind!r}" for kind in HANDLER_KINDS if kind not in value]
    return problems + [f"{key}: {p}" for key, path in value.items() for p in _path(path)]


def _events(value: Any) -> list[str]:
    if not isinstance(value, list):
        return ["must be a list of event codes"]
    problems = _codes(value)
    if "ONAPPINSTALL" in value:
        problems.append("ONAPPINSTALL arrives at handlers.install; do not bind it")
    return problems


def _placements(value: Any) -> list[str]:
    if not isinstance(value, list):
        return ["must be a list"]
    problems: list[str] = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            problems.append(f"[{index}] must be an object")
            continue
        problems += [f"[{index}] unknown key {key!r}" for key in item
                     if key not in ("placement", "handler", "title")]
        problems += [f"[{index}] {p}" for p in _codes([item.get("placement")])]
        problems += [f"[{index}] handler: {p}" for p in _path(item.get("handler"))]
        problems += [f"[{index}] title: {p}" for p in _titles(item.get("title"))]
    pairs = [(i.get("placement"), i.get("handler")) for i in value if isinstance(i, dict)]
    return problems + _duplicates(pairs)


def _codes(codes: list[Any]) -> list[str]:
    problems = []
    for code in codes:
        if not isinstance(code, str) or not code:
            problems.append(f"{code!r} is not a code")
        elif not _CODE.match(code):
            problems.append(f"{code!r} must be UPPER-case letters, digits and _")
    return problems + _duplicates(codes)


def _path(value: Any) -> list[str]:
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//"):
        return [f"{value!r} must be a path starting with a single /"]
    return []


def _duplicates(values: list[Any]) -> list[str]:
    seen: list[Any] = []
    dups: list[Any] = []
    for value in values:  # lists, not sets: a malformed entry may be unhashable
        if value in seen and value not in dups:
            dups.append(value)
        seen.append(value)
    return [f"duplicate {value!r}" for value in dups]


def _scope_coverage(data: dict[str, Any]) -> list[str]:
    scopes = set(data["scopes"])
    needed = {scope for code in data["events"] for prefix, scope in _EVENT_SCOPES.items()
              if code.startswith(prefix)}
    if data.get("placements"):
        needed.add("placement")
    return [f"scopes: {scope!r} is needed by the events/placements" for scope in
            sorted(needed - scopes)]
