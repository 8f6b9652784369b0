"""The settings form <-> ExchangeConfig, with one message key per wrong field.

Parsing keeps what the admin typed even when it is wrong, so the page can show it again next
to the message instead of silently resetting it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from handlers.exchange import caps
from handlers.exchange.config import ExchangeConfig
from store.models import User

INT_FIELDS = ("default_cap", "cap_min", "cap_max", "stale_days", "alert_waiting_over",
              "alert_wait_hours")
# ExchangeConfig.validate() problem -> the form field the message stands next to.
PROBLEM_FIELD = {"cap": "default_cap", "cap_bounds": "cap_min"}


def _int(value: str | None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def candidates(session: Session, portal_id: int, cfg: ExchangeConfig,
               auto: list[int]) -> list[User]:
    """People shown in the managers table: the sales departments plus anyone configured."""
    ids = set(auto) | set(cfg.manager_ids) | set(cfg.caps)
    rows = session.scalars(select(User).where(User.portal_id == portal_id,
                                              User.b24_user_id.in_(ids)))
    return sorted(rows, key=lambda u: (u.last_name, u.name))


def parse_settings(form: MultiDict[str, str], session: Session, portal_id: int,
                   current: ExchangeConfig) -> tuple[ExchangeConfig, dict[str, str]]:
    """The new config and {field: error key}; an empty dict means it may be saved."""
    errors: dict[str, str] = {}
    known = set(session.scalars(select(User.b24_user_id).where(User.portal_id == portal_id)))
    values: dict[str, Any] = {}
    for name in INT_FIELDS:
        number = _int(form.get(name))
        if number is None:
            errors[name] = "error.number"
        values[name] = getattr(current, name) if number is None else number
    for name in ("exchange_user_id", "head_user_id"):
        raw = (form.get(name) or "").strip()
        values[name] = _int(raw) if raw else None
        if raw and values[name] not in known:
            errors[name] = "error.user"
    values["categories"] = sorted({n for n in map(_int, form.getlist("categories"))
                                   if n is not None and n >= 0})
    values["landing_mode"] = form.get("landing_mode") or ""
    values["cap_mode"] = form.get("cap_mode") or ""
    values["caps"] = {}
    for key, raw in form.items():
        uid = _int(key[4:]) if key.startswith("cap_") else None  # cap_<user id>; not cap_min
        if uid is None or not str(raw).strip():
            continue
        cap = _int(raw)
        if cap is None or not 0 <= cap <= 1000:
            errors[f"cap_{uid}"] = "error.cap"
        values["caps"][uid] = cap if cap is not None else raw
    if form.get("distribution_shown"):  # the section was on the page (an API post may lack it)
        values["answerer_takes_new_client"] = form.get("answerer_takes_new_client") == "on"
        for name in ("priority_minutes", "priority_top"):
            number = _int(form.get(name))
            if number is None:
                errors[name] = "error.number"
            values[name] = getattr(current, name) if number is None else number
    ticked = [n for n in map(_int, form.getlist("managers")) if n is not None]
    cfg = dataclasses.replace(current, **values)
    auto = caps.sales_managers(session, portal_id, dataclasses.replace(cfg, manager_ids=[]))
    # All of the sales departments ticked = follow the departments (new hires join by themselves).
    cfg.manager_ids = [] if set(ticked) == set(auto) else sorted(set(ticked))
    # Personal caps were checked one by one above (a typed-in word stays for the form).
    for problem in dataclasses.replace(cfg, caps={}).validate():
        errors.setdefault(PROBLEM_FIELD.get(problem, problem), f"error.{problem}")
    for name in ("alert_waiting_over", "alert_wait_hours"):
        if values[name] < 0 and name not in errors:
            errors[name] = "error.number"
    return cfg, errors
