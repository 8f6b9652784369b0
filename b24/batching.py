"""Building `batch` commands and reading their answer (§6).

The answer's sections (`result`, `result_error`, `result_total`, `result_next`) come as `[]`
when empty (PHP quirk, §0), and as a JSON list when the command keys were "0".."n-1"
(fast_bitrix24 #44) — both are normalised to dicts keyed by the command key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from b24.errors import B24ApiError, B24TransportError, api_error
from b24.query import http_build_query

MAX_COMMANDS = 50
_METHOD = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$")
# Last method-name segments whose repetition creates a second object/message (§14.7).
_NON_IDEMPOTENT = ("add", "register", "send", "copy", "convert", "start")


@dataclass
class BatchResult:
    """Per-command outcome of one or more batch requests, keyed by the caller's keys."""

    results: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, B24ApiError] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    nexts: dict[str, int] = field(default_factory=dict)

    def get(self, key: str) -> Any:
        """The command's result; raises its error, or KeyError if it never ran (halt)."""
        if key in self.errors:
            raise self.errors[key]
        if key in self.results:
            return self.results[key]
        raise KeyError(f"batch command {key!r} did not run")

    @property
    def ok(self) -> bool:
        """No command failed."""
        return not self.errors

    def merge(self, other: BatchResult) -> None:
        """Fold in the answer of the next chunk of a >50-command batch."""
        self.results.update(other.results)
        self.errors.update(other.errors)
        self.totals.update(other.totals)
        self.nexts.update(other.nexts)


def check_method(method: str) -> str:
    """Method names go into URLs and query strings: refuse anything but dotted words."""
    if not isinstance(method, str) or not _METHOD.match(method):
        raise ValueError(f"not a REST method name: {method!r}")
    return method


def is_idempotent(method: str) -> bool:
    """False for calls that create something when repeated (`crm.deal.add`, `im.notify...add`)."""
    last = method.rsplit(".", 1)[-1].lower()
    return not last.startswith(_NON_IDEMPOTENT)


def encode_command(method: str, params: Mapping[str, Any] | None) -> str:
    """`crm.deal.update?id=7&fields[TITLE]=A` — a sub-call as PHP's batch expects it."""
    query = http_build_query(params) if params else ""
    return f"{check_method(method)}?{query}" if query else check_method(method)


def chunked(items: list[tuple[str, str]], size: int = MAX_COMMANDS) -> Iterable[dict[str, str]]:
    """Split commands into batch-sized groups, keeping their order."""
    for start in range(0, len(items), size):
        yield dict(items[start:start + size])


def parse_batch(result: Any) -> BatchResult:
    """Read the `result` object of a batch answer into a BatchResult."""
    if isinstance(result, list) and not result:
        return BatchResult()
    if not isinstance(result, dict):
        raise B24TransportError("batch: answer without a result object")
    return BatchResult(
        results=_section(result.get("result")),
        errors={key: _error(value) for key, value in _section(result.get("result_error")).items()},
        totals=_ints(_section(result.get("result_total"))),
        nexts=_ints(_section(result.get("result_next"))),
    )


def _section(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, list):
        return {str(index): item for index, item in enumerate(value)}
    if isinstance(value, dict):
        return {str(key): item for key, item in value.items()}
    raise B24TransportError(f"batch: unexpected section of type {type(value).__name__}")


def _error(value: Any) -> B24ApiError:
    if isinstance(value, dict):
        return api_error(str(value.get("error", "")), str(value.get("error_description") or ""))
    return api_error("", str(value))


def _ints(section: dict[str, Any]) -> dict[str, int]:
    out = {}
    for key, value in section.items():
        try:
            out[key] = int(value)
        except (TypeError, ValueError):
            continue
    return out


# Several crm.<entity>.get by id in one batch become one crm.<entity>.list per 50 ids, so a
# chunk's reads cost one command, not one per event, and leave the batch room for writes.
# EN:crm/deals/crm-deal-list.md, crm/leads/crm-lead-list.md, crm/contacts/crm-contact-list.md:
# `*` selects every standard field, `UF_*` every user field; multi-fields (PHONE, EMAIL, WEB,
# IM) only when named. An array filter value is IN (`@ID`). Deals have no multi-fields.
COALESCE: dict[str, tuple[str, tuple[str, ...]]] = {
    "crm.deal.get": ("crm.deal.list", ("*", "UF_*")),
    "crm.lead.get": ("crm.lead.list", ("*", "UF_*", "PHONE", "EMAIL", "WEB", "IM")),
    "crm.contact.get": ("crm.contact.list", ("*", "UF_*", "PHONE", "EMAIL", "WEB", "IM")),
}
_PURE = ("get", "list")  # last method segments that only read: free to reorder among reads
Command = tuple[str, Mapping[str, Any] | None]


@dataclass
class Coalesced:
    """The commands to send, and for each list command the caller's key of every id it reads."""

    commands: dict[str, Command]
    groups: dict[str, dict[int, list[str]]] = field(default_factory=dict)

    def split(self, answer: BatchResult) -> list[str]:
        """Give each caller's key its row; returns the keys the lists did not answer.

        An id the list does not return (deleted, or hidden from our user) and a list that
        failed are asked again with their own get, so the caller sees the get's own answer.
        """
        again: list[str] = []
        for list_key, by_id in self.groups.items():
            answer.totals.pop(list_key, None)
            answer.nexts.pop(list_key, None)
            failed = answer.errors.pop(list_key, None)
            rows = answer.results.pop(list_key, None)
            found = {_as_id(row.get("ID")): row for row in rows or () if isinstance(row, dict)}
            for entity_id, keys in by_id.items():
                if failed is None and entity_id in found:
                    answer.results.update((key, found[entity_id]) for key in keys)
                else:
                    again.extend(keys)
        return again


def coalesce(cmds: Mapping[str, Command]) -> Coalesced:
    """Merge the gets of each run of consecutive reads into lists of <= 50 ids.

    Only within a run of reads: a get after a write must see the write, so it never moves
    before it. A batch whose commands refer to each other (`$result[...]`) is left alone.
    """
    if any("$result" in str(params) for _, params in cmds.values()):
        return Coalesced(dict(cmds))
    out = Coalesced({})
    run: list[tuple[str, Command]] = []
    for key, command in cmds.items():
        if command[0].rsplit(".", 1)[-1].lower() in _PURE:
            run.append((key, command))
            continue
        _flush_run(run, out, cmds)
        out.commands[key] = command
    _flush_run(run, out, cmds)
    return out


def _flush_run(run: list[tuple[str, Command]], out: Coalesced,
               cmds: Mapping[str, Command]) -> None:
    wanted: dict[str, dict[int, list[str]]] = {}
    for key, (method, params) in run:
        entity_id = _get_by_id(method, params)
        if entity_id is not None:
            wanted.setdefault(method, {}).setdefault(entity_id, []).append(key)
    placed: set[str] = set()
    for key, (method, params) in run:
        group = wanted.get(method)
        if group is None or len(group) < 2 or _get_by_id(method, params) is None:
            out.commands[key] = (method, params)
            continue
        if method in placed:
            continue
        placed.add(method)
        ids = list(group)
        list_method, select = COALESCE[method]
        for start in range(0, len(ids), MAX_COMMANDS):
            part = ids[start:start + MAX_COMMANDS]
            list_key = _free_key(f"coalesced:{list_method}:{start // MAX_COMMANDS}", cmds,
                                 out.commands)
            out.commands[list_key] = (list_method, {"filter": {"@ID": part},
                                                    "select": list(select)})
            out.groups[list_key] = {entity_id: group[entity_id] for entity_id in part}
    run.clear()


def _get_by_id(method: str, params: Mapping[str, Any] | None) -> int | None:
    if method not in COALESCE or not params or set(params) != {"id"}:
        return None
    return _as_id(params["id"])


def _as_id(value: Any) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _free_key(base: str, *taken: Mapping[str, Any]) -> str:
    key, n = base, 0
    while any(key in keys for keys in taken):
        n += 1
        key = f"{base}.{n}"
    return key
