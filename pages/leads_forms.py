"""The lead settings form <-> LeadRulesConfig, with one message key per wrong field.

What the admin typed is kept even when it is wrong, so the page shows it again next to the
message instead of silently resetting it (as pages/forms.py does for the exchange).
"""

from __future__ import annotations

import dataclasses
import math
import re
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from handlers.lead_rules.config import EVIDENCE_KINDS, LeadRulesConfig
from handlers.lead_rules.statuses import Statuses
from store.models import User

HOUR_FIELDS = ("sla_hours", "stage_default_hours", "grace_hours")
# LeadRulesConfig.validate() problem -> the form field the message stands next to.
PROBLEM_FIELD = {"stage_hours": "stage_default_hours", "work_hours": "work_start"}
TIMEZONES = ("Europe/Kaliningrad", "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg",
             "Asia/Omsk", "Asia/Novosibirsk", "Asia/Krasnoyarsk", "Asia/Irkutsk",
             "Asia/Yakutsk", "Asia/Vladivostok", "Asia/Magadan", "Asia/Kamchatka",
             "Europe/Minsk", "Asia/Almaty", "Asia/Tashkent", "Europe/Berlin", "UTC")


def _number(value: str | None) -> float | None:
    """A finite number or None: "nan", "inf" and "1e400" are not hours or seconds."""
    try:
        number = float(str(value).strip().replace(",", "."))
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _holidays(text: str) -> tuple[list[str], bool]:
    """Dates separated by commas, spaces or lines; (dates, all understood)."""
    days, ok = [], True
    for part in re.split(r"[\s,;]+", text.strip()):
        if not part:
            continue
        try:
            days.append(date.fromisoformat(part).isoformat())
        except ValueError:
            ok = False
    return sorted(set(days)), ok


def parse_lead_settings(form: MultiDict[str, str], session: Session, portal_id: int,
                        current: LeadRulesConfig,
                        statuses: Statuses) -> tuple[LeadRulesConfig, dict[str, str]]:
    """The new config and {field: error key}; an empty dict means it may be saved."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name in HOUR_FIELDS:
        number = _number(form.get(name))
        if number is None:
            errors[name] = "leads.error.number"
        values[name] = getattr(current, name) if number is None else number
    values["stage_hours"] = {}
    for status in statuses.intermediate:
        raw = (form.get(f"stage_{status.code}") or "").strip()
        if raw:
            number = _number(raw)
            if number is None or number <= 0:
                errors[f"stage_{status.code}"] = "leads.error.number"
            else:
                values["stage_hours"][status.code] = number
    seconds = _number(form.get("min_call_seconds"))
    if seconds is None:
        errors["min_call_seconds"] = "error.number"
    values["min_call_seconds"] = current.min_call_seconds if seconds is None else int(seconds)
    values["holidays"], understood = _holidays(form.get("holidays") or "")
    if not understood:
        errors["holidays"] = "leads.error.holidays"
    for name in ("timezone", "work_start", "work_end", "junk_mode", "reason_mode", "deal_owner"):
        values[name] = (form.get(name) or "").strip()
    # isascii: "²" passes isdigit() but not int().
    values["work_days"] = sorted({int(d) for d in form.getlist("work_days")
                                  if d.isascii() and d.isdigit()})
    values["evidence_kinds"] = [k for k in EVIDENCE_KINDS if k in form.getlist("evidence_kinds")]
    values["require_patronymic"] = form.get("require_patronymic") == "y"
    values["link_repeats"] = form.get("link_repeats") == "y"
    category = _number(form.get("deal_category"))
    values["deal_category"] = int(category) if category is not None and category >= 0 else 0
    head = (form.get("head_user_id") or "").strip()
    values["head_user_id"] = int(head) if head.isascii() and head.isdigit() else None
    if head and values["head_user_id"] not in set(session.scalars(
            select(User.b24_user_id).where(User.portal_id == portal_id))):
        errors["head_user_id"] = "error.user"
    cfg = dataclasses.replace(current, **values)
    for problem in cfg.validate():
        errors.setdefault(PROBLEM_FIELD.get(problem, problem), f"leads.error.{problem}")
    return cfg, errors
