"""The list engine behind every *.list method: filter prefixes, order, select, 50-row paging.

Bitrix rules emulated (§7; EN:settings/how-to-call-rest-api/list-methods-pecularities.md,
EN:api-reference/crm/deals/crm-deal-list.md, EN:settings/performance/huge-data.md):
- filter keys carry an operator prefix (none/`=`, `!`/`!=`, `>`, `>=`, `<`, `<=`, `@`/`!@`,
  `%`, `=%`/`%=`, `!%`, `!=%`/`!%=`, `><`/`!><`, `?`), an array value without a prefix means IN;
- `*` selects the standard fields (no UF, no multi-fields), `UF_*` the non-multiple user fields,
  multi-fields only when named; `ID` always comes back;
- pages of 50, `total` always and `next` only when another page exists; `start=-1` skips the
  count, and an `ID ASC` order with a `>ID` filter walks the id index (O(page), not O(table)).
Comparison, matching and typing live in sandbox/listing_ops.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sandbox.listing_ops import (
    MULTI,
    OBJLIST,
    as_list,
    compile_filter,
    sort_key,
)
from sandbox.registry import Page
from sandbox.tables import Table

PAGE_SIZE = 50  # fixed page size (EN:settings/how-to-call-rest-api/list-methods-pecularities.md)

Row = dict[str, Any]


@dataclass(frozen=True)
class Fields:
    """What a list method knows about its entity: field kinds and what `*` / `UF_*` mean."""

    kinds: Mapping[str, str]
    star: tuple[str, ...]
    uf_star: tuple[str, ...] = ()
    id_field: str = "ID"
    always: tuple[str, ...] = field(default=("ID",))

    @classmethod
    def of(cls, kinds: Mapping[str, str], *, hidden: Iterable[str] = (),
           id_field: str = "ID") -> Fields:
        """`*` = every field that is not a UF, not multiple and not hidden (§7)."""
        skip = set(hidden)
        star = tuple(name for name, kind in kinds.items()
                     if kind not in (MULTI, OBJLIST) and not name.startswith("UF_")
                     and name not in skip)
        return cls(dict(kinds), star, (), id_field, (id_field,))

    def with_uf(self, user_fields: Iterable[tuple[str, str, bool]]) -> Fields:
        """Add the portal's user fields: (name, kind, multiple); `UF_*` skips multiple ones."""
        ufs = list(user_fields)
        if not ufs:
            return self
        kinds = dict(self.kinds)
        kinds.update({name: kind for name, kind, _ in ufs})
        return replace(self, kinds=kinds, uf_star=tuple(n for n, _, many in ufs if not many))


def param(params: Mapping[str, Any], name: str, default: Any = None) -> Any:
    """Top-level parameter names are case-insensitive in classic methods (FILTER == filter, §7)."""
    if name in params:
        return params[name]
    low = name.lower()
    for key, value in params.items():
        if key.lower() == low:
            return value
    return default


def parse_start(value: Any) -> int:
    """`start` as sent: missing or junk -> 0; any negative -> -1 (the no-count mode)."""
    try:
        start = int(value)
    except (TypeError, ValueError):
        return 0
    return -1 if start < 0 else start


def parse_order(order: Any) -> list[tuple[str, bool]]:
    """{FIELD: ASC|DESC} -> [(FIELD, descending)]; an unknown direction reads as ASC."""
    if not isinstance(order, Mapping):
        return []
    return [(str(k).upper(), str(v).strip().upper() == "DESC") for k, v in order.items()]


def select_columns(select: Any, fields: Fields,
                   default: Iterable[str] = ("*", "UF_*")) -> tuple[list[str], list[str]]:
    """Resolve `select` into (plain columns, multi-field columns) in the order asked."""
    names = [str(s) for s in as_list(select) if s not in (None, "")] or list(default)
    cols: list[str] = list(fields.always)
    multi: list[str] = []
    for name in names:
        if name == "*":
            cols.extend(fields.star)
        elif name.upper() == "UF_*":
            cols.extend(fields.uf_star)
        elif fields.kinds.get(name) in (MULTI, OBJLIST):
            multi.append(name)
        elif name in fields.kinds:
            cols.append(name)
        # an unknown name is skipped, as the portal does
    return list(dict.fromkeys(cols)), list(dict.fromkeys(m for m in multi if m not in cols))


def projector(select: Any, fields: Fields,
              default: Iterable[str] = ("*", "UF_*")) -> Callable[[Row], Row]:
    """Build the row renderer once per request; rows keep Bitrix wire values already."""
    cols, multi = select_columns(select, fields, default)

    def render(row: Row) -> Row:
        out = {c: row.get(c) for c in cols}
        for m in multi:
            value = row.get(m)
            if value:  # an empty multi-field is absent from the answer
                out[m] = [dict(e) if isinstance(e, dict) else e for e in value]
        return out

    return render


def run_list(source: Table | Iterable[Row], params: Mapping[str, Any], fields: Fields, *,
             default_select: Iterable[str] = ("*", "UF_*"),
             keys: tuple[str, str, str] = ("filter", "order", "select"),
             where: Callable[[Row], bool] | None = None,
             render: Callable[[Row], Row] | None = None) -> Page:
    """One page of a list method: filter, order, page, render (the server adds total/next)."""
    f_key, o_key, s_key = keys
    test = compile_filter(param(params, f_key) or {}, fields.kinds)
    if where is not None:
        inner = test
        test = (lambda row: where(row) and inner(row)) if inner else where
    order = parse_order(param(params, o_key))
    start = parse_start(param(params, "start"))
    draw = render or projector(param(params, s_key), fields, default_select)
    return page_of(source, test, order, start, fields, draw, param(params, f_key) or {})


def page_of(source: Table | Iterable[Row], test: Callable[[Row], bool] | None,
            order: list[tuple[str, bool]], start: int, fields: Fields,
            draw: Callable[[Row], Row], raw_filter: Any = None) -> Page:
    """Choose the id-index walk when the order allows it, else filter + sort the table."""
    id_field = fields.id_field
    id_order = [o for o in order if o[0] == id_field]
    if isinstance(source, Table) and (not order or order == id_order[:1]):
        desc = bool(order and order[0][1])
        return _walk_ids(source, test, start, draw, desc, _bounds(raw_filter, id_field))
    rows = [r for r in source if test is None or test(r)]
    for name, desc in reversed(order):  # stable sort, last key first
        rows.sort(key=sort_key(name, fields.kinds.get(name, "str")), reverse=desc)
    if start < 0:
        return Page([draw(r) for r in rows[:PAGE_SIZE]], None, None)
    total = len(rows)
    nxt = start + PAGE_SIZE if start + PAGE_SIZE < total else None
    return Page([draw(r) for r in rows[start:start + PAGE_SIZE]], total, nxt)


def _walk_ids(table: Table, test: Callable[[Row], bool] | None, start: int,
              draw: Callable[[Row], Row], desc: bool, bounds: tuple[int, int]) -> Page:
    """Walk the id index between the filter's own ID bounds, newest first when DESC."""
    lower, upper = bounds
    rows = table.rows
    ids: Iterable[int] = table.ids_descending() if desc else table.ids_after(lower)
    page: list[Row] = []
    count = 0
    end = start + PAGE_SIZE
    for i in ids:
        if (i > upper and not desc) or (desc and i <= lower):
            break
        if desc and i > upper:
            continue
        row = rows[i]
        if test is not None and not test(row):
            continue
        if start < 0:  # fast mode: stop at the first full page, no count (§7)
            page.append(draw(row))
            if len(page) == PAGE_SIZE:
                break
            continue
        if start <= count < end:
            page.append(draw(row))
        count += 1
    if start < 0:
        return Page(page, None, None)
    return Page(page, count, end if end < count else None)


def _bounds(raw_filter: Any, id_field: str) -> tuple[int, int]:
    """(last id to skip, last id to keep) from `>ID`/`>=ID`/`<ID`/`<=ID`; conservative, since
    the filter itself still checks every row."""
    lower, upper = -(1 << 62), 1 << 62
    if not isinstance(raw_filter, Mapping):
        return lower, upper
    shifts = {">=": (1, None), ">": (0, None), "<=": (None, 0), "<": (None, 0)}
    for key, value in raw_filter.items():
        for prefix, (low, high) in shifts.items():
            if str(key).upper() != prefix + id_field:
                continue
            try:
                bound = int(float(value))
            except (TypeError, ValueError):
                break
            if low is not None:
                lower = max(lower, bound - low)
            else:
                upper = min(upper, bound - high)
            break
    return lower, upper
