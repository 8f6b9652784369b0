"""Time arithmetic on stored UTC timestamps that both databases do fast (and the same way).

Used by the telephony store functions and KPI queries.

- `epoch(col)`: integer seconds since 1970 ("called back within N minutes" is a subtraction);
- `local_day(col, offset)`: days since 1970-01-01 in a zone `offset` seconds east of UTC;
- `local_hour(col, offset)`: hour of that local day, 0-23.
PostgreSQL gets plain timestamp arithmetic (EXTRACT(EPOCH ...) is numeric and slow over a
million rows); SQLite parses the stored text once with julianday(). The offset is inlined, not
bound: GROUP BY must repeat the select's expression token for token.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import BigInteger, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal

_SQLITE_EPOCH = "CAST((julianday({}) - 2440587.5) * 86400 + 0.5 AS INTEGER)"


class epoch(FunctionElement):
    """epoch(column) -> integer seconds (columns hold naive UTC, see store.types)."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch"


class _Local(FunctionElement):
    type = Integer()
    inherit_cache = True
    # the offset changes the SQL, so it is part of the statement cache key
    _traverse_internals: ClassVar[list] = [*FunctionElement._traverse_internals,
                                           ("offset", InternalTraversal.dp_plain_obj)]

    def __init__(self, column: Any, offset: int) -> None:
        self.offset = int(offset)
        super().__init__(column)


class local_day(_Local):
    name = "local_day"
    inherit_cache = True


class local_hour(_Local):
    name = "local_hour"
    inherit_cache = True


def _arg(element: FunctionElement, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(epoch)
def _epoch_pg(element: epoch, compiler: Any, **kw: Any) -> str:
    return f"CAST(EXTRACT(EPOCH FROM {_arg(element, compiler, **kw)}) AS BIGINT)"


@compiles(epoch, "sqlite")
def _epoch_sqlite(element: epoch, compiler: Any, **kw: Any) -> str:
    # julianday() parses the stored text once; + 0.5 rounds away the float error.
    return _SQLITE_EPOCH.format(_arg(element, compiler, **kw))


@compiles(local_day)
def _day_pg(element: local_day, compiler: Any, **kw: Any) -> str:
    shifted = f"({_arg(element, compiler, **kw)} + INTERVAL '{element.offset} seconds')"
    return f"(CAST({shifted} AS DATE) - DATE '1970-01-01')"


@compiles(local_day, "sqlite")
def _day_sqlite(element: local_day, compiler: Any, **kw: Any) -> str:
    seconds = _SQLITE_EPOCH.format(_arg(element, compiler, **kw))
    return f"(({seconds} + {element.offset}) / 86400)"


@compiles(local_hour)
def _hour_pg(element: local_hour, compiler: Any, **kw: Any) -> str:
    shifted = f"({_arg(element, compiler, **kw)} + INTERVAL '{element.offset} seconds')"
    return f"CAST(date_part('hour', {shifted}) AS INTEGER)"


@compiles(local_hour, "sqlite")
def _hour_sqlite(element: local_hour, compiler: Any, **kw: Any) -> str:
    column = _arg(element, compiler, **kw)
    if element.offset % 3600 == 0:  # whole-hour zones: the stored text's hour, shifted
        shift = element.offset // 3600 + 24
        return f"((CAST(substr({column}, 12, 2) AS INTEGER) + {shift}) % 24)"
    seconds = _SQLITE_EPOCH.format(column)
    return f"((({seconds} + {element.offset}) % 86400) / 3600)"


def day_number(column: Any, offset: int) -> local_day:
    return local_day(column, offset)


def hour_of_day(column: Any, offset: int) -> local_hour:
    return local_hour(column, offset)
