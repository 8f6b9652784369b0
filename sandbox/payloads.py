"""PHP-style form encoding in both directions: `a[b][c]=v` pairs <-> nested values.

The portal decodes requests the way PHP's parse_str / $_POST do and encodes outgoing event and
page posts the way http_build_query does (EN:settings/how-to-call-rest-api/data-encoding.md,
EN:api-reference/events/index.md). Shared by the REST decoder, batch sub-commands, event
delivery and the unit tests that need a realistic event form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

Pairs = list[tuple[str, str]]


def _split_key(key: str) -> tuple[str, list[str]] | None:
    """`a[b][]` -> ("a", ["b", ""]); PHP turns '.' and ' ' of the base name into '_'."""
    open_at = key.find("[")
    if open_at <= 0:
        base = key.replace(".", "_").replace(" ", "_")
        return (base, []) if base else None
    base, rest, parts = key[:open_at], key[open_at:], []
    while rest.startswith("["):
        close = rest.find("]")
        if close < 0:  # an unclosed '[' ends the path; PHP keeps what it has parsed
            if not parts:
                return key.replace(".", "_").replace(" ", "_").replace("[", "_"), []
            break
        parts.append(rest[1:close])
        rest = rest[close + 1:]
    return base.replace(".", "_").replace(" ", "_"), parts


def _next_index(node: dict) -> str:
    """`a[]` appends at the highest integer key + 1, as PHP arrays do."""
    ints = [int(k) for k in node if k.isdigit()]
    return str(max(ints) + 1 if ints else 0)


def parse_pairs(pairs: Iterable[tuple[str, Any]]) -> dict:
    """Nested dict from bracket-keyed pairs, later keys overwriting earlier ones like PHP."""
    root: dict = {}
    for raw_key, value in pairs:
        split = _split_key(raw_key)
        if split is None:
            continue
        base, parts = split
        path = [base, *parts]
        node = root
        for i, part in enumerate(path):
            if part == "" and i > 0:
                part = _next_index(node)
            if i == len(path) - 1:
                node[part] = value
            else:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = node[part] = {}
                node = child
    return {k: listify(v) for k, v in root.items()}


def listify(value: Any) -> Any:
    """A PHP array keyed 0..n-1 in order is a JSON list; anything else stays a map."""
    if isinstance(value, dict):
        value = {k: listify(v) for k, v in value.items()}
        if value and all(k == str(i) for i, k in enumerate(value)):
            return list(value.values())
    return value


def parse_query(query: str) -> dict:
    """parse_str for a URL-encoded query string (batch sub-commands, GET requests)."""
    return parse_pairs(parse_qsl(query, keep_blank_values=True))


def _scalar(value: Any) -> str | None:
    if value is None:
        return None  # http_build_query drops nulls
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def flatten(data: Mapping | list | tuple, prefix: str = "") -> Pairs:
    """http_build_query's pairs: nested maps and lists become `a[b][0]` keys; empties vanish."""
    items = data.items() if isinstance(data, Mapping) else enumerate(data)
    pairs: Pairs = []
    for key, value in items:
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, Mapping | list | tuple):
            pairs.extend(flatten(value, name))
        else:
            text = _scalar(value)
            if text is not None:
                pairs.append((name, text))
    return pairs


def build_query(data: Mapping | list | tuple) -> str:
    """URL-encoded `a[b]=c&...`, e.g. for a batch sub-command `crm.deal.get?` + build_query(...)."""
    return urlencode(flatten(data))


def event_form(code: str, data: Mapping | list, *, handler_id: int | str, ts: int | str,
               auth: Mapping[str, Any]) -> Pairs:
    """The form an event handler receives (EN:api-reference/events/index.md): event,
    event_handler_id, data[...], ts, auth[...] in that order."""
    pairs: Pairs = [("event", code.upper()), ("event_handler_id", str(handler_id))]
    pairs += flatten(data, "data")
    pairs.append(("ts", str(ts)))
    pairs += flatten(dict(auth), "auth")
    return pairs
