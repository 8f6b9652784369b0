"""One KPI breakdown as one SQL statement, shaped for each database.

PostgreSQL hashes the groups: a plain GROUP BY over the period is fastest. SQLite has no hash
aggregation: a GROUP BY over a year of calls sorts every row (most of the cost), so there the
statement aggregates each local day on its own, an index range of a few thousand rows grouped
in memory, and then adds the days up. Every measure is a count or a sum and the days do not
overlap, so adding them up is exact; a slice's day is a constant, so it costs nothing per row.
"Days with calls" is the number of day slices a group appears in. Both shapes are one
statement; Python only reads the rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, bindparam, cast, func, select, true
from sqlalchemy.orm import Session

from store.telephony_sql import day_number, hour_of_day

Dim = Callable[[Any, int], Any]
DIMS: dict[str, Dim] = {
    "day": lambda t, off: day_number(t.start_at, off),
    "hour": lambda t, off: hour_of_day(t.start_at, off),
    "user": lambda t, off: t.user_id,
    "line": lambda t, off: t.line,
}
STORED = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy writes a DateTime into SQLite
EPOCH_DAY = date(1970, 1, 1)


def aggregate(session: Session, table: Any, columns: list[Any], dims: list[str], *,
              portal_id: int, start: datetime, end: datetime, offset: int,
              active_days: bool = False, sliced: bool | None = None,
              operator: int | None = None, where: Any = None) -> dict[tuple, dict]:
    """{(dim values...): {column label: value}} over the portal's rows in [start, end).

    active_days adds "active_days": the local days with at least one row in the group;
    sliced chooses the statement's shape (default: per day on SQLite, plain elsewhere);
    operator keeps one user's rows only; where is one more condition (a rollup's grain)."""
    if sliced is None:
        sliced = session.get_bind().dialect.name == "sqlite"
    if dims and sliced:
        return _sqlite_sliced(session, table, columns, dims, portal_id=portal_id, start=start,
                              end=end, offset=offset, active_days=active_days,
                              operator=operator, where=where)
    keys = [DIMS[d](table, offset).label(d) for d in dims]
    if active_days:  # per (group, day) first, then per group: the days are its row count
        keys.append(DIMS["day"](table, offset).label("_day"))
    stmt = select(*keys, *columns).where(table.portal_id == portal_id, table.start_at >= start,
                                         table.start_at < end, _of(table, operator),
                                         true() if where is None else where)
    if keys:
        stmt = stmt.group_by(*keys)
    if not active_days:
        return _read(session, stmt, dims, [c.name for c in columns])
    per_day = stmt.subquery()
    sums = [cast(func.sum(per_day.c[c.name]), Integer).label(c.name) for c in columns]
    outer = [per_day.c[d] for d in dims]
    stmt = select(*outer, *sums, func.count().label("active_days")).group_by(*outer)
    return _read(session, stmt, dims, [*(c.name for c in columns), "active_days"])


def _of(table: Any, operator: int | None) -> Any:
    return true() if operator is None else table.user_id == operator


def _read(session: Session, stmt: Any, dims: list[str], names: list[str]) -> dict:
    return {tuple(row[:len(dims)]): {n: int(v or 0) for n, v in
                                     zip(names, row[len(dims):], strict=True)}
            for row in session.execute(stmt).all()}


def slices(start: datetime, end: datetime, offset: int) -> list[list]:
    """[stored lower bound, stored upper bound, local day number] for each local day touched.

    (Hour slices were tried: 8 760 subqueries a year cost more than grouping by the hour.)"""
    shift = timedelta(seconds=offset)
    lo, out = start.astimezone(UTC), []
    while lo < end:
        local = (lo + shift).replace(hour=0, minute=0, second=0, microsecond=0)
        hi = min(local - shift + timedelta(days=1), end.astimezone(UTC))
        out.append([lo.strftime(STORED), hi.strftime(STORED), (local.date() - EPOCH_DAY).days])
        lo = hi
    return out


def _sqlite_sliced(session: Session, table: Any, columns: list[Any], dims: list[str], *,
                   portal_id: int, start: datetime, end: datetime, offset: int,
                   active_days: bool, operator: int | None,
                   where: Any = None) -> dict[tuple, dict[str, int]]:
    days = func.json_each(bindparam("slices", json.dumps(slices(start, end, offset)))) \
        .table_valued("value").alias("d")
    part = [func.json_extract(days.c.value, f"$[{i}]") for i in range(3)]
    const = {"day": part[2]}
    keys = [(const[d] if d in const else DIMS[d](table, offset)).label(d) for d in dims]
    per_slice = (select(*keys, *columns)  # a slice's day is a constant: not grouped by
                 .where(table.portal_id == portal_id, table.start_at >= part[0],
                        table.start_at < part[1], _of(table, operator),
                        true() if where is None else where)
                 .group_by(*(k for k, d in zip(keys, dims, strict=True) if d not in const))
                 .having(func.count() > 0)
                 .correlate(days).subquery())  # SQLite lets it see the outer slice row
    packed = select(func.json_group_array(func.json_array(*per_slice.c))).scalar_subquery()
    rows = func.json_each(packed).table_valued("value").alias("r")
    out_keys = [func.json_extract(rows.c.value, f"$[{i}]").label(d)
                for i, d in enumerate(dims)]
    sums = [cast(func.total(func.json_extract(rows.c.value, f"$[{len(dims) + i}]")), Integer)
            .label(c.name) for i, c in enumerate(columns)]
    if active_days:
        sums.append(func.count().label("active_days"))  # one row per (day slice, group)
    stmt = select(*out_keys, *sums).select_from(days).join(rows, true()).group_by(*out_keys)
    return _read(session, stmt, dims, [s.name for s in sums])
