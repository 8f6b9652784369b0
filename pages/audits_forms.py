"""The audit settings form <-> AuditConfig, with one message key per wrong field."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from handlers.audits.config import REASONS, AuditConfig
from store.models import User

INT_FIELDS = {"suspicious_score": (1, 100), "sample_percent": (0, 100),
              "short_call_seconds": (1, 3600), "quick_reject_minutes": (0, 10080),
              "rate_window_days": (1, 365), "rate_min_closed": (1, 1000),
              "callback_days": (1, 60), "followup_days": (1, 60)}
CHOICES = {"callback_kind": ("task", "todo"), "reengage_to": ("exchange", "controller")}


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _user(raw: str | None, known: set[int], errors: dict[str, str], name: str) -> int | None:
    value = _int(raw) if (raw or "").strip() else None
    if (raw or "").strip() and value not in known:
        errors[name] = "error.user"
    return value


def parse(form: MultiDict[str, str], session: Session, portal_id: int,
          current: AuditConfig, pipelines: list[int]) -> tuple[AuditConfig, dict[str, str]]:
    """The new config and {field: error key}; an empty dict means it may be saved."""
    errors: dict[str, str] = {}
    known = set(session.scalars(select(User.b24_user_id).where(User.portal_id == portal_id)))
    values: dict[str, Any] = {}
    for name, (low, high) in INT_FIELDS.items():
        number = _int(form.get(name))
        if number is None or not low <= number <= high:
            errors[name] = "error.number"
        values[name] = getattr(current, name) if number is None else number
    try:
        values["rate_factor"] = float(str(form.get("rate_factor", "")).replace(",", "."))
        if not 1 <= values["rate_factor"] <= 20:
            errors["rate_factor"] = "error.number"
    except ValueError:
        errors["rate_factor"], values["rate_factor"] = "error.number", current.rate_factor
    values["weights"] = {}
    for reason in REASONS:
        weight = _int(form.get(f"weight_{reason}"))
        if weight is None or not 0 <= weight <= 100:
            errors[f"weight_{reason}"] = "error.number"
        values["weights"][reason] = current.weight(reason) if weight is None else weight
    for name, allowed in CHOICES.items():
        values[name] = form.get(name) if form.get(name) in allowed else getattr(current, name)
    values["controller_id"] = _user(form.get("controller_id"), known, errors, "controller_id")
    values["senior_id"] = _user(form.get("senior_id"), known, errors, "senior_id")
    values["seniors"] = {}
    for category in pipelines:
        chosen = _user(form.get(f"senior_{category}"), known, errors, f"senior_{category}")
        if chosen is not None:
            values["seniors"][category] = chosen
    values["followup_by_pipeline"] = {}
    for category in pipelines:  # blank: the common followup_days
        raw = (form.get(f"followup_days_{category}") or "").strip()
        days = _int(raw) if raw else None
        if raw and (days is None or not 1 <= days <= 60):
            errors[f"followup_days_{category}"] = "error.number"
        elif days is not None:
            values["followup_by_pipeline"][category] = days
    values["handoff_enabled"] = form.get("handoff_enabled") == "on"
    for name in ("proposal_stages", "invoice_stages"):  # codes: "C1:X" is X in pipeline 1
        posted = form.getlist(name) if hasattr(form, "getlist") else [form.get(name) or ""]
        codes = [s.strip().upper().split(":")[-1] for v in posted for s in v.split(",")]
        values[name] = list(dict.fromkeys(c for c in codes if c))
    return dataclasses.replace(current, **values), errors
