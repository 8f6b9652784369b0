"""PHP-style bracket query strings: how batch sub-commands are written and events arrive.

A batch `cmd` value is `method?query` that the portal decodes with PHP's parse_str (§6), so
nested params must be spelled `fields[PHONE][0][VALUE]=...`. The encoder follows PHP's
http_build_query (true -> "1", false -> "0", urlencode-style escaping), with one deliberate
difference: PHP drops None, we send an empty value, because a None in a JSON call means
"clear this field" and a batched call must mean the same. Empty lists/dicts vanish, as in PHP.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any
from urllib.parse import parse_qsl, quote_plus

_SEGMENT = re.compile(r"\[([^\[\]]*)\]")


def http_build_query(params: Mapping[str, Any]) -> str:
    """Encode nested params the way PHP's http_build_query does (brackets left readable)."""
    return "&".join(f"{_encode_path(path)}={quote_plus(value, safe='')}"
                    for path, value in _walk(params, []))


def flatten(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Nested params as unencoded form pairs: [("fields[TITLE]", "A"), ...]."""
    return [(_join_path(path), value) for path, value in _walk(params, [])]


def parse_query(query: str, *, max_depth: int | None = None) -> dict[str, Any]:
    """The inverse of http_build_query (PHP parse_str semantics; values stay strings)."""
    return unflatten(parse_qsl(query, keep_blank_values=True), max_depth=max_depth)


def unflatten(pairs: Iterable[tuple[str, Any]], *, max_depth: int | None = None) -> dict[str, Any]:
    """Build a nested dict from `a[b][c]` keys; dicts keyed 0..n-1 become lists (as PHP JSON)."""
    root: dict[str, Any] = {}
    counters: dict[int, Any] = {}
    for key, value in pairs:
        path = split_key(str(key))
        if max_depth is not None and len(path) > max_depth:
            raise ValueError(f"key {key[:80]!r} nests deeper than {max_depth}")
        _insert(root, path, value, counters)
    return _listify(root)


def split_key(key: str) -> list[str]:
    """`a[b][]` -> ["a", "b", ""]; text after the last `]` is ignored, like parse_str."""
    start = key.find("[")
    if start <= 0:
        return [key]
    path, pos = [key[:start]], start
    while (match := _SEGMENT.match(key, pos)) is not None:
        path.append(match.group(1))
        pos = match.end()
    return path if len(path) > 1 else [key]


def scalar(value: Any) -> str:
    """One value as PHP would print it in a query string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Enum):
        return scalar(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _walk(value: Any, path: list[str]) -> Iterator[tuple[list[str], str]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _walk(item, [*path, scalar(key)])
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _walk(item, [*path, str(index)])
    elif path:
        yield path, scalar(value)
    else:
        raise TypeError("http_build_query needs a mapping at the top level")


def _encode_path(path: list[str]) -> str:
    head = quote_plus(path[0], safe="")
    return head + "".join(f"[{quote_plus(part, safe='')}]" for part in path[1:])


def _join_path(path: list[str]) -> str:
    return path[0] + "".join(f"[{part}]" for part in path[1:])


def _insert(node: dict[str, Any], path: list[str], value: Any, counters: dict[int, Any]) -> None:
    for segment in path[:-1]:
        key = _slot(node, segment, counters)
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    key = _slot(node, path[-1], counters)
    if isinstance(value, Mapping):
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        for sub_key, sub_value in value.items():
            _insert(child, [str(sub_key)], sub_value, counters)
    else:
        node[key] = value


def _slot(node: dict[str, Any], segment: str, counters: dict[int, Any]) -> str:
    """`[]` appends at the next integer index, as PHP does."""
    if segment != "":
        return segment
    index = counters.get(id(node), (node, 0))[1]
    while str(index) in node:
        index += 1
    counters[id(node)] = (node, index + 1)  # holding `node` keeps its id from being reused
    return str(index)


def _listify(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    items = {key: _listify(item) for key, item in value.items()}
    if items and list(items) == [str(index) for index in range(len(items))]:
        return list(items.values())
    return items
