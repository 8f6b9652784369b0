"""Seconds since 1970 for a stored UTC timestamp, on SQLite and PostgreSQL alike.

Day and hour buckets and "called back within N minutes" are integer arithmetic on this, which
both databases do fast and the same way (date functions differ and are slower).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


class epoch(FunctionElement):
    """epoch(column) -> integer seconds (columns hold naive UTC, see store.types)."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch"


@compiles(epoch)
def _epoch_default(element: epoch, compiler: Any, **kw: Any) -> str:
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS BIGINT)"


@compiles(epoch, "sqlite")
def _epoch_sqlite(element: epoch, compiler: Any, **kw: Any) -> str:
    # julianday() parses the stored text once; + 0.5 rounds away the float error.
    column = compiler.process(element.clauses, **kw)
    return f"CAST((julianday({column}) - 2440587.5) * 86400 + 0.5 AS INTEGER)"


def day_number(column: Any, offset: int) -> ColumnElement:
    """Days since 1970-01-01 in a zone `offset` seconds east of UTC (the same in every dialect)."""
    return (epoch(column) + _int(offset)) // _int(86400)


def hour_of_day(column: Any, offset: int) -> ColumnElement:
    return ((epoch(column) + _int(offset)) % _int(86400)) // _int(3600)


def _int(value: int) -> ColumnElement:
    """Inlined, not bound: GROUP BY must repeat the select's expression token for token."""
    return literal_column(str(int(value)), Integer())
