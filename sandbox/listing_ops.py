"""Filter operators and value comparison for sandbox/listing.py.

Bitrix sends and stores most values as strings; the SQL underneath compares them by column type,
so here each field has a kind: numbers compare numerically, datetimes by instant, strings without
case (MySQL *_ci collation), multi-fields (PHONE/EMAIL) match any entry exactly (§7,
EN:api-reference/crm/contacts/crm-contact-list.md "Filters for these fields only work on exact
matches"). LIKE does not work on crm_status/crm_contact/crm_company fields
(EN:api-reference/crm/deals/crm-deal-list.md): here it falls back to equality.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

INT, NUM, DT, STR, ENUM, BOOL, LIST, MULTI, OBJLIST, OBJ = (
    "int", "num", "datetime", "str", "enum", "bool", "list", "multi", "objlist", "obj")

# longest first, so "!%=" is not read as "!%" + "=FIELD"
_OPS = ("!><", "!=%", "!%=", "!@", "><", "=%", "%=", ">=", "<=", "!=", "!%",
        "@", "%", ">", "<", "=", "!", "?")
_NEGATED = {"!": "=", "!=": "=", "!@": "@", "!%": "%", "!=%": "=%", "!%=": "=%", "!><": "><"}

Test = Callable[[dict], bool]


def as_list(value: Any) -> list:
    """Arrays arrive as lists (JSON) or {"0": a, "1": b} (form brackets); a scalar is one item."""
    if value is None:
        return []
    if isinstance(value, list | tuple | set):
        return list(value)
    if isinstance(value, Mapping):
        return list(value.values())
    return [value]


def split_key(key: str) -> tuple[str, str]:
    for op in _OPS:
        if key.startswith(op) and len(key) > len(op):
            return op, key[len(op):]
    return "", key


@lru_cache(maxsize=200_000)
def parse_dt(text: str) -> datetime | None:
    """ISO-8601 (with or without offset, date only) or the Russian 'dd.mm.yyyy[ hh:mm:ss]'."""
    text = text.strip()
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for fmt in ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _num(value: Any) -> float | None:
    if value is None or value == "" or value is False:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _truth(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None or value == "":
        return None
    return str(value).strip().upper() in ("Y", "TRUE", "1")


def _text(value: Any) -> str | None:
    if value is None or value is False or value == "":
        return None
    return str(value).casefold()


def _dt(value: Any) -> datetime | None:
    return parse_dt(str(value)) if value not in (None, "", False) else None


_NORM: dict[str, Callable[[Any], Any]] = {INT: _num, NUM: _num, BOOL: _truth, DT: _dt}


def normalizer(kind: str) -> Callable[[Any], Any]:
    return _NORM.get(kind, _text)


def _dt_key(value: datetime | None, naive: bool) -> datetime | None:
    """A naive filter value is read as wall time in the portal's zone, like the rows' own."""
    if value is None:
        return None
    if naive:
        return value.replace(tzinfo=None)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _scalar_test(name: str, op: str, kind: str, raw: Any) -> Test:
    norm = normalizer(kind)
    values = as_list(raw)
    if op in ("", "=") and isinstance(raw, list | tuple | Mapping):
        op = "@"  # an array value means IN
    if kind == DT:
        naive = any(v is not None and v.tzinfo is None for v in map(norm, values))
        base = norm
        norm = lambda v: _dt_key(base(v), naive)  # noqa: E731
    if op in ("%", "=%", "%=", "?") and kind in (INT, NUM, ENUM, BOOL, DT):
        op = "="  # no LIKE on ids/directories (EN:api-reference/crm/deals/crm-deal-list.md)
    if op in ("%", "?", "=%", "%="):
        pattern = _like(str(raw), substring=op in ("%", "?"))
        return lambda row: (v := row.get(name)) not in (None, "") and bool(pattern(str(v)))
    if op == "@":
        wanted = {norm(v) for v in values}
        return lambda row: norm(row.get(name)) in wanted
    if op == "><":
        lo, hi = (norm(v) for v in [*values, None, None][:2])
        if lo is None or hi is None:
            return lambda row: False
        return lambda row: (v := norm(row.get(name))) is not None and lo <= v <= hi
    want = norm(values[0] if values else None)
    if op in ("", "="):
        return lambda row: norm(row.get(name)) == want
    if want is None:
        return lambda row: False  # SQL: comparing with NULL never holds
    cmp = {">": lambda a: a > want, ">=": lambda a: a >= want,
           "<": lambda a: a < want, "<=": lambda a: a <= want}[op]
    return lambda row: (v := norm(row.get(name))) is not None and cmp(v)


def _like(text: str, *, substring: bool) -> Callable[[str], Any]:
    if substring:
        needle = text.casefold()
        return lambda v: needle in v.casefold()
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in text)
    return re.compile(regex, re.IGNORECASE | re.DOTALL).fullmatch


def _set_test(name: str, op: str, kind: str, raw: Any) -> Test:
    """PHONE/EMAIL entries or an id list (UF_DEPARTMENT): any element equal to any value."""
    wanted = {_text(v) for v in as_list(raw)}
    if kind == MULTI:
        def values(row: dict) -> set:
            return {_text(e.get("VALUE")) for e in row.get(name) or () if isinstance(e, dict)}
    else:
        def values(row: dict) -> set:
            return {_text(e) for e in as_list(row.get(name))}
    if wanted <= {None}:
        return lambda row: not values(row)  # "=PHONE": "" -> has none
    return lambda row: bool(values(row) & wanted)


def field_test(key: str, raw: Any, kinds: Mapping[str, str]) -> Test | None:
    """One filter entry as a row predicate; None when the field is unknown (ignored)."""
    op, name = split_key(str(key))
    name = name.upper() if name.upper() in kinds else name
    kind = kinds.get(name)
    if kind is None or kind in (OBJ, OBJLIST):
        return None
    positive = _NEGATED.get(op, op)
    if kind in (MULTI, LIST):
        test = _set_test(name, positive, kind, raw)
    else:
        test = _scalar_test(name, positive, kind, raw)
    if positive != op:
        return lambda row: not test(row)
    return test


def compile_filter(filt: Any, kinds: Mapping[str, str]) -> Test | None:
    """AND of all entries (classic methods have no OR, §7); None = no condition."""
    if not isinstance(filt, Mapping):
        return None
    tests = [t for k, v in filt.items() if (t := field_test(k, v, kinds)) is not None]
    if not tests:
        return None
    if len(tests) == 1:
        return tests[0]
    return lambda row: all(t(row) for t in tests)


def sort_key(name: str, kind: str) -> Callable[[dict], tuple]:
    """NULLs first in ascending order, as MySQL sorts them."""
    if kind == DT:
        def key(row: dict) -> tuple:
            v = _dt(row.get(name))
            if v is None:
                return (0, datetime.min)
            return (1, v.astimezone(UTC).replace(tzinfo=None) if v.tzinfo else v)
        return key
    norm = normalizer(kind) if kind in (INT, NUM, BOOL) else _text
    blank: Any = "" if norm is _text else 0

    def plain(row: dict) -> tuple:
        v = norm(row.get(name))
        return (0, blank) if v is None else (1, v)
    return plain
