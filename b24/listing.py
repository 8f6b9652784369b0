"""Reading a whole list fast: ID cursor with `start=-1`, up to 50 pages chained per batch.

Bitrix's recommended bulk read (§7, "huge data"): order by ID ascending, filter `>ID` = last ID
seen, `start=-1` so no total is counted. The first page is one plain call (most lists are
short); after that each batch request carries `pages_per_batch` chained pages, page k filtering
on `$result[p{k-1}][49][ID]` — 2,500 rows per request instead of fast_bitrix24's 50-per-page
offset paging with an order-scrambling dedup (python-clients.md §1.4). We stop at the first
short page and ignore the later commands of that batch (their references point past the end).
Rows come out in ID order, never twice, and a failing page raises instead of silently
shortening the list (b24pysdk's bug). Memory is one batch of pages, not the whole list.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from b24.errors import B24TransportError

if TYPE_CHECKING:
    from b24.client import B24Client

PAGE_SIZE = 50


@dataclass(frozen=True)
class ListQuery:
    """The caller's params normalised for cursor paging."""

    base: dict[str, Any]
    filter_key: str
    filter: dict[str, Any]
    id_field: str
    items_key: str | None
    start: Any  # the caller's own `>ID`, or None

    @classmethod
    def build(cls, params: Mapping[str, Any] | None, id_field: str,
              items_key: str | None) -> ListQuery:
        """Force ID ASC + start=-1, keep the caller's filter and select (plus the ID)."""
        base = dict(params or {})
        if _key(base, "start") is not None:
            raise ValueError("list_all pages by itself; do not pass 'start'")
        order_key = _key(base, "order") or "order"
        order = base.get(order_key)
        if order and not isinstance(order, Mapping):
            raise ValueError("order must be a mapping like {'ID': 'ASC'}")
        if order and {str(k).upper(): str(v).upper() for k, v in order.items()} != {
                id_field.upper(): "ASC"}:
            raise ValueError(f"list_all reads in {id_field} ASC order; sort the rows afterwards")
        base[order_key] = {id_field: "ASC"}
        base["start"] = -1
        _ensure_selected(base, id_field)
        filter_key = _key(base, "filter") or "filter"
        flt = dict(base.pop(filter_key, None) or {})
        start = flt.pop(f">{id_field}", None)
        return cls(base, filter_key, flt, id_field, items_key, start)

    def params(self, after: Any) -> dict[str, Any]:
        """Params of one page: the caller's filter plus `>ID` = after (if any)."""
        flt = dict(self.filter)
        if after is not None:
            flt[f">{self.id_field}"] = after
        return {**self.base, self.filter_key: flt} if flt else dict(self.base)

    def reference(self, key: str) -> str:
        """`$result[p3][49][ID]`: the last ID of page p3, resolved by the portal."""
        inner = f"[{self.items_key}]" if self.items_key else ""
        return f"$result[{key}]{inner}[{PAGE_SIZE - 1}][{self.id_field}]"

    def rows(self, result: Any) -> list[dict[str, Any]]:
        """The page's rows from a plain list or an `{"items": [...]}` result."""
        if self.items_key and isinstance(result, dict):
            result = result.get(self.items_key)
        if result is None or result == []:
            return []
        if not isinstance(result, list):
            raise ValueError("list result is an object; pass items_key= (e.g. 'items')")
        return result


def iterate(client: B24Client, method: str, params: Mapping[str, Any] | None, *,
            id_field: str = "ID", items_key: str | None = None,
            pages_per_batch: int = 50) -> Iterator[dict[str, Any]]:
    """Every row of a list method, lazily and in ID order; bad params fail at once."""
    query = ListQuery.build(params, id_field, items_key)
    return _rows(client, method, query, pages_per_batch)


def _rows(client: B24Client, method: str, query: ListQuery,
          pages_per_batch: int) -> Iterator[dict[str, Any]]:
    id_field, last = query.id_field, query.start
    for page in _pages(client, method, query, pages_per_batch):
        fresh = [row for row in page if _after(_row_id(row, id_field), last)]
        if len(page) == PAGE_SIZE and not fresh:
            raise B24TransportError(f"{method}: paging made no progress after {id_field}={last}")
        yield from fresh
        if fresh:
            last = _row_id(fresh[-1], id_field)


def _pages(client: B24Client, method: str, query: ListQuery,
           pages_per_batch: int) -> Iterator[list[dict[str, Any]]]:
    page = query.rows(client.call_raw(method, query.params(query.start)).get("result"))
    yield page
    while len(page) == PAGE_SIZE:
        cursor = _row_id(page[-1], query.id_field)
        keys = [f"p{index}" for index in range(max(1, min(pages_per_batch, 50)))]
        afters = [cursor, *(query.reference(key) for key in keys[:-1])]
        cmds = {key: (method, query.params(after)) for key, after in zip(keys, afters, strict=True)}
        answer = client.batch(cmds, halt=True)
        for key in keys:
            if key not in answer.results and key not in answer.errors:
                raise B24TransportError(f"{method}: batch answer lacks page {key}")
            page = query.rows(answer.get(key))  # raises that page's error
            yield page
            if len(page) < PAGE_SIZE:
                return


def _row_id(row: Any, id_field: str) -> Any:
    if not isinstance(row, dict) or row.get(id_field) is None:
        raise B24TransportError(f"list row without {id_field}; cannot page")
    return row[id_field]


def _after(value: Any, last: Any) -> bool:
    if last is None:
        return True
    try:
        return int(value) > int(last)
    except (TypeError, ValueError):
        return str(value) > str(last)


def _key(params: Mapping[str, Any], name: str) -> str | None:
    """Classic methods accept filter/FILTER alike (§7): find the caller's spelling."""
    return next((key for key in params if str(key).lower() == name), None)


def _ensure_selected(params: dict[str, Any], id_field: str) -> None:
    select_key = _key(params, "select")
    select = params.get(select_key) if select_key else None
    if not select:
        return
    names = {str(name).upper() for name in select}
    if "*" not in names and id_field.upper() not in names:
        params[select_key] = [*select, id_field]
