"""Daily call targets (e.g. 30 outgoing calls of at least 3 minutes) and each person's progress.

A target is set for everyone, for a role (the sales managers, the head of sales: the roles of
pages.rights) and for a person; the most specific one applies (person > role > everyone). A
call counts towards it when it is outgoing (CALL_TYPE 1), answered and lasted at least the
target's minutes: a ring nobody took is no conversation. Days are the portal's local days.
The average duration of outgoing calls is over the answered ones (an unanswered call has no
duration to average). Settings live in section "call_targets" of the portal settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func
from sqlalchemy.orm import Session

from handlers.exchange import config as exchange_config
from handlers.exchange.caps import head_of_sales, sales_managers
from handlers.telephony.kpi_sql import aggregate
from handlers.telephony.kpis import Period, Rules
from store.models import Call
from store.settings import load_section, save_section

SECTION = "call_targets"
ROLES = ("manager", "head")
CALLS_RANGE = (0, 500)      # 0 = no target
MINUTES_RANGE = (0, 180)
EPOCH_DAY = date(1970, 1, 1)


@dataclass(frozen=True)
class Target:
    calls: int = 30
    min_seconds: int = 180

    @property
    def active(self) -> bool:
        return self.calls > 0


@dataclass
class TargetsConfig:
    default: Target = field(default_factory=Target)
    roles: dict[str, Target] = field(default_factory=dict)
    people: dict[int, Target] = field(default_factory=dict)

    def for_user(self, user_id: int | None, role: str = "manager") -> Target:
        if user_id in self.people:
            return self.people[user_id]
        return self.roles.get(role, self.default)

    def to_dict(self) -> dict[str, Any]:
        def one(t: Target) -> dict[str, int]:
            return {"calls": t.calls, "min_seconds": t.min_seconds}
        return {"default": one(self.default), "roles": {r: one(t) for r, t in self.roles.items()},
                "people": {str(u): one(t) for u, t in self.people.items()}}


def from_dict(data: Mapping[str, Any]) -> TargetsConfig:
    def one(raw: Any) -> Target:
        return Target(int(raw["calls"]), int(raw["min_seconds"]))
    try:
        return TargetsConfig(
            default=one(data["default"]) if "default" in data else Target(),
            roles={r: one(t) for r, t in (data.get("roles") or {}).items() if r in ROLES},
            people={int(u): one(t) for u, t in (data.get("people") or {}).items()})
    except (KeyError, TypeError, ValueError):
        return TargetsConfig()  # a damaged section falls back to the defaults, never a 500


def load(session: Session, portal_id: int) -> TargetsConfig:
    return from_dict(load_section(session, portal_id, SECTION))


def save(session: Session, portal_id: int, cfg: TargetsConfig, *, user_id: int | None,
         now: datetime) -> None:
    save_section(session, portal_id, SECTION, cfg.to_dict(), user_id=user_id, now=now)


def bounded(raw: str, lo: int, hi: int) -> int | None:
    try:
        value = int(raw.strip())
    except (AttributeError, ValueError):
        return None
    return value if lo <= value <= hi else None


def parse_target(calls: str | None, minutes: str | None) -> Target | str:
    """A Target from the two typed fields, or the error key of the first bad one."""
    n = bounded(calls or "", *CALLS_RANGE)
    if n is None:
        return "calls"
    m = bounded(minutes or "", *MINUTES_RANGE)
    if m is None:
        return "minutes"
    return Target(n, m * 60)


def parse_form(form: Mapping[str, str], known_people: set[int]) -> tuple[TargetsConfig,
                                                                         dict[str, str]]:
    """The settings form -> config and {field name: error key}.

    Fields: calls / minutes (everyone); role.<role>.calls / .minutes (empty = as everyone);
    person.<id>.calls / .minutes (empty = as the role). A person must be a known user."""
    errors: dict[str, str] = {}
    cfg = TargetsConfig()
    default = parse_target(form.get("calls"), form.get("minutes"))
    if isinstance(default, str):
        errors[default] = f"targets.error.{default}"
    else:
        cfg.default = default
    for name in sorted(form):
        parts = name.split(".")
        if len(parts) != 3 or parts[0] not in ("role", "person") or parts[2] != "calls":
            continue
        calls, minutes = form.get(name, ""), form.get(f"{parts[0]}.{parts[1]}.minutes", "")
        if not (calls or "").strip() and not (minutes or "").strip():
            continue  # left empty: inherits
        got = parse_target(calls, minutes)
        if isinstance(got, str):
            errors[f"{parts[0]}.{parts[1]}.{got}"] = f"targets.error.{got}"
        elif parts[0] == "role":
            if parts[1] not in ROLES:
                errors[name] = "targets.error.role"
            else:
                cfg.roles[parts[1]] = got
        else:
            uid = bounded(parts[1], 1, 2**31 - 1)
            if uid is None or uid not in known_people:
                errors[name] = "targets.error.person"
            else:
                cfg.people[uid] = got
    return cfg, errors


@dataclass(frozen=True)
class DayProgress:
    user_id: int | None
    day: date
    target: Target
    done: int = 0                # answered outgoing calls of at least target.min_seconds
    outgoing: int = 0            # every outgoing call
    outgoing_answered: int = 0
    outgoing_seconds: int = 0

    @property
    def avg_outgoing(self) -> float | None:
        return self.outgoing_seconds / self.outgoing_answered if self.outgoing_answered else None

    @property
    def share(self) -> float | None:
        return min(1.0, self.done / self.target.calls) if self.target.active else None

    @property
    def met(self) -> bool:
        return self.target.active and self.done >= self.target.calls


def _columns(thresholds: list[int]) -> list[Any]:
    out, ok = Call.call_type == 1, Call.answered.is_(True)
    cols = [func.count().filter(out).label("outgoing"),
            func.count().filter(and_(out, ok)).label("outgoing_answered"),
            func.sum(Call.duration).filter(and_(out, ok)).label("outgoing_seconds")]
    cols += [func.count().filter(and_(out, ok, Call.duration >= s)).label(f"long_{s}")
             for s in thresholds]
    return cols


def progress(session: Session, portal_id: int, period: Period, rules: Rules,
             targets: Mapping[int | None, Target], days: list[date]) -> list[DayProgress]:
    """Every (person in `targets`, day in `days`) pair with its progress; one aggregate per
    call of the KPI index (kpi_sql.aggregate, sliced per day on SQLite)."""
    thresholds = sorted({t.min_seconds for t in targets.values()})
    rows = aggregate(session, Call, _columns(thresholds), ["day", "user"], portal_id=portal_id,
                     start=period.start, end=period.end, offset=rules.utc_offset,
                     operator=rules.operator)
    out = []
    for uid, target in targets.items():
        for day in days:
            got = rows.get(((day - EPOCH_DAY).days, uid), {})
            out.append(DayProgress(uid, day, target, got.get(f"long_{target.min_seconds}", 0),
                                   got.get("outgoing", 0), got.get("outgoing_answered", 0),
                                   got.get("outgoing_seconds", 0)))
    return out


def period_days(period: Period, offset: int) -> list[date]:
    """The local days of the period (the same arithmetic as kpis.by_day)."""
    shift = timedelta(seconds=offset)
    first = (period.start.astimezone(UTC) + shift).date()
    last = (period.end.astimezone(UTC) - timedelta(microseconds=1) + shift).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def people(session: Session, portal_id: int, cfg: TargetsConfig,
           operator: int | None = None) -> dict[int | None, Target]:
    """Whose targets are shown: the sales managers and the head of sales (their role's
    target), and anyone with a target of his own, never the exchange's account; `operator`
    alone for a manager's view."""
    ex = exchange_config.load(session, portal_id)
    head = head_of_sales(session, portal_id, ex)
    ids = set(sales_managers(session, portal_id, ex)) | set(cfg.people) | (
        {head} if head else set())
    ids.discard(ex.exchange_user_id)  # the exchange's service account makes no calls
    if operator is not None:
        ids = {operator}
    found = {uid: cfg.for_user(uid, "head" if uid == head else "manager") for uid in ids}
    return {uid: t for uid, t in sorted(found.items(), key=lambda kv: kv[0] or 0) if t.active}


@dataclass(frozen=True)
class PersonSummary:
    user_id: int | None
    target: Target
    days: list[DayProgress]

    @property
    def met_days(self) -> int:
        return sum(d.met for d in self.days)

    @property
    def done(self) -> int:
        return sum(d.done for d in self.days)

    @property
    def avg_outgoing(self) -> float | None:
        n = sum(d.outgoing_answered for d in self.days)
        return sum(d.outgoing_seconds for d in self.days) / n if n else None


def summaries(rows: list[DayProgress]) -> list[PersonSummary]:
    by: dict[int | None, list[DayProgress]] = {}
    for row in rows:
        by.setdefault(row.user_id, []).append(row)
    return [PersonSummary(uid, days[0].target, sorted(days, key=lambda d: d.day))
            for uid, days in by.items()]
