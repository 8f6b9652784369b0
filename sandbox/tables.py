"""An id -> record table with the ordered-id index list methods need for fast `>ID` paging."""

from __future__ import annotations

import bisect
from collections.abc import Iterator


class Table:
    """Records are plain dicts in Bitrix wire shape (string ids, "Y"/"N"), keyed by int id."""

    def __init__(self, name: str, first_id: int = 1) -> None:
        self.name = name
        self.rows: dict[int, dict] = {}
        self._ids: list[int] = []
        self._next = first_id

    def insert(self, record: dict, id_key: str = "ID") -> int:
        new_id = self._next
        self._next += 1
        record[id_key] = str(new_id)
        self.rows[new_id] = record
        self._ids.append(new_id)  # ids only grow, so the list stays sorted
        return new_id

    def put(self, new_id: int, record: dict) -> None:
        """Insert with a given id (seed data)."""
        if new_id not in self.rows:
            bisect.insort(self._ids, new_id)
        self.rows[new_id] = record
        self._next = max(self._next, new_id + 1)

    def get(self, row_id: int) -> dict | None:
        return self.rows.get(row_id)

    def delete(self, row_id: int) -> dict | None:
        row = self.rows.pop(row_id, None)
        if row is not None:
            i = bisect.bisect_left(self._ids, row_id)
            del self._ids[i]
        return row

    def ids_after(self, last_id: int) -> Iterator[int]:
        """Ids greater than last_id in ascending order, without scanning the smaller ones."""
        for i in range(bisect.bisect_right(self._ids, last_id), len(self._ids)):
            yield self._ids[i]

    def ids_descending(self) -> Iterator[int]:
        return reversed(self._ids)

    def __iter__(self) -> Iterator[dict]:
        return (self.rows[i] for i in self._ids)

    def __len__(self) -> int:
        return len(self.rows)
