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
