"""The `call_hours` rollup: calls summed per UTC hour, kept exact as calls are stored.

Why: the KPI breakdowns over a year of 1 000 000 calls cost ~0.6 s each when every call is
read (bench/call_kpis.py); the same sums over ~100 000 hour rows cost a few milliseconds.

How it stays exact: `upsert_call` notes the hours whose calls changed (`note`); before the
transaction commits, each noted hour is recomputed from its calls (`refresh`): delete the
hour's rows, insert its GROUP BY again. Recomputing, not adding deltas, makes a replayed or
reordered event harmless, and the rollup commits or rolls back with the call itself. Bulk
loads that bypass `upsert_call` (the bench) call `rebuild`; the telephony job rebuilds a
portal whose rollup is missing or counted with other thresholds (`matches`), and until then
the KPIs read `calls` directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, event, func, insert, literal, null, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import FunctionElement

from store.db import is_postgres
from store.models import Call
from store.telephony_models import CallHour, CallHourRules
from store.types import UTCDateTime

NAMES = ("incoming", "answered", "answer_timed", "answer_seconds", "within_rings", "talked",
         "talk_seconds", "outgoing", "outgoing_answered", "long_outgoing")
# What the report's people section counts per manager besides (handlers/report/people.py,
# counters.py): conversations (CALL_TYPE 1-3) and the duration of every call.
PEOPLE = ("conversations", "duration_seconds")
GRAINS = ("all", "user", "line")
_DIRTY = "call_hours_dirty"  # session.info key: {portal_id: {hour, ...}}


class hour_of(FunctionElement):
    """The UTC hour a stored timestamp falls in, in the column's own stored form."""

    type = UTCDateTime()
    inherit_cache = True
    name = "hour_of"


@compiles(hour_of)
def _hour_sqlite(element: hour_of, compiler: Any, **kw: Any) -> str:
    # SQLAlchemy stores a DateTime in SQLite as '%Y-%m-%d %H:%M:%S.%f' text
    return f"strftime('%Y-%m-%d %H:00:00.000000', {compiler.process(element.clauses, **kw)})"


@compiles(hour_of, "postgresql")
def _hour_pg(element: hour_of, compiler: Any, **kw: Any) -> str:
    return f"date_trunc('hour', {compiler.process(element.clauses, **kw)})"


def measures(ring_seconds: int, long_call_seconds: int) -> list[Any]:
    """The KPI sums over `calls` (labelled as NAMES): what the rollup stores, and what the
    KPIs compute straight from `calls` when the rollup cannot answer."""
    inc = Call.call_type.in_((2, 3))
    out = Call.call_type == 1
    ok = Call.answered.is_(True)
    timed = and_(inc, ok, Call.answer_seconds.is_not(None))
    count = func.count().filter
    return [
        count(inc).label("incoming"), count(and_(inc, ok)).label("answered"),
        count(timed).label("answer_timed"),
        func.sum(Call.answer_seconds).filter(timed).label("answer_seconds"),
        count(and_(timed, Call.answer_seconds <= ring_seconds)).label("within_rings"),
        count(ok).label("talked"), func.sum(Call.duration).filter(ok).label("talk_seconds"),
        count(out).label("outgoing"), count(and_(out, ok)).label("outgoing_answered"),
        count(and_(out, ok, Call.duration >= long_call_seconds)).label("long_outgoing"),
    ]


def _people_measures() -> list[Any]:
    return [func.count().filter(Call.call_type.in_((1, 2, 3))).label("conversations"),
            func.sum(Call.duration).label("duration_seconds")]


def sums() -> list[Any]:
    """The same measures summed over rollup rows (for handlers.telephony.kpi_sql.aggregate)."""
    return [func.sum(getattr(CallHour, name)).label(name) for name in NAMES]


def per_user(session: Session, portal_id: int, since: datetime, until: datetime,
             users: list[int], long_call_seconds: int) -> dict[int | None, dict[str, int]] | None:
    """{user: every measure summed} over [since, until) for the users with calls there, or
    None when the rollup cannot answer exactly (not built, counted with another long-call
    threshold, or a bound inside an hour): the caller reads `calls` then."""
    found = rules_of(session, portal_id)
    if found is None or found.long_call_seconds != long_call_seconds or any(
            hour(t) != t.astimezone(UTC) for t in (since, until)):
        return None
    flush(session)
    names = (*NAMES, *PEOPLE)
    rows = session.execute(
        select(CallHour.user_id, *(func.sum(getattr(CallHour, n)) for n in names))
        .where(CallHour.portal_id == portal_id, CallHour.grain == "user",
               CallHour.start_at >= since, CallHour.start_at < until,
               CallHour.user_id.in_(users))
        .group_by(CallHour.user_id)).all()
    return {row[0]: {n: int(v or 0) for n, v in zip(names, row[1:], strict=True)}
            for row in rows}


def hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def rules_of(session: Session, portal_id: int) -> CallHourRules | None:
    """The thresholds the portal's rollup is counted with; None while it is not built."""
    return session.get(CallHourRules, portal_id)


def matches(session: Session, portal_id: int, ring_seconds: int,
            long_call_seconds: int) -> bool:
    """The rollup is built and counted with these thresholds (pending hours refreshed)."""
    found = rules_of(session, portal_id)
    if found is None or (found.ring_seconds, found.long_call_seconds) != (
            ring_seconds, long_call_seconds):
        return False
    flush(session)  # hours this session changed and has not committed yet
    return True


def note(session: Session, portal_id: int, moments: Iterable[datetime | None]) -> None:
    """Hours whose calls changed in this transaction: recomputed before it commits."""
    hours = {hour(m) for m in moments if m is not None}
    if hours:
        session.info.setdefault(_DIRTY, {}).setdefault(portal_id, set()).update(hours)


def flush(session: Session) -> None:
    """Recompute the noted hours of portals whose rollup is built (others read `calls`)."""
    dirty = session.info.pop(_DIRTY, None)
    for portal_id, hours in (dirty or {}).items():
        found = _locked_rules(session, portal_id)
        if found is not None:
            refresh(session, portal_id, hours, found.ring_seconds, found.long_call_seconds)


def _locked_rules(session: Session, portal_id: int) -> CallHourRules | None:
    """The rules row, locked on PostgreSQL: two transactions recomputing one hour at once
    would each delete only the rows they saw and both insert (double counts)."""
    return session.get(CallHourRules, portal_id, with_for_update=is_postgres(session),
                       populate_existing=True)


def refresh(session: Session, portal_id: int, hours: Iterable[datetime], ring_seconds: int,
            long_call_seconds: int) -> None:
    """Each hour's rows recomputed from its calls (an hour without calls keeps no rows)."""
    for start in sorted(hours):
        session.execute(delete(CallHour).where(CallHour.portal_id == portal_id,
                                               CallHour.start_at == start))
        _insert(session, portal_id, ring_seconds, long_call_seconds,
                (Call.start_at >= start, Call.start_at < start + timedelta(hours=1)))


def rebuild(session: Session, portal_id: int, *, ring_seconds: int,
            long_call_seconds: int) -> None:
    """The portal's whole rollup from its calls: after a bulk load, or new thresholds."""
    found = _locked_rules(session, portal_id)
    if found is None:
        found = CallHourRules(portal_id=portal_id)
        session.add(found)
    found.ring_seconds, found.long_call_seconds = ring_seconds, long_call_seconds
    session.info.get(_DIRTY, {}).pop(portal_id, None)  # everything is recomputed here
    session.execute(delete(CallHour).where(CallHour.portal_id == portal_id))
    _insert(session, portal_id, ring_seconds, long_call_seconds, ())
    session.flush()


def _insert(session: Session, portal_id: int, ring_seconds: int, long_call_seconds: int,
            span: tuple) -> None:
    """INSERT ... SELECT of every grain over the portal's calls in `span` (conditions)."""
    values = [func.coalesce(m, 0) for m in
              [*measures(ring_seconds, long_call_seconds), *_people_measures()]]
    at = hour_of(Call.start_at)
    keys = {"all": (None, None), "user": (Call.user_id, None), "line": (None, Call.line)}
    for grain in GRAINS:
        user, line = keys[grain]
        rows = (select(literal(portal_id), literal(grain), at,
                       null() if user is None else user, null() if line is None else line,
                       *values)
                .where(Call.portal_id == portal_id, *span)
                .group_by(at, *(k for k in (user, line) if k is not None)))
        session.execute(insert(CallHour).from_select(
            ["portal_id", "grain", "start_at", "user_id", "line", *NAMES, *PEOPLE], rows))


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.info.get(_DIRTY):
        flush(session)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_DIRTY, None)  # the calls that changed were rolled back too

