"""The routing settings form <-> RoutingConfig, and the choices the form offers.

Parsing keeps what the admin typed even when it is wrong, so the page can show it again next
to its message (as pages/forms.py does for the exchange).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from handlers.routing.config import (
    GROUP_MODES,
    GROUP_ORDERS,
    RING_MAX,
    RING_MIN,
    STEP_KINDS,
    RoutingConfig,
)
from handlers.routing.structure import load_org
from store.models import User

ZONES = ("Europe/Kaliningrad", "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg",
         "Asia/Omsk", "Asia/Novosibirsk", "Asia/Krasnoyarsk", "Asia/Irkutsk", "Asia/Yakutsk",
         "Asia/Vladivostok", "Asia/Magadan", "Asia/Kamchatka", "Europe/Minsk", "Asia/Almaty",
         "Asia/Tashkent", "Asia/Tbilisi", "Asia/Yerevan", "Asia/Baku", "UTC")
# RoutingConfig.validate() problem -> the field the message stands next to.
PROBLEM_FIELD = {"work_hours": "work_start", "step_seconds": "seconds_group"}


@dataclass(frozen=True)
class DeptChoice:
    dept_id: int
    path: str  # "ТД «Вектор» / Отдел продаж": where it sits in the structure
    members: int


def departments(session: Session, portal_id: int) -> list[DeptChoice]:
    """Every mirrored department with its place in the tree and how many active people."""
    org = load_org(session, portal_id)
    counts: dict[int, int] = {}
    for person in org.people.values():
        for dep in person.departments if person.active else ():
            counts[dep] = counts.get(dep, 0) + 1
    rows = [DeptChoice(d.dept_id, " / ".join(a.name for a in reversed(org.ancestry(d.dept_id))),
                       counts.get(d.dept_id, 0)) for d in org.departments.values()]
    return sorted(rows, key=lambda r: r.path)


def zones(current: str) -> list[str]:
    """The usual zones of our portals, plus whatever zone is saved now."""
    return list(ZONES) if current in ZONES else [current, *ZONES]


def _int(value: str | None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _step_seconds(form: MultiDict[str, str], errors: dict[str, str],
                  current: RoutingConfig) -> dict[str, int]:
    """`seconds_<kind>` fields: empty means "as ring_seconds"; junk or out of range is an
    error on that field (the typed text is shown again)."""
    out: dict[str, int] = {}
    for kind in STEP_KINDS:
        name = f"seconds_{kind}"
        raw = (form.get(name) or "").strip()
        if name not in form:
            if kind in current.step_seconds:  # an older form without the field keeps it
                out[kind] = current.step_seconds[kind]
            continue
        if not raw:
            continue
        number = _int(raw)
        if number is None or not RING_MIN <= number <= RING_MAX:
            errors[name] = "routing.error.step_seconds"
            continue
        out[kind] = number
    return out


def parse_routing(form: MultiDict[str, str], session: Session, portal_id: int,
                  current: RoutingConfig) -> tuple[RoutingConfig, dict[str, str]]:
    """The new config and {field: error key}; an empty dict means it may be saved."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    ring = _int(form.get("ring_seconds"))
    if ring is None or not RING_MIN <= ring <= RING_MAX:
        errors["ring_seconds"] = "routing.error.ring"
    values["ring_seconds"] = current.ring_seconds if ring is None else ring
    known = {d.dept_id for d in departments(session, portal_id)}
    picked = sorted({n for n in map(_int, form.getlist("sales_department_ids")) if n is not None})
    if set(picked) - known:
        errors["sales_department_ids"] = "routing.error.department"
    values["sales_department_ids"] = [d for d in picked if d in known]
    values["work_days"] = sorted({n for n in map(_int, form.getlist("work_days"))
                                  if n is not None and 0 <= n <= 6})
    values["work_start"] = (form.get("work_start") or "").strip()[:8]
    values["work_end"] = (form.get("work_end") or "").strip()[:8]
    values["time_zone"] = (form.get("time_zone") or "").strip()[:64]
    raw_owner = (form.get("owner_user_id") or "").strip()
    values["owner_user_id"] = _int(raw_owner) if raw_owner else None
    if raw_owner and values["owner_user_id"] not in set(session.scalars(
            select(User.b24_user_id).where(User.portal_id == portal_id))):
        errors["owner_user_id"] = "error.user"
    values["show_cards"] = form.get("show_cards") == "1"
    values["presence"] = form.get("presence") == "1"
    values["step_seconds"] = _step_seconds(form, errors, current)
    for name, allowed in (("group_mode", GROUP_MODES), ("group_order", GROUP_ORDERS)):
        raw = form.get(name)
        if raw is not None and raw not in allowed:
            errors[name] = f"routing.error.{name}"
        values[name] = raw if raw in allowed else getattr(current, name)
    cfg = dataclasses.replace(current, **values)
    for problem in cfg.validate():
        field = PROBLEM_FIELD.get(problem, problem)
        errors.setdefault(field, f"routing.error.{problem}")
    return cfg, errors
